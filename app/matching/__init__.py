"""Pure record-linkage core: normalisation, blocking, comparisons, Fellegi-Sunter, clustering.

Imports only the standard library, NumPy, rapidfuzz and app.schema.

    linker = Linker()                       # or Linker(LinkageSettings(...))
    result = linker.link(records, judgements={(key_a, key_b): True})
    result.clusters                         # (system, row_id) -> person label
    result.pairs(0.5)[0].explanation.waterfall()
    linker.score_one(new_record)            # incremental, against the last link's index
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
