"""Japanese analysis for Whoosh, backed by SudachiPy.

Three analyzers, each one small Whoosh ``Tokenizer`` (composed with ``|`` like
any other Whoosh piece):

* ``japanese_analyzer()`` — words. Split mode C (long units such as 相談窓口),
  with the A-unit parts (相談, 窓口) emitted at the same position, as
  elasticsearch-sudachi's ``sudachi_split`` does, so a query for either the
  compound or a part finds the text. Terms are Sudachi's ``normalized_form()``
  (子ども / こども / 子供 → 子供). Particles, auxiliaries, symbols and blanks are
  dropped (the part-of-speech stop filter), as are a few very common words.
* ``reading_analyzer()`` — katakana reading bi-grams, so hiragana-only input
  (けあらーしえん) meets ケアラー支援 (reading ケアラーシエン).
* ``ngram_analyzer()`` — character bi-grams over the normalised text (hiragana
  folded to katakana), a fallback for unknown words and typos.

The analyzers are pickled into the Whoosh index with the schema, so they hold
no Sudachi object: the dictionary is loaded once per process and a Sudachi
tokenizer is created lazily per thread (a Sudachi tokenizer must not be used
from two threads at once).
"""

from __future__ import annotations

import contextlib
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

import jaconv
from whoosh.analysis import LowercaseFilter, Token, Tokenizer

# Part-of-speech classes (first level) that carry no search meaning.
STOP_POS = frozenset({"助詞", "助動詞", "補助記号", "記号", "空白", "接続詞", "感動詞"})
# Part-of-speech classes that break a reading/n-gram run (punctuation, spaces).
BREAK_POS = frozenset({"補助記号", "記号", "空白"})

# Very common words (as normalized_form) that only make questions longer:
# 「〜はどこでできますか」「〜について教えて」. Dropping them keeps the
# long tail of natural questions fast (see search-engines.md).
_STOP_WORDS = """
    為る 有る 居る 成る 出来る 言う 思う 良い 無い 行く 来る 見る 遣る 呉れる 下さる 頂く 貰う 欲しい
    事 物 所 此れ 其れ 彼れ 何 何処 何時 誰 如何 どう こう そう ああ 此の 其の 彼の 御 様 等 為 達
    教える 知る 分かる 付く 就く 於く 依る 因る 関する 対する 方法 場合 ため ところ こと もの よう
    どこ いつ だれ なに なん つく ある いる する なる できる ください ほしい
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

# Sudachi refuses very long input (about 49 KB of UTF-8); chunk well below it,
# preferring line and sentence ends as cut points.
_CHUNK = 4000
_CUT = re.compile(r"[\n。！？!?]")
_KANA_ONLY = re.compile(r"[\u3041-\u309f\u30a0-\u30ffー]+")
_RUN = re.compile(r"\w+")

_dictionary = None
_dictionary_lock = threading.Lock()
_local = threading.local()


def sudachi_tokenizer():
    """This thread's Sudachi tokenizer (split mode C); the dictionary is shared."""
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        global _dictionary
        with _dictionary_lock:
            if _dictionary is None:
                from sudachipy import Dictionary

                _dictionary = Dictionary(dict="core")
                release_dictionary_pages()  # loading read about 70 MB of it that answering rarely needs
        from sudachipy import SplitMode

        tokenizer = _local.tokenizer = _dictionary.tokenizer(mode=SplitMode.C)
    return tokenizer


def _dictionary_mappings() -> list[tuple[int, int]]:
    """Address ranges of this process's read-only mappings of Sudachi's dictionary files (Linux)."""
    ranges = []
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                fields = line.split(maxsplit=5)
                # Only mappings that cannot have been written: their pages are the file's, unchanged.
                if len(fields) == 6 and fields[5].rstrip().endswith(".dic") and "w" not in fields[1]:
                    start, _, end = fields[0].partition("-")
                    ranges.append((int(start, 16), int(end, 16)))
    except OSError:
        return []
    return ranges


def release_dictionary_pages() -> int:
    """Unmap the dictionary pages this process has touched so far; return how many bytes of address
    space were advised. Best effort (Linux; a no-op elsewhere).

    SudachiPy memory-maps its dictionary (sudachidict_core: about 190 MB) and reads about 70 MB of it
    while loading; analysing a whole corpus touches nearly all of it. Those are clean pages of a
    read-only file mapping: ``MADV_DONTNEED`` drops them from this process (they stay in the page
    cache) and the next read maps them back from there, so answers are unchanged and only the pages
    queries really use stay resident. Called after loading, and after an in-process index build."""
    import ctypes
    import mmap

    advice = getattr(mmap, "MADV_DONTNEED", None)
    ranges = _dictionary_mappings() if advice is not None and _dictionary is not None else []
    if not ranges:
        return 0
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        madvise = libc.madvise
    except (OSError, AttributeError):
        return 0
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    madvise.restype = ctypes.c_int
    return sum(end - start for start, end in ranges if madvise(start, end - start, advice) == 0)


def normalize(text: str) -> str:
    """NFKC plus jaconv (half-width kana → full, full-width ASCII → half, wave dashes)."""
    return jaconv.normalize(unicodedata.normalize("NFKC", text), "NFKC")


