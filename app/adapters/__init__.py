"""Source adapters: pure functions from RETA / SISTRA export rows to the common schema.

No web framework or database is imported here (a test proves it), so the adapters can be
used as a library and benchmarked on their own.
"""

from app.adapters._readers import read_rows
from app.adapters.registry import REQUIRED_COLUMNS, SourceFileError, parse_row, validate_columns

__all__ = ["REQUIRED_COLUMNS", "SourceFileError", "parse_row", "read_rows", "validate_columns"]
