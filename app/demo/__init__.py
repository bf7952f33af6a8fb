"""Synthetic RETA and SISTRA exports with known truth, for demos, tests and benchmarks."""

from app.demo.generator import (
    RETA_COLUMNS,
    SISTRA_COLUMNS,
    TRUTH_COLUMNS,
    NoiseProfile,
    World,
    WorldConfig,
    generate_to,
    generate_world,
    write_world,
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
