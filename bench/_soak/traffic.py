"""The soak's client side: virtual users mixing pushes, statistics and review calls."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench._soak.server import Setup

# Expected statuses per kind. A judgement or person read may find its target gone when a
# linkage run rebuilt the review queue or merged the person between the read and the call:
# that 404 is the API being right, so it is counted apart ("gone"), not as an error.
EXPECTED = {
    "push": {201},
    "stats_counts": {200},
    "stats_victims": {200},
    "review_queue": {200},
    "judgement": {201},
    "person": {200},
}
GONE_OK = {"judgement", "person"}
WEIGHTS = {
    "push": 4,
    "stats_counts": 3,
    "stats_victims": 2,
    "review_queue": 2,
    "judgement": 1,
    "person": 2,
}
GROUPINGS = [
    [],
    ["sex"],
    ["department_facts"],
    ["age_minor", "sex"],
    ["nationality"],
    ["purpose", "offence_family"],
    ["overlap"],
    ["identification", "age_ctdc"],
]
ID_COLUMN = {"RETA": "ID_REGISTRO", "SISTRA": "ID_SUJETO"}
# A free-text column (the reporting unit) that changes the stored record and no rule.
EDIT_COLUMN = {"RETA": "DEPENDENCIA", "SISTRA": "FISCALIA"}


@dataclass
class Row:
    """One row the soak owns: its current content and how many versions it should have."""

    system: str
    data: dict[str, str]
    versions: int = 1
    edits: int = 0


@dataclass
class Stats:
    """Latencies and errors per kind."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    gone: dict[str, int] = field(default_factory=dict)
    rows: dict[tuple[str, str], Row] = field(default_factory=dict)

    def add(self, kind: str, seconds: float) -> None:
        """Record one request's latency."""
        self.latencies.setdefault(kind, []).append(seconds)


class User:
    """A virtual user: owns the rows it pushes, so no two users race on one row."""

    def __init__(self, n: int, setup: Setup, client: httpx.AsyncClient, stats: Stats) -> None:
        self.n = n
        self.setup = setup
        self.client = client
        self.stats = stats
        self.rng = random.Random(n)
        self.own: dict[str, list[Row]] = {"RETA": [], "SISTRA": []}
        self.pushes = 0
        self.review_ids: list[int] = []
        self.person_ids: list[int] = []

    def _auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.setup.keys[who]}"}

    async def _call(
        self, kind: str, method: str, path: str, who: str, **kw: Any
    ) -> httpx.Response | None:
        start = time.perf_counter()
        try:
            r = await self.client.request(method, path, headers=self._auth(who), **kw)
        except httpx.HTTPError as exc:
            self.stats.add(kind, time.perf_counter() - start)
            self.stats.errors.append(f"{kind}: transport {type(exc).__name__}")
            return None
        self.stats.add(kind, time.perf_counter() - start)
        if r.status_code == 404 and kind in GONE_OK:
            self.stats.gone[kind] = self.stats.gone.get(kind, 0) + 1
            return None
        if r.status_code not in EXPECTED[kind]:
            self.stats.errors.append(f"{kind}: {method} {path} -> {r.status_code} {r.text[:200]}")
            return None
        return r

    async def push(self) -> None:
        system = self.rng.choice(("RETA", "SISTRA"))
        own = self.own[system]
        self.pushes += 1
        new = [self._new_row(system, i) for i in range(self.rng.randint(1, 8))]
        picked = self.rng.sample(own, min(len(own), self.rng.randint(0, 8)))
        half = len(picked) // 2
        replays, edits = picked[:half], picked[half:]
        body = [r.data for r in new] + [r.data for r in replays]
        for r in edits:
            r.edits += 1
            column = EDIT_COLUMN[system]
            base = str(r.data.get(column) or "").split(" / SOAK ", 1)[0]
            r.data = dict(r.data, **{column: f"{base} / SOAK {r.edits}"})
            body.append(r.data)
        self.rng.shuffle(body)
        resp = await self._call("push", "POST", f"/v1/sources/{system}/batches", system, json=body)
        if resp is None:
            # Unknown whether it was stored: stop tracking the rows it carried.
            for r in [*replays, *edits]:
                own.remove(r)
                self.stats.rows.pop((system, r.data[ID_COLUMN[system]]), None)
            return
        got = resp.json()
        want = {"new": len(new), "unchanged": len(replays), "updated": len(edits), "rejected": 0}
        if any(got.get(k) != v for k, v in want.items()):
            seen = {k: got.get(k) for k in want}
            self.stats.errors.append(f"push {system}: counts {seen}, expected {want}")
        for r in edits:
            r.versions += 1
        for r in new:
            own.append(r)
            self.stats.rows[(system, r.data[ID_COLUMN[system]])] = r

    def _new_row(self, system: str, i: int) -> Row:
        template = self.rng.choice(self.setup.templates[system])
        row_id = f"SOAK-{self.n}-{self.pushes}-{i}"
        return Row(system, dict(template, **{ID_COLUMN[system]: row_id}))

    def _stats_params(self) -> list[tuple[str, str]]:
        params = [("group_by", "year")] + [("group_by", d) for d in self.rng.choice(GROUPINGS)]
        if self.rng.random() < 0.3:
            params.append(("date_basis", "facts"))
        if self.rng.random() < 0.3:
            params += [("year_from", "2017"), ("year_to", "2022")]
        return params

    async def stats_counts(self) -> None:
        await self._call(
            "stats_counts", "GET", "/v1/statistics/counts", "analyst", params=self._stats_params()
        )

    async def stats_victims(self) -> None:
        await self._call(
            "stats_victims", "GET", "/v1/statistics/victims", "analyst", params=self._stats_params()
        )

    async def review_queue(self) -> None:
        r = await self._call(
            "review_queue", "GET", "/v1/review/queue", "reviewer", params={"limit": 10}
        )
        if r is None:
            return
        items = r.json()
        self.review_ids = [i["id"] for i in items]
        self.person_ids = [
            side["person_id"] for i in items for side in (i["a"], i["b"]) if side["person_id"]
        ] or self.person_ids

    async def judgement(self) -> None:
        if not self.review_ids:
            await self.review_queue()
            return
        item = self.rng.choice(self.review_ids)
        decision = self.rng.choice(("match", "no_match", "unsure"))
        await self._call(
            "judgement",
            "POST",
            f"/v1/review/{item}/judgement",
            "reviewer",
            json={"decision": decision, "note": "soak"},
        )

    async def person(self) -> None:
        if not self.person_ids:
            await self.review_queue()
            return
        await self._call(
            "person", "GET", f"/v1/persons/{self.rng.choice(self.person_ids)}", "reviewer"
        )

    async def run(self, until: float) -> None:
        """Call kinds drawn by weight until the deadline; user n starts with the n-th kind."""
        kinds = list(WEIGHTS)
        weights = [WEIGHTS[k] for k in kinds]
        # So that a short soak with as many users as kinds calls every kind at least once.
        await getattr(self, kinds[self.n % len(kinds)])()
        while time.monotonic() < until:
            await getattr(self, self.rng.choices(kinds, weights)[0])()


async def drive(setup: Setup, *, seconds: float, users: int) -> Stats:
    """Run `users` virtual users against the server for `seconds`."""
    stats = Stats()
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=setup.url, timeout=120, limits=limits) as client:
        until = time.monotonic() + seconds
        await asyncio.gather(*(User(n, setup, client, stats).run(until) for n in range(users)))
    return stats
