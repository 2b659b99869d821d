"""Answers that must be kind before they are informative: words of wanting to die, and questions off our topic."""

from __future__ import annotations

from typing import TYPE_CHECKING

from corpus.models import Window
from handlers.answer import Answer, Suggestion

if TYPE_CHECKING:
    from handlers.assistant import Assistant, Audience

# What the bot can do, said when a question is outside it (weather, noise …).
CAPABILITIES = ("このサービスでは、鎌倉市の福祉の相談窓口、取組の担当課、市長公約の進み具合、条例、"
                "計画の数字（指標・アンケート結果）についてお答えできます。")
OUTSIDE = "観光・飲食店・交通機関・天気などの情報は、このサービスでは扱っていません。"
# The topic a window must list to be the one for thoughts of dying (corpus/curated/windows.yaml).
CRISIS_TOPIC = "自殺対策"
EMERGENCY = "いま命の危険があるときは、迷わず 119（救急）か 110（警察）に電話してください。"


def crisis_window(assistant: Assistant, searcher) -> Window | None:
    """The window whose curated topics include 自殺対策 (市民健康課 today), found once per index version."""
    def build():
        for window in searcher.iter("window") if hasattr(searcher, "iter") else searcher.all("window"):
            if isinstance(window, Window) and CRISIS_TOPIC in window.topics:
                return window.id
        return None

    window_id = assistant._version(searcher, "crisis_window", build)
    window = searcher.get(window_id) if window_id else None
    return window if isinstance(window, Window) else None


def crisis_answer(assistant: Assistant, searcher, u, audience: Audience) -> Answer:
    """Care first: not alone, emergency numbers, then the city's confirmed window. No number is invented:
    the window's phone is shown only when the reference confirms it."""
    lines = ["とてもつらい気持ちを話してくださって、ありがとうございます。あなたはひとりではありません。", EMERGENCY]
    results, citations = [], []
    window = crisis_window(assistant, searcher)
    if window is not None:
        lines.append(f"こころの健康や自殺対策の相談は「{window.name}」が受けています。")
        lines.append(assistant._window_line(window, audience))
        results.append(assistant._result(window, 0.0, searcher))
        citations.append(window.source)
    one_stop = assistant._one_stop(searcher)
    if one_stop is not None and (window is None or one_stop.id != window.id):
        lines.append(f"暮らしの困りごとも一緒に「{one_stop.name}」で相談できます。")
        results.append(assistant._result(one_stop, 0.0, searcher))
    suggestions = [Suggestion(label=f"{window.name}の詳細", query=window.name)] if window is not None else []
    return Answer(query=u.raw, intent="find_window", text="\n".join(lines), results=results,
                  suggestions=suggestions, citations=citations)


OFF_TOPIC = 0.25  # below this share of the question found in any near record, the question is not about us


def off_topic(assistant: Assistant, u, hits) -> str:
    """"unknown" when not even the nearest records share a quarter of the question (今日の天気は？),
    else "search": a question we half understand is still answered as a search, with candidates."""
    best = max((assistant._relevance(u, record) for *_, record in hits[:3]), default=0.0)
    return "unknown" if best < OFF_TOPIC else "search"
