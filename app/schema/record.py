"""The common record: one row per (case, person), whatever system it came from."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field

from app.schema.vocab import (
    DocumentType,
    OffenceFamily,
    Purpose,
    Recruitment,
    Role,
    Sex,
    Stage,
    System,
)

__all__ = ["CommonRecord", "RowError", "RowIssue"]


class CommonRecord(BaseModel):
    """One (case, person) row in the common schema; every ubigeo is an INEI code."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    system: System
    row_id: str = Field(description="ID_REGISTRO (RETA) or ID_SUJETO (SISTRA)")
    role: Role
    case_key: str = Field(description="Case number as the source typed it")
    case_key_norm: str = Field(description="Case number normalised for matching")
    agency_unit: str | None = Field(None, description="DEPENDENCIA or FISCALIA")
    prosecution_district: str | None = None
    origin: str | None = Field(None, description="SISTRA ORIGEN")
    police_complaint_ref: str | None = Field(None, description="SISTRA NRO_DENUNCIA_PNP as typed")
    police_complaint_ref_norm: str | None = None

    name_raw: str | None = Field(None, description="Name text exactly as received")
    given_names: str | None = None
    paternal_surname: str | None = None
    maternal_surname: str | None = None
    unidentified: bool = False

    document_type: DocumentType | None = None
    document_number: str | None = Field(None, description="DNI zero-padded to 8 digits")
    sex: Sex | None = None
    age: int | None = Field(None, description="Age in years at the registration date")
    minor: bool | None = Field(None, description="True when the source says minor")
    birth_date: date | None = None
    nationality: str | None = Field(None, description="ISO 3166-1 alpha-3")

    ubigeo_facts: str | None = None
    ubigeo_residence: str | None = None
    ubigeo_birth: str | None = None

    facts_date: date | None = None
    registration_date: date = Field(description="RETA FECHA_DENUNCIA or SISTRA FECHA_INGRESO")

    offence_raw: str
    offence: str = Field(description="Offence code from the dated crosswalk")
    offence_article: str | None = Field(None, description="Penal Code article in force")
    offence_family: OffenceFamily
    purpose: Purpose = Purpose.UNKNOWN
    recruitment: Recruitment | None = None
    stage: Stage | None = None

    @classmethod
    def trusted(cls, **values: Any) -> CommonRecord:
        """Build a record from every field, already typed by an adapter, without re-validating."""
        # Validation costs more than all of an adapter's parsing; the adapters build each field
        # with its declared type, and their tests validate what they return (round trip).
        if len(values) != len(_FIELDS):
            unknown = sorted(set(values) - set(_FIELDS))
            missing = sorted(set(_FIELDS) - set(values))
            raise TypeError(f"CommonRecord.trusted: unknown {unknown}, missing {missing}")
        record = cls.__new__(cls)
        # Field order, as validation would give it: the JSON encoding (and its hash) follows it.
        if tuple(values) != _FIELDS:  # the adapters pass the fields in order: no copy needed
            values = {name: values[name] for name in _FIELDS}
        object.__setattr__(record, "__dict__", values)
        object.__setattr__(record, "__pydantic_fields_set__", set(_FIELDS))
        object.__setattr__(record, "__pydantic_extra__", None)
        object.__setattr__(record, "__pydantic_private__", None)
        return record

    def json_bytes(self) -> bytes:
        """Return the compact JSON of the record, byte for byte what model_dump_json gives."""
        # Field order is fixed by the class, so the compact JSON dump is canonical. orjson
        # writes the same bytes for these field types ten times faster; anything it refuses
        # (a lone surrogate from a JSON Lines file) goes through pydantic as before.
        try:
            return orjson.dumps(self.__dict__)
        except TypeError:
            return self.model_dump_json().encode("utf-8")

    def content_hash(self) -> str:
        """Return a stable hash of the record's content, for versioning."""
        return hashlib.sha256(self.json_bytes()).hexdigest()

    def to_json(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict."""
        return self.model_dump(mode="json")


_FIELDS = tuple(CommonRecord.model_fields)


class RowIssue(BaseModel):
    """One reason a row was rejected: the column and a reason in Spanish."""

    model_config = ConfigDict(frozen=True)

    column: str
    reason: str


class RowError(BaseModel):
    """A source row that failed validation, kept with its raw content."""

    model_config = ConfigDict(frozen=True)

    system: System
    row_number: int = Field(
        description=(
            "Row as a spreadsheet shows it (header is row 1); JSON Lines: line; array: position"
        )
    )
    row_id: str | None = None
    issues: tuple[RowIssue, ...]
    raw: dict[str, Any]
