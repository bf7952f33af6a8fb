"""The data key: from INTERTRATA_DATA_KEY, or a key file beside the embedded database."""

from __future__ import annotations

import base64
import binascii
import secrets
from pathlib import Path

from app.config import Settings
from app.secretfile import read_or_create

__all__ = ["KEY_FILE_NAME", "DataKeyError", "generate_data_key", "load_data_key"]

KEY_FILE_NAME = "data-key"
_KEY_BYTES = 32


class DataKeyError(RuntimeError):
    """The data key is missing, malformed, or does not open the stored data."""


def generate_data_key() -> str:
    """Return a new data key as INTERTRATA_DATA_KEY expects it (base64 of 32 random bytes)."""
    return base64.b64encode(secrets.token_bytes(_KEY_BYTES)).decode("ascii")


def _decode(text: str, origin: str) -> bytes:
    value = text.strip()
    try:
        # Standard or URL-safe alphabet, padded or not: operators paste keys from many tools.
        key = base64.b64decode(
            value.replace("-", "+").replace("_", "/") + "=" * (-len(value) % 4), validate=True
        )
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != _KEY_BYTES:
        raise DataKeyError(
            f"{origin} no es una clave válida: debe ser base64 de {_KEY_BYTES} bytes "
            f"(genérela con `intertrata keys data-key`). / {origin} is not a valid key: "
            f"it must be base64 of {_KEY_BYTES} bytes."
        )
    return key


def _key_file(path: Path) -> bytes:
    # Two processes starting at once must not write two different keys.
    text, _ = read_or_create(path, generate_data_key)
    return _decode(text, str(path))


def load_data_key(settings: Settings) -> bytes:
    """Return the 32-byte data key; refuse to run on PostgreSQL without one."""
    if settings.data_key:
        return _decode(settings.data_key, "INTERTRATA_DATA_KEY")
    url = settings.resolved_database_url()
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        if not path or path == ":memory:":
            # The database dies with the process, and so may its key.
            return secrets.token_bytes(_KEY_BYTES)
        # Embedded default and demo: a key file next to the database (like var/secret-key).
        folder = Path(path).parent
        folder.mkdir(parents=True, exist_ok=True)
        return _key_file(folder / KEY_FILE_NAME)
    raise DataKeyError(
        "Falta INTERTRATA_DATA_KEY: con PostgreSQL los números de documento se cifran con una "
        "clave que debe darse en el entorno (base64 de 32 bytes; genérela con "
        "`intertrata keys data-key` y guárdela aparte de la base). / INTERTRATA_DATA_KEY is not "
        "set: with PostgreSQL, document numbers are encrypted with a key from the environment."
    )
