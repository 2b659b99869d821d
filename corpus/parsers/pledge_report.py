"""Parser for the pledge report 【未来ビジョン 2021鎌倉】 成果報告書.

The text is a PDF extraction. What it looks like, and what this parser does about it:

* The top states the totals (「170項目のうち、〇達成が130項目…」) and headline figures
  (市債残高, 基金, 総人口). The totals are parsed and the pledges must reproduce them,
  so a truncated or damaged file is refused instead of yielding a partial corpus.
* Pledges sit under 「■分野」 headings; 「■分野-2」 or a bare 「分野-3」 line starts a new
  page of the same category and merges into it.
* A pledge line is its number (full- or half-width) followed by the status mark:
  「５〇産後ケア事業を…」. The pledge text wraps over several lines and may cross a page.
* Progress notes are 「・」 bullets. A line 「（令和元年度）」 standing alone heads the items
  under it: the label is prefixed to each of those items, so every item still says its
  year when read alone (a citizen reading one item needs the year, not a separate
  「（令和元年度）」 item). A label printed at the end of a full line is the tail of that
  item, not a heading.
* Page breaks leave page numbers (「17」), a leading space on the next line, and PDF link
  annotations (a URL repeated on a line of its own): all dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePath

from corpus.models import Conflict, Corpus, CorpusError, Fact, Pledge, Source
from corpus.parsers.common import normalize_parens

NAME = "pledge_report"

# Status marks as printed. ○/◯ are the same circle to a reader as 〇, ✕ the same cross as ✖/×.
MARKS = {
    "〇": "achieved",
    "○": "achieved",
    "◯": "achieved",
    "△": "in_progress",
    "✖": "not_achieved",
    "×": "not_achieved",
    "✕": "not_achieved",
}
MARK_ORDER = ("achieved", "in_progress", "not_achieved")
STATUS_LABELS = {"achieved": "〇達成", "in_progress": "△取り組み途中", "not_achieved": "✖未達成"}

# A line the report ends itself is shorter than this (display columns); a wrapped one is
# 95–116 wide. Only used to tell a trailing 「（平成30年度）」 from one heading the next items.
FULL_LINE_WIDTH = 95

# Characters misread by the PDF extraction, each checked against the report's context:
# katakana ロ/カ for the kanji 口/力, 力 for カ, a lower-case o/l for I, the variant 歷.
OCR_FIXES = {
    "窓ロ": "窓口",
    "プレゼンカ": "プレゼン力",
    "マーケティングカ": "マーケティング力",
    "1力所": "1カ所",
    "1oT": "IoT",
    "Alの": "AIの",
    "歷史": "歴史",
}

_WIDE_ALNUM = {code: code - 0xFEE0 for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}
_CJK = r"\u3000-\u30ff\u4e00-\u9fff\uff01-\uff60"
# Spaces the extraction put between Japanese and digits/Latin words (a URL keeps its space).
_ASCII_CJK_GAP = re.compile(rf"(?<=[{_CJK}])\s+(?=[0-9A-Za-z])(?!https?://)|(?<=[0-9A-Za-z])\s+(?=[{_CJK}])")
_PUNCT_GAP = re.compile(rf"(?<=[、。])\s+|\s+(?=[、。])|(?<=[{_CJK}])\s+(?=（)")

_PLEDGE = re.compile(r"^(\d{1,3}) ?(\S)(.*)$")
_PLEDGE_RAW = re.compile(r"^\s*[0-9０-９]{1,3}\s?[" + "".join(MARKS) + "]", re.MULTILINE)
_PAGE_NUMBER = re.compile(r"\d{1,3}")
_CONTINUED_HEADING = re.compile(r"■?\s*(.+?)\s*[-－‐―]\s*\d+")
_LABEL = re.compile(r"（[^（）]*年度[^（）]*）")
_URL_LINE = re.compile(r"https?://\S+")
_URL_AT_END = re.compile(r"https?://\S+$")
_URL_TAIL = re.compile(r"[!-~]+")


def _normalize(line: str) -> str:
    """Full-width digits/letters to half-width (１５ and 15 meet), parentheses full-width as the
    report mostly prints them, spaces the extraction put around digits and Latin words removed
    (「令和 2 年度」 → 「令和2年度」), known misread characters fixed. Wording is kept."""
    line = normalize_parens(line.translate(_WIDE_ALNUM).replace("\t", " "))
    line = re.sub(r"\s+", " ", line).strip()
    line = _PUNCT_GAP.sub("", _ASCII_CJK_GAP.sub("", line))
    for wrong, right in OCR_FIXES.items():
        line = line.replace(wrong, right)
    return line


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line.strip())


def _is_mark_like(ch: str) -> bool:
    """A symbol where a status mark would stand (digits followed by □, ◎, ● …)."""
    return unicodedata.category(ch) in ("So", "Sm", "Nl")


def _is_japanese(ch: str) -> bool:
    return bool(re.match(rf"[{_CJK}]", ch))


def detect(text: str) -> bool:
    head = "\n".join(text.split("\n")[:40])
    return ("成果報告書" in head or "項目のうち" in head) and bool(_PLEDGE_RAW.search(text))


@dataclass
class _Line:
    number: int  # 1-based line in the source
    raw: str
    text: str  # normalised
    indented: bool  # leading space after a blank line: a sub-item, not a page break


@dataclass
class _Item:
    label: str
    parts: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(self.parts).strip()


@dataclass
class _Draft:
    number: int
    mark: str
    line: int
    category: str
    text_parts: list[str] = field(default_factory=list)
    items: list[_Item] = field(default_factory=list)
    reading_progress: bool = False


class _Parser:
    def __init__(self, text: str, document: str):
        self.document = document
        self.stem = PurePath(document).stem
        self.lines = self._read(text)
        self.drafts: list[_Draft] = []
        self.conflicts: list[Conflict] = []

    def error(self, line: int | None, message: str) -> CorpusError:
        return CorpusError(self.document, line, message)

    @staticmethod
    def _read(text: str) -> list[_Line]:
        raw_lines = text.split("\n")
        lines = []
        for index, raw in enumerate(raw_lines):
            raw = raw.rstrip("\r")
            previous_blank = index == 0 or not raw_lines[index - 1].strip()
            lines.append(_Line(index + 1, raw, _normalize(raw), raw[:1].isspace() and previous_blank))
        return lines

    # -- the statement and headline figures at the top -------------------------------------

    def intro(self, end: int) -> tuple[dict[str, tuple[int, int]], list[Fact]]:
        """Stated totals {total|achieved|in_progress|not_achieved: (count, line)} and facts."""
        joined, line_at = "", []
        lines = [line for line in self.lines[:end] if line.text]
        for line in lines[1:]:  # the first is the title, not a sentence
            joined += line.text
            line_at += [line.number] * len(line.text)
        if not joined:
            raise self.error(1, "冒頭の達成状況（「170項目のうち、〇達成が…」）が見つかりません")

        stated: dict[str, tuple[int, int]] = {}
        patterns = {  # key: (pattern, how the report words it)
            "total": (r"(\d+)項目のうち", "〇〇項目のうち"),
            "achieved": (r"(?<!未)達成が(\d+)項目", "達成が〇〇項目"),
            "in_progress": (r"途中が(\d+)項目", "取り組み途中が〇〇項目"),
            "not_achieved": (r"未達成が(\d+)項目", "未達成が〇〇項目"),
        }
        for key, (pattern, wording) in patterns.items():
            match = re.search(pattern, joined)
            if not match:
                raise self.error(1, f"冒頭の達成状況の記述に「{wording}」がありません")
            stated[key] = (int(match.group(1)), line_at[match.start()])
        total, total_line = stated["total"]
        if total != sum(stated[key][0] for key in MARK_ORDER):
            raise self.error(total_line, f"冒頭の記述で {total} 項目と内訳の合計が合いません")

        facts = []
        topics = {
            "項目のうち": "公約の達成状況",
            "市債残高": "市債残高",
            "基金": "基金残高",
            "人口": "総人口",
            "成果報告書": "成果報告書",
        }
        for sentence in re.finditer(r"[^。]+。", joined):
            for keyword, topic in topics.items():
                at = joined.find(keyword, sentence.start(), sentence.end())
                if at >= 0:
                    facts.append(
                        Fact(
                            id=f"fact-{self.stem}-{line_at[at]}",
                            source=Source(document=self.document, line=line_at[at]),
                            topic=topic,
                            text=sentence.group().strip(),
                            about="未来ビジョン2021鎌倉",
                        )
                    )
                    break
        return stated, facts

    # -- the pledges -----------------------------------------------------------------------

    def body(self, start: int) -> None:
        category = ""
        draft: _Draft | None = None
        previous: _Line | None = None  # last non-blank line kept
        for line in self.lines[start:]:
            text = line.text
            if not text or _PAGE_NUMBER.fullmatch(text):
                continue
            continued = _CONTINUED_HEADING.fullmatch(text)
            if text.startswith("■") or (continued and continued.group(1) == category):
                self.finish(draft)
                draft = None
                category = self.heading(line, category)
                continue
            pledge = _PLEDGE.match(text)
            if pledge and pledge.group(2) in MARKS:
                self.finish(draft)
                if not category:
                    raise self.error(line.number, f"公約 {pledge.group(1)} が分野の見出し（■…）より前にあります")
                draft = _Draft(int(pledge.group(1)), pledge.group(2), line.number, category)
                self.check_number(draft)
                draft.text_parts.append(pledge.group(3).strip())
                previous = line
                continue
            if pledge and _is_mark_like(pledge.group(2)) and pledge.group(3)[:1] and _is_japanese(pledge.group(3)[0]):
                raise self.error(
                    line.number,
                    f"公約 {pledge.group(1)} の達成状況の記号「{pledge.group(2)}」が不明です（〇・△・✖/× のいずれか）",
                )
            if draft is None:
                raise self.error(line.number, f"公約の外に文があります: 「{text[:30]}」")
            if self.add(draft, line, previous):
                previous = line
        self.finish(draft)

    def heading(self, line: _Line, category: str) -> str:
        name = line.text.lstrip("■").strip()
        continued = _CONTINUED_HEADING.fullmatch(line.text)
        if not continued:
            return name
        if not category:
            raise self.error(line.number, f"続きの見出し「{line.text}」の前に分野の見出しがありません")
        if continued.group(1) != category:
            self.conflicts.append(
                Conflict(
                    document=self.document,
                    lines=[line.number],
                    message=(
                        f"見出し「{line.text}」を前の分野「{category}」の続きとして扱いました（名前が異なります）"
                    ),
                )
            )
        return category

    def add(self, draft: _Draft, line: _Line, previous: _Line | None) -> bool:
        """Add a non-pledge line to the pledge being read; False when the line is dropped."""
        text = line.text
        if _URL_LINE.fullmatch(text) and text in self.seen_text(draft):
            return False  # a PDF link annotation repeating a URL printed in the text
        if _LABEL.fullmatch(text):
            current = draft.items[-1] if draft.reading_progress and draft.items else None
            if current and current.parts and previous and _width(previous.raw) >= FULL_LINE_WIDTH:
                current.parts.append(text)  # wrapped tail of the item above
            else:
                draft.reading_progress = True
                draft.items.append(_Item(label=text))  # heads the items below
            return True
        if text.startswith("・"):
            label = draft.items[-1].label if draft.items else ""
            draft.reading_progress = True
            draft.items.append(_Item(label=label, parts=[text[1:].strip()]))
            return True
        if not draft.reading_progress:
            draft.text_parts.append(self.separator(draft.text_parts, line) + text)
            return True
        current = draft.items[-1]
        current.parts.append(self.separator(current.parts, line) + text)
        return True

    @staticmethod
    def separator(parts: list[str], line: _Line) -> str:
        """Japanese wraps without spaces; a URL or an indented sub-item keeps a space."""
        if not parts:
            return ""
        before = "".join(parts)
        if _URL_AT_END.search(before) and _URL_TAIL.fullmatch(line.text) and "://" not in line.text:
            return ""  # a URL wrapped over two lines
        if line.indented or _URL_LINE.match(line.text) or _URL_AT_END.search(before):
            return " "
        return ""

    def seen_text(self, draft: _Draft) -> str:
        done = [*(d.text_parts for d in self.drafts), *(i.parts for d in self.drafts for i in d.items)]
        current = [draft.text_parts, *(i.parts for i in draft.items)]
        return "\n".join("".join(parts) for parts in [*done, *current])

    def check_number(self, draft: _Draft) -> None:
        expected = self.drafts[-1].number + 1 if self.drafts else 1
        for earlier in self.drafts:
            if earlier.number == draft.number:
                raise self.error(
                    draft.line, f"公約番号 {draft.number} が重複しています（{earlier.line} 行目にもあります）"
                )
        if draft.number != expected:
            missing = f"{expected}" if draft.number == expected + 1 else f"{expected}〜{draft.number - 1}"
            if draft.number < expected:
                raise self.error(draft.line, f"公約番号 {draft.number} が順番どおりではありません（{expected} のはず）")
            raise self.error(draft.line, f"公約 {missing} がありません（{expected - 1} の次が {draft.number}）")

    def finish(self, draft: _Draft | None) -> None:
        if draft is None:
            return
        if not "".join(draft.text_parts).strip():
            raise self.error(draft.line, f"公約 {draft.number} の本文がありません")
        if not draft.items:
            self.split_unbulleted(draft)
        self.drafts.append(draft)

    @staticmethod
    def split_unbulleted(draft: _Draft) -> None:
        """Progress printed without a 「・」 (pledge 168): the pledge ends at its first full stop."""
        for index, part in enumerate(draft.text_parts[:-1]):
            if part.rstrip().endswith("。"):
                draft.items.append(_Item(label="", parts=draft.text_parts[index + 1 :]))
                draft.text_parts = draft.text_parts[: index + 1]
                return

    def pledges(self) -> list[Pledge]:
        pledges = []
        for index, draft in enumerate(self.drafts):
            following = self.drafts[index + 1] if index + 1 < len(self.drafts) else None
            progress = []
            for item in draft.items:
                body = item.text()
                if not body:
                    continue
                if following and body == "".join(following.text_parts).strip():
                    # pledge 42 ends with the text of pledge 43 printed as a bullet: a stray copy
                    self.conflicts.append(
                        Conflict(
                            document=self.document,
                            lines=[draft.line, following.line],
                            message=(
                                f"公約 {draft.number} の進捗に公約 {following.number} の本文がそのまま入っていたため除きました"
                            ),
                        )
                    )
                    continue
                progress.append(item.label + body)
            pledges.append(
                Pledge(
                    id=f"pledge-{draft.number}",
                    source=Source(document=self.document, line=draft.line),
                    number=draft.number,
                    status=MARKS[draft.mark],
                    mark=draft.mark,
                    category=draft.category,
                    text="".join(draft.text_parts).strip(),
                    progress=progress,
                )
            )
        return pledges


def parse(text: str, document: str) -> Corpus:
    if not text.strip():
        raise CorpusError(document, None, "空のファイルです")
    if not detect(text):
        raise CorpusError(
            document, 1, "公約の成果報告書ではありません（冒頭の達成状況の記述と「番号＋〇/△/✖」の公約行がありません）"
        )
    parser = _Parser(text, document)
    first_heading = next((i for i, line in enumerate(parser.lines) if line.text.startswith("■")), None)
    if first_heading is None:
        raise parser.error(1, "分野の見出し（■…）がありません")
    stated, facts = parser.intro(first_heading)
    parser.body(first_heading)

    total, total_line = stated["total"]
    last = parser.drafts[-1] if parser.drafts else None
    if last is None or last.number < total:
        end = next(line.number for line in reversed(parser.lines) if line.text) if last else total_line
        after = last.number if last else 0
        raise parser.error(
            end, f"公約 {after + 1}〜{total} がありません（冒頭では {total} 項目。ファイルが途中で切れていませんか）"
        )
    if last.number > total:
        raise parser.error(last.line, f"公約 {last.number} は冒頭の {total} 項目を超えています")
    pledges = parser.pledges()
    for status in MARK_ORDER:
        count, line = stated[status]
        parsed = sum(1 for p in pledges if p.status == status)
        if parsed != count:
            raise parser.error(
                line, f"冒頭では{STATUS_LABELS[status]}が {count} 項目ですが、公約の記号では {parsed} 項目です"
            )
    return Corpus(pledges=pledges, facts=facts, conflicts=parser.conflicts, documents={document: NAME})
