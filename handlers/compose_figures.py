"""Questions that ask for a figure (何人, 何％, どのくらい, いつから): the plan's facts and indicators answer them.

A window or an initiative that merely shares the topic word does not say how many people
used it; the survey result or the plan's indicator does. So these questions search the
records that carry figures first and fall back to the ordinary search when none fits.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from corpus.models import Kpi
from handlers.answer import Answer
from handlers.understand import FIGURE_RE, SPACE_RE, Understanding

if TYPE_CHECKING:
    from handlers.assistant import Assistant, Audience

FIGURE_KINDS = {"kpi", "fact", "passage"}
# Words that only say "a number, please": they are not the topic and must not weigh in the ranking.
_VAGUE = re.compile(r"くらい|ぐらい|位|今|いま|ってある|ある|いる|どう|なの|なん")


# How the documents label the figure each kind of question asks for (何人 → 人数・利用者, いつから → 開始).
MEASURES = (
    (re.compile(r"何人|なんにん|how many people"), "人数 利用者"),
    (re.compile(r"何件|なんけん"), "件数"),
    (re.compile(r"何世帯"), "世帯数"),
    (re.compile(r"何[%％]|何パーセント|なんパーセント|何割|percent"), "割合"),
    (re.compile(r"何年から|何年まで|いつまで|何年度"), "期間 年度"),
    (re.compile(r"いつから"), "開始"),
    (re.compile(r"どれくらい|どのくらい|どれぐらい|どのぐらい|どの程度"), "件数 人数 割合"),
)
COUNTED_RE = re.compile(r"人口|世帯数|率|割合|件数|人数|者数")
FIGURE_BONUS = 0.3  # a record that states a number answers 「何人」 better than one that only names the topic
_DIGIT = re.compile(r"\d")


def topic(u: Understanding) -> str:
    """The question without its figure words, plus how documents label that figure:
    「アンケートって何人くらい答えたの」 → 「アンケート 答えたの 人数 利用者」."""
    out = FIGURE_RE.sub(" ", u.query or u.text)
    out = _VAGUE.sub(" ", out)
    out = re.sub(r"って|には|では", " ", out)
    # 「人口は何人」「保護率は何％」 already name what is counted: a label would only pull in other counts.
    measures = [] if COUNTED_RE.search(out) else [label for pattern, label in MEASURES if pattern.search(u.text)]
    return SPACE_RE.sub(" ", " ".join([out, *measures])).strip()


def _states_figure(record) -> bool:
    if isinstance(record, Kpi):
        return bool(record.latest_value or record.target)
    return bool(_DIGIT.search(getattr(record, "text", "") or ""))


def figure_answer(assistant: Assistant, searcher, u: Understanding, audience: Audience,
                  indicators: bool = True) -> Answer | None:
    """The fact or indicator that holds the figure asked for, or None when none fits (ordinary search then).
    ``indicators=False``: the plan's indicators were weighed already (the kpi answer chose a fact)."""
    query = topic(u) or None
    hits = assistant._hits(searcher, u, FIGURE_KINDS if indicators else FIGURE_KINDS - {"kpi"}, limit=8, query=query)
    hits.sort(key=lambda h: -(h[2] + (FIGURE_BONUS if _states_figure(h[3]) else 0.0)))
    if not hits or not assistant._confident(u, hits[0][3]):
        return None
    if isinstance(hits[0][3], Kpi):
        answer = assistant._kpi(searcher, u, audience)
        if answer.confident and answer.results and answer.results[0].id == hits[0][0]:
            return answer
    # Other records on the same topic (a window, the initiative) follow the figure.
    others = [h for h in assistant._hits(searcher, u, None, limit=5, query=query) if h[1] not in FIGURE_KINDS]
    return assistant._search_answer(searcher, u, [*hits[:3], *others[:2]], audience)
