"""Protection of personal data at rest: document numbers sealed with a key from the environment."""

from app.privacy.crypto import PREFIX, Sealer, get_sealer, is_sealed
from app.privacy.keys import DataKeyError, generate_data_key, load_data_key
from app.privacy.records import (
    DOCUMENT_COLUMNS,
    HASH_FIELD,
    document_lookup_hashes,
    open_raw,
    open_record,
    seal_raw,
    seal_record_json,
)

__all__ = [
    "DOCUMENT_COLUMNS",
    "HASH_FIELD",
    "PREFIX",
    "DataKeyError",
    "Sealer",
    "document_lookup_hashes",
    "generate_data_key",
    "get_sealer",
    "is_sealed",
    "load_data_key",
    "open_raw",
    "open_record",
    "seal_raw",
    "seal_record_json",
]
