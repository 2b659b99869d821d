"""The staff page of one department: every initiative it handles, relistings marked, grouped by goal.

The short answer to a question 「障害福祉課の取組」 may stop at 「ほか N 件」; this page may not —
the web console renders it as the department's full list, so the results hold every row and
the text's counts are the counts of those rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from corpus.models import Department, Initiative
from handlers.answer import Answer

if TYPE_CHECKING:
    from handlers.assistant import Assistant


PER_GOAL = 8  # rows per goal in the reply text; the results hold them all


def _code_key(code: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in code.split("-"))


def initiatives(searcher, name: str) -> list[Initiative]:
    """All initiatives of the department, relistings included, in plan (code) order."""
    if hasattr(searcher, "department_ids"):
        records = searcher.iter(ids=searcher.department_ids(name))
    else:
        records = searcher.by_department(name)
    rows = [r for r in records if isinstance(r, Initiative)]
    return sorted(rows, key=lambda r: _code_key(r.code))


def department_page(assistant: Assistant, searcher, query: str, department: Department) -> Answer:
    rows = initiatives(searcher, department.name)
    relistings = sum(1 for r in rows if r.relisting)
    lines = [f"{department.name}" + (f"（{department.bureau}）" if department.bureau else "")
             + f"が担当する地域福祉計画の取組は {len(rows) - relistings} 件です"
             + (f"（ほかに再掲 {relistings} 件）。" if relistings else "。")]
    if department.history:
        lines.append(f"※ {department.history}")
    groups: dict[tuple[int, str], list[Initiative]] = {}
    for row in rows:
        groups.setdefault((row.place.goal, row.place.goal_title), []).append(row)
    for (goal, title), items in sorted(groups.items()):
        lines.append(f"■目標{goal} {title}（{len(items)}件）")
        for item in items[:PER_GOAL]:
            mark = "（再掲）" if item.relisting else ""
            caution = "※担当課要確認" if item.caution else ""
            lines.append(f"・{item.code} {item.title}{mark}{caution}")
        if len(items) > PER_GOAL:
            lines.append(f"　ほか {len(items) - PER_GOAL} 件（一覧にすべて載っています）")
    cautions = list(dict.fromkeys(r.caution for r in rows if r.caution))
    lines.extend(f"※ {c}" for c in cautions)
    facts = assistant._window_facts(searcher)
    window_id = facts["by_name"].get(department.name) or facts["by_department"].get(department.name)
    window = searcher.get(window_id) if window_id else None
    if window is not None:
        lines.append(assistant._window_line(window, "staff"))
    lines.append(assistant._cite(searcher, department.source, "staff"))
    # The department itself first (channels link it), then every row: the list a console renders in full.
    results = [assistant._result(department, 0.0, searcher)] + [assistant._result(r, 0.0, searcher) for r in rows]
    return Answer(query=query, intent="department", text="\n".join(lines), results=results,
                  citations=[department.source] + [r.source for r in rows[:2]])
