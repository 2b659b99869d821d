"""Several troubles at once (介護 + 借金 + 不登校): the one-stop window first, the specialised ones after it.

A question that touches many rows of the routing table has no single specialist; the
city's one-stop window (くらしと福祉の相談窓口) exists for exactly that case, so it leads.
"""

from __future__ import annotations

import re
import weakref
from typing import TYPE_CHECKING

from handlers.compose_kana import KANJI_RE, MIN_READING
from handlers.understand import fold, reading_of

if TYPE_CHECKING:
    from handlers.assistant import Assistant

MANY = 3  # distinct troubles (routing rows with different first windows) that make a question "several at once"


_MATCHERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _matcher(assistant: Assistant) -> tuple[re.Pattern | None, dict[str, tuple[str, ...]], dict]:
    """One pattern for every routing keyword variant (made once per vocabulary: each index version has its
    own routing table), variant → first windows, and the pairs of rows the table links.

    A lookahead finds a keyword at every position, so 「子どもの不登校」 yields both 子ども and 不登校.
    Rows are linked when one's next window is the other's first (不登校 → きらきら for 子ども, 障害者雇用 →
    障害福祉課 for 手帳): both named in one question, they are one trouble (「子どもが不登校」), not two."""
    vocabulary = assistant.vocabulary
    if vocabulary not in _MATCHERS:
        first_of: dict[str, tuple[str, ...]] = {}
        for route, keys in zip(vocabulary.routes, vocabulary.route_keys, strict=True):
            for keyword, variants in keys:
                # A keyword's reading too (介護 → カイゴ): 「ははのかいごと…」 written in kana names the same trouble.
                reading = reading_of(keyword) if KANJI_RE.search(keyword) else ""
                for v in [*variants, *([reading] if len(reading) >= MIN_READING else [])]:
                    if v:
                        first_of.setdefault(v, tuple(route.first))
        links = {(tuple(route.first), tuple(other.first)) for route in vocabulary.routes for other in vocabulary.routes
                 if set(other.first) & set(route.next)}
        alternation = "|".join(map(re.escape, sorted(first_of, key=len, reverse=True)))
        _MATCHERS[vocabulary] = (re.compile(f"(?=({alternation}))") if alternation else None, first_of, links)
    return _MATCHERS[vocabulary]


def _root(area: dict, key):
    while area.setdefault(key, key) != key:
        key = area[key]
    return key


def _join(area: dict, a, b) -> None:
    ra, rb = _root(area, a), _root(area, b)
    if ra != rb:
        area[rb] = ra


def troubles(assistant: Assistant, u, searcher=None) -> int:
    """How many different troubles the question names: trouble areas of the routing table matched by the words
    as written, and by what each thing said in people's words means in the plan's words (「パートを切られた」
    → 生活困窮, 「働けず」 → 就労支援).

    What one thing said means is one trouble, whichever rows it touches: the rows of a synonym entry's plan
    words (ケアラー, 家族介護者), and of the words inside the phrase it was said with (「父の介護と子の育児」 is
    ダブルケア, not 介護 and 子育て besides), are joined for this question."""
    pattern, first_of, links = _matcher(assistant)
    if pattern is None:
        return 0
    folded = fold(u.text)
    things = [([(m.start(1), m.end(1))], [first_of[m.group(1)]]) for m in pattern.finditer(folded)]
    topics = assistant._window_topics(searcher) if searcher is not None else {}
    for entry, spans in assistant.vocabulary.said(u.text):
        meant = [first_of[m] for m in pattern.findall(fold(" ".join(entry.plan)))]
        if not meant and FOR_SOMEONE_RE.search(u.text):
            # A worker passing on someone with several troubles: one the routing table has no row for, but a
            # window exists for (うつ → こころの健康, 母子家庭 → ひとり親), is a trouble of its own too.
            held = sorted({w for term in entry.plan for w in topics.get(fold(term), ())})
            meant = [tuple(held)] if held else []
        things.append((spans, meant))
    area: dict = {}  # rows named in this question → the trouble they are part of (union-find)
    rows: set = set()
    for i, (spans, meant) in enumerate(things):
        rows.update(meant)
        for row in meant[1:]:
            _join(area, meant[0], row)
        for other_spans, other in things[i + 1:]:
            if meant and other and any(a < d and c < b for a, b in spans for c, d in other_spans):
                _join(area, meant[0], other[0])  # said in one breath: one thing
    for a, b in links:
        if a in rows and b in rows:
            _join(area, a, b)
    return len({_root(area, row) for row in rows})


# 「NPOで母子家庭を支援しています」「民生委員です」: someone who works with people, asking for one of them.
FOR_SOMEONE_RE = re.compile(r"NPO|民生委員|支援して(?:いる|る|います)|担当して(?:いる|る)\s*(?:方|人|ケース|利用者|世帯)|"
                            r"ケースワーカー|相談員")
