"""Channel renderers: each turns an ``handlers.answer.Answer`` into its channel's idiom.

Shared wording (kind and status labels) lives here so LINE, Telegram and the web
console call things by the same names.
"""

from __future__ import annotations

KIND_LABELS = {
    "pledge": "公約",
    "initiative": "取組",
    "policy": "施策",
    "window": "相談窓口",
    "ordinance": "条例",
    "kpi": "指標",
    "department": "担当課",
    "passage": "資料",
}

STATUS_LABELS = {"achieved": "達成", "in_progress": "取組中", "not_achieved": "未達成"}

UNCONFIRMED = "要確認"


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def status_label(status: str | None) -> str:
    return STATUS_LABELS.get(status or "", "")


def shown_details(result) -> list:
    """The result's labelled details worth a line: non-empty, and not a repeat of its summary."""
    summary = (result.summary or "").strip()
    return [d for d in result.details if d.value and not (summary and d.value.strip().startswith(summary))]


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut with an ellipsis."""
    text = text or ""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"
