"""A 3-part code (1-3-2) names a section of the welfare plan: answer with every initiative under it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from corpus.models import Initiative
from handlers.answer import Answer, Suggestion

if TYPE_CHECKING:
    from handlers.assistant import Assistant, Audience

SHOWN = 12  # rows written in the reply text; the results hold them all


def section_ids(assistant: Assistant, searcher, section: str) -> list[str]:
    """Ids of the initiatives whose code starts with ``section`` (1-3-2 → 1-3-2-1, 1-3-2-2 …), in plan order."""
    def build():
        codes: dict[str, list[str]] = {}
        each = searcher.iter("initiative") if hasattr(searcher, "iter") else searcher.all("initiative")
        for initiative in each:
            if isinstance(initiative, Initiative):
                prefix = initiative.code.rsplit("-", 1)[0]
                codes.setdefault(prefix, []).append(initiative.id)
        return codes

    return assistant._version(searcher, "initiatives_by_section", build).get(section, [])


def section_answer(assistant: Assistant, searcher, u, audience: Audience) -> Answer | None:
    """Who handles each initiative of the section, or None when no initiative has that code prefix."""
    ids = section_ids(assistant, searcher, u.section_code or "")
    initiatives = [r for r in (searcher.get(i) for i in ids) if isinstance(r, Initiative)]
    if not initiatives:
        return None
    first = initiatives[0]
    place = first.place
    heading = f"取組 {u.section_code}" + (f"「{place.subsection_title}」" if place.subsection_title else "")
    lines = [f"{heading}には {len(initiatives)} 件の取組があります。"]
    for rec in initiatives[:SHOWN]:
        code = f"{rec.code} " if audience == "staff" else ""
        mark = "（再掲）" if rec.relisting else ""
        caution = "※担当課要確認" if rec.caution else ""
        lines.append(f"・{code}{rec.title}{mark}：{'・'.join(rec.departments)}{caution}")
    if len(initiatives) > SHOWN:
        lines.append(f"ほか {len(initiatives) - SHOWN} 件")
    if any(rec.caution for rec in initiatives):
        lines.append(f"※ {next(rec.caution for rec in initiatives if rec.caution)}")
    lines.append(assistant._cite(searcher, first.source, audience))
    suggestions = [Suggestion(label=f"{d}の取組", query=d)
                   for d in dict.fromkeys(d for rec in initiatives for d in rec.departments)][:3]
    return Answer(query=u.raw, intent="who_handles", text="\n".join(lines),
                  results=[assistant._result(rec, 0.0, searcher) for rec in initiatives],
                  suggestions=suggestions, citations=[first.source])
