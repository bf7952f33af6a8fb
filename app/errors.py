"""Error answers as the OpenAPI schema documents them: body models and response declarations.

Every `/v1` route requires a key with a role, so each can answer 401, 403 and 429, and 422 when
its input is refused; routes that look something up add `NOT_FOUND`. The contract fuzzer
(tests/security/test_contract_fuzz.py) fails on any status or body not declared here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "API_ERRORS",
    "NOT_FOUND",
    "BatchRejectedRead",
    "ErrorRead",
    "FieldErrorRead",
    "ValidationErrorRead",
    "error",
]


class ErrorRead(BaseModel):
    """An error answer: a message meant for a person, in Spanish."""

    detail: str


class FieldErrorRead(BaseModel):
    """One refused input field: where it is, what is wrong, which rule (never its value)."""

    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorRead(BaseModel):
    """Input refused: the fields at fault, or a message when the refusal is about meaning."""

    detail: list[FieldErrorRead] | str


class BatchRejectedRead(ValidationErrorRead):
    """A push refused whole; `batch_id` names the failed batch kept as a trace, if any."""

    batch_id: str | None = Field(None, description="Failed batch recorded for the attempt")


def error(description: str, model: type[BaseModel] = ErrorRead) -> dict[str, Any]:
    """Return one `responses=` entry: a description and the body model."""
    return {"description": description, "model": model}


API_ERRORS: dict[int | str, dict[str, Any]] = {
    401: error("Missing, invalid, revoked or expired API key"),
    403: error("The key's role (or system) may not use this operation"),
    422: error(
        "Input refused: parameters or body out of their schema, or meaningless", ValidationErrorRead
    ),
    429: error("Too many failed authentications from this client; retry after a minute"),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: error("No such resource")}
