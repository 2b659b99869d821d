"""Parser for the regional welfare plan 鎌倉市地域福祉計画 (令和8–15年度 / 2026–2033).

What the document holds, and where:

    第1章  基本理念, the three goals (【目標１】 … with 関連条例), the plans made as part of
           this plan (施策 | 計画名 | 位置づけ), the related-plans table (計画名 | 根拠法令等 | 概要),
           the 条例 table (条例名 | 趣旨・目的) and the plan period.
    第2章  statistics, the timeline of the city's 共生社会 work, the survey (アンケート) results.
    第3章  施策体系: goal › (n) section › ① sub-section, the full list of headings.
    第5章  the initiatives: under each heading a tab table 番号 | 取組内容 | 担当課 | 位置づけ.

Traps this parser deals with (all seen in the real text):
- Page headers (``目標1 …`` / ``(1) …``) repeated mid-page, even inside tables; table headers
  repeated mid-table; a markdown separator row; rows after a blank line.
- A reading guide (本計画書の読み方) sits under an earlier 第5章 heading and repeats real rows
  with other marks. Only rows after the last 第5章 heading are authoritative; guide rows are
  compared with them and every difference becomes a Conflict.
- Codes that do not fit the heading they sit under (3-1-4-11 … printed under 3-2-4, 3-2-5-1
  under 3-3-5, 3-5-6-4 under 3-5-5). When the row continues its table's numbering it is
  renumbered into that table; every such decision is a Conflict, and no id is ever emitted twice.
- 【再掲】 rows point to the row they repeat (matched by title); where they differ from it
  (department, mark, missing mark) a Conflict is recorded.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from corpus.models import (
    Conflict,
    Corpus,
    CorpusError,
    Fact,
    Goal,
    Initiative,
    Ordinance,
    RelatedPlan,
    Source,
)
from corpus.parsers.common import normalize_parens, western_year

NAME = "welfare_plan"
ABOUT = "地域福祉計画"

MARKS = ("◎", "●", "■", "—")
DASHES = "-‐‑–—―－ー"  # what a converter may leave for the "none" mark
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

ROW_HEADER = re.compile(r"^\s*番号\s+取組内容\s+担当課\s+位置づけ\s*$")
CODE = re.compile(r"^\s*(?P<code>[0-9０-９]+(?:\s*[-‐－−]\s*[0-9０-９]+){3})(?:\t|\s+)(?P<rest>.*)$")
CHAPTER = re.compile(r"^第\s*(?P<n>\d+)\s*章$")  # on NFKC text
GOAL_HEADING = re.compile(r"^目標\s*(?P<n>[1-9])\s+(?P<title>\S.*)$")  # on NFKC text
SECTION_HEADING = re.compile(r"^[(（]\s*(?P<n>[0-9０-９]+)\s*[)）]\s*(?P<title>\S.*)$")
SUBSECTION_HEADING = re.compile(rf"^(?P<marks>(?:[{CIRCLED}]\s*)+)(?P<title>\S.*)$")
SEPARATOR = re.compile(r"^[\s\-|:=]+$")
VISION_MARK = "【取組と目標を結"  # 【取組と目標を結ぶビジョン】 (the guide misspells it 結び)
RELISTING = re.compile(r"^\s*【再掲】\s*")
# Draft notes left in the text by the authors, not part of a title.
EDITORIAL_NOTE = re.compile(r"（(?:適宜修正|要修正|要確認)[^）]*）")
HEADING_MARKERS = re.compile(r"【新】|[（(]再掲[）)]")
DEPARTMENT_SUFFIXES = ("課", "室", "署", "センター", "館", "局", "部", "所", "担当")
ERA_YEAR = re.compile(r"(?P<era>平成|令和)(?P<year>元|\d+)年(?:(?P<month>\d+)月)?")
FIGURE = re.compile(r"\d+(?:\.\d+)?\s*[%％‰]|[0-9０-９一二三四五六七八九]+割|\d[\d,]*\s*(?:人|世帯|倍)")


# ---------------------------------------------------------------- text helpers


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def key(text: str) -> str:
    """Comparison key: width-folded, no spaces, no heading markers."""
    return re.sub(r"\s+", "", HEADING_MARKERS.sub("", nfkc(text)))


def tidy(text: str) -> str:
    """Full-width parentheses, no space around them, single spaces."""
    text = normalize_parens(text.strip())
    text = re.sub(r"\s*（\s*", "（", text)
    text = re.sub(r"\s*）", "）", text)
    text = re.sub(r"）\s+(?=[^\s\x00-\x7f])", "）", text)
    return re.sub(r"\s+", " ", text).strip()


def ordinance_name(name: str) -> str:
    return normalize_parens(nfkc(name))


def ordinance_id(name: str) -> str:
    """``ordinance-`` + first 10 hex of sha1 of the normalised name (shared contract)."""
    return "ordinance-" + hashlib.sha1(ordinance_name(name).encode("utf-8")).hexdigest()[:10]


def circled_number(mark: str) -> int:
    return CIRCLED.index(mark) + 1


def split_departments(cell: str) -> list[str]:
    """``福祉総務課 (市社協)`` → [福祉総務課（市社協）]; ``生活福祉課（市社協）こども家庭相談課`` → two.

    A ``※`` note runs to the end of the cell (it wraps with a space); it is not a department
    name and is left out here (``department_note`` returns it).
    """
    text = normalize_parens(cell.split("※", 1)[0].strip())
    names = [re.sub(r"\s+", "", m) for m in re.findall(r"[^\s（）]+(?:\s*（[^）]*）)*|（[^）]*）", text)]
    # A parenthesis standing alone qualifies the name before it.
    merged: list[str] = []
    for name in names:
        if name.startswith("（") and merged:
            merged[-1] += name
        else:
            merged.append(name)
    return merged


def department_note(cell: str) -> str:
    """``福祉総務課 ※重層的支援体制整備 事業関係課`` → ``※重層的支援体制整備事業関係課``."""
    return "※" + re.sub(r"\s+", "", cell.split("※", 1)[1]) if "※" in cell else ""


def looks_like_department(name: str) -> bool:
    base = name.split("（", 1)[0]
    return base.endswith(DEPARTMENT_SUFFIXES)


# ---------------------------------------------------------------- the document's lines


@dataclass
class Doc:
    document: str
    lines: list[str]  # raw, without line ends; index 0 is line 1

    @property
    def stem(self) -> str:
        return Path(self.document).stem

    def error(self, line: int | None, message: str) -> CorpusError:
        return CorpusError(self.document, line, message)

    def source(self, line: int) -> Source:
        return Source(document=self.document, line=line)

    def text(self, line: int) -> str:
        return self.lines[line - 1].strip()

    def find(self, pattern: re.Pattern | str, start: int = 1, end: int | None = None) -> int | None:
        """First line number in [start, end) whose NFKC text matches."""
        end = end or len(self.lines) + 1
        for number in range(start, end):
            text = nfkc(self.lines[number - 1])
            if (pattern.search(text) if isinstance(pattern, re.Pattern) else pattern in text):
                return number
        return None

    def paragraphs(self, start: int, stop: re.Pattern | None = None) -> list[tuple[int, str]]:
        """Non-empty lines from ``start`` until a line matching ``stop`` (not included)."""
        found = []
        for number in range(start, len(self.lines) + 1):
            text = self.text(number)
            if not text:
                continue
            if stop and (stop.search(text) or stop.search(nfkc(text))):
                break
            found.append((number, text))
        return found


# ---------------------------------------------------------------- chapter 3: the structure


@dataclass
class Scheme:
    """施策体系: goal → section → sub-section titles, as chapter 3 lists them."""

    sections: dict[int, dict[int, str]] = field(default_factory=dict)  # goal → {n: title}
    subsections: dict[tuple[int, int], dict[int, str]] = field(default_factory=dict)


def parse_scheme(doc: Doc, chapters: list[tuple[int, int]]) -> Scheme:
    start = next((line for line, n in chapters if n == 3), None)
    if start is None:
        raise doc.error(len(doc.lines), "chapter 3 (施策体系) not found: the plan is incomplete")
    end = next((line for line, n in chapters if line > start), len(doc.lines) + 1)
    scheme = Scheme()
    goal = 0
    section: int | None = None
    for number in range(start, end):
        text = doc.text(number)
        if text.startswith("- "):
            text = text[2:].strip()
        sub = SUBSECTION_HEADING.match(text)
        if sub and section is not None and goal:
            n = circled_number(sub["marks"].strip()[-1])
            scheme.subsections.setdefault((goal, section), {})[n] = tidy(HEADING_MARKERS.sub("", sub["title"]))
            continue
        sec = SECTION_HEADING.match(text)
        if not sec or "\t" in text:
            continue
        n, title = int(nfkc(sec["n"])), tidy(HEADING_MARKERS.sub("", sec["title"]))
        current = scheme.sections.get(goal, {})
        if n in current:
            if key(current[n]) == key(title) and not scheme.subsections.get((goal, n)):
                continue  # a page header repeating the heading just above
            goal += 1  # numbering starts again: the next goal
        elif not goal:
            goal = 1
        scheme.sections.setdefault(goal, {})[n] = title
        section = n
    if len(scheme.sections) < 3 or any(not scheme.subsections.get((g, s)) for g in scheme.sections
                                       for s in scheme.sections[g]):
        raise doc.error(end - 1, "chapter 3 (施策体系) is incomplete: expected three goals with their sections")
    return scheme


# ---------------------------------------------------------------- chapter 5: the rows


@dataclass
class Row:
    line: int
    code: str
    cells: list[str]  # title, departments, mark (as split from the line)
    context: tuple[int | None, int | None, int | None]  # goal, section, sub-section headings above
    title: str = ""
    relisting: bool = False
    departments: list[str] = field(default_factory=list)
    mark: str = ""
    original: Row | None = None
    notes: list[str] = field(default_factory=list)  # clean-ups worth a Conflict

    @property
    def parts(self) -> tuple[int, ...]:
        return tuple(int(p) for p in self.code.split("-"))


def parse_code(raw: str) -> str:
    return "-".join(str(int(p)) for p in re.split(r"\s*[-‐－−]\s*", nfkc(raw)))


def is_stop_line(text: str) -> bool:
    """Lines that end a row (and a vision paragraph): headings, markers, table headers."""
    n = nfkc(text)
    return bool(
        not n
        or ROW_HEADER.match(n)
        or CODE.match(text)
        or GOAL_HEADING.match(n)
        or CHAPTER.match(n)
        or (SECTION_HEADING.match(n) and "\t" not in n)
        or SUBSECTION_HEADING.match(text.strip())
        or n.startswith(("【", "※", "現状と課題"))
        or SEPARATOR.match(n)
    )


def join_cells(row_cells: list[str], extra: str) -> list[str]:
    """Merge a wrapped line into the row it continues.

    A continuation that starts with a tab, or has as many cells as the row, fills the cells side
    by side. A single fragment after a complete row continues its title (or its departments when
    it reads as department names). Otherwise the first fragment continues the row's last cell and
    the rest are the cells still missing.
    """
    pieces = [p.strip() for p in extra.split("\t")]
    glue = ["", " ", ""]  # a title wraps inside a word; departments are separate names
    if extra.startswith("\t") or (len(pieces) == len(row_cells) > 1):
        width = max(len(row_cells), len(pieces))
        cells = row_cells + [""] * (width - len(row_cells))
        pieces += [""] * (width - len(pieces))
        return [(cell + (glue[min(i, 2)] if cell and piece else "") + piece).strip()
                for i, (cell, piece) in enumerate(zip(cells, pieces, strict=True))]
    if len(pieces) == 1 and len(row_cells) == 3 and nfkc(row_cells[2]) in MARKS:
        names = split_departments(pieces[0])
        column = 1 if names and all(looks_like_department(n) for n in names) else 0
        cells = list(row_cells)
        cells[column] = (cells[column] + glue[column] + pieces[0]).strip()
        return cells
    last = len(row_cells) - 1
    merged = row_cells[:-1] + [(row_cells[-1] + glue[min(last, 2)] + pieces[0]).strip()]
    return merged + pieces[1:]


@dataclass
class Chapter5:
    rows: list[Row] = field(default_factory=list)
    goal_titles: dict[int, str] = field(default_factory=dict)
    section_titles: dict[tuple[int, int], str] = field(default_factory=dict)
    subsection_titles: dict[tuple[int, int, int], str] = field(default_factory=dict)
    visions: dict[tuple, tuple[int, str]] = field(default_factory=dict)  # scope → (line, text)
    conflicts: list[Conflict] = field(default_factory=list)
    percent_lines: list[tuple[int, str, str]] = field(default_factory=list)  # line, section title, text


def scan_rows(doc: Doc, start: int, end: int, scheme: Scheme | None, chapter: Chapter5) -> None:
    """Walk lines [start, end): track the headings, collect visions and rows."""
    goal: int | None = None
    section: int | None = None
    sub: int | None = None
    row: Row | None = None  # the row being read; a wrapped line may still continue it
    for number in range(start, end):
        raw = doc.lines[number - 1]
        text = raw.strip()
        n = nfkc(raw)
        if code := CODE.match(raw):
            row = Row(line=number, code=parse_code(code["code"]), context=(goal, section, sub),
                      cells=[c.strip() for c in code["rest"].split("\t")])
            chapter.rows.append(row)
            continue
        if row is not None and text and not is_stop_line(raw):
            row.cells = join_cells(row.cells, raw)  # a wrapped row
            continue
        row = None
        if not text or ROW_HEADER.match(n) or SEPARATOR.match(n):
            continue
        if m := GOAL_HEADING.match(n):
            if int(m["n"]) != goal:
                goal, section, sub = int(m["n"]), None, None
            chapter.goal_titles.setdefault(goal, tidy(m["title"]))
        elif (m := SECTION_HEADING.match(n)) and goal and "\t" not in n and not n.endswith("。"):
            if int(m["n"]) != section:
                section, sub = int(m["n"]), None
            chapter.section_titles.setdefault((goal, section), tidy(HEADING_MARKERS.sub("", m["title"])))
        elif (m := SUBSECTION_HEADING.match(text)) and goal and section and not text.endswith("。"):
            sub = circled_number(m["marks"].strip()[-1])
            chapter.subsection_titles.setdefault((goal, section, sub), tidy(m["title"]))
        elif goal and section and scheme and (titled := _untitled_subsection(scheme, goal, section, text)):
            sub = titled  # a sub-section heading printed without its ①
            chapter.subsection_titles.setdefault((goal, section, sub), tidy(text))
        elif VISION_MARK in re.sub(r"\s+", "", n) and goal and section:
            scope = (goal, section, sub) if sub else (goal, section)
            body = vision_body(doc, number + 1, end)
            if scope in chapter.visions and body:
                chapter.conflicts.append(Conflict(
                    document=doc.document, lines=[chapter.visions[scope][0], number],
                    message=f"vision heading repeated for {'-'.join(map(str, scope))}; the later text is kept",
                ))
            if body:
                chapter.visions[scope] = (number, body)
        elif goal and section and FIGURE.search(n) and re.search(r"調査|アンケート|割合|回答", n):
            title = chapter.section_titles.get((goal, section), "")
            chapter.percent_lines.append((number, f"目標{goal}({section}) {title}", text))


def vision_body(doc: Doc, start: int, end: int) -> str:
    """The paragraphs after a vision heading, up to the next heading, marker or table."""
    body = []
    for number in range(start, end):
        raw = doc.lines[number - 1]
        if not raw.strip():
            continue
        if is_stop_line(raw):
            break
        body.append(raw.strip())
    return "".join(body)


def _untitled_subsection(scheme: Scheme, goal: int, section: int, text: str) -> int | None:
    for n, title in scheme.subsections.get((goal, section), {}).items():
        if key(title) == key(text):
            return n
    return None


def clean_row(doc: Doc, row: Row, strict: bool) -> None:
    """Split a row's cells into title, departments and mark; refuse a row that lacks them."""
    cells = list(row.cells)
    while len(cells) > 3 and not cells[-1]:
        cells.pop()  # trailing empty cells
    if len(cells) == 2 and cells[1] == "":
        cells = cells[:1]
    title = cells[0] if cells else ""
    if len(cells) >= 3:
        departments, mark = cells[1], cells[2]
    elif len(cells) == 2 and nfkc(cells[1]) in MARKS:
        departments, mark = "", cells[1]
    elif len(cells) == 2:
        departments, mark = cells[1], ""
    else:
        departments, mark = "", ""
    if strict and len(cells) > 3:
        raise doc.error(row.line, f"initiative {row.code}: too many cells ({len(cells)}), columns shifted?")
    if strict and not title.strip():
        raise doc.error(row.line, f"initiative {row.code} has no title")
    if strict and not departments.strip():
        raise doc.error(row.line, f"initiative {row.code} has no department (担当課)")
    mark = mark.strip()
    if mark and all(c in DASHES for c in mark):
        mark = "—"
    if strict and mark and mark not in MARKS:
        raise doc.error(row.line, f"initiative {row.code}: unknown position mark {mark!r}")
    row.relisting = bool(RELISTING.match(title))
    row.title = tidy(EDITORIAL_NOTE.sub("", RELISTING.sub("", title)))
    if strict and (note := EDITORIAL_NOTE.search(title)):
        row.notes.append(f"{row.code}: draft note {note[0]} left in the title was removed")
    row.departments = split_departments(departments)
    row.mark = mark
    if strict and not row.departments:
        raise doc.error(row.line, f"initiative {row.code} has no department (担当課)")
    if strict and (note := department_note(departments)):
        row.notes.append(f"{row.code}: the 担当課 cell adds the note {note}, which names no department; "
                         f"departments kept: {'、'.join(row.departments)}")


