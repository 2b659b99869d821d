"""Ordinances (条例): the regional welfare plan's table merged with every ordinance the sources name.

How a name is recognised (after NFKC and full-width parentheses, line by line, with the
lines of a document joined so that a name the PDF wrapped — 「鎌倉市 / 市民のくらしをまもる条例」 —
reads whole):

* quoted: 「…条例」 or 『…条例』, also when 「（仮称）…条例」 or 「…条例（平成29年4月施行）」;
* unquoted and starting with 鎌倉市: 「鎌倉市ケアラー支援条例（案）」, 「鎌倉市消費生活条例を改正」
  (the last 鎌倉市 before 条例, so 「鎌倉市議会2月定例会に…鎌倉市ケアラー支援条例」 yields the latter);
* a kanji/katakana word of three or more characters before 条例 that is being made or amended
  (「無電柱化推進条例を制定」);
* the first cell of a table row (条例名 | 趣旨・目的) and the items of a 「関連条例：A、B」 line.

Not names: bare 条例, 条例案, 関連条例, 同条例, 各条例 and any text containing 、 or 。.

When two names are one ordinance (decided in this order):
1. equal after removing spaces and a leading （仮称）;
2. equal once a leading 鎌倉市 is dropped (『屋外広告物条例』 = 鎌倉市屋外広告物条例);
3. nearly equal — difflib ratio ≥ 0.9, both at least 10 characters: the sources' own slips
   (鎌倉市民のくらしをまもる条例, 鎌倉市視聴覚障障害者及び…条例);
4. listed in ``OTHER_NAMES``: provisional (仮称) names and a former name, each with the
   lines where a source says which ordinance it became (checked by the tests).
The record's name is the table's when the table has it, else the spelling named most often
(then the one starting with 鎌倉市, then the first); the other spellings go to ``aliases``.

Enactment: a statement next to a mention — 「name」（令和6年）, 「name」を制定（平成31年3月）,
「name」を令和2年3月に制定, 令和3年4月に「name」を制定, 令和6年4月の「name」の制定, a timeline row 「令和3年 → name の制定」, or
「…の条例で令和3年7月8日に制定」 later in the same sentence. Statements in a sentence that says
予定, に向け or 検討中 are plans, not enactments; dates marked 施行 are not enactment dates.
The most precise statement wins (day > month > year), then the earliest date (sources that
disagree tend to give the 施行 date, which is later); disagreeing years are reported by
``ordinance_conflicts``.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from corpus.models import Conflict, Ordinance, Source
from corpus.parsers.common import normalize_parens, western_year

KANA_KANJI = r"\u3041-\u309f\u30a1-\u30fa\u30fc\u4e00-\u9fff々"
QUOTED = re.compile(r"[「『](?P<provisional>（仮称）)?(?P<name>[^「」『』。、\s]{1,80}?条例)(?=[」』（])")
CITY = re.compile(rf"鎌倉市(?:(?!鎌倉市)[{KANA_KANJI}])*?条例")
MADE = re.compile(r"(?P<name>[\u30a1-\u30fa\u30fc\u4e00-\u9fff々]{3,30}条例)(?=を?制定|の制定|を?改正|の改正)")
TABLE_CELL = re.compile(r"^(?P<name>[^\t、。]{2,80}条例)\t")
RELATED = re.compile(r"^関連条例[：:](?P<names>.+)$")
NOT_A_NAME = re.compile(r"^(?:関連|同|各|本|当該|新|旧|上記|次の)条例$|条例案$")
DATE = r"(?P<era>明治|大正|昭和|平成|令和)\s*(?P<year>\d+|元)\s*年(?:\s*(?P<month>\d+)\s*月(?:\s*(?P<day>\d+)\s*日)?)?"
PLANNED = re.compile(r"予定|に向け|検討中|見込")
ROW_YEAR = re.compile(rf"^{DATE}\t")
SIMILAR = 0.9
SIMILAR_MIN_LENGTH = 10

# Names that are the same ordinance under another name, with where the sources say so.
OTHER_NAMES = {
    # 000:612 →616, 001:204 →214: the pledge's working title; the report gives the enacted name.
    "（仮称）かまくら共生条例": "鎌倉市共生社会の実現を目指す条例",
    # 000:725 →729, 001:859 →832
    "（仮称）障害者の情報・コミュニケーションに関する条例":
        "鎌倉市視覚障害者及び聴覚障害者等の情報取得等の手段についての選択の機会の確保に関する条例",
    "（仮称）障害者の情報・コミュニケーションにかかる条例":
        "鎌倉市視覚障害者及び聴覚障害者等の情報取得等の手段についての選択の機会の確保に関する条例",
    # 000:826 →828, 001:2090 →2098
    "（仮称）くらし支え合い条例": "鎌倉市市民のくらしをまもる条例",
    # 001:1335 →1338
    "（仮称）子ども総合支援条例": "子どもがのびのびと自分らしく育つまち鎌倉条例",
    # 000:1195 「鎌倉市消費生活条例を改正（鎌倉市民のくらしをまもる条例）」: the former name.
    "鎌倉市消費生活条例": "鎌倉市市民のくらしをまもる条例",
}


def normalise(name: str) -> str:
    """The shared normalisation behind ordinance ids: NFKC, then full-width parentheses."""
    return normalize_parens(unicodedata.normalize("NFKC", name))


def ordinance_id(name: str) -> str:
    return "ordinance-" + hashlib.sha1(normalise(name).encode("utf-8")).hexdigest()[:10]


def _key(name: str) -> str:
    return re.sub(r"\s+", "", normalise(name)).removeprefix("（仮称）")


@dataclass
class _Doc:
    """A document's lines joined into one string, with where each line starts."""

    name: str
    lines: list[str]
    text: str = ""
    starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        for line in self.lines:
            self.starts.append(len(self.text))
            self.text += line.strip()

    def line_at(self, offset: int) -> int:
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:  # last line starting at or before offset (blank lines have no width)
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        # a blank line shares its start with the next line: take the later, non-blank one
        while lo + 1 < len(self.starts) and self.starts[lo + 1] == self.starts[lo] and not self.lines[lo].strip():
            lo += 1
        return lo + 1


