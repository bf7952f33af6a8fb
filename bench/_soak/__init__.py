"""Parts of the load soak (bench/soak.py)."""
