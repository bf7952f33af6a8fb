"""The linkage input record and its columnar, integer-coded table form."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import islice

import numpy as np
import numpy.typing as npt

from app.matching.normalize import (
    complaint_number,
    fold,
    is_unidentified_name,
    normalize_document,
    surname_core,
)
from app.schema.record import CommonRecord

__all__ = ["LinkInput", "RecordKey", "RecordTable", "Vocabulary", "from_common", "from_person"]

RecordKey = tuple[str, str]
IntArray = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class LinkInput:
    """One person row, normalised for linkage; built from a CommonRecord or a person list."""

    key: RecordKey
    given: str = ""
    paternal: str = ""
    maternal: str = ""
    unidentified: bool = False
    document: str = ""
    document_is_dni: bool = False
    sex: str = ""
    birth_date: date | None = None
    age: int | None = None
    reference_date: date | None = None
    minor: bool | None = None
    nationality: str = ""
    ubigeo_residence: str = ""
    ubigeo_birth: str = ""
    role: str = ""
    file: str = ""
    complaint_ref: str = ""
    facts_date: date | None = None
    ubigeo_facts: str = ""
    extra: tuple[tuple[str, str], ...] = field(default=())

    @property
    def system(self) -> str:
        """Return the source system of the row."""
        return self.key[0]


_VALUE: dict[object, str] = {}


def _value(member: object) -> str:
    """Return an enum member's value; Enum.value is a slow descriptor, a dict is not."""
    found = _VALUE.get(member)
    if found is None:
        found = _VALUE[member] = member.value  # type: ignore[attr-defined]
    return found


@lru_cache(maxsize=1 << 16)
def _complaint(text: str | None, year: int | None) -> str:
    return complaint_number(text, year)


@lru_cache(maxsize=1 << 16)
def _file_key(system: str, unit: str, registered: date) -> str:
    return f"{system}|{unit}|{registered.isoformat()}"


def from_common(record: CommonRecord) -> LinkInput:
    """Convert a CommonRecord into a LinkInput."""
    given = fold(record.given_names)
    paternal = surname_core(record.paternal_surname)
    maternal = surname_core(record.maternal_surname)
    unidentified = record.unidentified or (
        is_unidentified_name(record.given_names) and not paternal and not maternal
    )
    doc_type = _value(record.document_type) if record.document_type else None
    document = "" if doc_type == "NONE" else normalize_document(record.document_number, doc_type)
    registered = record.registration_date
    system = _value(record.system)
    if system == "RETA":
        # Rows of one police complaint share unit and date while the number is typed freely.
        file_key = _file_key("RETA", record.agency_unit or "", registered)
        ref = _complaint(record.case_key, registered.year)
    else:
        file_key = f"{system}|{record.case_key_norm}"
        ref = _complaint(record.police_complaint_ref_norm or record.police_complaint_ref, None)
    # Positional: a frozen dataclass with keyword arguments costs more than the rest here.
    return LinkInput(
        (system, record.row_id),
        "" if unidentified else given,
        "" if unidentified else paternal,
        "" if unidentified else maternal,
        unidentified,
        document,
        doc_type == "DNI" and len(document) == 8 and document.isdigit(),
        _value(record.sex) if record.sex else "",
        record.birth_date,
        record.age,
        registered,
        record.minor,
        record.nationality or "",
        record.ubigeo_residence or "",
        record.ubigeo_birth or "",
        _value(record.role),
        file_key,
        ref,
        record.facts_date,
        record.ubigeo_facts or "",
    )


def from_person(
    key: RecordKey | str,
    *,
    given_name: str | None = None,
    surname: str | None = None,
    maternal_surname: str | None = None,
    birth_date: date | None = None,
    sex: str | None = None,
    document: str | None = None,
    age: int | None = None,
    reference_date: date | None = None,
    postcode: str | None = None,
) -> LinkInput:
    """Build a LinkInput from a generic person-list row (FEBRL-like CSV)."""
    record_key = key if isinstance(key, tuple) else ("LIST", str(key))
    doc = normalize_document(document)
    sex_norm = (sex or "").strip().upper()[:1]
    return LinkInput(
        key=record_key,
        given=fold(given_name),
        paternal=surname_core(surname),
        maternal=surname_core(maternal_surname),
        unidentified=is_unidentified_name(given_name) and not surname_core(surname),
        document=doc,
        document_is_dni=len(doc) == 8 and doc.isdigit(),
        sex=sex_norm if sex_norm in ("F", "M") else "",
        birth_date=birth_date,
        age=age,
        reference_date=reference_date,
        ubigeo_residence=(postcode or "").strip(),
    )


