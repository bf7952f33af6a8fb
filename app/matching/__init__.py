"""Pure record-linkage core: normalisation, blocking, comparisons, Fellegi-Sunter, clustering.

Imports only the standard library, NumPy, rapidfuzz and app.schema (a test checks it).

Usage::

    linker = Linker()                                   # or Linker(LinkageSettings(...))
    result = linker.link(records, judgements={(key_a, key_b): True})
    result.clusters           # (system, row_id) -> person label (smallest row index)
    result.case_clusters      # (system, row_id) -> case label (police complaint + files)
    result.pairs(0.5)         # ScoredPair(a, b, probability, status, explanation)
    result.doubtful()         # review band, for a human
    result.inferred           # InferredLink(a, b, case_files, reasoning): by elimination
    result.parameters         # prior and m/u per level of every comparison
    result.blocking           # BlockingStats per rule: pairs, new pairs, skipped blocks
    linker.score_one(new)     # one new record against the last link's index

Records are CommonRecords or LinkInputs; ``from_person`` builds a LinkInput from a
generic person list (given name, surname, birth date, sex, document, postcode), so any
FEBRL-like CSV can be deduplicated with the same Linker.

Pipeline (linker.py): blocking (blocking.py) -> comparison levels (comparisons.py,
compiled from settings.py) -> m per EM session, u and prior by EM over blocked plus
weighted random pairs, term-frequency adjustment (model.py) -> constraints (same file,
different valid DNIs of adults, unidentified rows, judgements) -> clustering without
chaining (clustering.py) -> case linkage and, on a second pass, "same linked case" as a
comparison -> unidentified victims by elimination (cases.py). Every pair's Explanation
(explain.py) is its prior plus per-field weights and adds up to its score.
"""

from app.matching.cases import CaseLink, InferredLink
from app.matching.explain import Explanation, FieldWeight
from app.matching.linker import Linker, LinkIndex, LinkResult, ScoredPair
from app.matching.model import FieldParameters, ModelParameters, TermFrequencies
from app.matching.records import LinkInput, RecordKey, from_common, from_person
from app.matching.settings import (
    BlockingRule,
    ComparisonSpec,
    LinkageSettings,
    default_settings,
)

__all__ = [
    "BlockingRule",
    "CaseLink",
    "ComparisonSpec",
    "Explanation",
    "FieldParameters",
    "FieldWeight",
    "InferredLink",
    "LinkIndex",
    "LinkInput",
    "LinkResult",
    "LinkageSettings",
    "Linker",
    "ModelParameters",
    "RecordKey",
    "ScoredPair",
    "TermFrequencies",
    "default_settings",
    "from_common",
    "from_person",
]
