"""Staff web console: server-rendered Jinja2 pages over the Assistant (no CDN, minimal JavaScript)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from bot.render import KIND_LABELS, STATUS_LABELS, kind_label, shown_details, status_label
from handlers.answer import Answer, Result
from handlers.assistant import Assistant

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
STATIC_DIR = Path(__file__).with_name("static")
MAX_QUERY = 200


def result_href(result: Result) -> str:
    """Where a result opens: a window or department has its own page, anything else its record page."""
    if result.kind == "window":
        return f"/windows/{quote(result.id, safe='')}"
    if result.kind == "department":
        return f"/departments/{quote(result.title, safe='')}"
    return f"/records/{quote(result.id, safe='')}"


def tel_href(phone: str) -> str:
    return "tel:" + re.sub(r"[^0-9+]", "", phone)


def department_href(name: str) -> str:
    return f"/departments/{quote(name, safe='')}"


TEMPLATES.env.globals.update(
    kind_label=kind_label,
    shown_details=shown_details,
    status_label=status_label,
    result_href=result_href,
    department_href=department_href,
    tel_href=tel_href,
    KIND_LABELS=KIND_LABELS,
    STATUS_LABELS=STATUS_LABELS,
)


def group_by_goal(results: list[Result]) -> list[tuple[str, list[Result]]]:
    """Initiatives grouped by the goal their code starts with (目標 1-2-3-7 → 目標1), in code order."""
    groups: dict[str, list[Result]] = {}
    for result in results:
        if result.kind == "department":
            continue  # the page's own department heads the page; only its rows are grouped
        goal = (result.code or "").split("-")[0]
        heading = f"目標{goal}" if goal.isdigit() else "その他"
        groups.setdefault(heading, []).append(result)
    return list(groups.items())


def create_router(assistant: Assistant) -> APIRouter:
    router = APIRouter(tags=["Web console"], default_response_class=HTMLResponse)

    @router.get("/", summary="Staff web console")
    def console(request: Request, q: str = Query("", max_length=MAX_QUERY), kind: str = Query("")):
        answer: Answer | None = assistant.ask(q.strip(), audience="staff") if q.strip() else None
        results = answer.results if answer else []
        counts = Counter(r.kind for r in results)
        shown = [r for r in results if not kind or r.kind == kind]
        return TEMPLATES.TemplateResponse(
            request,
            "console.html",
            {"q": q, "kind": kind, "answer": answer, "results": shown, "counts": counts, "total": len(results)},
        )

    @router.get("/departments/{name}", summary="A department's initiatives, grouped by goal")
    def department(request: Request, name: str):
        answer = assistant.department_page(name)
        if not answer.results:
            raise HTTPException(404, "department not found")
        return TEMPLATES.TemplateResponse(
            request, "department.html", {"name": name, "answer": answer, "groups": group_by_goal(answer.results)}
        )

    @router.get("/windows/{window_id}", summary="One consultation window in full")
    def window(request: Request, window_id: str):
        answer = assistant.window_page(window_id)
        if not answer.results:
            raise HTTPException(404, "window not found")
        return TEMPLATES.TemplateResponse(request, "window.html", {"answer": answer, "window": answer.results[0]})

    @router.get("/records/{record_id}", summary="One record with its source")
    def record(request: Request, record_id: str):
        result = assistant.record(record_id)
        if result is None:
            raise HTTPException(404, "record not found")
        return TEMPLATES.TemplateResponse(request, "record.html", {"result": result})

    return router
