"""Parser for the comprehensive plan's chapter 2 「ひとの共創」 (2-1 福祉 … 2-5 スポーツ・レクリエーション).

Each chapter is laid out the same way, one marker line per part:

    2-1 福祉                                   chapter number and title
    ◎ 目標とするまちの姿                         one paragraph → Chapter.vision
    ◆ 現状 / ◇ 課題                              paragraphs → Chapter.current / Chapter.issues
    ○ 主な取組                                   ① title, then its paragraphs → Chapter.actions
    ▽ 共創のパートナーと共創の取組               a row of check boxes (■/□ or <input checked>)
                                                 → Chapter.partners, then "- " lines (Facts)
    → 成果指標                                   a tab table 指標名 | 直近実績値 (年度) | 目標値 → Kpi

Footnotes (``⁹ 社会福祉援助のこと。…``) can fall anywhere in a chapter; they are kept apart
(as glossary Facts) and their markers are removed from every stored text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from corpus.models import Chapter, Corpus, CorpusError, Fact, Kpi, Source

NAME = "comprehensive_plan"

SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUPERSCRIPT_TO_DIGIT = str.maketrans(SUPERSCRIPT_DIGITS, "0123456789")
SUPERSCRIPT = f"[{SUPERSCRIPT_DIGITS}]+"

CHAPTER = re.compile(r"^(?P<number>\d+-\d+)\s+(?P<title>\S.*)$")
FOOTNOTE = re.compile(rf"^(?P<mark>{SUPERSCRIPT})\s*(?P<text>\S.*)$")
ACTION = re.compile(r"^(?P<mark>[①-⑳])\s*(?P<title>\S.*)$")
PARTNER_BULLET = re.compile(r"^[-－・]\s*(?P<text>\S.*)$")
KPI_HEADER = re.compile(r"^指標名\t直近実績値\t")
# 直近実績値 cell: "14.5% (2025 年度)", "(未定) (2026 年度)", "237 人 (2024 年度)"
LATEST = re.compile(r"^(?P<value>.*?)\s*[(（](?P<year>\d{4}\s*年度?)[)）]$")
# A partner check box: ■/□ or the HTML check box the converter sometimes leaves.
CHECKBOX = re.compile(r"(?P<box>■|□|<input[^>]*>)\s*(?P<label>[^\t■□<]+)")
# A footnote marker right after the word it explains: ソーシャルワーク⁹, ICT¹⁴, 「ウェルネス¹⁵」.
TERM = re.compile(rf"(?P<term>[A-Za-z\u30a1-\u30fa\u30fc\u4e00-\u9fff々]+)(?P<mark>{SUPERSCRIPT})")

# Marker line → part of a chapter.
SECTIONS = {
    "◎": ("目標とするまちの姿", "vision"),
    "◆": ("現状", "current"),
    "◇": ("課題", "issues"),
    "○": ("主な取組", "actions"),
    "▽": ("共創のパートナー", "partners"),
    "→": ("成果指標", "kpis"),
}
REQUIRED = ("vision", "current", "issues", "actions", "partners", "kpis")
DIRECTIONS = {"↗", "↘", "→"}


def strip_superscripts(text: str) -> str:
    return re.sub(SUPERSCRIPT, "", text)


def tidy(text: str) -> str:
    """Footnote markers out; spaces the PDF put around digits and Latin words out.

    Whitespace is dropped wherever one side is not ASCII (「男性 1.6 歳」→「男性1.6歳」,
    「KDB システム」→「KDBシステム」) and kept between two ASCII characters.
    """
    text = strip_superscripts(text).strip()
    return re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", text)


def detect(text: str) -> bool:
    lines = {line.strip() for line in text.splitlines()}
    return (
        "◎ 目標とするまちの姿" in lines
        and "→ 成果指標" in lines
        and any(KPI_HEADER.match(line) for line in lines)
    )


@dataclass
class _Chapter:
    number: str
    title: str
    line: int
    last_line: int = 0
    seen: set[str] = field(default_factory=set)
    vision: list[str] = field(default_factory=list)
    current: list[tuple[int, str]] = field(default_factory=list)
    issues: list[tuple[int, str]] = field(default_factory=list)
    actions: list[tuple[int, str, list[str]]] = field(default_factory=list)  # (line, "① title", paragraphs)
    partners: list[str] = field(default_factory=list)
    partner_box_line: int = 0
    partner_lines: list[tuple[int, str]] = field(default_factory=list)
    kpi_header: bool = False
    kpis: list[tuple[int, str, str, str, str]] = field(default_factory=list)  # line, name, value, year, target


def _section(line: str) -> str | None:
    for marker, (label, key) in SECTIONS.items():
        if line.startswith(marker) and label in line:
            return key
    return None


def _parse_kpi_row(line: str, lineno: int, document: str) -> tuple[str, str, str, str]:
    cells = [c.strip() for c in line.split("\t")]
    if len(cells) != 3 or not all(cells):
        raise CorpusError(document, lineno, f"成果指標の行が3列（指標名・直近実績値・目標値）ではない: {line!r}")
    name, latest, target = cells
    match = LATEST.match(latest)
    if not match:
        raise CorpusError(document, lineno, f"直近実績値に年度がない: {latest!r}")
    value = tidy(match["value"])
    if value in ("(未定)", "（未定）"):  # the baseline is still to be measured
        value = "未定"
    return tidy(name), value, tidy(match["year"]), tidy(target)


def parse(text: str, document: str) -> Corpus:
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise CorpusError(document, 1, "空のファイル（総合計画の章がない）")
    if not detect(text):
        raise CorpusError(document, 1, "総合計画（目標とするまちの姿・成果指標）の文書ではない")

    chapters: list[_Chapter] = []
    footnotes: dict[str, tuple[int, str]] = {}  # "9" → (line, text)
    chapter: _Chapter | None = None
    section: str | None = None

    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if chapter:
            chapter.last_line = lineno
        if m := CHAPTER.match(line):
            chapter = _Chapter(m["number"], tidy(m["title"]), lineno, lineno)
            chapters.append(chapter)
            section = None
            continue
        if m := FOOTNOTE.match(line):
            footnotes[m["mark"].translate(_SUPERSCRIPT_TO_DIGIT)] = (lineno, m["text"])
            continue
        if chapter is None:
            continue  # the part title (ひとの共創) before the first chapter
        if key := _section(line):
            section = key
            chapter.seen.add(key)
            continue
        if section is None:
            raise CorpusError(document, lineno, f"{chapter.number} の見出しの前に本文がある: {line!r}")
        if section == "vision":
            chapter.vision.append(tidy(line))
        elif section in ("current", "issues"):
            getattr(chapter, section).append((lineno, tidy(line)))
        elif section == "actions":
            if m := ACTION.match(line):
                chapter.actions.append((lineno, f"{m['mark']} {tidy(m['title'])}", []))
            elif chapter.actions:
                chapter.actions[-1][2].append(tidy(line))
            else:
                raise CorpusError(document, lineno, f"{chapter.number} の主な取組に番号（①…）がない: {line!r}")
        elif section == "partners":
            boxes = list(CHECKBOX.finditer(line))
            if boxes:
                chapter.partner_box_line = chapter.partner_box_line or lineno
                chapter.partners += [
                    tidy(b["label"]) for b in boxes if b["box"] == "■" or "checked" in b["box"]
                ]
            elif m := PARTNER_BULLET.match(line):
                chapter.partner_lines.append((lineno, tidy(m["text"])))
            else:
                raise CorpusError(document, lineno, f"{chapter.number} の共創のパートナー欄が読めない: {line!r}")
        elif section == "kpis":
            if KPI_HEADER.match(line):
                chapter.kpi_header = True
            elif not chapter.kpi_header:
                raise CorpusError(document, lineno, f"{chapter.number} の成果指標に表の見出しがない")
            else:
                chapter.kpis.append((lineno, *_parse_kpi_row(line, lineno, document)))

    _check(chapters, document, len(lines))
    return _records(chapters, footnotes, lines, document)


def _check(chapters: list[_Chapter], document: str, last_line: int) -> None:
    if not chapters:
        raise CorpusError(document, last_line or 1, "章（2-1 …）が一つもない")
    part = chapters[0].number.split("-")[0]
    for i, chapter in enumerate(chapters, start=1):
        if chapter.number != f"{part}-{i}":
            raise CorpusError(document, chapter.line, f"章番号が {part}-{i} ではなく {chapter.number}")
        missing = [SECTIONS_BY_KEY[key] for key in REQUIRED if key not in chapter.seen]
        empty = [
            SECTIONS_BY_KEY[key]
            for key, value in (
                ("vision", chapter.vision),
                ("current", chapter.current),
                ("issues", chapter.issues),
                ("actions", chapter.actions),
                ("kpis", chapter.kpis),
            )
            if key in chapter.seen and not value
        ]
        if "partners" in chapter.seen and not chapter.partner_box_line:
            empty.append("共創のパートナー")
        if missing or empty:
            problem = "、".join([*(f"{m}がない" for m in missing), *(f"{e}が空" for e in empty)])
            raise CorpusError(document, chapter.last_line, f"{chapter.number} {chapter.title}: {problem}（途中で切れている？）")


SECTIONS_BY_KEY = {key: label for label, key in SECTIONS.values()}


def _records(chapters: list[_Chapter], footnotes: dict[str, tuple[int, str]], lines: list[str], document: str) -> Corpus:
    stem = Path(document).stem
    corpus = Corpus(documents={document: NAME})
    about_by_line: list[tuple[int, str]] = []
    for chapter in chapters:
        about = f"{chapter.number} {chapter.title}"
        about_by_line.append((chapter.line, about))
        corpus.chapters.append(
            Chapter(
                id=f"chapter-{chapter.number}",
                source=Source(document=document, line=chapter.line),
                number=chapter.number,
                title=chapter.title,
                vision="".join(chapter.vision),
                current=[text for _, text in chapter.current],
                issues=[text for _, text in chapter.issues],
                actions=[f"{title}：{''.join(body)}" if body else title for _, title, body in chapter.actions],
                partners=chapter.partners,
            )
        )
        corpus.facts += [
            Fact(
                id=f"fact-{stem}-{lineno}",
                source=Source(document=document, line=lineno),
                topic="共創の取組",
                text=text,
                about=about,
            )
            for lineno, text in chapter.partner_lines
        ]
        parent = ""
        for i, (lineno, name, value, year, target) in enumerate(chapter.kpis, start=1):
            # 「うち 65 歳以上の市民の割合」 narrows the row above; alone it would mean nothing.
            full_name = f"{parent}の{name}" if name.startswith("うち") and parent else name
            parent = parent if name.startswith("うち") else name
            corpus.kpis.append(
                Kpi(
                    id=f"kpi-{chapter.number}-{i}",
                    source=Source(document=document, line=lineno),
                    chapter=chapter.number,
                    name=full_name,
                    latest_value=value,
                    latest_year=year,
                    target=target,
                )
            )
    corpus.facts += _glossary(footnotes, lines, about_by_line, document)
    corpus.facts.sort(key=lambda f: f.source.line)
    return corpus


def _glossary(
    footnotes: dict[str, tuple[int, str]], lines: list[str], about_by_line: list[tuple[int, str]], document: str
) -> list[Fact]:
    """Footnotes as Facts; the term is the word that carries the marker in the body text."""
    stem = Path(document).stem
    terms: dict[str, str] = {}
    for raw in lines:
        if FOOTNOTE.match(raw.strip()):
            continue
        for m in TERM.finditer(raw):
            terms.setdefault(m["mark"].translate(_SUPERSCRIPT_TO_DIGIT), m["term"])
    facts = []
    for number, (lineno, text) in footnotes.items():
        about = next((a for start, a in reversed(about_by_line) if start <= lineno), "")
        term = terms.get(number)
        facts.append(
            Fact(
                id=f"fact-{stem}-{lineno}",
                source=Source(document=document, line=lineno),
                topic=f"用語：{term}" if term else f"注{number}",
                text=tidy(text),
                about=about,
            )
        )
    return facts
