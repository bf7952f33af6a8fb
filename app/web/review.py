"""Revisión: one doubtful pair at a time, side by side, decided with buttons or keys."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response, status
from fastapi.responses import RedirectResponse

from app.deps import SessionDep
from app.linkage import router as linkage_api
from app.linkage.schemas import JudgementCreate
from app.web._pages import WebRoute, WebUser, page_access, render
from app.web.labels import DECISIONS, EVIDENCE, RECORD_ROWS, level_label, record_value
from app.web.session import check_csrf

__all__ = ["router"]

router = APIRouter(route_class=WebRoute)

Access = Annotated[WebUser, Depends(page_access("revision"))]


def _pair(item: dict[str, Any]) -> dict[str, Any]:
    fields = item["explanation"].get("fields", [])
    weight = {f["field"]: f["weight"] + f.get("tf_adjustment", 0.0) for f in fields}
    a = item["a"]["record"] or {}
    b = item["b"]["record"] or {}
    rows = []
    for text, attr, field in RECORD_ROWS:
        w = weight.get(field)
        state = "" if w is None or w == 0 else ("agree" if w > 0 else "disagree")
        rows.append(
            {
                "label": text,
                "a": record_value(attr, a.get(attr)),
                "b": record_value(attr, b.get(attr)),
                "state": state,
            }
        )
    top = max((abs(v) for v in weight.values()), default=1.0) or 1.0
    evidence = [
        {
            "label": EVIDENCE.get(f["field"], (f["field"], ()))[0],
            "level": level_label(f["level"]),
            "weight": weight[f["field"]],
            "state": "agree"
            if weight[f["field"]] > 0
            else "disagree"
            if weight[f["field"]] < 0
            else "",
            "width": round(60 * abs(weight[f["field"]]) / top),
        }
        for f in fields
    ]
    return {
        "id": item["id"],
        "probability": item["probability"],
        "a": item["a"],
        "b": item["b"],
        "rows": rows,
        "evidence": evidence,
        "rule": item["explanation"].get("rule"),
    }


def _next_pair(web: WebUser, session: SessionDep) -> dict[str, Any] | None:
    # The API's queue route: the same order and the same audit of what the reviewer saw.
    items: list[dict[str, Any]] = linkage_api.review_queue(web[1], session, limit=1)
    return _pair(items[0]) if items else None


@router.get("/ui/revision")
def review_page(
    request: Request, web: Access, session: SessionDep, hecho: str | None = None
) -> Response:
    """Show the most doubtful pending pair with its evidence."""
    context = {
        "pair": _next_pair(web, session),
        "decisions": DECISIONS,
        "done": DECISIONS.get(hecho or ""),
    }
    return render(request, "review.html", context, web=web)


@router.post("/ui/revision/{item_id}")
def decide(
    item_id: int,
    request: Request,
    web: Access,
    session: SessionDep,
    decision: Annotated[Literal["match", "no_match", "unsure"], Form()],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Record the reviewer's decision and answer with the next pair."""
    if not check_csrf(web[0].csrf, csrf):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Formulario caducado o ajeno.")
    linkage_api.judge_item(item_id, JudgementCreate(decision=decision), web[1], session)
    if request.headers.get("x-requested-with") != "fetch":
        return RedirectResponse(
            f"/ui/revision?hecho={decision}", status_code=status.HTTP_303_SEE_OTHER
        )
    context = {
        "pair": _next_pair(web, session),
        "decisions": DECISIONS,
        "done": DECISIONS[decision],
    }
    return render(request, "_pair.html", context, web=web)