@dataclass(slots=True)
class Morph:
    """One split-mode-C unit with its A-unit parts (empty when it is already one)."""

    surface: str
    norm: str
    reading: str
    pos: str  # first part-of-speech level
    start: int
    end: int
    parts: list[Morph] = field(default_factory=list)

    @property
    def content(self) -> bool:
        return self.pos not in STOP_POS and self.norm not in STOP_WORDS


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    start = 0
    while len(text) - start > _CHUNK:
        window = text[start : start + _CHUNK]
        cuts = [m.end() for m in _CUT.finditer(window)]
        end = start + (cuts[-1] if cuts and cuts[-1] > _CHUNK // 4 else _CHUNK)
        yield start, text[start:end]
        start = end
    if start < len(text):
        yield start, text[start:]


def morphemes(text: str, *, parts: bool = True) -> list[Morph]:
    """Sudachi analysis of already normalised text, offsets into ``text``."""
    from sudachipy import SplitMode

    tokenizer = sudachi_tokenizer()
    result: list[Morph] = []
    for offset, chunk in _chunks(text):
        for m in tokenizer.tokenize(chunk):
            morph = Morph(
                m.surface(), m.normalized_form(), m.reading_form(), m.part_of_speech()[0],
                offset + m.begin(), offset + m.end(),
            )
            # Splitting costs a call per morpheme: only content words of 3+ characters have parts worth adding.
            if parts and len(morph.surface) >= 3 and morph.content:
                units = m.split(SplitMode.A)
                if len(units) > 1:
                    morph.parts = [
                        Morph(u.surface(), u.normalized_form(), u.reading_form(), u.part_of_speech()[0],
                              offset + u.begin(), offset + u.end())
                        for u in units
                    ]
            result.append(morph)
    return result


def word_terms(morphs: list[Morph]) -> Iterator[tuple[str, int, int, int]]:
    """(term, position, start, end) of the content words; A-unit parts share the C unit's position."""
    pos = 0
    for morph in morphs:
        if not morph.content:
            continue
        yield morph.norm, pos, morph.start, morph.end
        for part in morph.parts:
            if part.content and part.norm != morph.norm:
                yield part.norm, pos, part.start, part.end
        pos += 1


MEMO_LIMIT = 200_000  # analysed texts remembered during one build


@contextlib.contextmanager
def memo_analysis():
    """Within this block (on this thread), analysing the same text twice reuses the first result.

    A corpus repeats itself (department names, window facts, relistings; the bench's scaled copies
    entirely), and the analysis, not Whoosh, is what costs per text. Per build, so nothing lingers."""
    previous = getattr(_local, "memo", None)
    _local.memo = {}
    try:
        yield
    finally:
        _local.memo = previous


class _JaTokenizer(Tokenizer):
    """Shared Whoosh plumbing: one Token object reused, positions and chars filled in."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        memo = getattr(_local, "memo", None)
        if not tokenize:
            items: Iterator[tuple[str, int, int, int]] = iter([(value, 0, 0, len(value))])
        elif memo is not None:
            key = (self._memo_key(), value)
            found = memo.get(key)
            if found is None:
                found = tuple(self.terms(normalize(value)))
                if len(memo) < MEMO_LIMIT:
                    memo[key] = found
            items = iter(found)
        else:
            items = self.terms(normalize(value))
        for text, pos, startchar, endchar in items:
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = text
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar, t.endchar = start_char + startchar, start_char + endchar
            yield t

    def terms(self, text: str) -> Iterator[tuple[str, int, int, int]]:  # (term, position, start, end)
        raise NotImplementedError

    def _memo_key(self) -> tuple:
        return (type(self),)


class SudachiTokenizer(_JaTokenizer):
    """Content words as normalized forms; C units with their A-unit parts at the same position."""

    def __init__(self, split: bool = True):
        self.split = split

    def __eq__(self, other):
        return other.__class__ is self.__class__ and other.split == self.split

    def _memo_key(self) -> tuple:
        return (type(self), self.split)

    def terms(self, text):
        return word_terms(morphemes(text, parts=self.split))


def _bigrams(run: str, start: int, pos: int) -> Iterator[tuple[str, int, int, int]]:
    if len(run) == 1:
        yield run, pos, start, start + 1
        return
    for i in range(len(run) - 1):
        yield run[i : i + 2], pos + i, start + i, start + i + 2


def reading(text: str) -> list[str]:
    """Katakana reading runs of normalised text (split at punctuation and spaces).

    Kana-only runs are converted directly (hiragana → katakana) rather than
    analysed: Sudachi cuts a hiragana spelling of a loan word into nonsense
    (け/あらー/し/え/ん), whereas its characters already are the reading.
    """
    runs: list[str] = []
    current: list[str] = []
    for m in morphemes(text, parts=False):
        if m.pos in BREAK_POS:
            if current:
                runs.append("".join(current))
                current = []
            continue
        if _KANA_ONLY.fullmatch(m.surface):
            current.append(jaconv.hira2kata(m.surface))
        else:
            current.append(jaconv.hira2kata(m.reading or m.surface))
    if current:
        runs.append("".join(current))
    return [r.lower() for r in runs]


class ReadingTokenizer(_JaTokenizer):
    """Bi-grams of the katakana reading."""

    def terms(self, text):
        pos = 0
        for run in reading(text):
            yield from _bigrams(run, 0, pos)
            pos += len(run)


class BigramTokenizer(_JaTokenizer):
    """Character bi-grams over each word-character run, hiragana folded to katakana."""

    def terms(self, text):
        folded = jaconv.hira2kata(text)
        pos = 0
        for m in _RUN.finditer(folded):
            yield from _bigrams(m.group(), m.start(), pos)
            pos += len(m.group())


def japanese_analyzer(split: bool = True):
    return SudachiTokenizer(split=split) | LowercaseFilter()


def reading_analyzer():
    return ReadingTokenizer() | LowercaseFilter()


def ngram_analyzer():
    return BigramTokenizer() | LowercaseFilter()


def analyze(analyzer, text: str, *, mode: str = "query") -> list[str]:
    """Distinct terms of ``text`` in first-seen order."""
    seen: dict[str, None] = {}
    for token in analyzer(text, mode=mode):
        seen.setdefault(token.text, None)
    return list(seen)
