"""Channel-free question answering: text in, ``Answer`` out.

This is the only handlers API channels use:

    assistant = Assistant(searcher=live.current)   # a callable returning the live index.search.Searcher
    assistant.ask("公約15の進捗は？")                  # -> Answer
    assistant.ask("手話通訳", intent="who_handles")    # a channel command may force the intent
    assistant.department_page("障害福祉課")            # -> Answer (its initiatives grouped by goal)
    assistant.window_page("window-kirakira")           # -> Answer (one window in full)
    assistant.record("initiative-1-2-3-7")             # -> Result | None

``audience`` is "citizen" (short, kind; LINE) or "staff" (exact codes and
departments; Telegram, web console). Never raises on odd input.
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import Literal

from corpus.curated_loader import Route, load_routing
from corpus.models import (
    Chapter,
    Department,
    Fact,
    Initiative,
    Kpi,
    Ordinance,
    Passage,
    Pledge,
    Policy,
    Record,
    RelatedPlan,
    Source,
    Window,
    WindowFact,
)
from corpus.synonyms import load_synonyms
from handlers import (
    compose_care,
    compose_department,
    compose_figures,
    compose_sections,
    compose_windows,
)
from handlers.answer import Answer, Detail, Intent, Result, Suggestion
from handlers.understand import (
    CONTACT_RE,
    INTENT_WORDS,
    KEPT_CUE_RE,
    OURS_RE,
    PROGRESS_FILLER_RE,
    SPACE_RE,
    STATUS_CUE_RE,
    STRONG_WHO,
    Understanding,
    fold,
    name_in,
    plain_key,
    strip_cues,
    understand,
)
from handlers.vocabulary import Vocabulary, load_vocabulary
from index import analysis
from index.build import VOCABULARY_DIR

Audience = Literal["citizen", "staff"]
log = logging.getLogger(__name__)

CITIZEN_MAX = 400  # characters of reply text for citizens (LINE bubbles stay readable)
STATUS_JA = {"achieved": "達成〇", "in_progress": "取り組み途中△", "not_achieved": "未達成✖"}
PLEDGE_LIST_WORDS = ("一覧", "もの", "どれ", "全部", "ぜんぶ", "リスト")
STATUS_WORDS = {"not_achieved": ("未達成", "達成できなかった", "できなかった"), "in_progress": ("途中", "取り組み中", "取組中")}
DOC_LABELS = {
    "pledge_report": "未来ビジョン2021鎌倉 成果報告書",
    "welfare_policy": "鎌倉市の福祉政策 取組進捗表",
    "comprehensive_plan": "鎌倉市総合計画",
    "welfare_plan": "鎌倉市地域福祉計画",
    "minutes": "地域福祉計画推進庁内連絡会 議事録",
}
CURATED_DIR = Path(__file__).resolve().parent.parent / "corpus" / "curated"
PHONE_RE = re.compile(r"0\d{1,4}-\d{1,4}-\d{3,4}")
SPECIFIC_WEIGHT = 1.0  # IDF-weighted coverage of the question by a window's own facts (see _specificity)
# Intents a progress cue (どうなった …) may turn into pledge_status, and how much of the question a pledge must cover.
PLEDGE_CUE_INTENTS = ("search", "who_handles", "ordinance", "find_window")
PLEDGE_TOPIC = 0.6
NEAR_PLEDGE = 0.3  # share of a progress question's topic a pledge must hold to be shown as a near candidate

SYNONYM_WEIGHT = 0.2  # a plan word for the question in the title, beyond the words it covers (see _rerank)
INDICATOR_WORDS_RE = re.compile(r"指標|目標|最新値|現状値|実績値|直近")  # the plan's indicators are asked for by name
KPI_FACT_MARGIN = 0.3  # a fact must hold this much more of the question than the best indicator to answer instead
NEXT_SPECIFIC_MARGIN = 0.15  # how much more of the rare words a second-choice window must hold to lead the first
GOES_MARGIN = 0.2  # asked where to go, how much more a plan row must hold than any window to answer instead
HEDGE_SLOTS = 3  # results an answer shows at least, filled from other kinds when its intent found fewer
RARITY_KINDS = ("pledge", "initiative", "policy", "window", "ordinance", "kpi", "department", "passage")
OFF_TOPIC_COVER = 0.35  # rarity-weighted share of the question the nearest records hold, below which it is not ours
RELEVANT = 0.5  # share of the question's content found in a record for a confident answer
HELP_TEXT = (
    "鎌倉市の福祉の窓口や計画についてお答えします。たとえば次のように聞いてください。\n"
    "・「来月の家賃が払えない」（相談できる窓口）\n"
    "・「手話通訳の派遣はどこの課？」（担当課）\n"
    "・「公約15の進捗は？」（市長公約の達成状況）\n"
    "・「ケアラー支援条例」（条例）\n"
    "・「出生数の目標値」（計画の指標）\n"
    "どこに相談すればよいかわからないときは、くらしと福祉の相談窓口へどうぞ。"
)
HELP_SUGGESTIONS = [
    Suggestion(label="お金のことで困っている", query="生活費が足りなくて困っています"),
    Suggestion(label="家族の介護がつらい", query="親の介護で困っています"),
    Suggestion(label="子育ての相談", query="子育ての相談をしたい"),
    Suggestion(label="公約の達成状況", query="公約の達成状況"),
]


# What a fact or passage must state to answer each kind of fact question (understand.FACT_CUES).
FACT_HOLDS = {
    "date": re.compile(r"(?:令和|平成|昭和)\s*(?:\d+|元)\s*年|\d{4}\s*年|年度|\d{4}/\d{1,2}/\d{1,2}|日時|\d{1,2}\s*月"),
    "number": re.compile(r"\d[\d,.]*\s*(?:人|件|[%％]|世帯|か所|箇所|ヶ所|カ所|通|回|割)"),
    "meaning": re.compile(r"^用語|^[⁰¹²³⁴-⁹]+|とは|のこと|をいう|を指す|を意味"),  # a footnote defines its term
    "trend": re.compile(r"増加|減少|推移|増えて|減って|横ばい|から[\d,.]+\s*\S{0,3}へ"),
    "survey": re.compile(r"アンケート|調査|回答"),
    "place": re.compile(r"場所|会場|会議室|庁舎|\d+階"),
}
FACT_BONUS = 0.7  # a fact stating what is asked (a date, a count…) beats a window that only shares the topic
FACT_YEAR_BONUS = 0.2  # 「2025年は何人？」: of two facts on the topic, the one stating that year
NOW_RE = re.compile(r"いま|今(?!後|度|回|年)|現在|最新|直近|最近")
LATEST_RE = re.compile(r"直近|現在|最新")
SO_FAR_RE = re.compile(r"今まで|いままで|これまで|累計|合計|通算|延べ|のべ")
SO_FAR_STATED_RE = re.compile(r"(?:年度?|月)\s*(?:末)?\s*までに|累計|合計|通算|延べ")
FORECAST_RE = re.compile(r"予測|推計|見込み|見通し|将来")
FORECAST_PENALTY = 0.5
FACT_TOPIC_SHARE = 0.8  # … when it covers the question's words nearly as well as the best-covering hit


def _year_names(text: str) -> tuple[str, ...]:
    """How documents write the years a question names: 2025年 → 2025年, 令和7年 (the plans write both)."""
    names = []
    for year in {int(y) for y in re.findall(r"((?:19|20)\d{2})\s*年", text)}:
        names.append(f"{year}年")
        if year >= 2019:
            names.append(f"令和{year - 2018}年")
        elif year >= 1989:
            names.append(f"平成{year - 1988}年")
    return tuple(names)


def _named(window: Window, named: str, plain: str, shared: frozenset[str] = frozenset()) -> bool:
    """The question (``named`` = fold(text), ``plain`` = plain_key(text)) names the window as a word, by a name
    or alias no other window also goes by (``shared``)."""
    return any(len(n) >= 2 and name_in(key := fold(n), named, plain) and key not in shared
               for n in [window.name, *window.aliases])


def _without_progress_cues(text: str) -> str:
    """「鎌倉電力ってけっきょくできたんですか」 → 「鎌倉電力って」: what a progress question is about."""
    topic = text
    for cue in (STATUS_CUE_RE, KEPT_CUE_RE, PROGRESS_FILLER_RE):
        topic = cue.sub(" ", topic)
    return SPACE_RE.sub(" ", topic).strip() or text  # only cue words: the question as it was


_SHORT_KANA = re.compile(r"^[ァ-ヺー]{1,3}$")


def _holds(text: str, key: str) -> bool:
    """A window's text holds the word: a short kana word only where it is not the head of a compound
    (「ひとりで」 is not 「ひとり親」)."""
    if _SHORT_KANA.match(key):
        return re.search(re.escape(key) + r"(?![一-龥々])", text) is not None
    return key in text


def _ends_on_progress(text: str) -> bool:
    """「〜相談できるようにするって話はどうなった」: the question ends on a progress cue, whatever it mentions before."""
    cues = [m.end() for cue in (STATUS_CUE_RE, KEPT_CUE_RE) for m in cue.finditer(text)]
    return bool(cues) and len(text.rstrip("?？!！。 ")) - max(cues) <= 4


def _short(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind("。"), cut.rfind("、") if cut.rfind("。") < limit // 2 else -1)
    if end >= limit // 2:
        return cut[: end + 1].rstrip("、") + ("" if cut[end] == "。" else "…")
    return cut.rstrip() + "…"


def _fit(text: str, limit: int = CITIZEN_MAX) -> str:
    """Whole lines up to ``limit`` characters: a citizen reply never ends mid-sentence."""
    if len(text) <= limit:
        return text
    out: list[str] = []
    for line in text.split("\n"):
        if len("\n".join([*out, line])) > limit - 2:
            break
        out.append(line)
    return "\n".join(out) if out else _short(text, limit)


_KANA_ONLY = re.compile(r"^[ぁ-ゖァ-ヺー\s]+$")


@lru_cache(maxsize=1024)
def _morphemes(normalized: str) -> tuple:
    """Sudachi's analysis of a normalised question (C units), made once for the reranking and the
    window specificity that both read it."""
    return tuple(analysis.morphemes(normalized, parts=False))


# Question words (何人, 何時ごろ, どういう, いつ) say what is asked, not what about: the records never hold them.
_ASKING = re.compile(r"^(?:何|なに|なん|いく[つら]|どう|どん|どの|どれ|どこ|どちら|いつ|だれ|誰)")
# 「〜って」 as a topic marker before a question word, read as は.
_TOPIC_TTE = re.compile(r"って(?=\s*(?:何|なに|なん|いく[つら]|どう|どん|どの|どれ|どこ|どちら|いつ|だれ|誰))")


@lru_cache(maxsize=4096)
def _content_grams(text: str) -> tuple[str, ...]:
    """Folded character bigrams of the content words of a text (Sudachi decides what is content:
    particles and endings such as の, を, したので are left out). Text written in kana only
    (けあらーしえん) is taken whole: a dictionary cannot cut what is not spelled as a word."""
    text = analysis.normalize(text or "").lower()[:400]
    if _KANA_ONLY.match(text):
        chunks = text.split()
    else:
        text = _TOPIC_TTE.sub("は", text)  # 「保護司ってどういう人」: Sudachi reads 司っ as a verb before って
        def content(morph) -> bool:
            return bool(morph.content and re.search(r"\w", morph.surface) and not _ASKING.match(morph.surface))

        chunks = ["".join(m.surface for m in group) for keep, group in groupby(_morphemes(text), key=content) if keep]
        chunks = [c for c in chunks if c not in CITY_NAMES]  # every record is about the city: its name says nothing
    grams = [c[i : i + 2] for c in chunks for i in range(max(1, len(c) - 1))]
    return tuple(dict.fromkeys(fold(g) for g in grams))


CITY_NAMES = frozenset({"鎌倉", "鎌倉市", "かまくら", "かまくら市", "kamakura"})
_HIRAGANA_ONLY = re.compile(r"^[ぁ-ゖー]+$")
_KATAKANA = re.compile(r"[ァ-ヺ]")


@lru_cache(maxsize=1024)
def _specific_words(text: str) -> tuple[tuple[str, ...], ...]:
    """The question's content words that can tell one window from another, each as its folded surface and
    Sudachi normalised form (引き篭もり → 引き籠もり). Whole words, not bigrams: じいちゃん must not meet
    赤ちゃん. Left out: suffixes (さん, 歳, 方), verbs written in hiragana (しまう) and short hiragana
    words (じい, やつ), which say nothing about a place."""
    text = analysis.normalize(text or "").lower()[:400]
    out: dict[tuple[str, ...], None] = {}
    for morph in _morphemes(text):
        surface = morph.surface
        if not morph.content or morph.pos == "接尾辞" or not re.search(r"\w", surface):
            continue
        if _HIRAGANA_ONLY.match(surface) and (len(surface) < 3 or morph.pos == "動詞"):
            continue
        if morph.pos == "動詞" and len(surface) == 1:
            continue
        out[tuple(dict.fromkeys(fold(w) for w in (surface, morph.norm) if w))] = None
    return tuple(out)


_VIEWS: dict[int, tuple[weakref.ref, tuple[str, str, tuple[str, ...]]]] = {}
_VIEWS_MAX = 8192


@dataclass(frozen=True, slots=True)
class _Row:
    code: str
    title: str


def _record_view(record: Record) -> tuple[str, str, tuple[str, ...]]:
    """A record's folded title text, folded full text and title bigrams, as reranking compares them.

    Made once per record object (a searcher keeps its parsed records): models are not hashable, so
    the cache is keyed by identity and checked through a weak reference."""
    key = id(record)
    cached = _VIEWS.get(key)
    if cached is not None and cached[0]() is record:
        return cached[1]
    title = Assistant._title_text(record)
    view = (fold(title), fold(Assistant._record_text(record)),
            _content_grams(record.name if isinstance(record, Window) else title))
    if len(_VIEWS) >= _VIEWS_MAX:  # drop the views of records no longer held (a searcher's LRU let them go)
        for gone in [k for k, (ref, _) in _VIEWS.items() if ref() is None]:
            _VIEWS.pop(gone, None)
        if len(_VIEWS) >= _VIEWS_MAX:
            _VIEWS.clear()
    with contextlib.suppress(TypeError):  # an object without weak references is just not cached
        _VIEWS[key] = (weakref.ref(record), view)
    return view


def _each(searcher, kind: str):
    """The records of a kind one at a time (not all held at once) when the searcher can, else all of them."""
    each = getattr(searcher, "iter", None)
    return each(kind) if callable(each) else searcher.all(kind)


class Assistant:
    def __init__(self, searcher: Callable[[], object], synonyms=None, routes=None):
        self._searcher = searcher
        # Vocabulary given here is used for every version; otherwise each index version answers with the
        # synonyms and routing it was built with (its own copy), and these defaults serve versions without one.
        self._given = (synonyms, routes)
        try:
            synonyms = synonyms if synonyms is not None else load_synonyms()
        except Exception:  # a broken vocabulary file must not take the assistant down
            log.exception("synonyms could not be loaded; answering without query expansion")
            synonyms = []
        try:
            routes = routes if routes is not None else load_routing(CURATED_DIR)
        except Exception:
            log.exception("routing table could not be loaded; answering from search alone")
            routes = []
        self._default_vocabulary = Vocabulary(synonyms, routes)
        self._local = threading.local()  # the vocabulary of the version the current request is answered from
        # Per index version: what every question needs from the whole corpus (names, lists by
        # status or chapter …), computed once rather than scanning every record per question.
        self._versions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._versions_lock = threading.Lock()

    # -- vocabulary of the version -------------------------------------------------

    def _vocabulary(self, searcher) -> Vocabulary:
        """The synonyms and routing of the searcher's index version (read once per version)."""
        path = getattr(searcher, "path", None)
        if path is None or all(given is not None for given in self._given):
            return self._default_vocabulary
        folder = Path(path) / VOCABULARY_DIR
        if not folder.is_dir():  # a version built before versions carried their vocabulary
            return self._default_vocabulary
        return self._version(searcher, "vocabulary", lambda: load_vocabulary(
            folder, *self._given, fallback=self._default_vocabulary))

    def _current(self):
        """The live searcher, with this thread's vocabulary set to its version's for the request."""
        searcher = self._searcher()
        self._local.vocabulary = self._vocabulary(searcher)
        return searcher

    @property
    def vocabulary(self) -> Vocabulary:
        return getattr(self._local, "vocabulary", None) or self._default_vocabulary

    # -- public API ------------------------------------------------------------

    def ask(self, text: str, *, audience: Audience = "citizen", intent: Intent | None = None) -> Answer:
        query = text if isinstance(text, str) else ("" if text is None else str(text))
        try:
            return self._ask(query, audience, intent)
        except Exception:  # never let one odd question break a channel
            log.exception("answering %r failed", query[:200])
            return self._fallback(query[:400], "unknown", audience)

    def department_page(self, name: str) -> Answer:
        try:
            searcher = self._current()
            department = self._find_department(searcher, name or "")
            if department is None:
                return self._fallback(name or "", "department", "staff")
            return compose_department.department_page(self, searcher, name, department)
        except Exception:
            log.exception("department page %r failed", name)
            return self._fallback(name or "", "department", "staff")

    def window_page(self, window_id: str) -> Answer:
        try:
            searcher = self._current()
            window = searcher.get(window_id) if isinstance(window_id, str) else None
            if not isinstance(window, Window):
                return self._fallback(str(window_id or ""), "find_window", "citizen")
            result = self._result(window, searcher=searcher)
            lines = [f"【{window.name}】"]
            for detail in result.details:
                lines.append(f"{detail.label}：{detail.value}" + ("（要確認）" if detail.unconfirmed else ""))
            if window.conflicts:
                lines.append("※ 出典によって情報が食い違う点があります。市の公式ページでご確認ください。")
            return Answer(query=window_id, intent="find_window", text="\n".join(lines), results=[result],
                          citations=[window.source])
        except Exception:
            log.exception("window page %r failed", window_id)
            return self._fallback(str(window_id or ""), "find_window", "citizen")

    def record(self, record_id: str) -> Result | None:
        try:
            searcher = self._current()
            rec = searcher.get(record_id) if isinstance(record_id, str) else None
            return self._result(rec, searcher=searcher) if rec is not None else None
        except Exception:
            log.exception("record %r failed", record_id)
            return None

    # -- routing ---------------------------------------------------------------

    def _ask(self, text: str, audience: Audience, forced: Intent | None) -> Answer:
        searcher = self._current()
        u = understand(text, self._department_names(searcher), self._window_names(searcher))
        if forced:
            u.intent = forced
        elif u.crisis:
            u.intent = "crisis"  # type: ignore[assignment]  # answered with care, reported as find_window
        elif u.outside and u.intent in ("search", "find_window", "who_handles") and not self._names_ours(searcher, u) \
                and not self.vocabulary.expand(u.text):
            u.intent = "unknown"  # 大仏の拝観料, 江ノ電の終電: not ours, however a word of it meets a pledge
        elif u.intent == "search" and not u.figure and (compose_windows.many_troubles(self, u, searcher)
                                                         or compose_windows.tells_situation(self, u)):
            u.intent = "find_window"  # several troubles at once, or one's own trouble told: a place to go
        elif u.intent == "who_handles" and not (u.initiative_code or u.section_code or u.department) and \
                not any(k in STRONG_WHO for k in u.keywords) and compose_windows.many_troubles(self, u, searcher):
            u.intent = "find_window"  # 「借金に介護に不登校…どこから手をつければ」: no one department, the one-stop window
        elif self._asks_pledge_progress(searcher, u):
            u.intent = "pledge_status"  # 「〜はどうなった」 about something a pledge promised
        handler = {
            "crisis": lambda s, q, a: compose_care.crisis_answer(self, s, q, a),
            "help": self._help,
            "unknown": self._unknown,
            "pledge_status": self._pledge,
            "who_handles": self._who_handles,
            "find_window": self._find_window,
            "ordinance": self._ordinance,
            "department": self._department_intent,
            "kpi": self._kpi,
            "search": self._search_intent,
        }.get(u.intent, self._search_intent)
        answer = handler(searcher, u, audience)
        answer.query = text[:400] if len(text) > 400 else text
        if not answer.citations:
            answer.citations = list(dict.fromkeys(r.source for r in answer.results[:3]))
        if audience == "citizen":
            answer.text = _fit(answer.text)
        return answer

    def _asks_pledge_progress(self, searcher, u: Understanding) -> bool:
        """A progress question (どうなった, 結局やったの, どこまで進んでる) whose topic a pledge covers well:
        the pledge record answers it, whatever other intent words the question also has."""
        enacted = u.enacted_cue and u.intent == "ordinance"
        if not (u.status_cue or enacted) or u.intent not in PLEDGE_CUE_INTENTS or u.count:
            return False
        if u.pledge_number or u.initiative_code or u.policy_number or u.section_code:
            return False
        if any(k in STRONG_WHO for k in u.keywords):  # 「〜ってどこの課？」 asks for a department, not progress
            return False
        if u.goes and u.intent == "find_window" and not _ends_on_progress(u.text):
            return False  # 「娘が働きたいって言ってる。相談できる？」: a place to go
        topic = _without_progress_cues(u.query)  # the cue and who promised are not the topic
        hits = self._hits(searcher, u, {"pledge"}, limit=3, query=topic)
        # Plain overlap, or overlap weighted by rarity: 鎌倉電力 says more than つくるってやつ.
        pledge = max(self._relevance(u, hits[0][3], topic),
                     self._weighted_cover(searcher, replace(u, query=topic), [hits[0][3]])) if hits else 0.0
        if pledge < PLEDGE_TOPIC:
            return False
        promised = any(k in INTENT_WORDS["pledge_status"] for k in u.keywords)  # 「〜って公約、条例は作った？」
        if enacted and not (u.status_cue or promised):
            # 「〜条例は制定された？」: a pledge only when it fits better than any ordinance
            ordinances = self._hits(searcher, u, {"ordinance"}, limit=3)
            # An ordinance by that name exists, so it was enacted: the ordinance answers (屋外広告物条例).
            return not ordinances or self._relevance(u, ordinances[0][3]) < min(pledge, RELEVANT)
        return True

    # -- helpers -----------------------------------------------------------------

    def _version(self, searcher, name: str, build: Callable[[], object]):
        """``build()`` once per index version (the searcher object) and name; the version is immutable."""
        try:
            memo = self._versions.get(searcher)
            if memo is None:
                with self._versions_lock:
                    memo = self._versions.setdefault(searcher, {})
        except TypeError:  # a searcher that cannot be weakly referenced: no caching
            return build()
        if name not in memo:
            memo[name] = build()  # a race only builds the same value twice
        return memo[name]

    def _department_names(self, searcher) -> list[str]:
        def build():
            names = []
            for dep in _each(searcher, "department"):
                names.append(dep.name)
                names.extend(a for a in dep.aliases if len(a) >= 2)
            windows = {fold(n) for n in self._window_names(searcher)}
            # 社協 names a window too: a short alias that is also a window's name is not a department's.
            return list(dict.fromkeys(n for n in names if len(n) >= 3 or fold(n) not in windows))

        return self._version(searcher, "department_names", build)

    def _window_names(self, searcher) -> list[str]:
        def build():
            names = []
            for window in _each(searcher, "window"):
                names.append(window.name)
                names.extend(window.aliases)
            return list(dict.fromkeys(names))

        return self._version(searcher, "window_names", build)

    def _departments(self, searcher) -> list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
        """(id, folded name, folded aliases, folded aliases of 3+ characters), the first of each name."""
        def build():
            out, seen = [], set()
            for dep in _each(searcher, "department"):
                key = (fold(dep.name), tuple(fold(a) for a in dep.aliases))
                if key not in seen:
                    seen.add(key)
                    out.append((dep.id, key[0], key[1], tuple(fold(a) for a in dep.aliases if len(a) >= 3)))
            return out

        return self._version(searcher, "departments", build)

    def _find_department(self, searcher, name: str) -> Department | None:
        key = fold(name.strip())
        if not key:
            return None
        departments = self._departments(searcher)
        for dep_id, dep_name, aliases, _ in departments:
            if key == dep_name or key in aliases:
                return searcher.get(dep_id)
        for dep_id, dep_name, _, long_aliases in departments:
            if dep_name in key or any(a in key for a in long_aliases):
                return searcher.get(dep_id)
        return None

    def _window_facts(self, searcher) -> dict:
        """What answers need from the list of all windows, in one pass: the one-stop window's id, the
        first window of each name, the first of each (confirmed) department, and for each routing
        keyword how many windows mention it in their name, aliases or topics."""
        def build():
            one_stop = fallback = None
            by_name: dict[str, str] = {}
            by_department: dict[str, str] = {}
            names: list[str] = []
            for window in _each(searcher, "window"):
                if not isinstance(window, Window):
                    continue
                if window.one_stop and one_stop is None:
                    one_stop = window.id
                if fallback is None and "くらしと福祉" in window.name:
                    fallback = window.id
                by_name.setdefault(window.name, window.id)
                if window.department and not window.department.unconfirmed:
                    by_department.setdefault(window.department.value, window.id)
                names.append(fold(" ".join([window.name, *window.aliases, *window.topics])))
            spread = {k: max(1, sum(1 for n in names if fold(k) in n)) for route in self.vocabulary.routes for k in route.keywords}
            return {"one_stop": one_stop or fallback, "by_name": by_name, "by_department": by_department,
                    "spread": spread}

        return self._version(searcher, "window_facts", build)

    def _window_index(self, searcher) -> dict:
        """Per version: each window's folded full text (every fact), and the names or aliases that are not
        distinctive because another window's name, aliases or topics hold them too (ヒキコモリ, 母子保健).

        Saying such a word is asking about a topic, not naming the window."""
        def build():
            texts: dict[str, str] = {}
            titles: dict[str, str] = {}
            names: dict[str, list[str]] = {}
            for window in _each(searcher, "window"):
                if isinstance(window, Window):
                    view = _record_view(window)
                    texts[window.id], titles[window.id] = view[1], view[0]
                    names[window.id] = [fold(n) for n in [window.name, *window.aliases] if len(n) >= 3]
            shared = {key for window_id, keys in names.items() for key in keys
                      if any(key in title for other, title in titles.items() if other != window_id)}
            return {"texts": texts, "shared": frozenset(shared)}

        return self._version(searcher, "window_index", build)

    def _window_topics(self, searcher) -> dict[str, tuple[str, ...]]:
        """Per version: folded topic word → the windows that list it (ひとり親 → こどもと家庭の相談室)."""
        def build():
            held: dict[str, list[str]] = {}
            for window in _each(searcher, "window"):
                if isinstance(window, Window):
                    for topic in window.topics:
                        held.setdefault(fold(topic), []).append(window.id)
            return {k: tuple(v) for k, v in held.items()}

        return self._version(searcher, "window_topics", build)

    def _specificity(self, searcher, u: Understanding) -> tuple[dict[str, float], dict[str, float]]:
        """Window id → share of the question's words the window's own facts hold, each word weighted by
        how few windows hold it (IDF over the windows): 坂ノ下 or 理学療法士 says more about which window
        is meant than 相談 or 子ども. Words no window holds weigh like common ones (frame words, chat)."""
        texts = self._window_index(searcher)["texts"]
        # Words left in kana that no window holds as written (ようかいごにんてい, not ひきこもり) count as the
        # kanji words they read as (要介護, 介護認定).
        kana = self.vocabulary.kana(u.text)
        if kana and any(_HIRAGANA_ONLY.match(m.surface) and len(m.surface) >= 3 and m.content
                        and any(fold(m.surface) in t for t in texts.values())
                        for m in _morphemes(analysis.normalize(u.query or u.text).lower())):
            kana = ()
        words = _specific_words(" ".join([u.query or u.text, *kana]) if kana else (u.query or u.text))
        if not texts or not words:
            return {}, {}
        n = len(texts)
        holders = {keys: [w for w, text in texts.items() if any(_holds(text, k) for k in keys)] for keys in words}
        common = math.log(1 + 4)  # the weight of a word a quarter of the windows hold
        weight = {g: math.log(1 + n / len(ws)) if ws else common for g, ws in holders.items()}
        total = sum(weight.values())
        out: dict[str, float] = {}
        sure: dict[str, float] = {}  # the same share counting only words few windows hold (not 相談, 子ども)
        for g, ws in holders.items():
            for w in ws:
                out[w] = out.get(w, 0.0) + weight[g] / total
                if len(ws) * 4 <= n:
                    sure[w] = sure.get(w, 0.0) + weight[g] / total
        return out, sure

    def _expanded(self, u: Understanding, query: str | None = None) -> str:
        base = u.query or u.text if query is None else query
        terms = self.vocabulary.expand(u.text)
        if u.english and terms and base.isascii():
            # English words meet the Japanese index only by accident (care → ケア of ダブルケア): what the
            # vocabulary says they mean is the query.
            return " ".join(terms)
        return " ".join([base, *terms]).strip()

    def _hits(self, searcher, u: Understanding, kinds: set[str] | None, limit: int = 10, query: str | None = None):
        """Search with the cleaned question plus the plan's words for it, then rerank.

        Returns (id, kind, score, record) tuples; relistings fold into the original row.
        """
        text = self._expanded(u, query)
        if not text:
            return []
        hits = self._dedupe(searcher, searcher.search(text, kinds=kinds, limit=max(30, limit * 3)))
        shared = self._window_index(searcher)["shared"] if kinds is None or "window" in kinds else frozenset()
        return self._rerank(u, hits, query, shared)[:limit]

    def _rerank(self, u: Understanding, hits, query: str | None = None, shared: frozenset[str] = frozenset()):
        """Order by how much of the question a record's own name covers, with the index score as a tiebreak.

        BM25 over OR-ed words favours long records that repeat a common word; a person
        asking 「福祉有償運送の担当」 wants the row whose title says 福祉有償運送.
        """
        if not hits:
            return hits
        grams = _content_grams(query if query is not None else (u.query or u.text))
        gram_set = set(grams)
        terms = self.vocabulary.bonus_folded(u.text)
        named, plain = fold(u.text), plain_key(u.text)
        top = max(score for _, _, score, _ in hits) or 1.0
        asks = u.asks if u.intent == "search" else ()
        # Topic coverage without the cue words: 「増えてる？」 must not make a record that says 増えて on-topic.
        # Digits are left out too: a year asked for is weighed on its own (years), not as topic words.
        about = tuple(g for g in _content_grams(strip_cues(query if query is not None else (u.query or u.text)))
                      if not any(c.isdigit() for c in g)) if asks else ()
        abouts = {id(r): sum(1 for g in about if g in _record_view(r)[1]) / len(about) for *_, r in hits} if about else {}
        best_about = max(abouts.values(), default=0.0)
        years = _year_names(u.text) if about else ()
        # A word said in people's words is covered by a record that holds what it means (漁港 by 水産業).
        meant = {g: [plans for phrases, plans in self.vocabulary.meanings(u.text) if any(g in p for p in phrases)]
                 for g in grams}

        def covered(gram: str, text: str) -> bool:
            return gram in text or any(t in text for plans in meant[gram] for t in plans)

        ranked = []
        for item in hits:
            _, kind, score, record = item
            title, body, title_grams = _record_view(record)
            cover_title = sum(1 for g in grams if covered(g, title)) / len(grams) if grams else 0.0
            cover_body = sum(1 for g in grams if covered(g, body)) / len(grams) if grams else 0.0
            # A title that is all about the question beats a long one that merely mentions it.
            precision = sum(1 for g in title_grams if g in gram_set) / len(title_grams) if title_grams else 0.0
            synonym = 1.0 if any(t in title for t in terms) else 0.5 if any(t in body for t in terms) else 0.0
            value = 0.5 * score / top + 1.0 * cover_title + 0.3 * cover_body + SYNONYM_WEIGHT * synonym + 0.3 * precision
            # A window named in a fact question (「〜っていつオープンした？」) is its topic, not its answer.
            if kind == "window" and not asks and _named(record, named, plain, shared):
                value += 1.0  # the person named this window (by a name no other window also goes by)
            if kind == "passage":
                value *= 0.8  # free text is the last resort when a record says the same
            if about and isinstance(record, (Fact, Passage)) and abouts[id(record)] >= FACT_TOPIC_SHARE * best_about:
                stated = " ".join([getattr(record, "topic", ""), getattr(record, "text", "")])
                if any(FACT_HOLDS[a].search(stated) for a in asks):
                    value += FACT_BONUS  # it states the date / count / meaning asked for, on the same topic
                if any(y in stated for y in years) or (NOW_RE.search(u.text) and LATEST_RE.search(stated)) or (
                        SO_FAR_RE.search(u.text) and SO_FAR_STATED_RE.search(stated)):
                    # the year asked for, the latest figure for 「いま何人」, the running total for 「これまでに何人」
                    value += FACT_YEAR_BONUS
                if FORECAST_RE.search(stated) and not FORECAST_RE.search(u.text):
                    value -= FORECAST_PENALTY  # a projection does not say how many there are
            ranked.append((value, item))
        ranked.sort(key=lambda pair: -pair[0])
        return [(i, k, value, r) for value, (i, k, _, r) in ranked]

    @staticmethod
    def _title_text(record: Record) -> str:
        match record:
            case Pledge():
                return record.text
            case Initiative() | Policy():
                return record.title
            case Window():
                return " ".join([record.name, *record.aliases, *record.topics])
            case Ordinance() | Department() | RelatedPlan():
                return " ".join([record.name, *getattr(record, "aliases", [])])
            case Kpi():
                return record.name
            case Chapter():
                return record.title
            case Fact():
                return " ".join([record.about, record.topic])  # 「利用状況」 alone does not say of what
            case Passage():
                return record.title
        return ""

    def _dedupe(self, searcher, hits):
        out, seen = [], set()
        for hit in hits:
            record, hit_id = hit.record, hit.id
            if isinstance(record, Initiative) and record.relisting and record.original_code:
                original = searcher.get(f"initiative-{record.original_code}")
                if original is not None:
                    record, hit_id = original, original.id
            if hit_id in seen:
                continue
            seen.add(hit_id)
            out.append((hit_id, hit.kind, hit.score, record))
        return out

    def _relevance(self, u: Understanding, record: Record, query: str | None = None) -> float:
        """How much of the question a record covers: bigram overlap, or a synonym term found in it."""
        text = _record_view(record)[1]
        if not text:
            return 0.0
        if any(t in text for t in self.vocabulary.bonus_folded(u.text)):
            return 1.0
        grams = _content_grams(query or u.query or u.text)
        if not grams:
            return 0.0
        return sum(1 for g in grams if g in text) / len(grams)

    def _gram_rarity(self, searcher) -> tuple[int, dict[str, int]]:
        """(records, bigram → how many records hold it), once per index version: how much a word of the
        question says. 鎌倉 or 今日 is in many records, 天気 or 日経 in none."""
        def build():
            df: dict[str, int] = {}
            n = 0
            each = getattr(searcher, "iter", None)
            records = each() if callable(each) else (r for kind in RARITY_KINDS for r in searcher.all(kind))
            for record in records:
                n += 1
                body = fold(self._record_text(record))
                for gram in {body[i : i + 2] for i in range(len(body) - 1)}:
                    df[gram] = df.get(gram, 0) + 1
            return n, df

        return self._version(searcher, "gram_rarity", build)

    def _weighted_cover(self, searcher, u: Understanding, records) -> float:
        """The largest share of the question's content a record holds, each bigram weighted by its rarity
        (IDF over all records): a record that only shares 鎌倉 or 平均 covers little of 「日経平均」."""
        # Folded grams are katakana; one that is not katakana in the question (こ道 of でこぼこ道路, ボウハン of
        # ぼうはん) is a kana spelling the records cannot hold as written, not evidence of another topic.
        if _KANA_ONLY.match(u.query or u.text):
            return 1.0  # written in kana only: the records hold it in kanji, only synonyms meet it
        n, df = self._gram_rarity(searcher)
        grams = [g for g in _content_grams(u.query or u.text) if not _KATAKANA.search(g) or g in u.text or g in df]
        if not grams or u.english:  # kana spellings and English meet the records through synonyms only
            return 1.0
        terms = self.vocabulary.bonus_folded(u.text)
        if any(t in _record_view(r)[1] for r in records for t in terms):
            return 1.0  # a plan word for the question is in the record
        weight = {g: math.log(1 + n / (1 + df.get(g, 0))) for g in grams}
        total = sum(weight.values()) or 1.0
        best = 0.0
        for record in records:
            body = _record_view(record)[1]
            best = max(best, sum(w for g, w in weight.items() if g in body) / total)
        return best

    @staticmethod
    def _record_text(record: Record) -> str:
        match record:
            case Pledge():
                return " ".join([record.text, record.category, *record.progress])
            case Initiative():
                p = record.place
                return " ".join([record.title, *record.departments, p.goal_title, p.section_title, p.subsection_title])
            case Policy():
                return " ".join([record.title, *record.departments, record.aim, record.outcome])
            case Window():
                # Where and when it opens too: 「坂ノ下の居場所」「土曜日に開いている窓口」 name a window by them.
                facts = [f.value for f in (record.summary, record.department, record.bureau, record.operator,
                                           record.location, record.hours, record.how_to, record.opened) if f]
                return " ".join([record.name, *record.aliases, *record.topics, *record.audience, *facts])
            case Ordinance():
                return " ".join([record.name, record.purpose])
            case Kpi():
                return record.name
            case Department():
                return " ".join([record.name, *record.aliases])
            case Chapter():
                return " ".join([record.title, record.vision, *record.actions])
            case Fact():
                return " ".join([record.about, record.topic, record.text])
            case RelatedPlan():
                return " ".join([record.name, record.summary])
            case Passage():
                return " ".join([record.title, record.text])
        return ""

    def _kpis_by_chapter(self, searcher) -> dict[str, list[str]]:
        def build():
            groups: dict[str, list[str]] = {}
            for kpi in _each(searcher, "kpi"):
                groups.setdefault(kpi.chapter, []).append(kpi.id)
            return groups

        return self._version(searcher, "kpis_by_chapter", build)

    def _department_plan(self, searcher, name: str):
        """A department's initiatives (relistings left out): their ids, and (code, title) rows grouped by
        goal. Made once per version and department; the models are not kept."""
        plans = self._version(searcher, "department_plans", dict)
        if name not in plans:
            ids: list[str] = []
            groups: dict[tuple[int, str], list[Initiative]] = {}
            initiatives = (searcher.iter(ids=searcher.department_ids(name)) if hasattr(searcher, "department_ids")
                           else searcher.by_department(name))
            for initiative in initiatives:
                if not initiative.relisting:
                    ids.append(initiative.id)
                    key = (initiative.place.goal, initiative.place.goal_title)
                    groups.setdefault(key, []).append(_Row(initiative.code, initiative.title))
            if len(plans) >= 256:
                plans.clear()
            plans[name] = (ids, groups)
        return plans[name]

    def _department_count(self, searcher, name: str) -> int:
        """How many initiatives a department handles, once per name (ids only: no record is parsed)."""
        counts = self._version(searcher, "department_counts", dict)
        if name not in counts:
            counts[name] = len(searcher.department_ids(name))
        return counts[name]

    def _doc_label(self, searcher, source: Source) -> str:
        try:
            documents = self._version(searcher, "documents", lambda: (
                searcher.documents() if hasattr(searcher, "documents") else searcher.corpus().documents))
            kind = documents.get(source.document)
        except Exception:
            kind = None
        if kind in DOC_LABELS:
            return DOC_LABELS[kind]
        if source.document.endswith((".yaml", ".yml", ".md")):
            return "鎌倉市 相談窓口の資料"
        return source.document

    def _cite(self, searcher, source: Source, audience: Audience) -> str:
        if audience == "staff":
            return f"出典：{source.document}:{source.line}"
        return f"（出典：{self._doc_label(searcher, source)} {source.line}行目）"

    def _one_stop(self, searcher) -> Window | None:
        window_id = self._window_facts(searcher)["one_stop"]
        return searcher.get(window_id) if window_id else None

    # -- results -----------------------------------------------------------------

    @staticmethod
    def _fact(fact: WindowFact | None) -> tuple[str, bool] | None:
        if fact is None or not fact.value or fact.value.strip() in ("—", "-", "－"):
            return None
        return fact.value, fact.unconfirmed

    def _result(self, record: Record, score: float = 0.0, searcher=None) -> Result:
        base = {"id": record.id, "score": score, "source": record.source}
        match record:
            case Pledge():
                status = STATUS_JA.get(record.status, record.status)
                details = [Detail(label="状況", value=status), Detail(label="分野", value=record.category)]
                if record.progress:
                    details.append(Detail(label="最近の進捗", value=_short(record.progress[-1], 120)))
                return Result(kind="pledge", title=_short(record.text, 80), number=record.number,
                              status=record.status, summary=f"公約{record.number}：{status}（{record.category}）",
                              details=details, section=record.category, **base)
            case Initiative():
                section = self._section(record)
                details = [Detail(label="担当課", value="・".join(record.departments)),
                           Detail(label="取組番号", value=record.code)]
                if section:
                    details.append(Detail(label="計画での位置", value=section))
                if record.caution:  # a printed department that looks wrong: never shown as certain
                    details.insert(1, Detail(label="注意", value=record.caution, unconfirmed=True))
                return Result(kind="initiative", title=record.title, code=record.code,
                              departments=list(record.departments),
                              summary=f"担当：{'・'.join(record.departments)}（取組 {record.code}）"
                              + ("（再掲）" if record.relisting else "") + ("※担当課要確認" if record.caution else ""),
                              details=details, section=section, **base)
            case Policy():
                details = [Detail(label="担当課", value="・".join(record.departments))]
                if record.aim:
                    details.append(Detail(label="ねらい", value=_short(record.aim, 120)))
                if record.outcome:
                    details.append(Detail(label="成果", value=_short(record.outcome, 120)))
                return Result(kind="policy", title=record.title, number=record.number,
                              departments=list(record.departments),
                              summary=f"施策{record.number:02d}　担当：{'・'.join(record.departments)}",
                              details=details, **base)
            case Window():
                return self._window_result(record, base)
            case Ordinance():
                details = []
                if record.purpose:
                    details.append(Detail(label="目的", value=_short(record.purpose, 160)))
                if record.enacted:
                    details.append(Detail(label="制定", value=record.enacted))
                summary = "・".join(x for x in (record.enacted and f"{record.enacted}制定",
                                                 _short(record.purpose, 60)) if x)
                return Result(kind="ordinance", title=record.name, summary=summary, details=details, **base)
            case Kpi():
                latest = record.latest_value + (f"（{record.latest_year}）" if record.latest_year else "")
                details = [Detail(label="直近実績値", value=latest or "（記載なし）"),
                           Detail(label="目標値又は目指す方向", value=self._target(record.target) or "（記載なし）"),
                           Detail(label="章", value=record.chapter)]
                return Result(kind="kpi", title=record.name, summary=f"直近 {latest or '—'} → 目標 {self._target(record.target) or '—'}",
                              details=details, section=record.chapter, **base)
            case Department():
                count = self._department_count(searcher, record.name) if searcher is not None else 0
                details = [Detail(label="部", value=record.bureau)] if record.bureau else []
                return Result(kind="department", title=record.name, departments=[record.name],
                              summary=f"地域福祉計画の取組 {count} 件を担当" if count else record.bureau,
                              details=details, section=record.bureau, **base)
            case Chapter():
                return Result(kind="passage", title=f"{record.number} {record.title}",
                              summary=_short(record.vision, 80), section=record.number, **base)
            case Fact():
                return Result(kind="passage", title=record.topic, summary=_short(record.text, 100),
                              section=record.about, **base)
            case RelatedPlan():
                return Result(kind="passage", title=record.name, summary=_short(record.summary, 100), **base)
            case Passage():
                return Result(kind="passage", title=record.title, summary=_short(record.text, 100), **base)
        return Result(kind="passage", title=getattr(record, "title", record.id), **base)

    @staticmethod
    def _target(target: str) -> str:
        return {"↗": "増やす（↗）", "↘": "減らす（↘）"}.get(target.strip(), target)

    @staticmethod
    def _section(initiative: Initiative) -> str:
        p = initiative.place
        parts = [f"目標{p.goal} {p.goal_title}".strip()]
        if p.section is not None:
            parts.append(f"({p.section}) {p.section_title}".strip())
        if p.subsection is not None:
            parts.append(f"{'①②③④⑤⑥⑦⑧⑨⑩'[p.subsection - 1] if 0 < p.subsection <= 10 else p.subsection} "
                         f"{p.subsection_title}".strip())
        return " / ".join(parts)

    def _window_result(self, window: Window, base: dict) -> Result:
        details: list[Detail] = []
        for label, fact in (("内容", window.summary), ("担当", window.department), ("運営", window.operator),
                            ("場所", window.location), ("時間", window.hours), ("電話", window.phone),
                            ("FAX・メール", window.contact), ("利用方法", window.how_to)):
            got = self._fact(fact)
            if got:
                details.append(Detail(label=label, value=got[0], unconfirmed=got[1]))
        phone = None
        if window.phone and not window.phone.unconfirmed and (m := PHONE_RE.search(window.phone.value)):
            phone = m.group(0)
        departments = []
        if window.department and window.department.value and not window.department.unconfirmed:
            departments = [d for d in re.split(r"[・、/／\s]+", window.department.value) if d.endswith(("課", "室"))]
        summary = self._fact(window.summary)
        return Result(kind="window", title=window.name, departments=departments,
                      summary=_short(summary[0], 80) if summary and not summary[1] else "",
                      details=details, phone=phone, **base)

    # -- intents -----------------------------------------------------------------

    def _help(self, searcher, u: Understanding, audience: Audience) -> Answer:
        results = []
        one_stop = self._one_stop(searcher)
        if one_stop is not None:
            results.append(self._result(one_stop, searcher=searcher))
        return Answer(query=u.raw, intent="help", text=HELP_TEXT, results=results, suggestions=HELP_SUGGESTIONS)

    def _unknown(self, searcher, u: Understanding, audience: Audience) -> Answer:
        answer = self._fallback(u.raw, "unknown", audience, searcher=searcher)
        if u.outside:
            answer.text = answer.text.replace(compose_care.CAPABILITIES, f"{compose_care.OUTSIDE}\n{compose_care.CAPABILITIES}")
        return answer

    def _fallback(self, query: str, intent: Intent, audience: Audience, searcher=None,
                  candidates: list[Result] | None = None) -> Answer:
        """Say honestly that nothing fitted; show near candidates and the one-stop window."""
        results = list(candidates or [])
        one_stop = None
        try:
            searcher = searcher or self._searcher()
            one_stop = self._one_stop(searcher)
        except Exception:
            log.exception("no searcher for the fallback answer")
        lines = ["ご質問にぴったり合う情報が見つかりませんでした。"]
        if intent == "unknown":
            lines.append(compose_care.CAPABILITIES)
        if results:
            windows_only = intent == "find_window" and all(r.kind == "window" for r in results)
            lines.append("近い相談先として、次の窓口があります。" if windows_only else "近いものとして、次の情報があります。")
            for r in results[:3]:
                lines.append(f"・{_short(r.title, 40)}" + (f"（{r.summary}）" if r.summary and audience == "staff" else ""))
        if one_stop is not None:
            phone = one_stop.phone if one_stop.phone and not one_stop.phone.unconfirmed else None
            where = self._fact(one_stop.location)
            extra = []
            if where and not where[1]:
                extra.append(f"場所：{where[0]}")
            if phone and (m := PHONE_RE.search(phone.value)):
                extra.append(f"電話：{m.group(0)}")
            lines.append(f"どこに相談すればよいかわからないときは「{one_stop.name}」にご相談ください。")
            lines.extend(extra)
            results.append(self._result(one_stop))
        else:
            lines.append("市役所（代表）にお問い合わせください。")
        return Answer(query=query, intent=intent, text="\n".join(lines), results=results,
                      suggestions=HELP_SUGGESTIONS[:2], confident=False,
                      citations=list(dict.fromkeys(r.source for r in results[:3])))

    def _confident(self, u: Understanding, record: Record) -> bool:
        return self._relevance(u, record) >= RELEVANT

    def _low_confidence(self, searcher, u: Understanding, audience: Audience, intent: Intent, hits) -> Answer:
        candidates = [self._result(rec, score, searcher) for _, _, score, rec in hits[:3]]
        return self._fallback(u.raw, intent, audience, searcher=searcher, candidates=candidates)

    # pledge_status
    def _pledge(self, searcher, u: Understanding, audience: Audience) -> Answer:
        if u.pledge_number is not None:
            pledge = searcher.get(f"pledge-{u.pledge_number}")
            if not isinstance(pledge, Pledge):
                return self._fallback(u.raw, "pledge_status", audience, searcher=searcher)
            return self._pledge_answer(searcher, u, [pledge], audience)
        for status, words in STATUS_WORDS.items():
            if any(w in u.text for w in words):
                if (topical := self._pledges_on_topic(searcher, u, status, words, audience)) is not None:
                    return topical
                return self._pledge_list(searcher, u, self._pledges_by_status(searcher).get(status, []), status,
                                         audience)
        hits = self._hits(searcher, u, {"pledge"}, limit=5)
        topic = re.sub(r"(公約|こうやく|マニフェスト|約束|pledge|市長|達成|状況|進捗|率|全体|どれくらい|いくつ|"
                       r"[のはをがも]|\s)", "", u.query, flags=re.I)
        if not topic:
            return self._pledge_overview(searcher, u, audience)
        about = _without_progress_cues(u.query)  # 「けっきょくできたんですか」 is how it is asked, not what about
        if not hits or self._relevance(u, hits[0][3], about) < RELEVANT:
            return self._low_confidence(searcher, u, audience, "pledge_status", hits)
        return self._pledge_answer(searcher, u, [rec for *_, rec in hits[:3]], audience, scores=[h[2] for h in hits])

    def _pledges_on_topic(self, searcher, u: Understanding, status: str, words, audience: Audience) -> Answer | None:
        """「認知症カフェの公約、まだ途中？」: the pledges on that topic (their own status said), or 「介護関係で途中の
        ものを一覧で」: those of that status among them. None when the question names no topic."""
        topic = u.query
        for word in (*words, *PLEDGE_LIST_WORDS):
            topic = topic.replace(word, " ")
        topic = SPACE_RE.sub(" ", re.sub(r"公約|こうやく|マニフェスト|約束|市長|まだ|もう|なん|なの|関係|関連|系|"
                                        r"[のはをがもでと?？]", " ", topic))
        if len(topic.replace(" ", "")) < 2:
            return None
        hits = [h for h in self._hits(searcher, u, {"pledge"}, limit=10, query=topic.strip())
                if self._relevance(u, h[3], topic) >= RELEVANT]
        if not hits:
            return None
        same = [h[0] for h in hits if h[3].status == status]
        if same and any(w in u.text for w in PLEDGE_LIST_WORDS):
            return self._pledge_list(searcher, u, same, status, audience)
        return self._pledge_answer(searcher, u, [rec for *_, rec in hits[:3]], audience, scores=[h[2] for h in hits])

    def _pledge_answer(self, searcher, u, pledges: list[Pledge], audience: Audience, scores=None) -> Answer:
        first = pledges[0]
        status = STATUS_JA.get(first.status, first.status)
        if audience == "staff":
            lines = [f"公約{first.number}［{status}］分野：{first.category}", first.text]
            if first.progress:
                lines.append("進捗：")
                lines.extend(f"・{p}" for p in first.progress[-3:])
        else:
            lines = [f"公約{first.number}は「{status}」です。", f"内容：{_short(first.text, 90)}"]
            if first.progress:
                lines.append("最近の取り組み：")
                lines.extend(f"・{_short(p, 70)}" for p in first.progress[-2:])
        lines.append(self._cite(searcher, first.source, audience))
        results = [self._result(p, (scores or [0.0] * len(pledges))[i] if scores else 0.0)
                   for i, p in enumerate(pledges)]
        suggestions = [Suggestion(label=f"公約{p.number}", query=f"公約{p.number}") for p in pledges[1:3]]
        if first.number < 170:
            suggestions.append(Suggestion(label=f"次の公約（{first.number + 1}）", query=f"公約{first.number + 1}"))
        return Answer(query=u.raw, intent="pledge_status", text="\n".join(lines), results=results,
                      suggestions=suggestions, citations=[first.source])

    def _pledges_by_status(self, searcher) -> dict[str, list[str]]:
        """Pledge ids by status, in corpus order (the key None holds them all)."""
        def build():
            groups: dict[str | None, list[str]] = {None: []}
            for pledge in _each(searcher, "pledge"):
                groups[None].append(pledge.id)
                groups.setdefault(pledge.status, []).append(pledge.id)
            return groups

        return self._version(searcher, "pledges_by_status", build)

    def _pledge_list(self, searcher, u, pledge_ids: list[str], status: str, audience: Audience) -> Answer:
        label = STATUS_JA[status]
        pledges = [searcher.get(i) for i in pledge_ids[:10]]  # only those shown are read
        lines = [f"「{label}」の公約は {len(pledge_ids)} 項目です。"]
        for p in pledges[:5]:
            lines.append(f"・公約{p.number}：{_short(p.text, 50 if audience == 'citizen' else 120)}")
        if len(pledge_ids) > 5:
            lines.append(f"ほか {len(pledge_ids) - 5} 項目")
        if pledges:
            lines.append(self._cite(searcher, pledges[0].source, audience))
        return Answer(query=u.raw, intent="pledge_status", text="\n".join(lines),
                      results=[self._result(p) for p in pledges[:10]],
                      citations=[p.source for p in pledges[:3]])

    def _pledge_overview(self, searcher, u, audience: Audience) -> Answer:
        groups = self._pledges_by_status(searcher)
        if not groups[None]:
            return self._fallback(u.raw, "pledge_status", audience, searcher=searcher)
        counts = {s: len(groups.get(s, [])) for s in STATUS_JA}
        lines = [f"市長公約（未来ビジョン2021鎌倉）{len(groups[None])} 項目のうち、"]
        lines += [f"・{STATUS_JA[s]}：{n} 項目" for s, n in counts.items()]
        lines.append("番号で「公約15」のように聞くと、一つずつの状況をお答えします。")
        return Answer(query=u.raw, intent="pledge_status", text="\n".join(lines),
                      results=[self._result(searcher.get(i)) for i in groups.get("not_achieved", [])[:3]],
                      suggestions=[Suggestion(label="未達成の公約", query="未達成の公約")],
                      citations=[searcher.get(groups[None][0]).source])

    # who_handles
    def _who_handles(self, searcher, u: Understanding, audience: Audience) -> Answer:
        if u.initiative_code:
            initiative = searcher.get(f"initiative-{u.initiative_code}")
            if not isinstance(initiative, Initiative):
                hits = self._hits(searcher, u, {"initiative"}, limit=3)
                return self._low_confidence(searcher, u, audience, "who_handles", hits)
            return self._initiative_answer(searcher, u, [(initiative, 0.0)], audience)
        if u.policy_number is not None:
            return self._policy_answer(searcher, u, audience, intent="who_handles")
        if u.section_code and (section := compose_sections.section_answer(self, searcher, u, audience)):
            return section
        hits = self._hits(searcher, u, {"initiative", "policy"}, limit=6)
        # The current plan (2026–) says who handles it now; the 2018–2021 table only breaks near-ties.
        initiatives = sorted(((rec, score * (0.9 if kind == "policy" else 1.0)) for _, kind, score, rec in hits),
                             key=lambda pair: -pair[1])
        if not initiatives or not self._confident(u, initiatives[0][0]):
            hits_all = self._hits(searcher, u, None, limit=5)
            # A pledge may share more words, but a row of the plan names the department asked for: the best
            # row leads when it is also among the best records of any kind (町内会の防犯カメラ補助金 → 1-1-1-13).
            if initiatives and initiatives[0][0].id in [h[0] for h in hits_all[:3]] and \
                    self._relevance(u, initiatives[0][0]) >= NEAR_PLEDGE:
                return self._initiative_answer(searcher, u, initiatives[:3], audience)
            if hits_all and self._confident(u, hits_all[0][3]):
                return self._search_answer(searcher, u, hits_all, audience, intent="who_handles")
            return self._low_confidence(searcher, u, audience, "who_handles", hits or hits_all)
        return self._initiative_answer(searcher, u, initiatives[:3], audience)

    def _initiative_answer(self, searcher, u, items: list[tuple[Record, float]], audience: Audience) -> Answer:
        first = items[0][0]
        results = [self._result(rec, score, searcher) for rec, score in items]
        window = self._window_for(searcher, u, first)
        if isinstance(first, Policy):
            name = f"施策{first.number:02d}「{first.title}」"
        else:
            name = f"「{first.title}」"
        deps = "・".join(first.departments)
        if audience == "staff":
            lines = [f"{name}", f"担当課：{deps}"]
            if isinstance(first, Initiative):
                lines.insert(0, f"取組 {first.code}")
                lines.append(f"位置：{self._section(first)}")
                if first.relisting and first.original_code:
                    lines.append(f"（再掲。元の取組 {first.original_code}）")
            for rec, _ in items[1:3]:
                code = f"{rec.code} " if isinstance(rec, Initiative) else ""
                lines.append(f"関連：{code}{rec.title}（{'・'.join(rec.departments)}）"
                             + ("※担当課要確認" if getattr(rec, "caution", "") else ""))
        else:
            lines = [f"{name}は、{deps}が担当しています。"]
        if getattr(first, "caution", ""):  # right under the department, so a short reply keeps it
            lines.insert(3 if audience == "staff" else 1, f"※ {first.caution}")
        if window is not None:
            results.append(self._result(window, 0.0, searcher))
            lines.append(self._window_line(window, audience))
        lines.append(self._cite(searcher, first.source, audience))
        suggestions = []
        if first.departments:
            suggestions.append(Suggestion(label=f"{first.departments[0]}の取組", query=first.departments[0]))
        if window is not None:
            suggestions.append(Suggestion(label=f"{window.name}の詳細", query=window.name))
        return Answer(query=u.raw, intent="who_handles", text="\n".join(lines), results=results,
                      suggestions=suggestions, citations=[first.source] + ([window.source] if window else []))

    def _window_line(self, window: Window, audience: Audience) -> str:
        parts = [f"相談先：{window.name}"]
        where = self._fact(window.location)
        if where and not where[1]:
            parts.append(f"場所 {_short(where[0], 40)}")
        phone = self._fact(window.phone)
        if phone and not phone[1] and (m := PHONE_RE.search(phone[0])):
            parts.append(f"電話 {m.group(0)}")
        elif phone and audience == "staff":
            parts.append(f"電話 {phone[0]}（要確認）")
        return "　".join(parts)

    def _window_for(self, searcher, u: Understanding, record: Record) -> Window | None:
        """The window serving this topic, if one clearly does (its name, topics or department match)."""
        hits = self._hits(searcher, u, {"window"}, limit=3)
        departments = set(getattr(record, "departments", []) or [])
        for _, _, _, window in hits:
            if not isinstance(window, Window):
                continue
            text = fold(" ".join([window.name, *window.aliases, *window.topics]))
            topical = self._relevance(u, window) >= RELEVANT or any(
                fold(t) in text for t in self.vocabulary.expand(u.text))
            dep = window.department.value if window.department else ""
            same_department = any(d and d in dep for d in departments)
            if topical and (same_department or not departments):
                return window
        return None

    # find_window
    def _route_bonus(self, searcher, u: Understanding) -> tuple[dict[str, float], set[str], list[Route]]:
        """Window id → bonus from the curated routing table (困りごと → 窓口), the windows it firmly names, and
        the rows firmly matched.

        A long keyword (ヤングケアラー, 児童虐待) counts for more than a short one (高齢, 障害),
        and a keyword few windows share (不登校) for more than one many share (子ども), so
        routing steers without overruling a clear search match.
        """
        text = fold(" ".join([u.text, *self.vocabulary.expand(u.text)]))
        spread = self._keyword_spread(searcher)
        bonus: dict[str, float] = {}
        firm: set[str] = set()
        routes: list[Route] = []
        for route, keys in zip(self.vocabulary.routes, self.vocabulary.route_keys, strict=True):
            matched = [k for k, variants in keys if any(v in text for v in variants)]
            if not matched:
                continue
            strength = max(0.12 * min(len(k), 8) for k in matched)
            weight = max(0.12 * min(len(k), 8) / (1 + 0.25 * max(spread.get(k, 1) - 1, 0)) for k in matched)
            if strength >= 0.36:
                firm.update(route.first)
                routes.append(route)
            for window_id in route.first:
                bonus[window_id] = max(bonus.get(window_id, 0.0), weight)
            for window_id in route.next:
                bonus[window_id] = max(bonus.get(window_id, 0.0), weight / 2)
        return bonus, firm, routes

    def _keyword_spread(self, searcher) -> dict[str, int]:
        """Routing keyword → how many windows mention it in their name, aliases or topics."""
        return self._window_facts(searcher)["spread"]

    def _windows(self, searcher, u: Understanding) -> list[tuple[Window, float, bool]]:
        """Windows for the question, best first: (window, value, confident)."""
        bonus, firm, routes = self._route_bonus(searcher, u)
        specific, sure = self._specificity(searcher, u)
        scored: dict[str, tuple[Window, float, bool]] = {}
        for _, _, value, record in self._hits(searcher, u, {"window"}, limit=40):
            if isinstance(record, Window):
                extra = bonus.get(record.id, 0.0) + SPECIFIC_WEIGHT * specific.get(record.id, 0.0)
                confident = self._confident(u, record) or record.id in firm or \
                    sure.get(record.id, 0.0) >= RELEVANT
                scored[record.id] = (record, value + extra, confident)
        for window_id, extra in bonus.items():
            if window_id not in scored and isinstance(window := searcher.get(window_id), Window):
                scored[window_id] = (window, extra, window_id in firm)
        # The routing table's first window for a concern leads its own second choices (地域包括 before 高齢者いきいき課
        # for an old parent's care) unless the question names the second one, makes it another concern's first
        # window (児童虐待), or says what only it does (配食サービス: more of the rare words).
        named, plain = fold(u.text), plain_key(u.text)
        protected = {w for route in routes for w in route.first} | {
            w for w, (window, _, _) in scored.items() if _named(window, named, plain)}
        for route in routes:
            for first_id in route.first:
                if first_id not in scored:
                    continue
                window, value, confident = scored[first_id]
                lead = max((scored[w][1] for w in route.next if w in scored and w not in protected
                            and sure.get(w, 0.0) < sure.get(first_id, 0.0) + NEXT_SPECIFIC_MARGIN), default=value)
                scored[first_id] = (window, max(value, lead + 0.01), confident)
        return sorted(scored.values(), key=lambda item: -item[1])

    def _find_window(self, searcher, u: Understanding, audience: Audience) -> Answer:
        windows = compose_windows.one_stop_first(self, searcher, u, self._windows(searcher, u))
        if not windows or not windows[0][2]:
            hits = self._hits(searcher, u, None, limit=5)
            # Asked where to go (u.goes), a plan record must hold clearly more of the question than any window.
            margin = GOES_MARGIN if u.goes else 0.0
            if hits and self._confident(u, hits[0][3]) and (not windows or self._weighted_cover(
                    searcher, u, [hits[0][3]]) > self._weighted_cover(searcher, u, [windows[0][0]]) + margin):
                # No window fits, but the plan says more about it than any window (ゴミ屋敷, 福祉有償運送).
                return self._search_answer(searcher, u, hits, audience, intent="find_window")
            # The person asked where to go: the nearest windows (not a department or pledge that shares a
            # word), said to be uncertain, and the one-stop window the fallback adds.
            one_stop = self._one_stop(searcher)
            near = [(w.id, "window", v, w) for w, v, _ in windows if one_stop is None or w.id != one_stop.id][:2]
            return self._low_confidence(searcher, u, audience, "find_window", near)
        chosen = [windows[0]] + [w for w in windows[1:3] if w[2]]
        best, *alternatives = [w for w, _, _ in chosen]
        results = [self._result(w, value, searcher) for w, value, _ in chosen]
        # A fact cue (何年, 利用者数) beside a window name: the fact may be what is asked, so it gets rank 2-3.
        hedge = self._hedge(searcher, u, 1 if u.asks else len(results))
        results = results[:HEDGE_SLOTS - len(hedge)] + hedge
        lines = self._window_text(best, audience)
        if alternatives:
            lines.append("ほかの相談先：" + "、".join(w.name for w in alternatives[:2]))
        lines.append(self._cite(searcher, best.source, audience))
        suggestions = [Suggestion(label=f"{best.name}の詳細", query=best.name)]
        suggestions += [Suggestion(label=w.name, query=w.name) for w in alternatives[:2]]
        return Answer(query=u.raw, intent="find_window", text="\n".join(lines), results=results,
                      suggestions=suggestions, citations=[w.source for w in [best, *alternatives[:2]]])

    def _hedge(self, searcher, u: Understanding, taken: int) -> list[Result]:
        """Records of other kinds that fit the question well, for the result slots an intent's own records left
        free: when the intent was a wrong guess (a fact question naming a window), rank 2-3 still answer it."""
        if taken >= HEDGE_SLOTS:
            return []
        as_search = replace(u, intent="search")  # rank as a plain search: fact cues (何年, 利用者数) count
        hits = [h for h in self._hits(searcher, as_search, None, limit=3 * HEDGE_SLOTS)
                if not isinstance(h[3], Window) and self._confident(as_search, h[3])]
        return [self._result(rec, score, searcher) for _, _, score, rec in hits[:HEDGE_SLOTS - taken]]

    def _window_text(self, window: Window, audience: Audience) -> list[str]:
        lines = [f"「{window.name}」にご相談ください。" if audience == "citizen" else f"窓口：{window.name}"]
        for label, fact in (("内容", window.summary), ("場所", window.location), ("時間", window.hours),
                            ("電話", window.phone), ("利用方法", window.how_to)):
            got = self._fact(fact)
            if not got:
                continue
            value, unconfirmed = got
            if audience == "citizen":
                if unconfirmed and label != "電話":
                    continue  # never shown to a citizen as if confirmed
                if unconfirmed and not (value := (PHONE_RE.search(value) or [None])[0]):
                    continue
                value = _short(value, 70 if label == "内容" else 50)
            lines.append(f"{label}：{value}" + ("（要確認）" if unconfirmed else ""))
        if audience == "citizen" and any(f and f.unconfirmed for f in (window.location, window.hours, window.phone)):
            lines.append("※ 一部の情報は確認中です。詳しくは市役所にお問い合わせください。")
        return lines

    # ordinance
    def _ordinance(self, searcher, u: Understanding, audience: Audience) -> Answer:
        topic = re.sub(r"(条例|について|とは|の|\s)", "", u.query)
        if not topic:
            ordinance_ids = self._version(searcher, "ordinance_ids", lambda: searcher.ids("ordinance"))
            ordinances = [searcher.get(i) for i in ordinance_ids[:10]]  # only those shown are read
            lines = [f"計画や報告書に出てくる条例は {len(ordinance_ids)} 件です。"]
            lines += [f"・{o.name}" + (f"（{o.enacted}）" if o.enacted else "") for o in ordinances[:8]]
            return Answer(query=u.raw, intent="ordinance", text="\n".join(lines),
                          results=[self._result(o) for o in ordinances[:10]],
                          citations=[o.source for o in ordinances[:3]])
        hits = self._hits(searcher, u, {"ordinance"}, limit=5)
        if not hits or not self._confident(u, hits[0][3]):
            return self._low_confidence(searcher, u, audience, "ordinance", hits)
        first: Ordinance = hits[0][3]
        lines = [f"「{first.name}」"]
        if first.enacted:
            lines.append(f"制定：{first.enacted}")
        if first.purpose:
            lines.append(f"目的：{_short(first.purpose, 150 if audience == 'citizen' else 400)}")
        if audience == "staff" and first.mentions:
            lines.append("言及：" + "、".join(m.cite() for m in first.mentions[:5]))
        lines.append(self._cite(searcher, first.source, audience))
        return Answer(query=u.raw, intent="ordinance", text="\n".join(lines),
                      results=[self._result(rec, score) for _, _, score, rec in hits[:3]],
                      citations=[first.source])

    # department
    def _department_intent(self, searcher, u: Understanding, audience: Audience) -> Answer:
        department = self._find_department(searcher, u.department or u.query)
        if department is None:
            return self._search_intent(searcher, u, audience)
        answer = self._department(searcher, u.raw, department, audience)
        if CONTACT_RE.search(u.text):
            # 「福祉総務課の電話番号」: the documents give no phone for a department; say so rather than guess one.
            answer.text = f"{department.name}の電話番号・連絡先は、このサービスの資料には載っていません。\n" + answer.text
        return answer

    def _department(self, searcher, query: str, department: Department, audience: Audience) -> Answer:
        initiative_ids, groups = self._department_plan(searcher, department.name)
        initiatives = [searcher.get(i) for i in initiative_ids[:20]]  # only those shown are read
        lines = [f"{department.name}" + (f"（{department.bureau}）" if department.bureau else "")
                 + f"が担当する地域福祉計画の取組は {len(initiative_ids)} 件です。"]
        if department.history:
            lines.append(f"※ {department.history}")
        per_goal = 3 if audience == "citizen" else 8
        for (goal, title), items in sorted(groups.items()):
            lines.append(f"■目標{goal} {title}（{len(items)}件）")
            for item in items[:per_goal]:
                lines.append(f"・{item.code} {item.title}" if audience == "staff" else f"・{item.title}")
            if len(items) > per_goal:
                lines.append(f"　ほか {len(items) - per_goal} 件")
        facts = self._window_facts(searcher)
        window_id = facts["by_name"].get(department.name) or facts["by_department"].get(department.name)
        window = searcher.get(window_id) if window_id else None
        results = [self._result(department, 0.0, searcher)]
        results += [self._result(i) for i in initiatives[:20]]
        if window is not None:
            lines.append(self._window_line(window, audience))
            results.insert(1, self._result(window))
        lines.append(self._cite(searcher, department.source, audience))
        return Answer(query=query, intent="department", text="\n".join(lines), results=results,
                      citations=[department.source] + [i.source for i in initiatives[:2]])

    # kpi
    def _kpi(self, searcher, u: Understanding, audience: Audience) -> Answer:
        topic = u.query.replace(u.chapter or "\0", "").strip()
        if u.chapter and len(re.sub(r"[\sの]", "", topic)) <= 1:
            kpis = [searcher.get(i) for i in self._kpis_by_chapter(searcher).get(u.chapter, [])]
            if kpis:
                lines = [f"{u.chapter} の成果指標は {len(kpis)} 件です。"]
                for k in kpis[:6]:
                    lines.append(f"・{_short(k.name, 40)}：{k.latest_value or '—'} → {self._target(k.target) or '—'}")
                return Answer(query=u.raw, intent="kpi", text="\n".join(lines),
                              results=[self._result(k) for k in kpis], citations=[kpis[0].source])
        hits = self._hits(searcher, u, {"kpi"}, limit=5)
        facts = [] if INDICATOR_WORDS_RE.search(u.text) else self._hits(searcher, u, {"fact", "passage"}, limit=1)
        if facts and self._confident(u, facts[0][3]) and (not hits or self._weighted_cover(searcher, u, [facts[0][3]])
                                                          > self._weighted_cover(searcher, u, [hits[0][3]]) + KPI_FACT_MARGIN):
            # 「保護率は」「インクル相談室を知らない人の割合」: a rate the plan states in its text, not an indicator.
            as_search = replace(u, intent="search")
            answer = compose_figures.figure_answer(self, searcher, as_search, audience, indicators=False)
            return answer or self._search_answer(searcher, as_search, self._hits(searcher, as_search, None, 8), audience)
        if not hits or not self._confident(u, hits[0][3]):
            return self._low_confidence(searcher, u, audience, "kpi", hits)
        first: Kpi = hits[0][3]
        latest = first.latest_value + (f"（{first.latest_year}）" if first.latest_year else "")
        lines = [f"指標「{first.name}」", f"直近の実績：{latest or '記載なし'}",
                 f"目標値又は目指す方向：{self._target(first.target) or '記載なし'}",
                 self._cite(searcher, first.source, audience)]
        return Answer(query=u.raw, intent="kpi", text="\n".join(lines),
                      results=[self._result(rec, score) for _, _, score, rec in hits[:3]], citations=[first.source])

    # search
    def _search_intent(self, searcher, u: Understanding, audience: Audience) -> Answer:
        if u.policy_number is not None:
            return self._policy_answer(searcher, u, audience, intent="search")
        if u.figure and (figure := compose_figures.figure_answer(self, searcher, u, audience)) is not None:
            return figure
        hits = self._hits(searcher, u, None, limit=8)
        chapter = self._chapter_for(searcher, u)
        if chapter is not None:
            hits = [(chapter.id, "passage", 9.9, chapter), *[h for h in hits if h[0] != chapter.id]]
            return self._chapter_answer(searcher, u, chapter, hits, audience)
        asks_progress = u.status_cue or KEPT_CUE_RE.search(u.text) is not None
        # The progress words (けっきょく, できたんですか) are not content the records must hold.
        topic = _without_progress_cues(u.query) if asks_progress else u.query
        # Off our topic only when no word of our domain (保育, 人口, 介護…) is in it and the records hold little of it.
        # (a question asking a survey's finding or a figure is ours, whatever its words)
        if hits and not u.asks and not self._names_ours(searcher, u) and not OURS_RE.search(u.text) and \
                self._weighted_cover(searcher, replace(u, query=topic), [h[3] for h in hits[:3]]) < OFF_TOPIC_COVER:
            if u.status_cue:  # 「〜って話、実現した？」: something was promised; the nearest pledges, said to be unsure
                pledges = [h for h in self._hits(searcher, u, {"pledge"}, limit=3, query=topic)
                           if self._relevance(u, h[3], topic) >= NEAR_PLEDGE]  # one sharing only 実現 is not near
                return self._low_confidence(searcher, u, audience, "pledge_status", pledges)
            return self._low_confidence(searcher, u, audience, "unknown", [])  # only generic words matched
        if not hits or not self._confident(u, hits[0][3]):
            intent = compose_care.off_topic(self, u, hits)  # off our topic: no far-fetched "near" records
            return self._low_confidence(searcher, u, audience, intent, hits if intent == "search" else [])
        if asks_progress and isinstance(hits[0][3], Pledge):
            # 「市長が直すって言ってたのはどうなった」: the best record is a pledge; say where it stands.
            pledges = [rec for *_, rec in hits if isinstance(rec, Pledge)][:3]
            return self._pledge_answer(searcher, u, pledges, audience)
        return self._search_answer(searcher, u, hits, audience)

    def _names_ours(self, searcher, u: Understanding) -> bool:
        """The question names one of our windows or departments (きらきら, 発達支援室): never off our topic,
        however little of the rest of it the records hold."""
        folded = fold(u.text)
        names = self._version(searcher, "own_names", lambda: tuple(dict.fromkeys(
            key for n in [*self._window_names(searcher), *self._department_names(searcher)]
            if len(key := fold(n)) >= 3)))
        return any(key in folded for key in names)

    def _chapter_for(self, searcher, u: Understanding) -> Chapter | None:
        """A chapter of the comprehensive plan asked about as a chapter: 「福祉の章」「教育分野の目指す姿」."""
        if not re.search(r"章|分野|総合計画|まちの姿|目指す姿|めざす姿|ビジョン", u.text):
            return None
        folded = fold(u.text)
        chapters = self._version(searcher, "chapters", lambda: [(c.id, c.number, c.title)
                                                                  for c in _each(searcher, "chapter")])
        for chapter_id, number, title in chapters:
            parts = [title, *title.split("・")]
            if number in u.text or any(p and fold(p) in folded for p in parts):
                return searcher.get(chapter_id)
        return None

    def _chapter_answer(self, searcher, u: Understanding, chapter: Chapter, hits, audience: Audience) -> Answer:
        lines = [f"総合計画 {chapter.number}「{chapter.title}」"]
        if chapter.vision:
            lines.append(f"目標とするまちの姿：{_short(chapter.vision, 120)}")
        if re.search(r"課題", u.text) and chapter.issues:
            lines.append("課題：")
            lines.extend(f"・{_short(i, 80)}" for i in chapter.issues[:3])
        elif re.search(r"現状", u.text) and chapter.current:
            lines.append("現状：")
            lines.extend(f"・{_short(i, 80)}" for i in chapter.current[:3])
        elif chapter.actions:
            lines.append("主な取組：")
            lines.extend(f"・{_short(a, 60)}" for a in chapter.actions[:4])
        lines.append(self._cite(searcher, chapter.source, audience))
        return Answer(query=u.raw, intent="search", text="\n".join(lines),
                      results=[self._result(rec, score, searcher) for _, _, score, rec in hits[:5]],
                      citations=[chapter.source])

    def _policy_answer(self, searcher, u: Understanding, audience: Audience, intent: Intent) -> Answer:
        policy = searcher.get(f"policy-{u.policy_number}")
        if not isinstance(policy, Policy):
            return self._fallback(u.raw, intent, audience, searcher=searcher)
        lines = [f"施策{policy.number:02d}「{policy.title}」", f"担当課：{'・'.join(policy.departments)}"]
        if policy.aim:
            lines.append(f"ねらい：{_short(policy.aim, 120 if audience == 'citizen' else 400)}")
        if policy.outcome:
            lines.append(f"成果：{_short(policy.outcome, 120 if audience == 'citizen' else 400)}")
        lines.append(self._cite(searcher, policy.source, audience))
        return Answer(query=u.raw, intent=intent, text="\n".join(lines), results=[self._result(policy)],
                      citations=[policy.source])

    def _search_answer(self, searcher, u: Understanding, hits, audience: Audience, intent: Intent = "search") -> Answer:
        results = [self._result(rec, score, searcher) for _, _, score, rec in hits[:5]]
        first = hits[0][3]
        top = results[0]
        lines = []
        if isinstance(first, Pledge):
            status = STATUS_JA.get(first.status, first.status)
            lines.append(f"公約{first.number}（{status}）：{_short(first.text, 90)}")
            if first.progress:
                lines.append(f"最近の取り組み：{_short(first.progress[-1], 90)}")
        elif isinstance(first, Window):
            lines.extend(self._window_text(first, audience))
        elif isinstance(first, (Initiative, Policy)):
            code = f"（取組 {first.code}）" if isinstance(first, Initiative) and audience == "staff" else ""
            lines.append(f"「{first.title}」{code}は{'・'.join(first.departments)}が担当しています。")
            if getattr(first, "caution", ""):
                lines.append(f"※ {first.caution}")
        else:
            lines.append(f"「{top.title}」")
            if top.summary:
                lines.append(top.summary)
        lines.append(self._cite(searcher, first.source, audience))
        if len(results) > 1:
            lines.append("関連：" + "、".join(_short(r.title, 24) for r in results[1:3]))
        return Answer(query=u.raw, intent=intent, text="\n".join(lines), results=results,
                      citations=list(dict.fromkeys(r.source for r in results[:3])))