@dataclass
class _Statement:
    written: str
    year: int
    precision: int  # 1 year, 2 month, 3 day
    date: tuple[int, int, int]
    source: Source


@dataclass
class _Mention:
    spelling: str
    source: Source
    provisional: bool
    statement: _Statement | None = None


def _docs(texts: dict[str, str]) -> list[_Doc]:
    return [_Doc(name, [normalise(line) for line in text.splitlines()]) for name, text in sorted(texts.items())]


def _is_name(name: str) -> bool:
    return name.endswith("条例") and "条例" not in name[:-2] and len(name) > 2 and not NOT_A_NAME.search(name)


def _spellings(docs: list[_Doc]) -> dict[str, bool]:
    """Every spelling of an ordinance name in the documents → whether it is a （仮称） name."""
    found: dict[str, bool] = {}

    def add(name: str, provisional: bool = False) -> None:
        name = re.sub(r"\s+", "", name)
        if _is_name(name):
            found[("（仮称）" if provisional else "") + name] = provisional

    for doc in docs:
        for m in QUOTED.finditer(doc.text):
            add(m["name"], bool(m["provisional"]))
        for m in CITY.finditer(doc.text):
            add(m[0])
        for line in doc.lines:
            for m in MADE.finditer(line):  # line by line: joined lines glue table cells together
                add(m["name"])
            if m := TABLE_CELL.match(line.strip()):
                add(m["name"])
            if m := RELATED.match(line.strip()):
                for name in m["names"].split("、"):
                    add(name.strip())
    return found