class Vocabulary:
    """Map strings to dense integer codes; code 0 is the empty value."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {"": 0}
        self.values: list[str] = [""]

    def code(self, value: str) -> int:
        """Return the code of a value, adding it when new."""
        found = self.index.get(value)
        if found is None:
            found = len(self.values)
            self.index[value] = found
            self.values.append(value)
        return found

    def encode(self, values: Iterable[str]) -> IntArray:
        """Return the codes of many values."""
        index = self.index
        before = len(index)
        values = list(values)
        # setdefault gives a new value the next free code in one C-level call per value.
        codes = [index.setdefault(v, len(index)) for v in values]
        added = len(index) - before
        if added:
            if added * 8 >= before:
                self.values.extend(islice(index, before, None))
            else:
                # Few new values in a large vocabulary (score_one): islice would walk the
                # whole dict to reach them; new codes are in order of first appearance.
                new: list[str] = [""] * added
                for v, c in zip(values, codes, strict=True):
                    if c >= before:
                        new[c - before] = v
                self.values.extend(new)
        return np.asarray(codes, dtype=np.int32)


_NO_DATE = -1
_YEAR = 365.2425


def _ubigeo(value: str) -> int:
    return int(value) if value.isdigit() else -1


def _birth_bounds(rec: LinkInput) -> tuple[int, int, int]:
    """Return (dob, earliest, latest) birth ordinals implied by the record, -1 when unknown."""
    if rec.birth_date is not None:
        dob = rec.birth_date.toordinal()
        return dob, dob, dob
    if rec.age is not None and rec.reference_date is not None:
        ref = rec.reference_date.toordinal()
        return _NO_DATE, int(ref - (rec.age + 1) * _YEAR) + 1, int(ref - rec.age * _YEAR)
    return _NO_DATE, _NO_DATE, _NO_DATE


class RecordTable:
    """Columnar integer-coded view of LinkInputs shared by blocking, comparisons and scoring."""

    def __init__(
        self,
        records: Sequence[LinkInput],
        names: Vocabulary | None = None,
        other: Vocabulary | None = None,
    ) -> None:
        self.records = list(records)
        self.names = names or Vocabulary()
        self.other = other or Vocabulary()
        self._fill(self.records)

    def sibling(self, records: Sequence[LinkInput]) -> RecordTable:
        """Return a table of new records coded with this table's vocabularies."""
        return RecordTable(records, self.names, self.other)

    def _fill(self, records: Sequence[LinkInput]) -> None:
        names, other = self.names, self.other
        self.given = names.encode(r.given for r in records)
        self.given_first = names.encode(r.given.split(" ", 1)[0] for r in records)
        self.paternal = names.encode(r.paternal for r in records)
        self.maternal = names.encode(r.maternal for r in records)
        self.document = other.encode(r.document for r in records)
        self.document_is_dni = np.fromiter((r.document_is_dni for r in records), dtype=bool)
        self.sex = other.encode(r.sex for r in records)
        self.nationality = other.encode(r.nationality for r in records)
        self.residence = np.fromiter((_ubigeo(r.ubigeo_residence) for r in records), np.int32)
        self.birthplace = np.fromiter((_ubigeo(r.ubigeo_birth) for r in records), np.int32)
        self.file = other.encode(r.file for r in records)
        self.unidentified = np.fromiter((r.unidentified for r in records), dtype=bool)
        self.minor = np.fromiter(
            (bool(r.minor) or (r.age is not None and r.age < 18) for r in records), dtype=bool
        )
        self.victim = np.fromiter((r.role == "victim" for r in records), dtype=bool)
        self.police = np.fromiter((r.key[0] == "RETA" for r in records), dtype=bool)
        bounds = np.array([_birth_bounds(r) for r in records], dtype=np.int32).reshape(-1, 3)
        self.dob, self.birth_lo, self.birth_hi = bounds[:, 0], bounds[:, 1], bounds[:, 2]
        self.birth_md = np.fromiter(
            (
                (r.birth_date.month * 100 + r.birth_date.day) if r.birth_date else -1
                for r in records
            ),
            dtype=np.int32,
        )
        self.key_index = {r.key: i for i, r in enumerate(records)}
        # Case cluster of each row, known after a first linkage pass (-1: unknown).
        self.case = np.full(len(records), -1, dtype=np.int32)

    def __len__(self) -> int:
        return len(self.records)

    def text(self, codes: IntArray) -> list[str]:
        """Return the name strings of name codes."""
        values = self.names.values
        return [values[c] for c in codes.tolist()]

    def other_text(self, code: int) -> str:
        """Return the string of a non-name code."""
        return self.other.values[code]
