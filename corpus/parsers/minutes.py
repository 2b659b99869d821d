"""Parser for the minutes of the 鎌倉市地域福祉計画推進庁内連絡会 (議事録).

Layout (the PDF's text, one blank line between printed lines, long lines wrapped):

    鎌倉市地域福祉計画推進庁内連絡会 議事録      title → the meeting's name
    日時  ：2024/1/11（木） 14：00～15：00      header fields (出席者, 事務局 … are skipped)
    場所  ：鎌倉市役所 ２階 201会議室
    ■ 議事について
    ＜２.鎌倉市地域福祉計画進捗状況報告書＞      agenda item (numbered 1, 2, …; ＜総括＞ unnumbered)
    ◆目標１から５の取組にかかる…                 sub-heading
    目標１ 総合的な相談体制の確立                 goal (numbered 1, 2, …)
    ➀事業事例…かまくらこども相談窓口 きらきら（こどもみらい部）   item: kind…name（department）
    ・利用状況：４月３日～12月 28日まで 189日間   bullets and paragraphs

Every sentence of a body becomes a ``Fact`` whose ``about`` names the window, project or
ordinance it is said of (the item's name; a heading's subject otherwise) and whose line is
where the sentence starts. A printed line is a wrapped one when it is nearly full
(``WRAP_WIDTH`` columns) and does not end a sentence; short lines such as
「利用者：3045人 一日平均 16.1人」 are entries of their own and are joined with 「、」.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import jaconv

from corpus.models import Corpus, CorpusError, Fact, Source

NAME = "minutes"

WRAP_WIDTH = 70  # display columns from which a line that does not end with 。 continues on the next
# The minutes' own names for things that have an official name elsewhere in the corpus
# (corpus/reference/windows.md, 「くらしと福祉の相談窓口の名称」).
ABOUT_NAMES = {"くらしと福祉の総合相談窓口": "くらしと福祉の相談窓口"}

TITLE = re.compile(r"^(?P<name>.+?)\s*議事録$")
HEADER = re.compile(r"^(?P<key>日時|場所)\s*[：:]\s*(?P<value>.+)$")
AGENDA = re.compile(r"^＜(?:(?P<number>[0-9０-９]+)[.．])?(?P<title>[^＞]+)＞$")
HEADING = re.compile(r"^◆(?P<title>.+)$")
GOAL = re.compile(r"^目標(?P<number>[0-9０-９]+)\s*(?P<title>.+)$")
ITEM_START = re.compile(r"^[➀-➉①-⑳〇○](?:事業事例|情報共有|その他)")
ITEM = re.compile(r"^[➀-➉①-⑳〇○](?P<kind>事業事例|情報共有|その他)(?:…+(?P<name>.*?))?（(?P<department>[^（）]+部)）$")
BULLET = "・"
LABEL = re.compile(r"^(?P<label>[^、。：\s0-9０-９]{1,10})：")  # 利用状況：… / 課題：…
NEW_LINE_MARKERS = ("・", "＜", "◆", "■", "目標")
TOPIC_WORDS = ("対応時間", "相談受付件数", "開設", "開始", "制定", "整備", "雇用", "出張窓口", "議案")
SENTENCE_END = "。"


def detect(text: str) -> bool:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return bool(lines) and bool(TITLE.match(lines[0])) and sum(bool(HEADER.match(line)) for line in lines[:12]) == 2


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def tidy(text: str, entries: bool = False) -> str:
    """Half-width digits; no PDF spaces next to digits or Latin letters.

    ``entries``: the text is a list of 「項目：値」 entries, whose Japanese-to-Japanese spaces
    separate entries (「利用者：3045人 一日平均16.1人」) and become 「、」.
    """
    text = jaconv.z2h(text, kana=False, ascii=False, digit=True).strip()
    text = re.sub(r"\s+(?=[\x21-\x7e])|(?<=[\x21-\x7e])\s+", "", text)
    return re.sub(r"\s+", "、" if entries else "", text)


@dataclass
class Segment:
    """A logical line: printed lines joined where the PDF wrapped them."""

    line: int
    text: str = ""
    last_width: int = 0
    starts: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, printed line)

    @property
    def open(self) -> bool:
        if ITEM_START.match(self.text):  # an item header runs until its （…部）
            return not ITEM.match(self.text)
        if self.text.startswith(("＜", "◆", "■", "目標")):
            return False
        return self.last_width >= WRAP_WIDTH and not self.text.endswith(SENTENCE_END)

    def add(self, lineno: int, text: str) -> None:
        self.starts.append((len(self.text), lineno))
        self.text += text
        self.last_width = width(text)

    def line_at(self, offset: int) -> int:
        return max(line for start, line in self.starts if start <= offset)


@dataclass
class Block:
    """Body text under one heading or item, with what it is about."""

    line: int
    about: str
    kind: str  # 事業事例 / 情報共有 / その他 / heading
    segments: list[Segment] = field(default_factory=list)


def _segments(lines: list[str]) -> list[Segment]:
    segments: list[Segment] = []
    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        starts_new = line.startswith(NEW_LINE_MARKERS) or bool(ITEM_START.match(line))
        if not (segments and segments[-1].open and not starts_new):
            segments.append(Segment(lineno))
        segments[-1].add(lineno, line)
    return segments


def _about(name: str) -> str:
    """A name as written, minus PDF spaces next to digits (「かまくらこども相談窓口 きらきら」 keeps its space)."""
    name = jaconv.z2h(name, kana=False, ascii=False, digit=True).strip()
    name = re.sub(r"\s+(?=[0-9])|(?<=[0-9])\s+", "", name)
    name = re.sub(r"\s+", " ", name)
    name = re.sub(r"について$", "", name)
    if m := re.fullmatch(r"「(?P<name>[^「」]+)」", name):
        name = m["name"]
    return ABOUT_NAMES.get(name, name)


def parse(text: str, document: str) -> Corpus:
    lines = text.splitlines()
    nonblank = [i for i, line in enumerate(lines, start=1) if line.strip()]
    if not nonblank:
        raise CorpusError(document, 1, "空のファイル（議事録がない）")
    if not detect(text):
        raise CorpusError(document, nonblank[0], "議事録（表題・日時・場所）の文書ではない")
    last = nonblank[-1]
    if not lines[last - 1].strip().endswith((SENTENCE_END, "）")):
        raise CorpusError(document, last, "文の途中で終わっている（途中で切れている？）")

    segments = _segments(lines)
    meeting = TITLE.match(segments[0].text)["name"].strip()
    stem = Path(document).stem
    facts: list[Fact] = []
    blocks: list[Block] = []
    agenda_seen, goal_seen = 0, 0
    current_goal = ""
    in_agenda = False

    for seg in segments[1:]:
        line = seg.text
        if m := HEADER.match(line):
            key = m["key"]
            facts.append(
                _fact(stem, document, seg.line, f"開催{key}", f"{meeting}の{key}は{tidy(m['value'])}。", meeting)
            )
            continue
        if line.startswith("■"):
            in_agenda = True
            continue
        if not in_agenda:
            continue  # 出席者, 事務局: names of staff, not facts about windows
        if m := AGENDA.match(line):
            if m["number"]:
                number = int(tidy(m["number"]))
                if number != agenda_seen + 1:
                    raise CorpusError(document, seg.line, f"議事の番号が {agenda_seen + 1} ではなく {number}")
                agenda_seen = number
            title = tidy(m["title"])
            blocks.append(Block(seg.line, meeting if title == "総括" else _about(title), "heading"))
            goal_seen, current_goal = 0, ""
            continue
        if m := HEADING.match(line):
            blocks.append(Block(seg.line, _about(m["title"]), "heading"))
            continue
        if m := GOAL.match(line):
            number = int(tidy(m["number"]))
            if number != goal_seen + 1:
                raise CorpusError(document, seg.line, f"目標の番号が {goal_seen + 1} ではなく {number}")
            goal_seen, current_goal = number, tidy(m["title"])
            continue
        if m := ITEM.match(line):
            name = m["name"] or ""
            quoted = re.search(r"「([^「」]+)」", name)
            if m["kind"] == "事業事例":
                about = _about(name)
            elif quoted:
                about = _about(quoted.group(1))
            else:
                about = current_goal or meeting
            block = Block(seg.line, about, m["kind"])
            blocks.append(block)
            if m["kind"] == "事業事例":
                facts.append(
                    _fact(stem, document, seg.line, "報告部局", f"{m['kind']}：{about}（{m['department']}）。", about)
                )
            elif name and not quoted:  # 情報共有…<a sentence>: the header is itself a statement
                header = Segment(seg.line)
                header.add(seg.line, name)
                block.segments.append(header)
            elif quoted:
                statement = tidy(name).removesuffix(SENTENCE_END)
                facts.append(_fact(stem, document, seg.line, m["kind"], f"{statement}（{m['department']}）。", about))
            continue
        if not blocks:
            raise CorpusError(document, seg.line, f"見出しの前に本文がある: {line[:30]!r}")
        blocks[-1].segments.append(seg)

    if not agenda_seen:
        raise CorpusError(document, last, "議事（＜１.…＞）が一つもない")
    for i, block in enumerate(blocks):
        # A heading may hold only sub-headings; an item, or the last heading, needs a body.
        if not block.segments and (block.kind != "heading" or i == len(blocks) - 1):
            raise CorpusError(document, block.line, f"「{block.about}」の後に本文がない（途中で切れている？）")
        facts += _block_facts(block, stem, document)

    return Corpus(facts=_unique(facts), documents={document: NAME})


def _fact(stem: str, document: str, line: int, topic: str, text: str, about: str) -> Fact:
    return Fact(id=f"fact-{stem}-{line}", source=Source(document=document, line=line), topic=topic, text=text, about=about)


def _block_facts(block: Block, stem: str, document: str) -> list[Fact]:
    """Sentences of a block, each cited at the printed line where it starts.

    Entry lines (「利用者：3045人…」) that follow an unfinished bulleted entry
    (「・利用状況：…189日間」) are joined to it; any other line starts a sentence.
    """
    sentences: list[tuple[int, str, str]] = []  # (line, topic label or "", text)
    label = ""
    for seg in block.segments:
        bullet = seg.text.startswith(BULLET)
        body = seg.text[1:] if bullet else seg.text
        entry = LABEL.match(body)
        if bullet:
            label = entry["label"] if entry else ""
        if not bullet and entry and sentences and not sentences[-1][2].endswith(SENTENCE_END):
            line, topic, previous = sentences[-1]
            sentences[-1] = (line, topic, f"{previous}、{tidy(body, entries=True)}")
            continue
        for start, sentence in _split(seg.text):
            text = tidy(sentence.removeprefix(BULLET), entries=bool(entry))
            sentences.append((seg.line_at(start), label, text))
    facts = []
    for line, label, text in sentences:
        topic = label or next((w for w in TOPIC_WORDS if w in text), block.kind if block.kind != "heading" else "議事")
        if not text.endswith(SENTENCE_END):
            text += SENTENCE_END
        facts.append(_fact(stem, document, line, topic, text, block.about))
    return facts


def _split(text: str) -> list[tuple[int, str]]:
    """Sentences with the offset of their first non-blank character."""
    out, start = [], 0
    for part in re.split(r"(?<=。)", text):
        stripped = part.lstrip()
        if stripped:
            out.append((start + len(part) - len(stripped), stripped))
        start += len(part)
    return out


def _unique(facts: list[Fact]) -> list[Fact]:
    """One fact per line (ids are fact-{stem}-{line}): sentences that start on one line are joined."""
    by_id: dict[str, Fact] = {}
    for fact in facts:
        if fact.id in by_id:
            kept = by_id[fact.id]
            by_id[fact.id] = kept.model_copy(update={"text": kept.text + fact.text})
        else:
            by_id[fact.id] = fact
    return sorted(by_id.values(), key=lambda f: f.source.line)
