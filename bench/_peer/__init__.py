"""Helpers of bench/peer_splink.py: metrics, world tables, Splink model, child runners."""
