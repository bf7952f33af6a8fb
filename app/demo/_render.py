"""The two systems' view of a world case: RETA and SISTRA rows with their defects."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date
from random import Random
from typing import Protocol

from app.demo._config import WorldConfig
from app.demo._noise import (
    denuncia_forms,
    digit_typo,
    name_parts,
    pnp_reference,
    reta_full_name,
    sistra_names,
    title,
)
from app.demo._reference import (
    AGGRAVATED,
    NATIONALITY,
    OFFENCES,
    PURPOSE_CODE,
    RENUMBERING_DAY,
    SISTRA_DOC,
    Offence,
    police_unit,
    prosecutor_office,
    weighted,
)
from app.demo._summary import Summary
from app.demo._world import Case, Person

Row = dict[str, str]
Truth = tuple[str, str, str, str, str]

_RETA_NN = ("NN", "N.N.", "NO IDENTIFICADO", "POR IDENTIFICAR")
_SISTRA_NN = ("", "NN", "PERSONA POR IDENTIFICAR")
_OFFENCE_BY_KEY = {o.key: o for o in OFFENCES}
_EARLY_STAGE = weighted({"CALIFICACION": 50.0, "INVESTIGACION PRELIMINAR": 40.0, "ARCHIVO": 10.0})
_LATE_STAGE = weighted(
    {
        "INVESTIGACION PRELIMINAR": 20.0,
        "INVESTIGACION PREPARATORIA": 15.0,
        "ETAPA INTERMEDIA": 6.0,
        "JUZGAMIENTO": 5.0,
        "ARCHIVO": 40.0,
        "SENTENCIA CONDENATORIA": 10.0,
        "SENTENCIA ABSOLUTORIA": 4.0,
    }
)


class Sink(Protocol):
    """Receiver of exported rows, in export order."""

    def reta(self, row: Row, truth: Truth) -> None: ...
    def sistra(self, row: Row, truth: Truth) -> None: ...
    def reta_correction(self, row: Row) -> None: ...
    def sistra_correction(self, row: Row) -> None: ...


class _Dates:
    """Memoised date formats; a world has only a few thousand distinct days."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[str, str, int, int]] = {}

    def get(self, day: int) -> tuple[str, str, int, int]:
        """Return `dd/mm/yyyy`, ISO text, year and month*100+day of a date ordinal."""
        hit = self._cache.get(day)
        if hit is None:
            d = date.fromordinal(day)
            hit = (
                f"{d.day:02d}/{d.month:02d}/{d.year}",
                d.isoformat(),
                d.year,
                d.month * 100 + d.day,
            )
            self._cache[day] = hit
        return hit


def _age(birth: int, day: int, dates: _Dates) -> int:
    b, d = dates.get(birth), dates.get(day)
    return d[2] - b[2] - (d[3] < b[3])