# 「何から相談したらいいのか」「どこから手をつければ」: overwhelmed by more than one thing at once.
OVERWHELMED_RE = re.compile(r"(?:何|なに|どこ)から\S{0,4}?(?:相談|手を|話|聞)")
# 「頭がいっぱい」「いっぱいいっぱい」「もうどうしたらいいか」: overwhelmed, which with two troubles named is the one-stop window's case.
FULL_HEAD_RE = re.compile(r"(?:頭|あたま)が\s*(?:いっぱい|一杯|パンク|ぐちゃぐちゃ)|いっぱいいっぱい|手に負えな|てにおえな|"
                          r"もう\s*どう(?:したら|すれば)いい(?:の)?か")
# 「何から始めれば」: with two troubles named, overwhelmed; alone (「働きたいけど何から始めれば」), a first step.
WHERE_TO_START_RE = re.compile(r"(?:何|なに)から(?:始め|はじめ|どう)")
# 「全部いっぺんに聞ける窓口」: one place for all of it — the one-stop window when two troubles are named (one trouble
# asked 「まとめて」, like 子育ての悩みをまとめて, has its own specialist).
ALL_AT_ONCE_RE = re.compile(r"(?:全部|ぜんぶ|まとめて|いっぺんに|一度に|いちどに|一か所|一箇所|一ヶ所)\S{0,6}"
                            r"(?:相談|聞|きい|きけ|話|対応|受け付|受付)")
# 「どこに相談したらいいのかわからない」「窓口がわからない」: the one-stop window's own concern (routing row 1), which
# with a second trouble beside it is the one-stop window's case.
UNSURE_WHERE_RE = re.compile(r"どこに(?:相談|行|聞|話)\S{0,8}(?:わから|分から)|(?:窓口|相談先)が(?:わから|分から)")
# 「クビになるし、貯金も底をついたし、…」: troubles listed clause after clause with 〜し.
LISTED_RE = re.compile(r"(?<=[るたいだ])し(?=[、,\s]|[一-龥ぁ-ゖァ-ヺ])(?!て|た|ま|ょ|ゃ|ゅ|い|か|な)")


# 「家族が事件で…」「70代で一人暮らし」「中学生です」: the person tells of their own or their family's life.
PERSONAL_RE = re.compile(r"(?:私|わたし|僕|ぼく|俺|うち|家族|夫|妻|主人|娘|息子|母|父|親|祖母|祖父|ばあちゃん|じいちゃん|"
                         r"兄|姉|弟|妹)\s*(?:[（(]\d+(?:歳|才|代)?[)）])?\s*(?:が|は|の|も|と|に|を|で)|\d+(?:代|歳)で|\d+(?:歳|才|か月|ヶ月)の(?:子|娘|息子)|"
                         # 「78歳、アパートの更新を…」「年寄りだと貸してくれない」: one's own age said first
                         r"^\s*\d+(?:代|歳|才)\s*[、,。]|(?:年寄り|としより|ばあさん|じいさん|婆|爺)(?:だ|です|なので|だから)|"
                         r"(?:学生|生徒)です|"
                         r"(?:隣|となり|近所|向かい)の(?:家|人|子|方|おばあ|おじい|お年寄り)")


def tells_situation(assistant: Assistant, u) -> bool:
    """The person tells of their own situation in their own words, and what they say means a trouble the
    routing table has a window for (「アパートの更新を断られて」 → 居住支援): they need a place to go, even
    without asking 「どこ」."""
    if not PERSONAL_RE.search(u.text):
        return False
    pattern, first_of, _ = _matcher(assistant)
    if pattern is None:
        return False
    return any(pattern.search(fold(" ".join(entry.plan))) for entry, _ in assistant.vocabulary.said(u.text))


def many_troubles(assistant: Assistant, u, searcher=None, count: int | None = None) -> bool:
    if OVERWHELMED_RE.search(u.text) or len(LISTED_RE.findall(u.text)) >= MANY - 1:
        return True
    count = troubles(assistant, u, searcher) if count is None else count
    cue = UNSURE_WHERE_RE.search(u.text) or ALL_AT_ONCE_RE.search(u.text) or WHERE_TO_START_RE.search(u.text) \
        or FULL_HEAD_RE.search(u.text)
    return count >= MANY or (count >= MANY - 1 and cue is not None)


def one_stop_first(assistant: Assistant, searcher, u, windows: list) -> list:
    """``windows`` ((window, value, confident) best first) with the one-stop window moved to the front
    when the question names several troubles at once, or says only that the person does not know where to
    go (「何をどこに相談したらいいのか分からない」: the one-stop window's own concern)."""
    count = troubles(assistant, u, searcher)  # once: both tests below need it
    unsure_only = UNSURE_WHERE_RE.search(u.text) is not None and count == 0
    if not (unsure_only or many_troubles(assistant, u, searcher, count)):
        return windows
    one_stop = assistant._one_stop(searcher)
    if one_stop is None:
        return windows
    rest = [w for w in windows if w[0].id != one_stop.id]
    top = windows[0][1] if windows else 1.0
    return [(one_stop, top + 1.0, True), *[(w, v, True) for w, v, _ in rest[:2]], *rest[2:]]
