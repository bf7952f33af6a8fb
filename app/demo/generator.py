"""Generate a synthetic RETA/SISTRA world with known truth, deterministic for a seed."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from random import Random
from typing import Any

from app.demo._config import NoiseProfile, WorldConfig
from app.demo._reference import OFFENCES
from app.demo._render import Renderer, Row, Sink
from app.demo._summary import Summary
from app.demo._world import WorldSimulator
from app.demo._writers import (
    RETA_COLUMNS,
    SISTRA_COLUMNS,
    TRUTH_COLUMNS,
    FileSink,
    ListSink,
    read_reta_csv,
    write_json,
    write_reta_xlsx,
    write_rows,
)

__all__ = [
    "RETA_COLUMNS",
    "SISTRA_COLUMNS",
    "TRUTH_COLUMNS",
    "NoiseProfile",
    "World",
    "WorldConfig",
    "generate_to",
    "generate_world",
    "write_world",
]


@dataclass
class World:
    """Exported rows of both systems, their corrections, the truth and the summary."""

    config: WorldConfig
    reta_rows: list[Row]
    sistra_rows: list[Row]
    reta_corrections: list[Row]
    sistra_corrections: list[Row]
    truth: list[dict[str, str]]
    summary: dict[str, Any]
    defects: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0  # generation time; kept out of world.json so files are reproducible


def _run(config: WorldConfig, sink: Sink) -> tuple[dict[str, Any], dict[str, int], float]:
    started = time.perf_counter()
    rng = Random(config.seed)
    summary = Summary(config.year_from, config.year_to)
    sim = WorldSimulator(config, rng)
    render = Renderer(config, rng, sink, summary)
    for case in sim.cases():
        summary.world_case(
            date.fromordinal(case.day).year,
            [v.pid for v in case.victims],
            [s.pid for s in case.suspects],
        )
        ref = render.reta(case) if case.police else None
        if case.fiscal:
            render.sistra(case, ref if case.referred else None)
    return summary.result(), dict(sorted(render.defects.items())), time.perf_counter() - started


def _world_json(
    config: WorldConfig, result: dict[str, Any], defects: dict[str, int]
) -> dict[str, Any]:
    return {
        "seed": config.seed,
        "profile": config.profile,
        "year_from": config.year_from,
        "year_to": config.year_to,
        "scale": config.scale,
        "parameters": {
            **config.parameters(),
            "offences": {o.key: [o.weight, o.reta_scope, o.sistra_scope] for o in OFFENCES},
        },
        **result,
        "defects": defects,
    }


def generate_world(config: WorldConfig) -> World:
    """Simulate the world of `config` and return every exported row with its truth."""
    sink = ListSink()
    result, defects, seconds = _run(config, sink)
    truth = [dict(zip(TRUTH_COLUMNS, t, strict=True)) for t in sink.reta_truth]
    truth += [dict(zip(TRUTH_COLUMNS, t, strict=True)) for t in sink.sistra_truth]
    return World(
        config, sink.reta_rows, sink.sistra_rows, sink.reta_corrections,
        sink.sistra_corrections, truth, _world_json(config, result, defects), defects, seconds,
    )  # fmt: skip


def write_world(world: World, out_dir: Path, *, xlsx: bool = False) -> dict[str, Path]:
    """Write the export files, truth.csv and world.json of `world` into `out_dir`."""
    paths = write_rows(
        out_dir,
        world.reta_rows,
        world.sistra_rows,
        world.reta_corrections,
        world.sistra_corrections,
        (tuple(t[c] for c in TRUTH_COLUMNS) for t in world.truth),  # type: ignore[misc]
    )
    paths["world.json"] = write_json(out_dir / "world.json", world.summary)
    if xlsx:
        paths["reta.xlsx"] = write_reta_xlsx(out_dir / "reta.xlsx", world.reta_rows)
    return paths


def generate_to(config: WorldConfig, out_dir: Path, *, xlsx: bool = False) -> dict[str, Path]:
    """Generate and stream a world straight to files, with memory bounded for large scales."""
    sink = FileSink(out_dir)
    result, defects, _ = _run(config, sink)
    paths = sink.close()
    paths["world.json"] = write_json(out_dir / "world.json", _world_json(config, result, defects))
    if xlsx:
        paths["reta.xlsx"] = write_reta_xlsx(
            out_dir / "reta.xlsx", read_reta_csv(out_dir / "reta.csv")
        )
    return paths