class Renderer:
    """Turn each world case into the rows RETA and SISTRA export, feeding a sink and summary."""

    def __init__(self, config: WorldConfig, rng: Random, sink: Sink, summary: Summary) -> None:
        self.cfg, self.rng, self.sink, self.summary = config, rng, sink, summary
        self.noise = config.noise_profile
        self.defects: Counter[str] = Counter()
        self.dates = _Dates()
        self._reta_seq: dict[int, int] = defaultdict(int)
        self._sistra_seq = 150_000 + rng.randrange(10_000)
        self._police_no: dict[tuple[str, int], int] = defaultdict(int)
        self._carpeta_no: dict[tuple[str, int], int] = defaultdict(int)
        self._export_end = date(config.year_to, 12, 31).toordinal()
        self._p_unid = config.p_unidentified * self.noise.unidentified_factor

    def _in_range(self, year: int) -> bool:
        return self.cfg.year_from <= year <= self.cfg.year_to

    # ----------------------------------------------------------------- shared person fields

    def _document(self, p: Person, day: int, victim: bool, used: set[str]) -> tuple[str, str]:
        r, nz = self.rng, self.noise
        if r.random() < (nz.missing_doc_victim if victim else nz.missing_doc_suspect):
            return "", ""
        doc = p.doc
        if p.family_doc and r.random() < nz.parent_doc and _age(p.birth, day, self.dates) < 18:
            doc = p.family_doc
            used.add("parent_doc")
        if r.random() < nz.typo_doc:
            doc = digit_typo(doc, r)
            used.add("typo_doc")
        return p.doc_type, doc

    def _count(self, used: set[str]) -> None:
        for key in used:
            self.defects[key] += 1

    # ----------------------------------------------------------------- RETA

    def _reta_person(self, base: Row, p: Person, victim: bool, day: int) -> tuple[Row, set[str]]:
        r, nz = self.rng, self.noise
        used: set[str] = set()
        row = dict(base)
        row["CONDICION"] = "VICTIMA" if victim else "PRESUNTO AUTOR"
        age = _age(p.birth, day, self.dates)
        demonym = NATIONALITY[p.nat][0]
        if victim and r.random() < self._p_unid:
            used.add("unidentified")
            row["APELLIDOS_NOMBRES"] = _RETA_NN[int(r.random() * 4)]
            row["TIPO_DOC"] = "SD" if r.random() < 0.6 else ""
            row["NRO_DOC"] = ""
            row["SEXO"] = p.sex if r.random() < 0.85 else ""
            row["EDAD"] = ("MENOR" if age < 18 else "") if r.random() < 0.5 else str(age)
            row["FECHA_NAC"] = ""
            row["NACIONALIDAD"] = demonym if r.random() < 0.6 else ""
            row["UBIGEO_NAC"] = row["UBIGEO_DOMICILIO"] = ""
            return row, used
        pat, mat, giv, u = name_parts(p.paternal, p.maternal, p.given, nz, r, sistra=False)
        row["APELLIDOS_NOMBRES"], u2 = reta_full_name(pat, mat, giv, nz, r)
        used |= u | u2
        doc_type, doc = self._document(p, day, victim, used)
        if doc_type == "DNI" and doc.startswith("0") and r.random() < nz.excel_zero:
            doc = doc.lstrip("0")
            used.add("excel_zero")
        row["TIPO_DOC"] = doc_type or ("SD" if r.random() < 0.7 else "")
        row["NRO_DOC"] = doc
        row["SEXO"] = p.sex if r.random() > 0.02 else ""
        has_birth = r.random() < (0.25 if victim else 0.15)
        row["FECHA_NAC"] = self.dates.get(p.birth)[0] if has_birth else ""
        row["EDAD"] = self._reta_age(age, has_birth, used)
        row["NACIONALIDAD"] = demonym if r.random() > 0.02 else ""
        has_nac = victim and p.birth_place is not None and r.random() < 0.3
        row["UBIGEO_NAC"] = p.birth_place.reniec if has_nac and p.birth_place else ""
        res = p.residence
        row["UBIGEO_DOMICILIO"] = res.reniec if res is not None and r.random() < 0.5 else ""
        return row, used

    def _reta_age(self, age: int, has_birth: bool, used: set[str]) -> str:
        r, nz = self.rng, self.noise
        if r.random() < nz.age_missing:
            return ""
        if has_birth and r.random() < nz.age_off:
            age += 1 if r.random() < 0.5 else -1
            used.add("age_off")
        if r.random() < nz.age_text:
            used.add("age_text")
            return "MENOR" if age < 18 and r.random() < 0.4 else f"{age} AÑOS"
        return str(age)

    def _reta_id(self, year: int) -> str:
        # Gaps: records deleted in RETA keep their number.
        self._reta_seq[year] += 2 if self.rng.random() < 0.06 else 1
        return f"R{year}-{self._reta_seq[year]:06d}"

    def reta(self, case: Case) -> tuple[int, int, str]:
        """Emit the RETA complaint of a police case; return its number, year and unit suffix."""
        r, nz = self.rng, self.noise
        dmy, _, year, _ = self.dates.get(case.day)
        unit, suffix = police_unit(case.facts, r)
        self._police_no[(unit, year)] += 1
        n = self._police_no[(unit, year)]
        if not self._in_range(year):
            return n, year, suffix
        forms = denuncia_forms(n, year, suffix)
        canon = forms[int(r.random() * 2)] if r.random() < 0.8 else forms[2 + int(r.random() * 2)]
        status = "EN INVESTIGACION" if self._export_end - case.day < 180 else "CONCLUIDO"
        base: Row = {
            "ID_REGISTRO": "", "NRO_DENUNCIA": canon, "DEPENDENCIA": unit, "FECHA_DENUNCIA": dmy,
            "FECHA_HECHO": self.dates.get(case.facts_day)[0] if r.random() < 0.55 else "",
            "UBIGEO_HECHO": case.facts.reniec, "DELITO": self._reta_delito(case),
            "FINALIDAD": case.purpose if r.random() > 0.05 else "",
            "FORMA_CAPTACION": case.recruitment, "CONDICION": "", "APELLIDOS_NOMBRES": "",
            "TIPO_DOC": "", "NRO_DOC": "", "SEXO": "", "EDAD": "", "FECHA_NAC": "",
            "NACIONALIDAD": "", "UBIGEO_NAC": "", "UBIGEO_DOMICILIO": "",
            "ESTADO": "REMITIDO A FISCALIA" if case.referred else status,
        }  # fmt: skip
        cid = f"C{case.cid:06d}"
        for victim, people, drop in (
            (True, case.victims, self.cfg.p_drop_victim),
            (False, case.suspects, self.cfg.p_drop_suspect),
        ):
            for p in people:
                row_id = self._reta_id(year)
                if r.random() < drop:
                    continue
                row, used = self._reta_person(base, p, victim, case.day)
                row["ID_REGISTRO"] = row_id
                if r.random() < nz.denuncia_variant:
                    row["NRO_DENUNCIA"] = forms[int(r.random() * 4)]
                    if row["NRO_DENUNCIA"] != canon:
                        used.add("denuncia_variant")
                self._count(used)
                role = "victim" if victim else "suspect"
                self.sink.reta(row, ("RETA", row_id, f"P{p.pid:07d}", cid, role))
                self.summary.reta_row(year, p.pid, case.cid, victim)
                if r.random() < self.cfg.p_correct:
                    self.sink.reta_correction(self._reta_fix(row, p))
                    self.summary.reta_correction_rows += 1
        return n, year, suffix

    def _reta_delito(self, case: Case) -> str:
        key = case.offence.key
        if key == "TRATA":
            return "TRATA DE PERSONAS AGRAVADA" if case.aggravated else "TRATA DE PERSONAS"
        if key == "EXPL_SEX" and any(
            _age(v.birth, case.day, self.dates) < 18 for v in case.victims
        ):
            return "EXPLOTACION SEXUAL DE NIÑAS, NIÑOS Y ADOLESCENTES"
        return case.offence.reta_label

    def _reta_fix(self, row: Row, p: Person) -> Row:
        fixes: list[Callable[[Row], None]] = [
            lambda x: x.update(APELLIDOS_NOMBRES=f"{p.paternal} {p.maternal} {' '.join(p.given)}"),
            lambda x: x.update(TIPO_DOC=p.doc_type, NRO_DOC=p.doc),
            lambda x: x.update(FECHA_NAC=self.dates.get(p.birth)[0]),
            lambda x: x.update(
                ESTADO="CONCLUIDO" if x["ESTADO"] != "CONCLUIDO" else "REMITIDO A FISCALIA"
            ),
        ]
        return self._fix(row, fixes)

    def _fix(self, row: Row, fixes: list[Callable[[Row], None]]) -> Row:
        """Apply one or more corrections; the last one (the status) always changes the row."""
        out = dict(row)
        for k in range(len(fixes)):
            if k == 0 or self.rng.random() < 0.35:
                fixes[int(self.rng.random() * len(fixes))](out)
        if out == row:
            fixes[-1](out)
        return out

    # ----------------------------------------------------------------- SISTRA

    def _sistra_person(self, base: Row, p: Person, victim: bool, day: int) -> tuple[Row, set[str]]:
        r, nz = self.rng, self.noise
        used: set[str] = set()
        row = dict(base)
        row["TIPO_SUJETO"] = "AGRAVIADO" if victim else "IMPUTADO"
        age = _age(p.birth, day, self.dates)
        sex = "FEMENINO" if p.sex == "F" else "MASCULINO"
        row["SEXO"] = sex if r.random() > 0.05 else "NO PRECISA"
        row["NACIONALIDAD"] = NATIONALITY[p.nat][1]
        if victim and r.random() < self._p_unid * 0.85:
            used.add("unidentified")
            row["NOMBRES"] = _SISTRA_NN[int(r.random() * 3)]
            row["TIPO_DOCUMENTO"] = "NO PRECISA"
            row["EDAD"] = str(age) if r.random() < 0.4 else ""
            return row, used
        pat, mat, giv, u = name_parts(p.paternal, p.maternal, p.given, nz, r, sistra=True)
        row["NOMBRES"], row["APELLIDO_PATERNO"], row["APELLIDO_MATERNO"], u2 = sistra_names(
            pat, mat, giv, nz, r
        )
        used |= u | u2
        doc_type, doc = self._document(p, day, victim, used)
        row["TIPO_DOCUMENTO"] = SISTRA_DOC[doc_type]
        row["NUMERO_DOCUMENTO"] = doc
        if r.random() >= nz.age_missing + 0.05:
            if r.random() < nz.age_off * 0.5:
                age += 1 if r.random() < 0.5 else -1
                used.add("age_off")
            row["EDAD"] = str(age)
        row["FECHA_NACIMIENTO"] = self.dates.get(p.birth)[1] if r.random() < 0.45 else ""
        res = p.residence
        row["UBIGEO_DOMICILIO"] = res.inei if res is not None and r.random() < 0.5 else ""
        return row, used

    def _sistra_delito(self, offence: Offence, aggravated: bool, iso: str) -> str:
        label, old, new = offence.sistra_label, offence.old_article, offence.new_article
        if offence.key == "TRATA" and aggravated:
            label, old, new = AGGRAVATED
        return f"{label} (ART. {new if iso >= RENUMBERING_DAY else old})"

    def _files(self, case: Case) -> list[tuple[int, Offence, str, float]]:
        """Plan the case files: (entry day, offence, kind, share of suspects kept)."""
        r = self.rng
        if case.referred:
            delay = 2 + min(int(r.expovariate(1 / 28.0)), 300)
        else:
            delay = min(int(r.expovariate(1 / 8.0)), 120)
        entry = case.day + delay
        files = [(entry, case.offence, "primary", 1.0)]
        if r.random() < self.cfg.p_split:
            kind = ("accumulated", "reopened", "per_offence")[int(r.random() * 3)]
            if kind == "accumulated":
                files.append((entry + 15 + int(r.random() * 200), case.offence, kind, 0.7))
            elif kind == "reopened":
                files.append((entry + 120 + int(r.random() * 600), case.offence, kind, 1.0))
            else:
                alt = "TRAB_FORZ" if case.purpose.startswith(("EXPLOTACION L", "TRABAJOS")) else (
                    ("PROXEN", "FAVOREC", "EXPL_SEX", "PROMOCION")[int(r.random() * 4)]
                )  # fmt: skip
                other = _OFFENCE_BY_KEY["TRATA" if case.offence.key != "TRATA" else alt]
                files.append((entry + int(r.random() * 10), other, kind, 0.6))
            if r.random() < self.cfg.p_split3 / self.cfg.p_split:
                files.append(
                    (files[-1][0] + 90 + int(r.random() * 400), case.offence, "third", 1.0)
                )
        return files

    def sistra(self, case: Case, police_ref: tuple[int, int, str] | None) -> None:
        """Emit the SISTRA case files of a case that reached the prosecutor."""
        r, nz = self.rng, self.noise
        cid = f"C{case.cid:06d}"
        office = prosecutor_office(case.facts, r)
        facts_iso = self.dates.get(case.facts_day)[1] if r.random() < 0.55 else ""
        planned = self._files(case)
        if len(planned) > 1:
            self.defects["sistra_split"] += 1
        for entry, offence, kind, keep in planned:
            _, iso, year, _ = self.dates.get(entry)
            if kind == "accumulated" and r.random() < 0.5:
                office = prosecutor_office(case.facts, r)
            self._carpeta_no[(office.code, year)] += 1
            if not self._in_range(year):
                continue
            carpeta = f"{office.code}-{year}-{self._carpeta_no[(office.code, year)]}-0"
            aggravated = case.aggravated and offence is case.offence
            stage = (_EARLY_STAGE if self._export_end - entry < 150 else _LATE_STAGE).pick(r)
            base: Row = {
                "ID_SUJETO": "", "NRO_CARPETA": carpeta, "FISCALIA": office.name,
                "DISTRITO_FISCAL": office.district, "FECHA_INGRESO": iso,
                "FECHA_HECHO": facts_iso, "UBIGEO_HECHO": case.facts.inei,
                "DELITO": self._sistra_delito(offence, aggravated, iso),
                "FINALIDAD": PURPOSE_CODE[case.purpose],
                "ETAPA": stage,
                "ORIGEN": case.origin, "NRO_DENUNCIA_PNP": "", "TIPO_SUJETO": "", "NOMBRES": "",
                "APELLIDO_PATERNO": "", "APELLIDO_MATERNO": "", "TIPO_DOCUMENTO": "",
                "NUMERO_DOCUMENTO": "", "SEXO": "", "EDAD": "", "FECHA_NACIMIENTO": "",
                "NACIONALIDAD": "", "UBIGEO_DOMICILIO": "",
            }  # fmt: skip
            suspects = [s for s in case.suspects if r.random() < keep] or case.suspects[:1]
            for victim, people, drop in (
                (True, case.victims, self.cfg.p_drop_victim * 0.5),
                (False, suspects, self.cfg.p_drop_suspect * 0.5),
            ):
                for p in people:
                    self._sistra_seq += 2 if r.random() < 0.1 else 1
                    if r.random() < drop:
                        continue
                    row_id = f"S-{self._sistra_seq:010d}"
                    row, used = self._sistra_person(base, p, victim, entry)
                    row["ID_SUJETO"] = row_id
                    if police_ref is not None and r.random() < nz.pnp_number_present:
                        row["NRO_DENUNCIA_PNP"] = pnp_reference(*police_ref, r)
                    if iso >= RENUMBERING_DAY and row["DELITO"].find("ART. 129") > 0:
                        used.add("new_article")
                    self._count(used)
                    role = "victim" if victim else "suspect"
                    self.sink.sistra(row, ("SISTRA", row_id, f"P{p.pid:07d}", cid, role))
                    self.summary.sistra_row(year, p.pid, case.cid, carpeta, victim)
                    if r.random() < self.cfg.p_correct:
                        self.sink.sistra_correction(self._sistra_fix(row, p))
                        self.summary.sistra_correction_rows += 1

    def _sistra_fix(self, row: Row, p: Person) -> Row:
        def names(x: Row) -> None:
            x["NOMBRES"] = " ".join(g.capitalize() for g in p.given)
            x["APELLIDO_PATERNO"] = title(p.paternal)
            x["APELLIDO_MATERNO"] = title(p.maternal)

        fixes: list[Callable[[Row], None]] = [
            names,
            lambda x: x.update(TIPO_DOCUMENTO=SISTRA_DOC[p.doc_type], NUMERO_DOCUMENTO=p.doc),
            lambda x: x.update(FECHA_NACIMIENTO=self.dates.get(p.birth)[1]),
            lambda x: x.update(ETAPA="ARCHIVO" if x["ETAPA"] != "ARCHIVO" else "JUZGAMIENTO"),
        ]
        return self._fix(row, fixes)
