"""Search one index version.

    searcher = Searcher(version_dir)
    searcher.search("ケアラー支援", kinds={"initiative"}, limit=5)  # -> list[Hit]
    searcher.get("pledge-15"); searcher.all("window"); searcher.by_department("障害福祉課")

Queries are built from analysed tokens, never through a query language, so any
user text is safe. Japanese questions have no spaces and carry many words that
do not matter, so tokens are OR-ed (a document scores by how many and how rare
the words it shares are), and words present in a large share of the documents
are left out when rarer ones remain.

How a query runs: a version never changes, so each term's postings are scored
once with Whoosh's own BM25F scorer and kept (document numbers and score codes,
in an LRU bounded by postings); a query adds up the boosted scores of its terms,
visiting only the document-number runs of the kinds asked for, and keeps the
best ``limit`` (ties by document number) — the same scores and order as
Whoosh's ``Or`` of ``Term`` queries with a kind filter (a test compares them),
without re-reading and re-scoring the postings in Python on every question and
without scoring documents of other kinds. Very large queries (far beyond the
city's corpus) stop adding new documents once the terms left cannot change the
top (MaxScore). Records are parsed from corpus.json on demand (byte spans from
records.bin, an LRU of models), so the corpus is never held whole in memory.
"""

from __future__ import annotations

import heapq
import itertools
import json
import os
import re
import threading
import typing
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from pathlib import Path

import jaconv
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.scoring import BM25F, BM25FScorer, WeightLengthScorer
from whoosh.util.numeric import byte_to_length

from corpus.models import Corpus, Initiative, Record
from index.analysis import morphemes, ngram_analyzer, normalize, release_dictionary_pages, word_terms
from index.build import (
    CONTRACT_KINDS,
    CORPUS_FILE,
    MANIFEST_FILE,
    RECORDS_DATA,
    RECORDS_FILE,
    WHOOSH_DIR,
    corpus_layout,
    docnums_follow,
    read_records,
)
from index.schema import FIELD_BOOSTS, WORD_FIELDS

MAX_QUERY_CHARS = 400  # a chat question; longer input is cut, not refused
MAX_WORDS = 16
MAX_BIGRAMS = 24
COMMON_SHARE = 0.2  # a word in more than this share of documents is dropped when rarer words remain
CODE = re.compile(r"(?<![\d-])\d{1,2}(?:-\d{1,2}){1,4}(?![\d-])")  # initiative code 1-2-3-7, chapter 2-1
PART_WEIGHT = 0.5
CODE_BOOST = 20.0  # an exact code outranks any word match
KANA_RUN = re.compile(r"[\u3041-\u309f\u30a1-\u30ffー]{3,}")
KATAKANA_RUN = re.compile(r"[\u30a1-\u30ffー]{2,}")
NOT_KANA = re.compile(r"[^\u3041-\u309f\u30a1-\u30ffー\s\W\d]")  # kanji or latin letters
DF_CACHE = 200_000
POSTINGS_CACHE = 4_000_000  # scored postings kept per version (6 bytes each: about 25 MB at most; 8M cost
# about 27 MB more RSS at 100x under threaded load for no lower ask p99: scripts/bench_memory.py)
# A query visiting more postings than this adds its terms rarest-contribution-first and stops adding new
# documents once the terms left cannot lift one into the top ``limit`` (MaxScore). The city's own corpus
# never gets there (a question visits a few thousand postings), so its results stay exactly Whoosh's.
PRUNE_MIN = 50_000
MODEL_CACHE = 3000  # parsed records kept per version (the city's whole corpus: about 2,200)
# Sudachi's dictionary is memory-mapped, and a few hundred varied questions touch about 120 MB of it (each
# word lookup reads scattered lexicon pages): clean file pages, but counted in the serving process's RSS.
# Every this many searches (process-wide; 0: never) they are dropped from the process (still in the page
# cache: the next lookups map back only the pages in use). scripts/bench_memory.py has the figures.
RELEASE_DICTIONARY_EVERY = 400
_searches = itertools.count(1)  # next() on it is atomic under the GIL: one thread releases
KANA_CHAR = re.compile(r"[\u3041-\u309f\u30a1-\u30ffー]")

_NGRAMS = ngram_analyzer()