def settle_codes(doc: Doc, rows: list[Row], conflicts: list[Conflict]) -> list[Row]:
    """Give every row one code that fits where it sits; keep the first of any remaining duplicates."""
    in_place = {r.code for r in rows if r.context[2] is not None and r.parts[:3] == r.context}
    previous: dict[tuple, int] = {}  # sub-section → item number of the last row kept there
    for row in rows:
        context = row.context
        if context[2] is not None and row.parts[:3] != context:
            expected = previous.get(context, 0) + 1
            candidate = "-".join(map(str, (*context, row.parts[3])))
            printed = row.code
            heading = "-".join(map(str, context))
            clash = [r for r in rows if r is not row and r.code == printed]
            also = "".join(f"; line {r.line} is {printed} 「{r.title}」" for r in clash)
            if row.parts[3] == expected and candidate not in in_place:
                row.code = candidate
                in_place.add(candidate)
                message = (f"row 「{row.title}」 printed as {printed} sits under {heading} and continues its "
                           f"numbering: kept as {candidate}{also}")
            else:
                message = f"row 「{row.title}」 printed as {printed} sits under {heading}: kept under its code{also}"
            conflicts.append(Conflict(document=doc.document, lines=sorted({row.line, *(r.line for r in clash)}),
                                      message=message))
        if row.parts[:3] == context:
            previous[context] = row.parts[3]
    kept: dict[str, Row] = {}
    for row in rows:
        if row.code in kept:
            first = kept[row.code]
            same = (key(first.title), set(first.departments), first.mark) == (
                key(row.title), set(row.departments), row.mark)
            what = "is repeated identically" if same else f"appears twice ({first.title} / {row.title})"
            conflicts.append(Conflict(document=doc.document, lines=[first.line, row.line],
                                      message=f"code {row.code} {what}; the first row is kept"))
            continue
        kept[row.code] = row
    return list(kept.values())


