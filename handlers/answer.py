"""The one thing that crosses from handlers to channels.

Channels render an ``Answer`` in their own idiom (LINE Flex, Telegram HTML, web
page, terminal text); handlers never know which channel asked.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from corpus.models import Source

Intent = Literal[
    "pledge_status", "who_handles", "find_window", "ordinance", "department", "kpi", "search", "help", "unknown"
]


class Detail(BaseModel):
    """A labelled line a channel may show on a card, e.g. 場所 / 時間 / 電話."""

    label: str
    value: str
    unconfirmed: bool = False  # flagged (未確認) in the reference: say it should be checked


class Result(BaseModel):
    kind: str  # pledge, initiative, policy, window, ordinance, kpi, department, passage
    id: str
    title: str
    number: int | None = None  # pledges 1–170, policies 1–48
    code: str | None = None  # initiatives, e.g. 1-2-3-7
    status: str | None = None  # pledges: achieved / in_progress / not_achieved
    departments: list[str] = []
    score: float = 0.0
    source: Source
    # For rendering only, not part of the JSON contract:
    summary: str = ""  # one or two lines a card can show under the title
    details: list[Detail] = []
    phone: str | None = None  # confirmed phone number, for a tel: button
    section: str = ""  # plan section path for initiatives, category for pledges

    def to_json(self) -> dict:
        data = {
            "kind": self.kind,
            "id": self.id,
            "title": self.title,
            "departments": self.departments,
            "score": round(self.score, 3),
            "source": self.source.model_dump(),
        }
        if self.number is not None:
            data["number"] = self.number
        if self.code is not None:
            data["code"] = self.code
        if self.status is not None:
            data["status"] = self.status
        return data


class Suggestion(BaseModel):
    """A follow-up the person can tap: ``label`` is shown, ``query`` is asked."""

    label: str
    query: str


class Answer(BaseModel):
    query: str
    intent: Intent
    text: str  # the reply as a person sees it
    results: list[Result] = []  # results[0] is the primary answer
    suggestions: list[Suggestion] = []
    citations: list[Source] = []
    confident: bool = True

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "intent": self.intent,
            "text": self.text,
            "results": [r.to_json() for r in self.results],
        }
