"""Parser for 「鎌倉市の福祉政策～共生社会実現に向けて～」, the 2018–2021 progress table of 48 policies.

The PDF is a wide table (取組内容 | 平成30年度 … 令和3年度 予定/上期実績/下期実績 | 成果内容 |
取組実績 | 担当課, plus the policy number and title). Its text extraction keeps one page
(2–4 policies) together but scrambles the columns:

* the year grid comes first: one row per policy (per department for the two policies run by
  two departments), each opened by a 「予定」 label and split by 「上期/実績」「下期/実績」; the
  cells of a row follow one another separated by blank lines, H30 → R3 (R3 下期 was not yet
  reported when the table was made, so a 下期 row has at most three cells);
* then the right-hand columns, policy by policy in descending order: the two-digit number on
  its own line, usually followed by the 担当課 and the 取組内容;
* the titles, 成果内容 and 取組実績 float around the end of the page in no reliable order.

What is parsed: the numbers, the year grid, most departments and aims. What is curated in
corpus/curated/policies.yaml: every title, the 成果内容/取組実績 and the departments/aims
that do not sit after their number, and the year cells the blank-line rule splits wrongly.
Every curated string is checked against the text being parsed: it must start on the line
it cites, or the parse fails.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from corpus.models import Conflict, Corpus, CorpusError, Policy, PolicyYear, Source

NAME = "welfare_policy"

TITLE = "鎌倉市の福祉政策～共生社会実現に向けて～"
HEADER = "取組予定及び実績"
YEARS = ("平成30年度", "令和元年度", "令和2年度", "令和3年度")
EXPECTED_POLICIES = 48
CURATED_PATH = Path(__file__).resolve().parent.parent / "curated" / "policies.yaml"

# Cells per section of a year row: 予定 and 上期 for four years, 下期 for three (see above).
SECTIONS = {"plan": 4, "first_half": 4, "second_half": 3}
NOT_PLANNED = "*****"  # printed in a cell whose year the policy did not cover
NUMBER = re.compile(r"^\d{2}$")
DEPARTMENT = re.compile(r"^(?P<name>[^\s・、。「」（）()]{1,12}?課)(?!題|程|税|金)(?P<rest>.*)$")
LATE_START = re.compile(r"^[(（].*からの取組を予定[)）]$")  # note explaining a ***** cell
BULLET = tuple("・①②③④⑤○※＜")
# Two cells printed on one line are separated by one ASCII space; a space after 、 or next
# to another space is the text's own.
CELL_GAP = re.compile(r"(?<=[^、\s]) (?=[^\s\u3000])")


def detect(text: str) -> bool:
    return TITLE in text and HEADER in text


def squash(text: str) -> str:
    """Text without any whitespace: how a curated string is compared with the source."""
    return re.sub(r"\s+", "", text)


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def join_lines(lines: list[str]) -> str:
    """Join lines that the PDF wrapped; keep the breaks that end an item.

    A line starting with a bullet begins an item; so does a line after one that stopped well
    short of the column's width (the widest line of the block, less a fifth: proportional
    brackets and digits make wrapped lines vary), i.e. did not wrap.
    """
    lines = [raw.strip() for raw in lines if raw.strip()]
    full = max((_width(line) for line in lines), default=0)
    out = ""
    for k, line in enumerate(lines):
        if k and (line.startswith(BULLET) or _width(lines[k - 1]) <= full * 0.8):
            out += "\n"
        out += line
    return out


@dataclass
class Cell:
    line: int  # 1-based
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return join_lines([p for p in self.parts if p != NOT_PLANNED])


@dataclass
class Row:
    line: int
    sections: dict[str, list[Cell]] = field(default_factory=dict)


def _blank(line: str) -> bool:
    return not line.strip()


def _cells(lines: list[str], numbers: list[int]) -> list[Cell]:
    """Cells of one section: blank lines separate them, so do single spaces inside a line."""
    cells: list[Cell] = []
    current: Cell | None = None
    for raw, number in zip(lines, numbers, strict=True):
        line = raw.strip()
        if not line:
            current = None
            continue
        if LATE_START.match(line) and cells and current is None:
            cells[-1].parts.append(line)  # belongs with the ***** before it
            continue
        parts = [p for p in CELL_GAP.split(line) if p]
        if len(parts) > 1 and min(len(p) for p in parts) < 4:
            parts = [line]  # e.g. 「№28 在宅医療…」: a reference, not two cells
        for i, part in enumerate(parts):
            # ***** fills a cell on its own: what follows it, even unseparated, is the next cell
            if current is None or i > 0 or current.parts[-1] == NOT_PLANNED:
                current = Cell(number)
                cells.append(current)
            current.parts.append(part)
    return cells


def _section_starts(lines: list[str], start: int, end: int) -> list[tuple[int, str, int]]:
    """(index of label, section key, index where its content begins) for one page."""
    found = []
    i = start
    while i < end:
        line = lines[i].strip()
        if line == "予定" or line.startswith("予定 "):
            found.append((i, "plan", i))  # content may follow the label on its line
        elif line in ("上期", "下期"):
            j = i + 1
            while j < end and _blank(lines[j]):
                j += 1
            if j < end and lines[j].strip() == "実績":
                found.append((i, "first_half" if line == "上期" else "second_half", j + 1))
                i = j
        i += 1
    return found


def _rows(lines: list[str], start: int, end: int, stop: int) -> list[Row]:
    """Year rows of a page; the grid ends at ``stop`` (the page's first number line)."""
    rows: list[Row] = []
    labels = _section_starts(lines, start, stop)
    for k, (label, key, content) in enumerate(labels):
        if key == "plan":
            rows.append(Row(label + 1))
        if not rows:
            raise CorpusError("", label + 1, "year grid row without a 予定 label")
        until = labels[k + 1][0] if k + 1 < len(labels) else stop
        body = lines[content:until]
        if key == "plan":
            body = [body[0].strip().removeprefix("予定"), *body[1:]]
        rows[-1].sections[key] = _cells(body, list(range(content + 1, until + 1)))
    return rows


def _paragraph(lines: list[str], i: int, end: int) -> tuple[int, list[str]]:
    """Skip blank lines from i; return (index of the paragraph's first line, its lines)."""
    while i < end and _blank(lines[i]):
        i += 1
    first = i
    out = []
    while i < end and not _blank(lines[i]) and not NUMBER.match(lines[i].strip()):
        out.append(lines[i])
        i += 1
    return first, out


@dataclass
class Auto:
    """What the parser places on its own for one policy."""

    number: int
    line: int
    departments: list[tuple[str, int]] = field(default_factory=list)
    aim: tuple[str, int] | None = None
    achievements: tuple[str, int] | None = None  # 取組実績
    results: tuple[str, int] | None = None  # 成果内容


def _auto(lines: list[str], index: int, end: int) -> Auto:
    """Number line at ``index``: read 担当課, 取組内容, 取組実績, 成果内容 in that order."""
    auto = Auto(int(lines[index].strip()), index + 1)
    first, para = _paragraph(lines, index + 1, end)
    if not para:
        return auto
    head = para[0].strip()
    used = 1
    if "課" not in head and len(head) <= 8 and len(para) > 1 and DEPARTMENT.match(head + para[1].strip()):
        head += para[1].strip()  # 「高齢者いきい」「き課」: a name wrapped in its narrow column
        used = 2
    match = DEPARTMENT.match(head)
    if not match:
        return auto
    auto.departments.append((match["name"], first + 1))
    rest = match["rest"]
    if rest == "・" and used < len(para) and DEPARTMENT.fullmatch(para[used].strip()):
        auto.departments.append((para[used].strip(), first + used + 1))  # joint: 「福祉総務課・」「地域共生課」
        rest, used = "", used + 1
    if rest:
        aim_line, aim = first + used, [rest, *para[used:]]
        after = first + len(para)
    elif used < len(para):
        aim_line, aim = first + used + 1, para[used:]
        after = first + len(para)
    else:
        aim_index, aim = _paragraph(lines, first + len(para), end)
        aim_line, after = aim_index + 1, aim_index + len(aim)
    if aim:
        auto.aim = (join_lines(aim), aim_line)
    found = []
    for _ in range(2):
        i, para = _paragraph(lines, after, end)
        if not para:
            break
        found.append((join_lines(para), i + 1))
        after = i + len(para)
    if found:
        auto.achievements = found[0]
    if len(found) > 1:
        auto.results = found[1]
    return auto


# ---------------------------------------------------------------- curated data


class Curated:
    """corpus/curated/policies.yaml, each string verified against the text being parsed."""

    def __init__(self, path: Path, lines: list[str]):
        self.path = path
        self.label = f"curated/{path.name}"
        self.lines = lines
        self.squashed = [squash(line) for line in lines]
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            raise CorpusError(self.label, None, f"cannot read: {error}") from error
        self.policies: dict[int, dict] = {int(k): v for k, v in (data.get("policies") or {}).items()}

    def _verify(self, key: str, piece: dict) -> tuple[str, int]:
        if not isinstance(piece, dict) or "text" not in piece or "line" not in piece:
            raise CorpusError(self.label, None, f"{key}: expected {{text, line}}")
        text, line = str(piece["text"]), int(piece["line"])
        needle = squash(text)
        if not needle or not 1 <= line <= len(self.lines) or not self.squashed[line - 1]:
            raise CorpusError(self.label, None, f"{key}: line {line} is not a text line of the source")
        # The string must start on the cited line and may run on over the following lines.
        window = "".join(self.squashed[line - 1 : line + 40])
        at = window.find(needle)
        if at < 0 or at >= len(self.squashed[line - 1]):
            raise CorpusError(self.label, None, f"{key}: 「{text[:30]}」 does not occur at line {line} of the source")
        return text, line

    def _pieces(self, key: str, raw) -> tuple[str, int]:
        """One piece or a list of pieces (joined with a line break): text and first line."""
        pieces = raw if isinstance(raw, list) else [raw]
        checked = [self._verify(f"{key}[{i}]", p) for i, p in enumerate(pieces)]
        if not checked:
            raise CorpusError(self.label, None, f"{key}: empty list")
        return "\n".join(t for t, _ in checked), checked[0][1]

    def value(self, number: int, name: str) -> tuple[str, int] | None:
        raw = self.policies.get(number, {}).get(name)
        return None if raw is None else self._pieces(f"policies.{number}.{name}", raw)

    def departments(self, number: int) -> list[tuple[str, int]] | None:
        raw = self.policies.get(number, {}).get("departments")
        if raw is None:
            return None
        return [self._verify(f"policies.{number}.departments[{i}]", p) for i, p in enumerate(raw)]

    def year_rows(self, number: int) -> int:
        return int(self.policies.get(number, {}).get("year_rows", 1))

    def years(self, number: int) -> dict[tuple[str, str], str]:
        out = {}
        for year, fields in (self.policies.get(number, {}).get("years") or {}).items():
            if year not in YEARS:
                raise CorpusError(self.label, None, f"policies.{number}.years: unknown year {year}")
            for key, piece in fields.items():
                if key not in SECTIONS:
                    raise CorpusError(self.label, None, f"policies.{number}.years.{year}: unknown field {key}")
                if piece in ("", None):
                    out[(year, key)] = ""  # curated as empty: the parser's cell belongs elsewhere
                else:
                    out[(year, key)] = self._pieces(f"policies.{number}.years.{year}.{key}", piece)[0]
        return out

    def check_keys(self, numbers: set[int]) -> None:
        for number in self.policies:
            if number not in numbers:
                raise CorpusError(self.label, None, f"policies.{number}: no such policy in the source")


# ---------------------------------------------------------------- parse


def parse(text: str, document: str, curated_path: Path | None = None) -> Corpus:
    lines = text.splitlines()
    if not text.strip():
        raise CorpusError(document, None, "empty document")
    pages = [i for i, line in enumerate(lines) if line.strip() == TITLE]
    if not pages or HEADER not in text:
        raise CorpusError(document, 1, f"not the welfare-policy table (no 「{TITLE}」 header)")
    header = next((i for i, line in enumerate(lines) if HEADER in line), pages[0])
    heading = unicodedata.normalize("NFKC", lines[header])
    missing = [y for y in YEARS if y not in heading]
    if missing:
        raise CorpusError(document, header + 1, f"column header lacks {', '.join(missing)}")

    autos: dict[int, Auto] = {}
    page_rows: list[tuple[list[int], list[Row], int]] = []
    for p, start in enumerate(pages):
        end = pages[p + 1] if p + 1 < len(pages) else len(lines)
        numbered = [i for i in range(start, end) if NUMBER.match(lines[i].strip())]
        if not numbered:
            raise CorpusError(document, start + 1, "page without any policy number (truncated or not this table)")
        for i in numbered:
            auto = _auto(lines, i, end)
            if auto.number in autos:
                raise CorpusError(document, i + 1, f"policy {auto.number} numbered twice")
            autos[auto.number] = auto
        try:
            rows = _rows(lines, start, end, numbered[0])
        except CorpusError as error:
            raise CorpusError(document, error.line, error.message) from error
        page_rows.append((sorted(int(lines[i].strip()) for i in numbered), rows, start + 1))

    numbers = sorted(autos)
    if numbers != list(range(1, EXPECTED_POLICIES + 1)):
        absent = sorted(set(range(1, EXPECTED_POLICIES + 1)) - set(numbers))
        raise CorpusError(
            document,
            len(lines),
            f"expected policies 1–{EXPECTED_POLICIES}, found {len(numbers)}"
            + (f"; missing {absent[:10]}{'…' if len(absent) > 10 else ''}" if absent else "")
            + " (truncated or not this table)",
        )

    curated = Curated(curated_path or CURATED_PATH, lines)
    curated.check_keys(set(numbers))

    corpus = Corpus(documents={document: NAME})
    for page_numbers, rows, page_line in page_rows:
        wanted = sum(curated.year_rows(n) for n in page_numbers)
        if len(rows) != wanted:
            raise CorpusError(
                document, page_line, f"page with policies {page_numbers} has {len(rows)} year rows, expected {wanted}"
            )
        queue = list(rows)
        for n in page_numbers:
            mine = [queue.pop(0) for _ in range(curated.year_rows(n))]
            last_on_page = not queue
            corpus.policies.append(_policy(autos[n], mine, curated, document, last_on_page, corpus.conflicts))
    return corpus


def _policy(
    auto: Auto, rows: list[Row], curated: Curated, document: str, last: bool, conflicts: list[Conflict]
) -> Policy:
    n = auto.number
    title = curated.value(n, "title")
    if title is None:
        raise CorpusError(curated.label, None, f"policies.{n}.title: every title is curated (none found)")
    departments = curated.departments(n) or auto.departments
    if not departments:
        raise CorpusError(document, auto.line, f"policy {n}: no 担当課 after its number and none curated")
    aim = curated.value(n, "aim") or auto.aim
    results = curated.value(n, "results") or auto.results
    achievements = curated.value(n, "achievements") or auto.achievements
    outcome = "\n".join(t for t, _ in (results, achievements) if t)

    curated_cells = curated.years(n)
    grid: dict[tuple[str, str], list[str]] = {}
    for k, row in enumerate(rows):
        for key, limit in SECTIONS.items():
            cells = row.sections.get(key, [])
            overridden = any(section == key for _, section in curated_cells)
            dropped_is_junk = last and k == len(rows) - 1 and key == "second_half"
            if len(cells) > limit and not overridden and not dropped_is_junk:
                # The last row's 下期 runs into the floating columns; elsewhere extra cells mean
                # the blank-line rule split a cell: keep them out and say so.
                conflicts.append(
                    Conflict(
                        document=document,
                        lines=[c.line for c in cells[limit:]],
                        message=f"policy {n} {key}: {len(cells)} cells for {limit} years; extra cells dropped",
                    )
                )
            for year, cell in zip(YEARS, cells[:limit], strict=False):
                if cell.text:
                    grid.setdefault((year, key), []).append(cell.text)
    cells = {k: "\n".join(v) for k, v in grid.items()}
    cells.update(curated_cells)
    years = [PolicyYear(year=year, **{key: cells.get((year, key), "") for key in SECTIONS}) for year in YEARS]
    return Policy(
        id=f"policy-{n}",
        source=Source(document=document, line=title[1]),
        number=n,
        title=title[0],
        departments=[d for d, _ in departments],
        aim=aim[0] if aim else "",
        outcome=outcome,
        years=[y for y in years if y.plan or y.first_half or y.second_half],
    )