def link_relistings(doc: Doc, rows: list[Row], conflicts: list[Conflict]) -> None:
    originals: dict[str, list[Row]] = {}
    for row in rows:
        if not row.relisting:
            originals.setdefault(key(row.title), []).append(row)
    for row in rows:
        if not row.relisting:
            continue
        candidates = originals.get(key(row.title), [])
        if not candidates:
            conflicts.append(Conflict(document=doc.document, lines=[row.line],
                                      message=f"【再掲】 {row.code} {row.title}: no original row with this title"))
            continue
        same = [c for c in candidates if set(c.departments) == set(row.departments)]
        row.original = (same or candidates)[0]
        differences = []
        if set(row.original.departments) != set(row.departments):
            differences.append(f"departments {row.departments} vs {row.original.departments}")
        if not row.mark:
            differences.append(f"no position mark; the original's {row.original.mark} is used")
            row.mark = row.original.mark
        elif row.mark != row.original.mark:
            differences.append(f"position {row.mark} vs {row.original.mark}")
        if differences:
            conflicts.append(Conflict(
                document=doc.document, lines=[row.original.line, row.line],
                message=f"【再掲】 {row.code} differs from {row.original.code} ({row.title}): " + "; ".join(differences),
            ))


def check_rows(doc: Doc, rows: list[Row], conflicts: list[Conflict]) -> None:
    for row in rows:
        if not row.mark:
            raise doc.error(row.line, f"initiative {row.code} has no position mark (位置づけ)")
        odd = [d for d in row.departments if not looks_like_department(d)]
        if odd:
            conflicts.append(Conflict(document=doc.document, lines=[row.line],
                                      message=f"{row.code}: unrecognised department name {odd} (truncated?)"))
    items: dict[tuple, list[Row]] = {}
    for row in rows:
        items.setdefault(row.parts[:3], []).append(row)
    for scope, members in items.items():
        by_number = {r.parts[3]: r for r in members}
        for n in range(1, max(by_number)):
            if n in by_number:
                continue
            # Cite the rows on either side of the gap.
            around = [by_number[m].line for m in (max((k for k in by_number if k < n), default=None),
                                                  min((k for k in by_number if k > n), default=None))
                      if m is not None]
            code = "-".join(map(str, (*scope, n)))
            conflicts.append(Conflict(document=doc.document, lines=sorted(around),
                                      message=f"numbering of {'-'.join(map(str, scope))} skips {code}"))


