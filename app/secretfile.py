"""Secret files (the data key, the UI's signing key) created once, whole, by one process."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["read_or_create"]


def read_or_create(path: Path, make: Callable[[], str]) -> tuple[str, bool]:
    """Return the secret stored in path, creating it with make() if absent, and if it was new.

    Uvicorn workers start together: each writes a private temporary file (0600) and links it
    into place, which fails when another got there first, and everyone then reads the one
    file that won. Linking, unlike O_EXCL on the final name, never shows a half-written
    file to a process that reads at the same moment.
    """
    created = False
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret-")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(make() + "\n")
            os.chmod(tmp, 0o600)
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
                created = True
        finally:
            os.unlink(tmp)
    value = path.read_text(encoding="ascii").strip()
    if not value:
        raise ValueError(f"{path} está vacío")
    return value, created
