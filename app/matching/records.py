"""The linkage input record and its columnar, integer-coded table form."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from itertools import islice
from typing import Any

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


def _distinct(values: Iterable[Any]) -> tuple[IntArray, list[Any]]:
    """Return the code of every value (in order of first appearance) and the distinct values."""
    index: dict[Any, int] = {}
    codes = np.asarray([index.setdefault(v, len(index)) for v in values], dtype=np.int32)
    return codes, list(index)


def _per_value(values: Iterable[Any], fn: Callable[[Any], Any], dtype: type) -> npt.NDArray[Any]:
    """Return fn of every value as an array, calling fn once per distinct value."""
    codes, distinct = _distinct(values)
    return np.array([fn(v) for v in distinct], dtype=dtype)[codes]


def _ordinal(value: date | None) -> int:
    return _NO_DATE if value is None else value.toordinal()


def _month_day(value: date | None) -> int:
    return -1 if value is None else value.month * 100 + value.day


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
        # Column by column, and per distinct value where a column has few (dates, ages,
        # places): at a million rows a Python call per row and field is most of the cost.
        names, other = self.names, self.other
        n = len(records)
        given = [r.given for r in records]
        self.given = names.encode(given)
        # First given names coded per distinct given name, in order of first appearance:
        # the codes coding every row's first name would give.
        distinct = list(dict.fromkeys(given))
        del given
        first = names.encode([g.split(" ", 1)[0] for g in distinct])
        of_given = np.zeros(len(names.values), dtype=np.int32)
        of_given[names.encode(distinct)] = first
        self.given_first = of_given[self.given]
        del distinct, first, of_given
        self.paternal = names.encode(r.paternal for r in records)
        self.maternal = names.encode(r.maternal for r in records)
        self.document = other.encode(r.document for r in records)
        self.document_is_dni = np.fromiter((r.document_is_dni for r in records), bool, n)
        self.sex = other.encode(r.sex for r in records)
        self.nationality = other.encode(r.nationality for r in records)
        self.residence = _per_value((r.ubigeo_residence for r in records), _ubigeo, np.int32)
        self.birthplace = _per_value((r.ubigeo_birth for r in records), _ubigeo, np.int32)
        self.file = other.encode(r.file for r in records)
        self.unidentified = np.fromiter((r.unidentified for r in records), bool, n)
        ages, age_of = _distinct(r.age for r in records)
        age = np.array([-1 if v is None else v for v in age_of], dtype=np.int64)[ages]
        aged = np.array([v is not None for v in age_of], dtype=bool)[ages]
        self.minor = _per_value((r.minor for r in records), bool, np.bool_) | (aged & (age < 18))
        self.victim = _per_value((r.role for r in records), "victim".__eq__, np.bool_)
        self.police = _per_value((r.key[0] for r in records), "RETA".__eq__, np.bool_)
        births, birth_of = _distinct(r.birth_date for r in records)
        born = np.array([v is not None for v in birth_of], dtype=bool)[births]
        self.dob = np.array([_ordinal(v) for v in birth_of], dtype=np.int32)[births]
        self.birth_md = np.array([_month_day(v) for v in birth_of], dtype=np.int32)[births]
        ref = _per_value((r.reference_date for r in records), _ordinal, np.int64)
        by_age = ~born & aged & (ref != _NO_DATE)
        # The same float arithmetic as for one row: ref - (age + 1) * year, truncated.
        lo = (ref - (age + 1) * _YEAR).astype(np.int64) + 1
        hi = (ref - age * _YEAR).astype(np.int64)
        self.birth_lo = np.where(born, self.dob, np.where(by_age, lo, _NO_DATE)).astype(np.int32)
        self.birth_hi = np.where(born, self.dob, np.where(by_age, hi, _NO_DATE)).astype(np.int32)
        self._keyed = self.records  # key_index is built from these rows on first use
        # Case cluster of each row, known after a first linkage pass (-1: unknown).
        self.case = np.full(n, -1, dtype=np.int32)

    @cached_property
    def key_index(self) -> dict[RecordKey, int]:
        """Return the row of every record key (built on first use: link() rarely needs it)."""
        return {r.key: i for i, r in enumerate(self._keyed)}

    def __len__(self) -> int:
        return len(self.records)

    def text(self, codes: IntArray) -> list[str]:
        """Return the name strings of name codes."""
        values = self.names.values
        return [values[c] for c in codes.tolist()]

    def other_text(self, code: int) -> str:
        """Return the string of a non-name code."""
        return self.other.values[code]