def compare_guide(doc: Doc, guide: list[Row], rows: list[Row], conflicts: list[Conflict]) -> None:
    by_code = {r.code: r for r in rows}
    for sample in guide:
        real = by_code.get(sample.code)
        if real is None:
            conflicts.append(Conflict(document=doc.document, lines=[sample.line],
                                      message=f"reading-guide sample row {sample.code} has no chapter-5 row"))
            continue
        differences = []
        if key(sample.title) != key(real.title):
            differences.append(f"title {sample.title} vs {real.title}")
        if set(sample.departments) != set(real.departments):
            differences.append(f"departments {sample.departments} vs {real.departments}")
        if sample.mark != real.mark:
            differences.append(f"position {sample.mark} vs {real.mark}")
        if differences:
            conflicts.append(Conflict(
                document=doc.document, lines=[sample.line, real.line],
                message=f"reading-guide sample row {sample.code} differs from chapter 5 (kept): "
                + "; ".join(differences),
            ))


def check_complete(doc: Doc, scheme: Scheme, chapter: Chapter5, rows: list[Row]) -> None:
    """Every goal, section and sub-section of chapter 3 must appear in chapter 5 with rows."""
    last = len(doc.lines)
    with_rows = {r.parts[:3] for r in rows}
    for goal, sections in scheme.sections.items():
        if goal not in chapter.goal_titles:
            raise doc.error(last, f"chapter 5 lacks 目標{goal}: the plan is incomplete (truncated?)")
        for section, title in sections.items():
            if (goal, section) not in chapter.section_titles:
                raise doc.error(last, f"chapter 5 lacks 目標{goal} ({section}) {title}: the plan is incomplete")
            for sub, sub_title in scheme.subsections[(goal, section)].items():
                label = f"目標{goal} ({section}) {CIRCLED[sub - 1]} {sub_title}"
                if (goal, section, sub) not in chapter.subsection_titles:
                    raise doc.error(last, f"chapter 5 lacks {label}: the plan is incomplete")
                if (goal, section, sub) not in with_rows:
                    raise doc.error(last, f"chapter 5 has no initiative rows for {label}: the plan is incomplete")


