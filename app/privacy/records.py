"""Seal the document numbers of stored rows on write; open them where a reader may see them.

Stored forms (JSON columns):
- common record (`source_record_versions.record`): `document_number` holds the ciphertext and
  `document_hash` the keyed hash of the normalised document (null without one). The presence
  of `document_hash` marks a sealed record, documents or not.
- source row as sent (`source_record_versions.raw`, `quarantine_rows.raw`): the document
  column (RETA `NRO_DOC`, SISTRA `NUMERO_DOCUMENTO`) holds the ciphertext.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import to_json

from app.privacy.crypto import get_sealer, is_sealed
from app.schema import CommonRecord
from app.schema.documents import normalize_document

__all__ = [
    "DOCUMENT_COLUMNS",
    "HASH_FIELD",
    "document_lookup_hashes",
    "open_raw",
    "open_record",
    "seal_raw",
    "seal_record_json",
]

# The source columns that carry a document number (app/adapters/reta.py, sistra.py).
DOCUMENT_COLUMNS = ("NRO_DOC", "NUMERO_DOCUMENTO")
HASH_FIELD = "document_hash"
_KEY = '"document_number":'


def seal_raw(raw: dict[str, Any]) -> dict[str, Any]:
    """Seal the document column of a source row in place and return it."""
    for column in DOCUMENT_COLUMNS:
        value = raw.get(column)
        if value is not None and value != "" and not is_sealed(value):
            raw[column] = get_sealer().seal(value)
    return raw


def open_raw(raw: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a stored source row with its document column in clear."""
    if not any(is_sealed(raw.get(c)) for c in DOCUMENT_COLUMNS):
        return raw
    sealer = get_sealer()
    return {
        k: sealer.open(v) if k in DOCUMENT_COLUMNS and is_sealed(v) else v for k, v in raw.items()
    }


def seal_record_json(record: CommonRecord, text: str) -> tuple[str, str | None]:
    """Return the stored JSON of a record (document sealed, hash added) and the hash."""
    number = record.document_number
    kind = record.document_type.value if record.document_type is not None else None
    sealer = get_sealer()
    digest = None
    sealed = None
    if number:
        sealed = sealer.seal(number)
        normalised = normalize_document(number, kind)
        digest = sealer.document_hash(kind, normalised) if normalised else None
    # Edit the encoded text rather than dump the record again: the key occurs once (inside a
    # JSON string a quote is always escaped), and the value is encoded exactly as to_json does.
    plain = _KEY + to_json(number).decode("utf-8")
    stored = f"{_KEY}{to_json(sealed).decode('utf-8')},{to_json(HASH_FIELD).decode()}:" + (
        to_json(digest).decode("utf-8")
    )
    out = text.replace(plain, stored, 1)
    if out == text:
        raise ValueError("document_number not found in the encoded record")
    return out, digest


def document_lookup_hashes(number: str) -> list[str]:
    """Return the keyed hashes a document number may be stored under, one per document type."""
    from app.schema.vocab import DocumentType

    sealer = get_sealer()
    hashes = []
    # As seal_record_json hashes them: a row without a document type is hashed with none.
    for kind in (None, *(k.value for k in DocumentType if k is not DocumentType.NONE)):
        normalised = normalize_document(number, kind)
        if normalised:
            hashes.append(sealer.document_hash(kind, normalised))
    return hashes


def open_record(record: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a stored common record as the schema has it: document in clear."""
    if HASH_FIELD not in record:
        return record  # written before sealing existed (the migration converts these)
    out = dict(record)
    del out[HASH_FIELD]
    if is_sealed(out.get("document_number")):
        out["document_number"] = get_sealer().open(out["document_number"])
    return out
