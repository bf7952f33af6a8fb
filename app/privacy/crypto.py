"""AES-256-GCM sealing of single values and keyed hashes, under keys derived from the data key."""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic_core import from_json, to_json

from app.config import Settings, get_settings
from app.privacy.keys import DataKeyError, load_data_key

__all__ = ["PREFIX", "Sealer", "get_sealer", "is_sealed"]

# The version names the key and the algorithm: a rotated key would write `enc:v2:` and a
# reader would pick the key by prefix, so rows written before stay readable.
PREFIX = "enc:v1:"
_NONCE = 12


def is_sealed(value: Any) -> bool:
    """Return True when a stored value is a ciphertext written by a Sealer."""
    return isinstance(value, str) and value.startswith(PREFIX)


def _derive(key: bytes, purpose: bytes) -> bytes:
    # Separate keys per purpose: the hash keys never touch the cipher, and vice versa.
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(key)


class Sealer:
    """Seal and open values with AES-256-GCM; compute keyed hashes (BLAKE2b)."""

    __slots__ = ("_aead", "_content_mac", "_document_mac")

    def __init__(self, key: bytes) -> None:
        # One AESGCM object for the process: sealing a row then costs a few microseconds.
        self._aead = AESGCM(_derive(key, b"intertrata/v1/document-encryption"))
        # Keyed BLAKE2b (RFC 7693's MAC mode) rather than HMAC-SHA256: equally a keyed PRF, and
        # copying a keyed state costs a third of an HMAC in CPython; ingest does two per row.
        self._document_mac = hashlib.blake2b(
            key=_derive(key, b"intertrata/v1/document-hash"), digest_size=32
        )
        self._content_mac = hashlib.blake2b(
            key=_derive(key, b"intertrata/v1/content-hash"), digest_size=32
        )

    def seal(self, value: Any) -> str:
        """Return `enc:v1:` and the base64 of nonce + ciphertext of the value's JSON."""
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, to_json(value), None)
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")

    def open(self, text: str) -> Any:
        """Return the value a `seal` produced; DataKeyError when this key did not seal it."""
        if not is_sealed(text):
            raise DataKeyError("valor no cifrado por Intertrata / not an Intertrata ciphertext")
        body = text[len(PREFIX) :]
        try:
            blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            return from_json(self._aead.decrypt(blob[:_NONCE], blob[_NONCE:], None))
        except (InvalidTag, ValueError) as exc:
            # InvalidTag says nothing more: a different key, or a value altered in the database.
            raise DataKeyError(
                "No se pudo descifrar un dato protegido: la clave INTERTRATA_DATA_KEY no es la "
                "que lo cifró, o el dato fue alterado. / Could not decrypt a protected value: "
                "wrong INTERTRATA_DATA_KEY or tampered data."
            ) from exc

    def document_hash(self, document_type: str | None, number: str) -> str:
        """Return the keyed hash of a normalised document (type and number), hex."""
        mac = self._document_mac.copy()
        mac.update(f"{document_type or ''}:{number}".encode())
        return mac.hexdigest()

    def content_hash(self, text: str) -> str:
        """Return the keyed hash that versions a stored record, hex."""
        return self.rekey_content_hash(hashlib.sha256(text.encode("utf-8")).hexdigest())

    def rekey_content_hash(self, plain_sha256: str) -> str:
        """Return the keyed content hash from the plain SHA-256 hex (used by the migration)."""
        # Keyed over the plain digest so that a migration can convert stored digests without
        # re-encoding every record exactly as ingest once did.
        mac = self._content_mac.copy()
        mac.update(plain_sha256.encode("ascii"))
        return mac.hexdigest()


@lru_cache(maxsize=4)
def _sealer(data_key: str, database_url: str) -> Sealer:
    return Sealer(load_data_key(Settings(data_key=data_key, database_url=database_url)))


_current: tuple[Settings, Sealer] | None = None


def get_sealer() -> Sealer:
    """Return the process-wide Sealer for the configured key (and database, for key files)."""
    global _current
    settings = get_settings()
    # Called once per row on ingest: skip re-resolving while the settings object is the same.
    if _current is None or _current[0] is not settings:
        _current = (settings, _sealer(settings.data_key, settings.resolved_database_url()))
    return _current[1]