def place(scheme: Scheme, chapter: Chapter5, goal_titles: dict[int, str], parts: tuple[int, ...]) -> Goal:
    g, s, ss = parts[:3]
    vision = chapter.visions.get((g, s, ss)) or chapter.visions.get((g, s))
    return Goal(
        goal=g,
        goal_title=chapter.goal_titles.get(g) or goal_titles.get(g, ""),
        section=s,
        section_title=chapter.section_titles.get((g, s)) or scheme.sections.get(g, {}).get(s, ""),
        subsection=ss,
        subsection_title=chapter.subsection_titles.get((g, s, ss))
        or scheme.subsections.get((g, s), {}).get(ss, ""),
        vision=vision[1] if vision else "",
    )


# ---------------------------------------------------------------- chapters 1–2: plan facts


class Facts:
    """Collects Facts, one per source line (the id is fact-{stem}-{line})."""

    def __init__(self, doc: Doc):
        self.doc = doc
        self.items: dict[int, Fact] = {}

    def add(self, line: int, topic: str, text: str) -> None:
        if line in self.items:
            return  # the first statement on a line wins; ids must stay unique
        self.items[line] = Fact(id=f"fact-{self.doc.stem}-{line}", source=self.doc.source(line),
                                topic=topic, text=text, about=ABOUT)


