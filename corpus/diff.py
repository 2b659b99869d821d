"""What changed between two corpora, by kind — the body of a re-index report.

    changes = diff_corpora(old, new)
    [c.text() for c in changes]   # "initiative 1-1-1-20 added", "pledge 42: status in_progress → achieved"

Records are matched by id. Where a record is and what it cites (``source``,
``mentions``, fact ``sources``) is left out of the comparison: a row added near
the top of a document moves every line below it, which is not a change of
content. Facts and passages have ids made of their line number, so they are
matched by their text instead.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Literal

from corpus.models import Corpus, Record

# Corpus list → the record kind its items carry, in report order.
LISTS = {
    "pledges": "pledge", "initiatives": "initiative", "policies": "policy", "ordinances": "ordinance",
    "kpis": "kpi", "departments": "department", "windows": "window", "chapters": "chapter",
    "facts": "fact", "related_plans": "related_plan", "passages": "passage",
}
MATCHED_BY_TEXT = {"facts", "passages"}  # ids are line numbers: a moved record is not a new one
IGNORED_KEYS = {"id", "kind", "source", "sources", "mentions", "lines"}
SHOWN_CHARS = 40

ChangeType = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class Change:
    kind: str  # record kind: pledge, initiative, …, passage
    id: str
    change: ChangeType
    label: str  # what a person calls the record: pledge number, initiative code, name
    field: str | None = None  # for "changed"
    before: str | None = None
    after: str | None = None

    def text(self) -> str:
        if self.change != "changed":
            return f"{self.kind} {self.label} {self.change}"
        return f"{self.kind} {self.label}: {self.field} {self.before} → {self.after}"

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def counts(corpus: Corpus) -> dict[str, int]:
    """Records by kind (the record's own kind, as the index manifest counts them)."""
    return {kind: len(getattr(corpus, name)) for name, kind in LISTS.items()}


def label(record: Record) -> str:
    for attribute in ("code", "number", "name", "title", "topic"):
        value = getattr(record, attribute, None)
        if value not in (None, ""):
            return str(value)
    return record.id


def _content(value):
    """The comparable content of a dumped record: provenance keys dropped, recursively."""
    if isinstance(value, dict):
        return {k: _content(v) for k, v in value.items() if k not in IGNORED_KEYS}
    if isinstance(value, list):
        return [_content(v) for v in value]
    return value


def _flat(content: dict, prefix: str = "") -> dict:
    """Nested models as dotted fields (place.section_title), so a change names what changed.
    A window fact stays whole: its value is what a person reads."""
    flat = {}
    for key, value in content.items():
        if isinstance(value, dict) and "value" not in value:
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _show(value) -> str:
    if value is None or value == "" or value == []:
        return "（なし）"
    if isinstance(value, list):
        text = "・".join(_show(v) for v in value)
    elif isinstance(value, dict):
        text = str(value.get("value", value))
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _by_id(old: list[Record], new: list[Record], kind: str) -> list[Change]:
    before = {r.id: r for r in old}
    after = {r.id: r for r in new}
    changes: list[Change] = []
    for record_id, record in after.items():
        if record_id not in before:
            changes.append(Change(kind, record_id, "added", label(record)))
            continue
        was, now = _flat(_content(before[record_id].model_dump())), _flat(_content(record.model_dump()))
        for field in now:
            if was.get(field) != now[field]:
                changes.append(Change(kind, record_id, "changed", label(record), field,
                                      _show(was.get(field)), _show(now[field])))
    changes += [Change(kind, rid, "removed", label(r)) for rid, r in before.items() if rid not in after]
    return changes


def _by_text(old: list[Record], new: list[Record], kind: str) -> list[Change]:
    def key(record: Record) -> str:
        return str(_content(record.model_dump()))

    before, after = Counter(key(r) for r in old), Counter(key(r) for r in new)
    added, removed = after - before, before - after
    changes: list[Change] = []
    for record in new:
        if added[key(record)] > 0:
            added[key(record)] -= 1
            changes.append(Change(kind, record.id, "added", label(record)))
    for record in old:
        if removed[key(record)] > 0:
            removed[key(record)] -= 1
            changes.append(Change(kind, record.id, "removed", label(record)))
    return changes


def diff_corpora(old: Corpus, new: Corpus) -> list[Change]:
    """Every added, removed and changed record, kind by kind in report order."""
    changes: list[Change] = []
    for name, kind in LISTS.items():
        compare = _by_text if name in MATCHED_BY_TEXT else _by_id
        changes += compare(getattr(old, name), getattr(new, name), kind)
    return changes


def summary(changes: list[Change]) -> dict[str, dict[str, int]]:
    """kind → {"added": n, "removed": n, "changed": n} (changed counts records, not fields)."""
    result: dict[str, dict[str, int]] = {}
    seen_changed: set[str] = set()
    for change in changes:
        entry = result.setdefault(change.kind, {"added": 0, "removed": 0, "changed": 0})
        if change.change == "changed":
            if change.id in seen_changed:
                continue
            seen_changed.add(change.id)
        entry[change.change] += 1
    return result
