"""The real world behind the exports: people, cases, and which system sees each case."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from random import Random

from app.demo._config import WorldConfig, trend
from app.demo._reference import (
    NATIONALITY,
    OFFENCES,
    RECRUITMENT,
    TRAFFICKING_PURPOSE,
    District,
    Offence,
    Weighted,
    foreign_share,
    geography,
    names,
    weighted,
)

_POOL = 20_000  # people remembered for re-victimisation, repeat suspects and homonyms
_VICTIMS_PER_CASE = weighted(
    {1: 52.0, 2: 20.0, 3: 10.0, 4: 7.0, 5: 4.0, 6: 3.0, 7: 2.0, 8: 1.0, 10: 0.6, 12: 0.4}
)
_SUSPECTS_PER_CASE = weighted({1: 45.0, 2: 30.0, 3: 15.0, 4: 7.0, 5: 3.0})
_OFFENCE = Weighted(list(OFFENCES), [o.weight for o in OFFENCES])
_SEXUAL = {"EXPL_SEX", "FAVOREC", "PROXEN", "PROMOCION"}
_DIRECT_ORIGIN = weighted({"DENUNCIA DE PARTE": 50.0, "DE OFICIO": 30.0, "DERIVACION": 20.0})
# Multipliers make document numbers look random yet never collide (bijections mod 10^n).
_DNI_MULT, _DNI_MOD = 7_368_787, 100_000_000
_FOREIGN_MULT, _FOREIGN_MOD = 48_271_013, 1_000_000_000


@dataclass(slots=True)
class Person:
    """A real person: true identity as RENIEC or migration would hold it."""

    pid: int
    sex: str  # "F" | "M"
    birth: int  # date ordinal
    paternal: str
    maternal: str
    given: tuple[str, ...]
    nat: str  # key of NATIONALITY
    doc_type: str  # "DNI" | "CE" | "PAS" | "PTP"
    doc: str
    family_doc: str  # a parent's DNI; "" for adults and foreigners
    birth_place: District | None
    residence: District | None

    def age(self, day: int) -> int:
        """Return the age in whole years on date ordinal `day`."""
        b, d = date.fromordinal(self.birth), date.fromordinal(day)
        return d.year - b.year - ((d.month, d.day) < (b.month, b.day))


@dataclass(slots=True)
class Case:
    """A world case and what the two systems get to know of it."""

    cid: int
    day: int  # complaint or first-report date ordinal
    facts_day: int
    facts: District
    offence: Offence
    aggravated: bool
    purpose: str
    recruitment: str
    victims: list[Person] = field(default_factory=list)
    suspects: list[Person] = field(default_factory=list)
    police: bool = False
    referred: bool = False  # police complaint sent to the prosecutor
    fiscal: bool = False
    origin: str = ""  # SISTRA ORIGEN when fiscal


class WorldSimulator:
    """Draw cases year by year, with the people in them and the systems that see them."""

    def __init__(self, config: WorldConfig, rng: Random) -> None:
        self.cfg = config
        self.rng = rng
        self.names = names()
        self.geo = geography()
        self._next_pid = 0
        self._next_cid = 0
        self._next_dni = 0
        self._next_foreign = 0
        self._dni_offset = rng.randrange(_DNI_MOD)
        self._foreign_offset = rng.randrange(_FOREIGN_MOD)
        self._victim_pool: list[Person] = []
        self._suspect_pool: list[Person] = []
        self._nat: dict[int, Weighted[str]] = {}
        self._p_particle = min(0.3, 0.008 * config.particle_boost)

    # ----------------------------------------------------------------- people

    def _pid(self) -> int:
        self._next_pid += 1
        return self._next_pid

    def _dni(self) -> str:
        self._next_dni += 1
        n = (self._next_dni * _DNI_MULT + self._dni_offset) % _DNI_MOD
        return f"{n:08d}"

    def _foreign_doc(self, kind: str) -> str:
        self._next_foreign += 1
        n = (self._next_foreign * _FOREIGN_MULT + self._foreign_offset) % _FOREIGN_MOD
        if kind == "PAS":
            a, b = chr(65 + n % 26), chr(65 + (n // 26) % 26)
            return f"{a}{b}{n % 1_000_000:06d}"
        return f"{n:09d}"

    def _surname(self) -> str:
        r = self.rng
        return (
            self.names.particles if r.random() < self._p_particle else self.names.surnames
        ).pick(r)

    def _given(self, sex: str, avoid: tuple[str, ...] = ()) -> tuple[str, ...]:
        pool = self.names.female if sex == "F" else self.names.male
        first = pool.pick(self.rng)
        while first in avoid:
            first = pool.pick(self.rng)
        if self.rng.random() < 0.45:
            return (first,)
        second = pool.pick(self.rng)
        return (first,) if second == first else (first, second)

    def _nationality(self, year: int) -> str:
        if year not in self._nat:
            self._nat[year] = weighted(foreign_share(year))
        return self._nat[year].pick(self.rng)

    def _birth(self, day: int, age: int) -> int:
        return day - age * 365 - int(self.rng.random() * 365) - age // 4

    def _new_person(self, sex: str, age: int, day: int, nat: str, facts: District) -> Person:
        r = self.rng
        if nat == "PE":
            doc_type, doc = "DNI", self._dni()
            birth_place = facts if r.random() < 0.45 else self.geo.origin.pick(r)
        else:
            kinds = NATIONALITY[nat][2]
            doc_type = kinds[int(r.random() * len(kinds))]
            doc, birth_place = self._foreign_doc(doc_type), None
        family_doc = self._dni() if nat == "PE" and age < 18 else ""
        x = r.random()
        residence = facts if x < 0.55 else (birth_place if x < 0.8 else self.geo.residence.pick(r))
        person = Person(
            self._pid(), sex, self._birth(day, age), self._surname(), self._surname(),
            self._given(sex), nat, doc_type, doc, family_doc, birth_place, residence,
        )  # fmt: skip
        if r.random() < self.cfg.p_samename and self._victim_pool:
            # A namesake: common Quechua/Spanish name combinations recur across unrelated people.
            other = self._victim_pool[int(r.random() * len(self._victim_pool))]
            person.paternal, person.maternal = other.paternal, other.maternal
            if other.sex == sex:
                person.given = other.given
        return person

    def _victim_age(self) -> int:
        r = self.rng.random()
        if r < 0.03:
            return 5 + int(self.rng.random() * 7)
        if r < 0.48:
            return 12 + int(self.rng.random() * 6)
        if r < 0.9:
            return 18 + int(self.rng.random() * 13)
        return 31 + int(self.rng.random() * 20)

    def _sibling(self, first: Person, day: int, twin: bool) -> Person:
        r = self.rng
        sex = first.sex if twin or r.random() < 0.7 else ("M" if first.sex == "F" else "F")
        if twin:
            birth = first.birth
        else:
            gap = (1 + int(r.random() * 3)) * (1 if r.random() < 0.5 else -1)
            birth = first.birth + gap * 365 + int(r.random() * 120) - 60
        doc = self._dni() if first.nat == "PE" else self._foreign_doc(first.doc_type)
        age = (day - birth) // 365
        return Person(
            self._pid(), sex, birth, first.paternal, first.maternal,
            self._given(sex, avoid=first.given), first.nat, first.doc_type, doc,
            first.family_doc or (self._dni() if first.nat == "PE" and age < 18 else ""),
            first.birth_place, first.residence,
        )  # fmt: skip

    def _parent(self, child: Person, day: int) -> Person:
        r = self.rng
        sex = "M" if r.random() < 0.5 else "F"
        age = max(child.age(day), 0) + 18 + int(r.random() * 18)
        paternal = child.paternal if sex == "M" else child.maternal
        doc = child.family_doc or (self._dni() if child.nat == "PE" else "")
        doc_type = "DNI" if child.nat == "PE" else child.doc_type
        return Person(
            self._pid(), sex, self._birth(day, age), paternal, self._surname(),
            self._given(sex), child.nat, doc_type, doc or self._foreign_doc(doc_type), "",
            child.birth_place, child.residence,
        )  # fmt: skip

    def _remember(self, pool: list[Person], person: Person) -> None:
        if len(pool) < _POOL:
            pool.append(person)
        else:
            pool[int(self.rng.random() * _POOL)] = person

    # ----------------------------------------------------------------- cases

    def _victims(self, case: Case) -> None:
        r, cfg = self.rng, self.cfg
        n = _VICTIMS_PER_CASE.pick(r)
        year = date.fromordinal(case.day).year
        female = 0.9 if case.purpose in ("EXPLOTACION SEXUAL", "") else 0.55
        nat = self._nationality(year)
        first: Person | None = None
        seen: set[int] = set()
        for _ in range(n):
            person: Person | None = None
            if r.random() < cfg.p_revictim and self._victim_pool:
                cand = self._victim_pool[int(r.random() * len(self._victim_pool))]
                if cand.pid not in seen and 8 <= cand.age(case.day) <= 45:
                    person = cand
            if person is None and first is not None and r.random() < cfg.p_sibling:
                person = self._sibling(first, case.day, twin=r.random() < cfg.p_twin / 0.3)
            if person is None:
                sex = "F" if r.random() < female else "M"
                if r.random() < 0.25:  # victims of one case often come from different places
                    nat = self._nationality(year)
                person = self._new_person(sex, self._victim_age(), case.day, nat, case.facts)
                if first is None:
                    first = person
            seen.add(person.pid)
            case.victims.append(person)
        for v in case.victims:
            self._remember(self._victim_pool, v)

    def _suspects(self, case: Case) -> None:
        r, cfg = self.rng, self.cfg
        seen = {v.pid for v in case.victims}
        for k in range(_SUSPECTS_PER_CASE.pick(r)):
            person: Person | None = None
            if k == 0 and case.recruitment == "FAMILIAR O CONOCIDO" and r.random() < 0.4:
                person = self._parent(case.victims[0], case.day)
            elif r.random() < cfg.p_repeat_suspect and self._suspect_pool:
                cand = self._suspect_pool[int(r.random() * len(self._suspect_pool))]
                person = None if cand.pid in seen else cand
            if person is None:
                sex = "M" if r.random() < 0.62 else "F"
                age = 19 + int(r.triangular(0, 42, 14))
                nat = "PE" if r.random() < 0.9 else self._nationality(2019)
                person = self._new_person(sex, age, case.day, nat, case.facts)
            seen.add(person.pid)
            case.suspects.append(person)
            self._remember(self._suspect_pool, person)

    def _detect(self, case: Case) -> None:
        r, cfg, off = self.rng, self.cfg, case.offence
        case.police = r.random() < cfg.p_police * off.reta_scope
        if case.police:
            case.referred = r.random() < cfg.p_police_to_fiscal * off.sistra_scope
            case.fiscal = case.referred or r.random() < cfg.p_police_other * off.sistra_scope
        else:
            case.fiscal = r.random() < cfg.p_other * off.sistra_scope
        if case.fiscal:
            case.origin = "DENUNCIA POLICIAL" if case.referred else _DIRECT_ORIGIN.pick(r)

    def _case(self, day: int) -> Case:
        r = self.rng
        self._next_cid += 1
        offence = _OFFENCE.pick(r)
        if offence.key == "TRAB_FORZ":
            purpose = "EXPLOTACION LABORAL" if r.random() < 0.6 else "TRABAJOS O SERVICIOS FORZADOS"
        elif offence.key in _SEXUAL:
            purpose = "EXPLOTACION SEXUAL"
        else:
            purpose = TRAFFICKING_PURPOSE.pick(r)
        case = Case(
            self._next_cid, day, day - int(r.expovariate(1 / 12.0)), self.geo.facts.pick(r),
            offence, False, purpose, RECRUITMENT.pick(r),
        )  # fmt: skip
        self._victims(case)
        self._suspects(case)
        minors = any(v.age(day) < 18 for v in case.victims)
        case.aggravated = offence.key == "TRATA" and (minors or len(case.victims) >= 3)
        self._detect(case)
        return case

    def cases(self) -> Iterator[Case]:
        """Yield every case from the warm-up year to `year_to`, in date order."""
        cfg, r = self.cfg, self.rng
        for year in range(cfg.year_from - 1, cfg.year_to + 1):
            mu = cfg.cases_2017 * trend(year) * cfg.scale
            n = max(0, int(mu + r.gauss(0.0, math.sqrt(mu)) + 0.5)) if mu > 0 else 0
            start = date(year, 1, 1).toordinal()
            length = date(year + 1, 1, 1).toordinal() - start
            for day in sorted(start + int(r.random() * length) for _ in range(n)):
                yield self._case(day)
