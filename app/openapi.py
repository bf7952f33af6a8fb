"""Write or check the committed OpenAPI file: `python -m app.openapi [--check]`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["SPEC_PATH", "generate", "main"]

SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def generate() -> dict[str, Any]:
    """Return the OpenAPI document of the application."""
    from app.main import create_app

    return create_app().openapi()


def _render(spec: dict[str, Any]) -> str:
    return json.dumps(spec, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the spec, or with --check fail when the committed one is stale."""
    args = sys.argv[1:] if argv is None else argv
    text = _render(generate())
    if "--check" in args:
        if not SPEC_PATH.exists() or SPEC_PATH.read_text(encoding="utf-8") != text:
            print(
                "openapi/openapi.json is stale: run `python -m app.openapi` and commit it.",
                file=sys.stderr,
            )
            return 1
        print("openapi/openapi.json is up to date.")
        return 0
    SPEC_PATH.parent.mkdir(parents=True, exist_ok=True)
    SPEC_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {SPEC_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