def _group(spellings: list[str], table_names: list[str]) -> list[list[str]]:
    """Spellings (table names first) in groups, one group per ordinance (rules 1–4 above)."""
    names = list(dict.fromkeys([*table_names, *spellings]))
    parent = {name: name for name in names}

    def find(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:  # the earlier name (a table name if any) stays the root
            first, second = sorted((ra, rb), key=names.index)
            parent[second] = first

    def short(name: str) -> str:
        return _key(name).removeprefix("鎌倉市")

    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ka, kb = _key(a), _key(b)
            similar = (
                min(len(ka), len(kb)) >= SIMILAR_MIN_LENGTH
                and difflib.SequenceMatcher(None, ka, kb).ratio() >= SIMILAR
            )
            if ka == kb or short(a) == short(b) or similar:
                union(a, b)
    for other, target in OTHER_NAMES.items():
        other, target = normalise(other), normalise(target)
        if other in parent and target in parent:
            union(target, other)
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(find(name), []).append(name)
    return list(groups.values())


def _statement(doc: _Doc, start: int, end: int, limit: int) -> _Statement | None:
    """The enactment date stated next to the mention at text[start:end], if any; the text
    after the mention is read up to the end of its sentence or ``limit`` (the next mention)."""
    after = doc.text[end:min(end + 120, limit)].lstrip("」』")
    after = after.split("。")[0]
    before = re.split(r"[。・\t]", doc.text[max(0, start - 40):start])[-1]
    lineno = doc.line_at(start)
    line = doc.lines[lineno - 1].strip()
    candidates = []
    if (m := ROW_YEAR.match(line)) and after.startswith("の制定"):
        candidates.append(m)
    if not PLANNED.search(before + after):
        if m := re.match(rf"^（{DATE}）", after):
            candidates.append(m)
        if m := re.match(rf"^を?制定(?:した)?（{DATE}）", after):
            candidates.append(m)
        for m in re.finditer(rf"{DATE}\s*に?\s*制定", after):
            candidates.append(m)
        if (m := re.search(rf"{DATE}\s*[にの][「『]?$", before)) and re.match(r"^[をの]?制定", after):
            candidates.append(m)
    if not candidates:
        return None
    m = candidates[0]
    year = western_year(m["era"], m["year"])
    month, day = int(m["month"] or 0), int(m["day"] or 0)
    written = f"{m['era']}{m['year']}年" + (f"{month}月" if month else "") + (f"{day}日" if day else "")
    precision = 3 if day else 2 if month else 1
    return _Statement(written, year, precision, (year, month, day), Source(document=doc.name, line=lineno))


def _mentions(docs: list[_Doc], spellings: dict[str, bool]) -> list[_Mention]:
    """Every occurrence of every spelling, longest spellings first so that a shorter one inside
    a longer one (屋外広告物条例 in 鎌倉市屋外広告物条例) is not counted twice."""
    cores = sorted({s.removeprefix("（仮称）"): p for s, p in spellings.items()}.items(), key=lambda kv: -len(kv[0]))
    found: list[_Mention] = []
    for doc in docs:
        taken = [False] * len(doc.text)
        spans = []
        for core, _ in cores:
            for m in re.finditer(re.escape(core), doc.text):
                if any(taken[m.start():m.end()]):
                    continue
                taken[m.start():m.end()] = [True] * (m.end() - m.start())
                provisional = doc.text[max(0, m.start() - 5):m.start()].endswith("（仮称）")
                spans.append((m.start(), m.end(), ("（仮称）" if provisional else "") + core, provisional))
        spans.sort()
        for i, (start, end, spelling, provisional) in enumerate(spans):
            # the sentence after a mention stops where the next ordinance is named
            limit = spans[i + 1][0] if i + 1 < len(spans) else len(doc.text)
            statement = None if provisional else _statement(doc, start, end, limit)
            found.append(_Mention(spelling, Source(document=doc.name, line=doc.line_at(start)), provisional, statement))
    return found


def _analyse(table: list[Ordinance], texts: dict[str, str]) -> tuple[list[Ordinance], list[Conflict]]:
    docs = _docs(texts)
    spellings = _spellings(docs)
    for record in table:
        spellings.setdefault(normalise(record.name), False)
    mentions = _mentions(docs, spellings)
    named = {m.spelling for m in mentions}
    table_names = [normalise(r.name) for r in table]
    groups = _group([s for s in spellings if s in named], table_names)

    by_spelling: dict[str, list[_Mention]] = {}
    for mention in mentions:
        by_spelling.setdefault(mention.spelling, []).append(mention)
    table_by_name = {normalise(r.name): r for r in table}

    records: list[tuple[tuple, Ordinance]] = []
    conflicts: list[Conflict] = []
    for group in groups:
        group_mentions = [m for s in group for m in by_spelling.get(s, [])]
        row = next((table_by_name[s] for s in group if s in table_by_name), None)
        if row is None and not group_mentions:
            continue
        name = normalise(row.name) if row else _canonical(group, by_spelling)
        sources = sorted({m.source for m in group_mentions} | ({row.source} if row else set()),
                         key=lambda s: (s.document, s.line))
        if row:
            sources = sorted(set(sources) | set(row.mentions), key=lambda s: (s.document, s.line))
        statements = [m.statement for m in group_mentions if m.statement]
        if row and row.enacted and row.enacted_year:
            statements.append(_table_statement(row))
        best = min(statements, key=lambda s: (-s.precision, s.date, s.source.document, s.source.line), default=None)
        if len({s.year for s in statements}) > 1:
            conflicts.append(_conflict(name, statements, best))
        aliases = sorted(
            {s for s in group if s != name and s in named},
            key=lambda s: min((m.source.document, m.source.line) for m in by_spelling[s]),
        )
        record = Ordinance(
            id=row.id if row else ordinance_id(name),
            source=row.source if row else sources[0],
            name=name,
            purpose=row.purpose if row else "",
            enacted=best.written if best else "",
            enacted_year=best.year if best else None,
            mentions=sources,
            aliases=aliases,
        )
        order = (0, table.index(row)) if row else (1, sources[0].document, sources[0].line)
        records.append((order, record))
    records.sort(key=lambda pair: pair[0])
    return [record for _, record in records], conflicts


def _canonical(group: list[str], by_spelling: dict[str, list[_Mention]]) -> str:
    """Most mentioned non-provisional spelling; then one starting with 鎌倉市; then the first named."""
    plain = [s for s in group if not s.startswith("（仮称）") and s not in map(normalise, OTHER_NAMES)] or group

    def first(s: str) -> tuple[str, int]:
        return min(((m.source.document, m.source.line) for m in by_spelling.get(s, [])), default=("~", 0))

    return min(plain, key=lambda s: (-len(by_spelling.get(s, [])), not s.startswith("鎌倉市"), first(s)))


def _table_statement(row: Ordinance) -> _Statement:
    m = re.search(DATE, normalise(row.enacted))
    month, day = (int(m["month"] or 0), int(m["day"] or 0)) if m else (0, 0)
    year = row.enacted_year or 0
    return _Statement(row.enacted, year, 3 if day else 2 if month else 1, (year, month, day), row.source)


def _conflict(name: str, statements: list[_Statement], best: _Statement | None) -> Conflict:
    listed = "、".join(f"{s.written}（{s.source.cite()}）" for s in statements)
    chosen = best.written if best else ""
    anchor = best.source if best else statements[0].source
    lines = sorted({s.source.line for s in statements if s.source.document == anchor.document})
    return Conflict(
        document=anchor.document,
        lines=lines,
        message=f"{name} の制定年が資料により違う: {listed}。最も詳しく早い「{chosen}」を採用。",
    )


def merge_ordinances(table: list[Ordinance], texts: dict[str, str]) -> list[Ordinance]:
    """The table's ordinances (their order, ids, purposes) then every other ordinance the texts
    name (in order of first mention), one record each, with enactment date and every mention."""
    return _analyse(table, texts)[0]


def ordinance_conflicts(table: list[Ordinance], texts: dict[str, str]) -> list[Conflict]:
    """Ordinances whose enactment year the sources disagree on."""
    return _analyse(table, texts)[1]
