"""Typed corpus records.

Every record carries ``source`` (document file name + 1-based line) and a
deterministic ``id`` so that parsing twice yields identical records and a
re-index can report what was added, removed or changed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["pledge", "initiative", "policy", "window", "ordinance", "kpi", "department", "passage"]
PledgeStatus = Literal["achieved", "in_progress", "not_achieved"]


class Source(BaseModel):
    model_config = ConfigDict(frozen=True)

    document: str
    line: int = Field(ge=1)

    def cite(self) -> str:
        return f"{self.document}:{self.line}"


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    source: Source


class Pledge(Record):
    kind: Literal["pledge"] = "pledge"
    number: int = Field(ge=1, le=170)
    status: PledgeStatus
    mark: str  # as printed: 〇 / △ / ✖
    category: str  # ■ heading, "…-2" continuations merged
    text: str
    progress: list[str] = []  # items, keeping （令和元年度） labels and (3-20) references


class Goal(BaseModel):
    """Where an initiative row sits in the regional welfare plan."""

    goal: int  # 目標 1–3
    goal_title: str
    section: int | None = None  # (n)
    section_title: str = ""
    subsection: int | None = None  # ① → 1
    subsection_title: str = ""
    vision: str = ""  # 【取組と目標を結ぶビジョン】


class Initiative(Record):
    kind: Literal["initiative"] = "initiative"
    code: str  # e.g. 1-2-3-7
    title: str
    departments: list[str]
    position: Literal["◎", "●", "■", "—"]
    relisting: bool = False  # 【再掲】
    original_code: str | None = None  # for a relisting: the row it repeats
    place: Goal
    caution: str = ""  # a doubt about this row people must see (curated/cautions.yaml)


class PolicyYear(BaseModel):
    year: str  # 平成30年度 …
    plan: str = ""  # 予定
    first_half: str = ""  # 上期実績
    second_half: str = ""  # 下期実績


class Policy(Record):
    kind: Literal["policy"] = "policy"
    number: int = Field(ge=1, le=48)
    title: str
    departments: list[str]
    aim: str = ""
    outcome: str = ""
    years: list[PolicyYear] = []


class Ordinance(Record):
    kind: Literal["ordinance"] = "ordinance"
    name: str
    purpose: str = ""
    enacted: str = ""  # as written, e.g. 令和2年3月
    enacted_year: int | None = None  # Western year
    mentions: list[Source] = []
    aliases: list[str] = []  # other spellings in the sources: variants, （仮称） names, former names


class Kpi(Record):
    kind: Literal["kpi"] = "kpi"
    chapter: str  # 2-1 …
    name: str
    latest_value: str = ""
    latest_year: str = ""
    target: str = ""  # 目標値, or a direction ↗ / ↘


class Department(Record):
    kind: Literal["department"] = "department"
    name: str
    bureau: str = ""  # 部
    aliases: list[str] = []
    history: str = ""  # an earlier or later name of the department, as the sources show it
    history_sources: list[str] = []


class WindowFact(BaseModel):
    """One fact about a window, with where it comes from.

    ``unconfirmed`` marks what the reference flags (未確認): unofficial, dated
    or conflicting. Such a fact is never shown to a citizen as confirmed.
    """

    value: str
    sources: list[str]  # reference ids ([C04]) or document:line
    unconfirmed: bool = False
    note: str = ""


class Window(Record):
    kind: Literal["window"] = "window"
    name: str  # official name
    aliases: list[str] = []
    topics: list[str] = []  # what it handles, as keywords
    audience: list[str] = []
    summary: WindowFact | None = None
    department: WindowFact | None = None
    bureau: WindowFact | None = None
    operator: WindowFact | None = None
    location: WindowFact | None = None
    hours: WindowFact | None = None
    phone: WindowFact | None = None
    contact: WindowFact | None = None  # fax / mail
    how_to: WindowFact | None = None
    opened: WindowFact | None = None
    conflicts: list[str] = []
    one_stop: bool = False  # the window for "I don't know where to ask"


class Chapter(Record):
    """A chapter of the comprehensive plan (2-1 … 2-5)."""

    kind: Literal["chapter"] = "chapter"
    number: str
    title: str
    vision: str = ""  # 目標とするまちの姿
    current: list[str] = []  # 現状
    issues: list[str] = []  # 課題
    actions: list[str] = []  # 主な取組, numbered
    partners: list[str] = []  # 共創のパートナー


class Fact(Record):
    """A stated fact: report headline figures, plan facts, minutes, surveys."""

    kind: Literal["fact"] = "fact"
    topic: str  # short label, e.g. 市債残高 / 基本理念 / きらきら利用者数
    text: str
    about: str = ""  # window / plan / project name the fact belongs to


class RelatedPlan(Record):
    kind: Literal["related_plan"] = "related_plan"
    name: str
    law: str = ""
    period: str = ""
    summary: str = ""


class Passage(Record):
    """A chunk of source text for free search."""

    kind: Literal["passage"] = "passage"
    title: str
    text: str


class Conflict(BaseModel):
    """Something in a source the parser could not settle on its own."""

    document: str
    lines: list[int]
    message: str


class Corpus(BaseModel):
    pledges: list[Pledge] = []
    initiatives: list[Initiative] = []
    policies: list[Policy] = []
    ordinances: list[Ordinance] = []
    kpis: list[Kpi] = []
    departments: list[Department] = []
    windows: list[Window] = []
    chapters: list[Chapter] = []
    facts: list[Fact] = []
    related_plans: list[RelatedPlan] = []
    passages: list[Passage] = []
    conflicts: list[Conflict] = []
    documents: dict[str, str] = {}  # file name → document type
    superseded: dict[str, str] = {}  # older revision's file name → the newer file used instead

    def merge(self, other: Corpus) -> Corpus:
        data = {}
        for name in type(self).model_fields:
            mine, theirs = getattr(self, name), getattr(other, name)
            data[name] = {**mine, **theirs} if isinstance(mine, dict) else [*mine, *theirs]
        return Corpus(**data)

    def stats(self) -> dict:
        def count(status: str) -> int:
            return sum(1 for p in self.pledges if p.status == status)

        return {
            "pledges": {
                "total": len(self.pledges),
                "achieved": count("achieved"),
                "in_progress": count("in_progress"),
                "not_achieved": count("not_achieved"),
            },
            "initiatives": len(self.initiatives),
            "policies": len(self.policies),
            "windows": len(self.windows),
            "ordinances": len(self.ordinances),
            "kpis": len(self.kpis),
            "departments": len(self.departments),
        }


class CorpusError(Exception):
    """A source or curated file cannot be turned into records."""

    def __init__(self, document: str, line: int | None, message: str):
        self.document, self.line, self.message = document, line, message
        where = f"{document}:{line}" if line else document
        super().__init__(f"{where}: {message}")