@dataclass(frozen=True, slots=True)
class Hit:
    id: str
    kind: str  # contract kind (pledge … passage); record.kind is the record's own kind
    score: float
    record: Record


Part = tuple[str, str, float]  # (field, term, boost): one OR-ed term of a query


@dataclass
class QueryTerms:
    words: list[str]
    surfaces: list[str]  # as written in the query, one per word
    readings: list[str]
    ngrams: list[str]
    codes: list[str]
    parts: set[str]  # words that are only A-unit parts of a longer query word: they count half


def _bigrams(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for token in _NGRAMS(text):
        seen.setdefault(token.text, None)
    return list(seen)


def query_terms(text: str) -> QueryTerms:
    norm = normalize(text[: MAX_QUERY_CHARS * 2])[:MAX_QUERY_CHARS]
    codes = CODE.findall(norm)
    # The digits of a code (1-2-3-7) as separate words would match every numbered text.
    norm = CODE.sub(" ", norm)
    morphs = morphemes(norm)
    # A single kana that Sudachi took for a word is noise from a kana spelling (け/あらー/し/え/ん):
    # the reading terms handle such input.
    words: dict[str, str] = {}
    parts: set[str] = set()
    last_pos = -1
    for term, pos, start, end in word_terms(morphs):
        surface = norm[start:end]
        if not KANA_CHAR.fullmatch(surface):
            words.setdefault(term.lower(), surface)
            if pos == last_pos:  # an A-unit part of the C unit before it
                parts.add(term.lower())
        last_pos = pos
    # n-grams only over runs of content words: bi-grams across particles match noise.
    runs = ["".join(m.surface for m in group)
            for content, group in groupby(morphs, key=lambda m: bool(m.content and not KANA_CHAR.fullmatch(m.surface)))
            if content]
    ngrams = list(dict.fromkeys(g for r in runs for g in _bigrams(r)))
    # Readings only for kana spans (kanji words are already matched exactly): for katakana words, and for hiragana only when the question is all kana: in
    # mixed text, hiragana is okurigana and particles (…はありますか), which would only add noise.
    kana_runs = KATAKANA_RUN.findall(norm)
    if not NOT_KANA.search(norm):
        kana_runs = KANA_RUN.findall(norm)
    readings = list(dict.fromkeys(g for r in kana_runs for g in _bigrams(jaconv.hira2kata(r))))
    kept = list(words.items())[:MAX_WORDS]
    return QueryTerms([w for w, _ in kept], [s for _, s in kept], readings[:MAX_BIGRAMS], ngrams[:MAX_BIGRAMS],
                      codes, parts)


def _record_lists() -> dict[str, type[Record]]:
    """Corpus list fields that hold records, with their model (pledges → Pledge …)."""
    lists = {}
    for name, info in Corpus.model_fields.items():
        args = typing.get_args(info.annotation)
        if typing.get_origin(info.annotation) is list and args and isinstance(args[0], type) \
                and issubclass(args[0], Record) and "kind" in args[0].model_fields:
            lists[name] = args[0]
    return lists


RECORD_LISTS = _record_lists()


class _InMemoryLengthBM25F(BM25F):
    """BM25F reading field lengths from arrays loaded once per version.

    Whoosh looks up each scored posting's field length in the column file
    (a seek and a read per posting); with ``compound=False`` segments that is not
    memory-mapped, and it was the largest cost of a query. The arrays are
    read-only, so one instance serves every thread.
    """

    def __init__(self, lengths: dict[str, array]):
        super().__init__()
        self._lengths = lengths

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        table = self._lengths.get(fieldname)
        if table is not None and isinstance(scorer, BM25FScorer):
            scorer.dfl = table.__getitem__
        return scorer


def _field_lengths(ix) -> dict[str, array]:
    """Per scorable field, each document's length; empty when the index has several segments."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN

    lengths: dict[str, array] = {}
    with ix.reader() as reader:
        if not reader.is_atomic():
            return lengths
        perdoc = reader._perdoc  # whoosh-ng 5.4 keeps the length columns on the per-document reader
        for name, field in ix.schema.items():
            if field.scorable and perdoc.has_column(f"_{name}_len"):
                column = perdoc.column_reader(f"_{name}_len", LENGTHS_COLUMN)
                lengths[name] = array("I", (byte_to_length(b) if b else 1 for b in column))
    return lengths


def _read_postings(matcher) -> tuple[array, array, list[float]]:
    """A term's document numbers and scores, as ``matcher.id()`` / ``matcher.score()`` give them.

    Scores are kept as small codes into a table of the term's distinct scores (a term has few: its score
    depends only on a posting's weight and field length), five bytes a posting instead of twelve. For
    Whoosh's own posting blocks with a weight-and-length scorer (BM25F) a block is read at once and
    each distinct (weight, length) pair is scored once, with the very call Whoosh makes per posting
    (``scorer._score(weight, dfl(docnum))``); anything else goes posting by posting."""
    docs, codes = array("I"), array("H")
    table: list[float] = []
    code_of: dict = {}
    scorer = getattr(matcher, "scorer", None)
    if type(matcher) is W3LeafMatcher and isinstance(scorer, WeightLengthScorer) and \
            type(scorer).score is WeightLengthScorer.score:
        dfl, score = scorer.dfl, scorer._score
        while matcher.is_active():
            if matcher._ids is None:
                matcher._read_ids()
            if matcher._weights is None:
                matcher._read_weights()
            at = matcher._i
            for d, w in zip(matcher._ids[at:], matcher._weights[at:], strict=True):
                length = dfl(d)
                code = code_of.get((w, length))
                if code is None:
                    code = code_of[w, length] = len(table)
                    table.append(score(w, length))
                docs.append(d)
                codes.append(code)
            matcher._next_block()
    else:
        while matcher.is_active():
            value = matcher.score()
            code = code_of.get(value)
            if code is None:
                code = code_of[value] = len(table)
                table.append(value)
            docs.append(matcher.id())
            codes.append(code)
            matcher.next()
    if len(table) > 0xFFFF:  # more distinct scores than two-byte codes hold: never seen, but stay right
        raise OverflowError("too many distinct scores for one term")
    return docs, codes, table


class _Records:
    """The records of one version: ids, kinds and the byte span of each record's JSON in corpus.json.

    Only compact arrays are held (ids as one UTF-8 text, positions sorted by id for lookups); a record is
    parsed when asked for. A version written before records.bin existed is laid out again from its
    corpus.json (slower to open, same answers).
    """

    def __init__(self, path: Path):
        self._fd: int | None = None
        self._blobs: list[bytes] | None = None
        if (path / RECORDS_FILE).is_file() and (path / RECORDS_DATA).is_file():
            table = read_records(path)
            # Records are read with pread (positioned, so threads share the descriptor): nothing of the
            # file stays mapped into the process, and reading one record costs microseconds.
            self._fd = os.open(path / CORPUS_FILE, os.O_RDONLY)
            self._start, self._end = table["start"], table["end"]
            self.docnums: bool | None = table.get("docnums")
        else:
            corpus = Corpus.model_validate_json((path / CORPUS_FILE).read_bytes())
            _, layout = corpus_layout(corpus)
            self._blobs = [r.model_dump_json().encode("utf-8") for r in _corpus_records(corpus, layout["lists"])]
            encoded = [i.encode("utf-8") for i in layout["ids"]]
            ends, size = array("I"), 0
            for item in encoded:
                size += len(item)
                ends.append(size)
            table = {**layout, "list": bytes(layout["list"]), "id_end": ends, "ids": b"".join(encoded),
                     "by_id": array("I", sorted(range(len(encoded)), key=encoded.__getitem__))}
            self.docnums = None  # unknown: checked against the index by the Searcher
        self.lists: list[str] = table["lists"]
        self.list_of: bytes = table["list"]
        self.count = len(self.list_of)
        self._ids: bytes = table["ids"]
        self._id_end: array = table["id_end"]
        self._by_id: array = table["by_id"]
        self.documents: dict[str, str] = table.get("documents", {})
        models = [RECORD_LISTS.get(name) for name in self.lists]
        self.models = models
        own = [m.model_fields["kind"].default if m is not None else None for m in models]
        self.own_kind = own  # per list: the record's own kind
        self.contract_kind = [k if k in CONTRACT_KINDS else "passage" for k in own]
        # Each list is one contiguous run of positions (the layout writes list after list).
        self.runs: list[tuple[int, int]] = []
        for n in range(len(self.lists)):
            first = self.list_of.find(bytes([n]))
            last = self.list_of.rfind(bytes([n]))
            self.runs.append((first, last + 1) if first >= 0 else (0, 0))

    def _id_bytes(self, i: int) -> bytes:
        return self._ids[self._id_end[i - 1] if i else 0 : self._id_end[i]]

    def id(self, i: int) -> str:
        return self._id_bytes(i).decode("utf-8")

    def position(self, record_id: str) -> int | None:
        """Where a record is (bisection over the ids in byte order), or None."""
        key = record_id.encode("utf-8", "surrogatepass")
        at = bisect_left(self._by_id, key, key=self._id_bytes)
        if at < self.count and self._id_bytes(self._by_id[at]) == key:
            return self._by_id[at]
        return None

    def raw(self, i: int) -> bytes:
        if self._blobs is not None:
            return self._blobs[i]
        start = self._start[i]
        return os.pread(self._fd, self._end[i] - start, start)

    def parse(self, i: int) -> Record | None:
        model = self.models[self.list_of[i]]
        return model.model_validate_json(self.raw(i)) if model is not None else None

    def lists_of_kind(self, kinds: Collection[str]) -> list[int]:
        """Lists whose records are of one of ``kinds`` (a record's own kind or its contract kind)."""
        return [n for n in range(len(self.lists)) if self.own_kind[n] in kinds or self.contract_kind[n] in kinds]

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def __del__(self):
        self.close()


def _or_missing(position: int | None) -> int:
    return -1 if position is None else position


def _corpus_records(corpus: Corpus, lists: list[str]) -> Iterator[Record]:
    for name in lists:
        yield from getattr(corpus, name)


class Searcher:
    """One index version, kept open. Safe to share between threads."""

    def __init__(self, version_dir: Path):
        self.path = Path(version_dir)
        self.version = self.path.name
        self._ix = whoosh_index.open_dir(str(self.path / WHOOSH_DIR), readonly=True)
        try:
            self._weighting = _InMemoryLengthBM25F(_field_lengths(self._ix))
        except Exception:  # noqa: BLE001 - an internal of Whoosh moved: fall back to its own lookups
            self._weighting = BM25F()
        # Whoosh searchers (and their readers' file handles) are not thread-safe:
        # each thread gets its own, opened from the index (cheap with compound=False).
        self._local = threading.local()
        self._opened: list = []
        self._lock = threading.Lock()
        self._closed = False
        self._dfs: dict[tuple[str, str], int] = {}
        self._postings: OrderedDict[tuple[str, str], tuple[array, array, list[float], float]] = OrderedDict()
        self._postings_size = 0
        self._postings_lock = threading.Lock()
        self._spans: dict[frozenset[str], list[tuple[int, int]] | bytearray] = {}  # read-only once built
        self._departments: dict[str, list[int]] | None = None
        self._corpus: Corpus | None = None
        manifest = json.loads((self.path / MANIFEST_FILE).read_text(encoding="utf-8"))
        self._counts: dict[str, int] = manifest["counts"]
        self._doc_count = manifest["documents"]
        self._records = _Records(self.path)
        # Document number → record position: the identity when the build says so (or, for an older
        # version, when the index agrees); otherwise read once from the stored ids.
        self._docmap: array | None = None
        records = self._records
        if not (records.docnums or (records.docnums is None and docnums_follow(
                self._ix, [records.id(i) for i in range(records.count)], records.count))):
            with self._ix.reader() as reader:
                self._docmap = array("q", (_or_missing(records.position(fields.get("id", "")) if fields else None)
                                           for fields in (reader.stored_fields(d)
                                                          for d in range(reader.doc_count_all()))))
        self._model = lru_cache(maxsize=MODEL_CACHE)(self._records.parse)

    # -- whoosh plumbing --------------------------------------------------

    def _whoosh(self):
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            if self._closed:
                raise RuntimeError(f"searcher for {self.version} is closed")
            searcher = self._ix.searcher(weighting=self._weighting)
            with self._lock:
                self._opened.append(searcher)
            self._local.searcher = searcher
        return searcher

    def close(self) -> None:
        with self._lock:
            self._closed = True
            opened, self._opened = self._opened, []
        for searcher in opened:
            searcher.close()
        self._ix.close()
        self._model.cache_clear()
        # The corpus file stays open until the searcher is collected: a request still holding it may read.

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- search ------------------------------------------------------------

    def _df(self, reader, field: str, term: str) -> int:
        # The version never changes, so document frequencies are cached: a term-table lookup costs
        # about as much as matching, and the same common words come back in every question.
        key = (field, term)
        df = self._dfs.get(key)
        if df is None:
            if len(self._dfs) >= DF_CACHE:
                self._dfs.clear()
            df = self._dfs[key] = reader.doc_frequency(field, term)
        return df

    def _query(self, terms: QueryTerms, fields: Collection[str] | None, reader, fallback: bool) -> list[Part]:
        wanted = set(fields) if fields else set(FIELD_BOOSTS)
        word_fields = [f for f in WORD_FIELDS if f in wanted]
        df = {(f, w): self._df(reader, f, w) for w in terms.words for f in WORD_FIELDS}
        words = terms.words
        if len(words) > 1 and self._doc_count:
            rare = [w for w in words if max(df[f, w] for f in WORD_FIELDS) / self._doc_count <= COMMON_SHARE]
            if rare:
                words = rare
        # Only terms the field holds: a term that matches nothing still costs a lookup.
        parts = [(f, w, FIELD_BOOSTS[f] * (PART_WEIGHT if w in terms.parts else 1.0))
                 for w in words for f in word_fields if df[f, w]]

        def grams(field: str, items) -> list[Part]:
            if field not in wanted:
                return []
            return [(field, g, FIELD_BOOSTS[field]) for g in items if self._df(reader, field, g)]

        # A word the index does not know is a typo or a word cut differently: match it by bi-grams.
        unknown = [s for w, s in zip(terms.words, terms.surfaces, strict=True)
                   if not any(df[f, w] for f in WORD_FIELDS)]
        if fallback:
            # Too little found: bi-grams of the body text (and of kana spans, which the n-gram
            # fields hold folded to katakana).
            parts += grams("ngram_body", dict.fromkeys([*terms.ngrams, *terms.readings]))
        elif unknown:
            parts += grams("ngram_body", dict.fromkeys(g for s in unknown for g in _bigrams(s)))
        parts += grams("reading", terms.readings)
        parts += grams("ngram", terms.ngrams)
        parts += [("code", c, CODE_BOOST) for c in terms.codes]
        return parts

    def _scored(self, field: str, term: str) -> tuple[array, array, list[float], float]:
        """Document numbers (ascending), score codes, the table of scores and the best score of one term,
        scored once per version (an LRU bounded by the number of postings)."""
        key = (field, term)
        with self._postings_lock:
            found = self._postings.get(key)
            if found is not None:
                self._postings.move_to_end(key)
                return found
        searcher = self._whoosh()
        docs, codes, table = array("I"), array("H"), []
        try:
            btext = searcher.schema[field].to_bytes(term)
        except (KeyError, ValueError):
            btext = None
        if btext is not None and (field, btext) in searcher.reader():
            # The very scorer Whoosh's Term query uses, so the scores are Whoosh's to the last bit.
            docs, codes, table = _read_postings(searcher.postings(field, btext, weighting=self._weighting))
        found = (docs, codes, table, max(table, default=0.0))
        with self._postings_lock:
            if key not in self._postings:
                self._postings[key] = found
                self._postings_size += len(docs) + len(table) + 1
                while self._postings_size > POSTINGS_CACHE and len(self._postings) > 1:
                    _, (old, _, old_table, _) = self._postings.popitem(last=False)
                    self._postings_size -= len(old) + len(old_table) + 1
        return found

    def _kind_spans(self, kinds: Collection[str]) -> list[tuple[int, int]] | bytearray:
        """Where documents of ``kinds`` are: runs of document numbers, or a per-document mask when
        document numbers do not follow the corpus. Computed once per kind set (the version is immutable)."""
        key = frozenset(kinds)
        spans = self._spans.get(key)
        if spans is None:
            lists = self._records.lists_of_kind(key)
            if self._docmap is None:
                spans = [self._records.runs[n] for n in lists]
            else:
                wanted = set(lists)
                list_of = self._records.list_of
                spans = bytearray(1 if i >= 0 and list_of[i] in wanted else 0 for i in self._docmap)
            self._spans[key] = spans
        return spans

    def _accumulate(self, parts: list[Part], spans, limit: int) -> dict[int, float]:
        """Summed boosted scores per document (terms added in query order, as Whoosh's Or adds them)."""
        terms = []  # (docs, codes, boosted score table, index ranges inside the kinds asked for, bound)
        for field, term, boost in parts:
            docs, codes, table, top = self._scored(field, term)
            if not docs:
                continue
            if spans is None:
                pieces = [(0, len(docs))]
            elif isinstance(spans, bytearray):
                pieces = None
            else:
                pieces = [(a, b) for lo, hi in spans if (a := bisect_left(docs, lo)) < (b := bisect_left(docs, hi))]
            # score * boost per posting, as Whoosh's boosted Term matcher gives it (and the score itself at 1.0)
            values = [v * boost for v in table] if boost != 1.0 else table
            terms.append((docs, codes, values, pieces, top * boost))
        if all(t[3] is not None for t in terms) and \
                sum(b - a for t in terms for a, b in t[3]) > PRUNE_MIN and len(terms) > 1:
            return self._accumulate_pruned(terms, limit)
        total: dict[int, float] = {}
        get = total.get
        for docs, codes, values, pieces, _ in terms:
            if pieces is None:  # document numbers do not follow the corpus: a mask says which are wanted
                for d, c in zip(docs, codes, strict=True):
                    if spans[d]:
                        total[d] = get(d, 0.0) + values[c]
                continue
            for a, b in pieces:
                for d, c in zip(docs[a:b], codes[a:b], strict=True):
                    total[d] = get(d, 0.0) + values[c]
        return total

    @staticmethod
    def _accumulate_pruned(terms, limit: int) -> dict[int, float]:
        """MaxScore: terms by their best possible contribution, highest first. Once the terms left
        could add at most less than the ``limit``-th best score so far, a document not yet seen cannot
        reach the top, so those terms only add to the documents already counted (looked up by bisection
        when they are few). The top ``limit`` is the exhaustive one (sums differ only in rounding)."""
        order = sorted(range(len(terms)), key=lambda n: -terms[n][4])
        rest = [0.0] * (len(order) + 1)
        for step in range(len(order) - 1, -1, -1):
            rest[step] = rest[step + 1] + terms[order[step]][4]
        total: dict[int, float] = {}
        get = total.get
        # The limit-th best score so far: ``floor`` is a value it has reached, ``ceiling`` one it cannot
        # have passed yet (each term lifts any document by at most its bound), so it is recomputed only
        # when that could allow stopping.
        floor, ceiling = 0.0, float("inf")
        for step, n in enumerate(order):
            left = rest[step] * (1 + 1e-9)  # margin for rounding
            if step and len(total) >= limit and left < ceiling:
                if left >= floor:
                    floor = ceiling = heapq.nlargest(limit, total.values())[-1]
                if left < floor:
                    for m in order[step:]:
                        docs, codes, values, pieces, _ = terms[m]
                        if len(total) * 16 < sum(b - a for a, b in pieces):
                            for d in list(total):
                                for a, b in pieces:
                                    k = bisect_left(docs, d, a, b)
                                    if k < b and docs[k] == d:
                                        total[d] += values[codes[k]]
                                        break
                        else:
                            for a, b in pieces:
                                for d, c in zip(docs[a:b], codes[a:b], strict=True):
                                    if d in total:
                                        total[d] += values[c]
                    return total
            docs, codes, values, pieces, bound = terms[n]
            for a, b in pieces:
                for d, c in zip(docs[a:b], codes[a:b], strict=True):
                    total[d] = get(d, 0.0) + values[c]
            ceiling += bound
        return total

    def search(self, text: str, *, kinds: Collection[str] | None = None, limit: int = 10,
               fields: Collection[str] | None = None) -> list[Hit]:
        if not isinstance(text, str) or not text.strip() or limit <= 0:
            return []
        if RELEASE_DICTIONARY_EVERY and next(_searches) % RELEASE_DICTIONARY_EVERY == 0:
            release_dictionary_pages()
        reader = self._whoosh().reader()
        terms = query_terms(text)
        spans = self._kind_spans(kinds) if kinds else None
        total: dict[int, float] = {}
        # First the words (and title n-grams / readings); the body n-grams only when that finds too little.
        for fallback in (False, True):
            parts = self._query(terms, fields, reader, fallback)
            if not parts:
                return []
            total = self._accumulate(parts, spans, limit)
            if len(total) >= limit or (fields and "ngram_body" not in fields):
                break
            if not terms.ngrams and not terms.readings:
                break
        # Best first; equal scores by document number, as Whoosh's top-N collector orders them.
        # Only the documents at or above the limit-th score become tuples.
        floor = heapq.nlargest(limit, total.values())[-1] if len(total) > limit else 0.0
        best = heapq.nlargest(limit, ((score, -doc) for doc, score in total.items() if score >= floor and score > 0))
        hits = []
        records = self._records
        for score, negative in best:
            i = -negative if self._docmap is None else self._docmap[-negative]
            if i < 0:
                continue
            record = self._model(i)
            if record is not None:
                hits.append(Hit(records.id(i), records.contract_kind[records.list_of[i]], float(score), record))
        return hits

    # -- records -------------------------------------------------------------

    def warm(self) -> None:
        """Open this thread's searcher and read the common terms, so the first request pays little."""
        self.search("鎌倉", limit=1)

    def get(self, record_id: str) -> Record | None:
        i = self._records.position(record_id) if isinstance(record_id, str) else None
        return None if i is None else self._model(i)

    def ids(self, kind: str) -> list[str]:
        """Ids of the records of one kind (the record's own kind), in corpus order, without parsing them."""
        records = self._records
        out: list[str] = []
        for n in range(len(records.lists)):
            if records.own_kind[n] == kind:
                out.extend(records.id(i) for i in range(*records.runs[n]))
        return out

    def iter(self, kind: str | None = None, ids: Collection[str] | None = None) -> Iterator[Record]:
        """Records of one kind (or the given ids), in corpus order, parsed one at a time and not kept:
        for a pass over many records (per-version summaries) without filling memory or the record cache."""
        records = self._records
        if ids is not None:
            for record_id in ids:
                i = records.position(record_id)
                if i is not None and (record := records.parse(i)) is not None:
                    yield record
            return
        for n in range(len(records.lists)):
            if kind is None or records.own_kind[n] == kind:
                for i in range(*records.runs[n]):
                    record = records.parse(i)
                    if record is not None:
                        yield record

    def all(self, kind: str) -> list[Record]:
        """Every record of one kind (the record's own kind: pledge, window, chapter, fact …), in corpus order."""
        return [self.get(record_id) for record_id in self.ids(kind)]

    def documents(self) -> dict[str, str]:
        """Source file name → document type (as ``Corpus.documents``), without loading the corpus."""
        return dict(self._records.documents)

    def by_department(self, name: str) -> list[Initiative]:
        """Initiatives whose 担当課 is ``name`` as written, or ``name`` with a note such as （市社協）."""
        return [self._model(i) for i in self._department_positions(name)]

    def department_ids(self, name: str) -> list[str]:
        """Ids of ``by_department(name)``, without parsing the records."""
        return [self._records.id(i) for i in self._department_positions(name)]

    def _department_positions(self, name: str) -> list[int]:
        name = name.strip()
        if self._departments is None:
            # Read once per version from the records' JSON (no models): 担当課 as written → positions.
            departments: dict[str, list[int]] = {}
            records = self._records
            for n in range(len(records.lists)):
                if records.own_kind[n] == "initiative":
                    for i in range(*records.runs[n]):
                        for department in dict.fromkeys(json.loads(records.raw(i)).get("departments") or []):
                            departments.setdefault(department, []).append(i)
            self._departments = departments

        def matches(department: str) -> bool:
            return department == name or department.startswith(name + "（") or department.startswith(name + "(")

        return sorted({i for department, places in self._departments.items() if matches(department)
                       for i in places})

    def corpus(self) -> Corpus:
        """The whole corpus as models (admin and tests; answering never needs it)."""
        if self._corpus is None:
            self._corpus = Corpus.model_validate_json((self.path / CORPUS_FILE).read_bytes())
        return self._corpus

    def counts(self) -> dict[str, int]:
        """Documents by record kind in this version."""
        return dict(self._counts)
