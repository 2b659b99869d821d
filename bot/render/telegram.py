"""Answer → Telegram messages in HTML parse mode, with follow-ups as inline-keyboard buttons.

Every dynamic string goes through ``html.escape``; only the tags written here
reach Telegram. Messages are cut at line boundaries to stay within 4,096
characters, and the keyboard goes on the last one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from bot.render import UNCONFIRMED, kind_label, shown_details, status_label, truncate
from handlers.answer import Answer, Result

MAX_MESSAGE = 4096
STAFF_RESULTS = 8
STATUS_MARKS = {"achieved": "✅", "in_progress": "🔶", "not_achieved": "⬜"}

HELP = (
    "鎌倉市の窓口・計画をさがすボットです（職員向け）。\n"
    "ことばで質問するか、次のコマンドを使ってください。\n"
    "/pledge 番号 — 市長公約の進み具合（例：/pledge 15）\n"
    "/who ことがら — 担当課（例：/who 手話通訳）\n"
    "/window ことがら — 相談窓口（例：/window ひきこもり）\n"
    "/ordinance ことがら — 条例（例：/ordinance 手話言語条例）\n"
    "/help — この説明"
)


@dataclass
class TelegramMessage:
    text: str  # HTML
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (label, query), one per row


def _escaped_pieces(line: str, limit: int) -> list[str]:
    """Escape ``line``, splitting it (never inside an entity) so each piece fits ``limit``."""
    pieces, current = [], ""
    for char in line:
        escaped = escape(char)
        if len(current) + len(escaped) > limit:
            pieces.append(current)
            current = ""
        current += escaped
    pieces.append(current)
    return pieces


def _result_lines(index: int, result: Result) -> list[str]:
    label = kind_label(result.kind)
    if result.number:
        label += f" {result.number}"
    if result.code:
        label += f" {result.code}"
    heading = f"<b>{index}. [{escape(label)}] {escape(truncate(result.title, 300))}</b>"
    if result.status:
        heading += f" {STATUS_MARKS.get(result.status, '')}{escape(status_label(result.status))}"
    lines = [heading]
    if result.departments:
        lines.append("担当課: " + escape("・".join(result.departments)))
    if result.section:
        lines.append(("分類: " if result.kind == "pledge" else "計画: ") + escape(truncate(result.section, 300)))
    if result.summary:
        lines.append(escape(truncate(result.summary, 600)))
    for detail in shown_details(result):
        mark = f" <i>（{UNCONFIRMED}）</i>" if detail.unconfirmed else ""
        lines.append(f"{escape(detail.label)}: {escape(truncate(detail.value, 300))}{mark}")
    if result.phone and not any(d.value == result.phone for d in result.details):
        lines.append("電話: " + escape(result.phone))
    lines.append(f"<i>出典 <code>{escape(result.source.document)}:{result.source.line}</code></i>")
    return lines


def chunk_lines(lines: list[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Join HTML lines into messages of at most ``limit`` characters (each line is a closed fragment)."""
    chunks, current = [], ""
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit and current:
            chunks.append(current)
            candidate = line
        current = candidate
    if current.strip():
        chunks.append(current)
    return chunks


def render_answer(answer: Answer, max_results: int = STAFF_RESULTS) -> list[TelegramMessage]:
    lines: list[str] = []
    for raw in (answer.text or "").splitlines() or [""]:
        lines.extend(_escaped_pieces(raw, MAX_MESSAGE))
    for i, result in enumerate(answer.results[:max_results], start=1):
        lines.append("")
        lines.extend(_result_lines(i, result))
    chunks = chunk_lines(lines) or ["ご案内できる情報が見つかりませんでした。"]
    messages = [TelegramMessage(text=chunk) for chunk in chunks]
    messages[-1].buttons = [(s.label, s.query) for s in answer.suggestions]
    return messages


def help_messages() -> list[TelegramMessage]:
    return [TelegramMessage(text=escape(HELP))]