def required(doc: Doc, line: int | None, what: str) -> int:
    if line is None:
        raise doc.error(len(doc.lines), f"{what} not found: the plan is incomplete or not this document")
    return line


def table_rows(doc: Doc, header: int, skip: re.Pattern | None = None) -> list[tuple[int, list[str]]]:
    """Tab rows after a header line, until the first other line (``skip`` lines are passed over)."""
    rows = []
    for number in range(header + 1, len(doc.lines) + 1):
        raw = doc.lines[number - 1]
        if not raw.strip():
            continue
        if "\t" in raw:
            rows.append((number, [c.strip() for c in raw.split("\t")]))
        elif skip and skip.search(nfkc(raw)):
            continue
        else:
            break
    return rows


PAGE_HEADER = re.compile(r"^(?:目標\s*\d\s+\S|[(（]\s*\d+\s*[)）]\s*\S)")


def plan_facts(doc: Doc, facts: Facts, chapters: list[tuple[int, int]]) -> dict[int, str]:
    """基本理念, goals, 関連条例, period, cross-cutting views, plans made within this plan."""
    line = required(doc, doc.find(re.compile(r"基本理念を「[^」]+」")), "基本理念")
    value = re.search(r"基本理念を「([^」]+)」", doc.text(line))[1]
    facts.add(line, "基本理念", f"本計画の基本理念は「{value}」です。")

    goal_titles: dict[int, str] = {}
    end_ch1 = next((n for n, c in chapters if c == 2), len(doc.lines) + 1)
    goal_line = re.compile(r"^【目標\s*(?P<n>\d)】\s*(?P<title>\S.*)$")
    for number in range(1, end_ch1):
        m = goal_line.match(nfkc(doc.lines[number - 1]))
        if not m:
            continue
        n = int(m["n"])
        goal_titles[n] = tidy(doc.text(number).split("】", 1)[1])
        body, ordinances = [], ""
        for para_line, para in doc.paragraphs(number + 1, re.compile(r"^【|^[(（]\d+[)）]|^\d+\s")):
            if para.startswith("関連条例"):
                ordinances = para.split("：", 1)[-1].split(":", 1)[-1].strip()
                facts.add(para_line, f"目標{n}の関連条例", f"目標{n}「{goal_titles[n]}」の関連条例：{ordinances}")
            else:
                body.append(para)
        text = f"目標{n}「{goal_titles[n]}」：{''.join(body)}"
        if ordinances:
            text += f"（関連条例：{ordinances}）"
        facts.add(number, f"目標{n}", text)
    if sorted(goal_titles) != [1, 2, 3]:
        raise doc.error(end_ch1 - 1, f"chapter 1 states goals {sorted(goal_titles)}, expected 目標1–3")

    for number in range(1, end_ch1):
        m = re.match(r"^【横断的視点(\d)】\s*(\S.*)$", nfkc(doc.lines[number - 1]))
        if m:
            body = "".join(t for _, t in doc.paragraphs(number + 1, re.compile(r"^【|^\d+\s")))
            facts.add(number, f"横断的視点{m[1]}", f"横断的視点{m[1]}「{m[2]}」：{body}")

    period = required(doc, doc.find(re.compile(r"計画期間は、?(?:令和|平成)\d+年度から")), "計画期間")
    m = re.search(r"計画期間は、?(?P<a>(?P<ea>令和|平成)(?P<ya>\d+)年度)から(?P<b>(?P<eb>令和|平成)(?P<yb>\d+)年度)"
                  r"までの(?P<years>[0-9０-９]+年間)", nfkc(doc.text(period)))
    if not m:
        raise doc.error(period, "the plan period cannot be read")
    start, stop = western_year(m["ea"], m["ya"]), western_year(m["eb"], m["yb"])
    facts.add(period, "計画期間", f"本計画の計画期間は{m['a']}（{start}年度）から{m['b']}（{stop}年度）までの"
                                  f"{m['years']}です。{doc.text(period).split('。', 1)[1].strip()}")

    header = doc.find(re.compile(r"^施策\s+計画名\s+位置づけ$"), 1, end_ch1)
    for number, cells in table_rows(doc, required(doc, header, "一体的に策定する計画の表")):
        if len(cells) >= 3:
            facts.add(number, f"一体的に策定する計画：{cells[1]}",
                      f"施策「{cells[0]}」の{cells[1]}は本計画に含まれます。{cells[2].lstrip('・').strip()}")
    return goal_titles


