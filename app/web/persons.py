"""Persona: one linked person with every record, case, judgement and merge (audited)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import RedirectResponse

from app.deps import SessionDep
from app.linkage import router as linkage_api
from app.web._pages import WebRoute, WebUser, page_access, render
from app.web.labels import DECISIONS

__all__ = ["router"]

router = APIRouter(route_class=WebRoute)

Access = Annotated[WebUser, Depends(page_access("persona"))]

_EVENTS = {"merge": "Fusión", "split": "División"}


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _timeline(view: dict[str, Any]) -> list[dict[str, str]]:
    events: list[dict[str, str]] = []
    for rec in view["records"]:
        r = rec["record"]
        events.append(
            {
                "at": rec["registration_date"],
                "kind": f"Registro en {rec['system']}",
                "text": f"{rec['key']} · caso {r.get('case_key') or '—'} · "
                f"{r.get('offence_raw') or ''}",
            }
        )
    for j in view["judgements"]:
        events.append(
            {
                "at": _when(j["at"]),
                "kind": "Decisión de revisión",
                "text": f"{j['key_a']} y {j['key_b']}: "
                f"{DECISIONS.get(j['decision'], j['decision'])} ({j['reviewer']})",
            }
        )
    for e in view["history"]:
        kind = _EVENTS.get(e["kind"], e["kind"])
        events.append(
            {
                "at": _when(e["at"]),
                "kind": kind,
                "text": f"persona {e['person_id']} y persona {e['other_person_id']}; "
                f"{e['records']} registros (corrida {e['run_id']})",
            }
        )
    events.sort(key=lambda ev: ev["at"])
    return events


@router.get("/ui/personas")
def find_person(
    request: Request, web: Access, id: Annotated[int | None, Query(ge=1)] = None
) -> Response:
    """Ask for a person's number, or open that person."""
    if id is not None:
        return RedirectResponse(f"/ui/personas/{id}", status_code=status.HTTP_303_SEE_OTHER)
    return render(request, "person.html", {"view": None}, web=web)


@router.get("/ui/personas/{person_id}")
def person_page(person_id: int, request: Request, web: Access, session: SessionDep) -> Response:
    """Show one linked person in time order (the reading is audited, as in the API)."""
    view: dict[str, Any] = linkage_api.get_person(person_id, web[1], session)
    return render(
        request,
        "person.html",
        {"view": view, "timeline": _timeline(view), "kinds": _EVENTS},
        web=web,
    )