def statistics_facts(doc: Doc, facts: Facts, chapters: list[tuple[int, int]]) -> None:
    """Chapter 2: statistics, the 共生社会 timeline and the survey."""
    start = next((n for n, c in chapters if c == 2), None)
    end = next((n for n, c in chapters if c == 3), len(doc.lines) + 1)
    if start is None:
        raise doc.error(len(doc.lines), "chapter 2 (現状と課題) not found: the plan is incomplete")

    timeline = 0
    section, sub = "", ""
    group = ""
    page_header = False  # a 目標N line starts a page header; the (n) line after it is part of it
    survey = doc.find(re.compile(r"^\d+\s*アンケート調査結果"), start, end)
    survey_end = doc.find(re.compile(r"^\d+\s*ワークショップ"), start, end) or end
    stats = doc.find(re.compile(r"^\d+\s*鎌倉市の統計データ"), start, end)
    if survey is None or stats is None:
        raise doc.error(end - 1, "chapter 2 lacks the statistics or the survey: the plan is incomplete")
    for number in range(start, end):
        raw = doc.lines[number - 1]
        text, n = raw.strip(), nfkc(raw)
        if text.startswith("- "):
            text = text[2:].strip()
        if not text:
            continue
        if GOAL_HEADING.match(n):
            page_header = True
            continue
        if page_header and SECTION_HEADING.match(n):
            page_header = False
            continue
        page_header = False
        if m := re.match(r"^(?P<year>(?:平成|令和)(?:\d+|元)年)\t(?P<items>.*)$", n):
            items = re.sub(r"<[^>]+>", " ", raw.split("\t", 1)[1])
            items = [i.strip() for i in re.split(r"(?:^|\s)・\s*", items) if i.strip()]
            facts.add(number, f"共生社会推進の歩み（{m['year']}）", f"{m['year']}：" + "、".join(items))
            timeline += 1
            continue
        if m := SECTION_HEADING.match(n):
            section, sub = m["title"].strip(), ""
            continue
        if m := SUBSECTION_HEADING.match(text):
            sub = tidy(m["title"])
            if survey < number < survey_end and re.search(r"自由記述", text):
                opinions = []
                for _, para in doc.paragraphs(number + 1, re.compile(rf"^-?\s*[{CIRCLED}]|^\d+\s")):
                    para = re.sub(r"^[-\s・]+", "", para)
                    if para and para != "（主な意見）":
                        opinions.append(para)
                facts.add(number, f"{group}：{sub}", f"{group}「{sub}」の主な意見：" + "／".join(opinions))
            continue
        if text.startswith("【") and text.endswith("】"):
            group = text.strip("【】")
            continue
        if stats < number < survey and FIGURE.search(n) and len(n) > 40:
            facts.add(number, f"統計：{section} {sub}".strip(), text)
        elif survey < number < survey_end:
            if section.startswith("アンケート調査の概要") and sub in {"調査対象", "調査期間", "調査方法"}:
                body = "／".join(re.sub(r"\s+", "", t, count=1) for _, t in
                                doc.paragraphs(number, re.compile(rf"^[{CIRCLED}]|^\d+\s|^\(")))
                facts.add(number, f"アンケート：{sub}", f"アンケートの{sub}：{body}")
                sub = ""  # one fact per heading
            elif section.startswith("アンケート調査の概要") and sub == "回収状況" and "\t" in raw:
                cells = [c.strip() for c in raw.split("\t")]
                if len(cells) == 4 and cells[0]:
                    who = re.sub(r"\s+", "", cells[0])
                    facts.add(number, f"アンケート回収状況：{who}",
                              f"アンケート（{who}）の配布数{cells[1]}、有効回答数{cells[2]}、有効回答率{cells[3]}")
            elif group and sub and len(n) > 40 and "\t" not in raw and not n.startswith("-"):
                facts.add(number, f"{group}：{sub}", f"{group}「{sub}」：{text}")
                sub = ""  # the first paragraph after the heading carries the figures
    if not timeline:
        raise doc.error(end - 1, "chapter 2 lacks the timeline of the city's 共生社会 work")


def related_plans(doc: Doc) -> list[RelatedPlan]:
    header = required(doc, doc.find(re.compile(r"^計画名\s+根拠法令等?\s+概要$")), "関連計画の表 (計画名 | 根拠法令等 | 概要)")
    plans = []
    for number, cells in table_rows(doc, header):
        if len(cells) != 3:
            raise doc.error(number, f"related-plans row has {len(cells)} cells, expected 3")
        name_cell, law, summary = cells
        period = ""
        if m := re.search(r"\s*[(（](?P<period>[^()（）]*年度[^()（）]*)[)）]\s*$", name_cell):
            period, name_cell = m["period"].strip(), name_cell[: m.start()]
        note = ""
        if "※" in name_cell:
            name_cell, note = name_cell.split("※", 1)
            note = "※" + note.strip()
        items = [i.strip() for i in re.split(r"(?:^|\s)・\s*", summary) if i.strip()]
        plans.append(RelatedPlan(
            id=f"related-plan-{len(plans) + 1}",
            source=doc.source(number),
            name=tidy(name_cell),
            law="" if all(c in DASHES for c in law.strip()) else "、".join(law.split()),
            period=period,
            summary="／".join(items + ([note] if note else [])),
        ))
    if not plans:
        raise doc.error(header, "the related-plans table has no rows")
    return plans


def ordinances(doc: Doc) -> list[Ordinance]:
    header = required(doc, doc.find(re.compile(r"^条例名\s+趣旨・目的$")), "条例の表 (条例名 | 趣旨・目的)")
    found = []
    for number, cells in table_rows(doc, header, skip=PAGE_HEADER):
        cells = [c for c in cells if c]
        if len(cells) != 2:
            raise doc.error(number, f"ordinance row has {len(cells)} cells, expected name and purpose")
        name = ordinance_name(cells[0])
        enacted, year = enactment(doc, name)
        mentions = [
            doc.source(n) for n in range(1, len(doc.lines) + 1)
            if n != number and re.sub(r"\s+", "", name) in re.sub(r"\s+", "", ordinance_name(doc.lines[n - 1]))
        ]
        found.append(Ordinance(id=ordinance_id(name), source=doc.source(number), name=name,
                               purpose=tidy(cells[1]), enacted=enacted, enacted_year=year, mentions=mentions))
    if not found:
        raise doc.error(header, "the ordinance table has no rows")
    return found


def enactment(doc: Doc, name: str) -> tuple[str, int | None]:
    """When the text says the ordinance was made: 「name」（平成31年）, 平成31年…「name」を制定, or the
    timeline row 令和3年 ・ name の制定. The most precise statement wins; 施行 dates are not used."""
    statements: list[str] = []
    for raw in doc.lines:
        text = ordinance_name(raw)
        if name not in text:
            continue
        for m in re.finditer(rf"「{re.escape(name)}」[(（](?P<when>(?:平成|令和)(?:元|\d+)年(?:\d+月)?)[)）]", text):
            statements.append(m["when"])
        for sentence in text.split("。"):
            at = sentence.find(f"「{name}」")
            if at >= 0 and re.match(r"(?:を|の)制定", sentence[at + len(name) + 2:]):
                years = list(ERA_YEAR.finditer(sentence[:at]))
                if years:
                    statements.append(years[-1][0])
        if (m := re.match(r"^(?P<when>(?:平成|令和)(?:元|\d+)年)\t", text)) and f"{name}の制定" in text:
            statements.append(m["when"])
    if not statements:
        return "", None
    best = max(statements, key=len)
    m = ERA_YEAR.match(best)
    return best, western_year(m["era"], m["year"])


# ---------------------------------------------------------------- entry points


def detect(text: str) -> bool:
    """The plan names itself and shows one of its own structures (even when cut short)."""
    t = unicodedata.normalize("NFKC", text)
    if "地域福祉計画" not in t:
        return False
    return bool(
        re.search(r"番号\s+取組内容\s+担当課\s+位置づけ", t)
        or VISION_MARK in re.sub(r"\s+", "", t)
        or "施策体系" in t
        or (re.search(r"(?m)^\s*第\s*1\s*章\s*$", t) and "基本理念" in t)
    )


def parse(text: str, document: str) -> Corpus:
    if not text.strip():
        raise CorpusError(document, 1, "empty document")
    doc = Doc(document=document, lines=[line.rstrip("\r") for line in text.split("\n")])
    if not detect(text):
        raise doc.error(1, "not the regional welfare plan (地域福祉計画)")

    chapters = [(n, int(m["n"])) for n in range(1, len(doc.lines) + 1)
                if (m := CHAPTER.match(nfkc(doc.lines[n - 1])))]
    scheme = parse_scheme(doc, chapters)
    fifth = [line for line, n in chapters if n == 5]
    if not fifth:
        raise doc.error(len(doc.lines), "chapter 5 (具体的な取組) not found: the plan is incomplete")

    # The authoritative rows follow the last 第5章 heading; earlier 第5章 parts are the reading guide.
    chapter = Chapter5()
    scan_rows(doc, fifth[-1], len(doc.lines) + 1, scheme, chapter)
    guide = Chapter5()
    for start in fifth[:-1]:
        end = next((line for line, _ in chapters if line > start), len(doc.lines) + 1)
        scan_rows(doc, start, end, None, guide)

    conflicts = list(chapter.conflicts)
    for row in chapter.rows:
        clean_row(doc, row, strict=True)
        conflicts += [Conflict(document=document, lines=[row.line], message=note) for note in row.notes]
    for row in guide.rows:
        clean_row(doc, row, strict=False)
    rows = settle_codes(doc, chapter.rows, conflicts)
    link_relistings(doc, rows, conflicts)
    check_rows(doc, rows, conflicts)
    check_complete(doc, scheme, chapter, rows)
    compare_guide(doc, guide.rows, rows, conflicts)

    facts = Facts(doc)
    goal_titles = plan_facts(doc, facts, chapters)
    statistics_facts(doc, facts, chapters)
    for line, where, text_ in chapter.percent_lines:
        facts.add(line, f"アンケート：{where}", text_)

    initiatives = [
        Initiative(
            id=f"initiative-{row.code}",
            source=doc.source(row.line),
            code=row.code,
            title=row.title,
            departments=row.departments,
            position=row.mark,
            relisting=row.relisting,
            original_code=row.original.code if row.original else None,
            place=place(scheme, chapter, goal_titles, row.parts),
        )
        for row in rows
    ]
    return Corpus(
        initiatives=initiatives,
        ordinances=ordinances(doc),
        facts=[facts.items[line] for line in sorted(facts.items)],
        related_plans=related_plans(doc),
        conflicts=sorted(conflicts, key=lambda c: (c.lines, c.message)),
        documents={document: NAME},
    )
