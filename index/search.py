"""Search one index version.

    searcher = Searcher(version_dir)
    searcher.search("ケアラー支援", kinds={"initiative"}, limit=5)  # -> list[Hit]
    searcher.get("pledge-15"); searcher.all("window"); searcher.by_department("障害福祉課")

Queries are built from analysed tokens, never through a query language, so any
user text is safe. Japanese questions have no spaces and carry many words that
do not matter, so tokens are OR-ed (a document scores by how many and how rare
the words it shares are), and words present in a large share of the documents
are left out when rarer ones remain.
"""

from __future__ import annotations

import json
import re
import threading
import typing
from array import array
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import jaconv
from whoosh import index as whoosh_index
from whoosh.idsets import BitSet
from whoosh.query import Or, Term
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.util.numeric import byte_to_length

from corpus.models import Corpus, Initiative, Record
from index.analysis import morphemes, ngram_analyzer, normalize, word_terms
from index.build import CORPUS_FILE, MANIFEST_FILE, WHOOSH_DIR
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
KANA_CHAR = re.compile(r"[\u3041-\u309f\u30a1-\u30ffー]")

_NGRAMS = ngram_analyzer()


@dataclass(frozen=True, slots=True)
class Hit:
    id: str
    kind: str  # contract kind (pledge … passage); record.kind is the record's own kind
    score: float
    record: Record


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
    runs, run = [], []
    for m in morphs:
        if m.content and not KANA_CHAR.fullmatch(m.surface):
            run.append(m.surface)
        elif run:
            runs.append("".join(run))
            run = []
    if run:
        runs.append("".join(run))
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
        self._raw: dict | None = None
        self._dfs: dict[tuple[str, str], int] = {}
        self._kind_cache: dict[frozenset[str], BitSet] = {}  # read-only once built
        self._where: dict[str, tuple[str, int]] = {}
        self._models: dict[str, Record] = {}
        self._corpus: Corpus | None = None
        manifest = json.loads((self.path / MANIFEST_FILE).read_text(encoding="utf-8"))
        self._counts: dict[str, int] = manifest["counts"]
        self._doc_count = manifest["documents"]

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

    def _query(self, terms: QueryTerms, fields: Collection[str] | None, reader, fallback: bool) -> Or | None:
        wanted = set(fields) if fields else set(FIELD_BOOSTS)
        word_fields = [f for f in WORD_FIELDS if f in wanted]
        df = {(f, w): self._df(reader, f, w) for w in terms.words for f in WORD_FIELDS}
        words = terms.words
        if len(words) > 1 and self._doc_count:
            rare = [w for w in words if max(df[f, w] for f in WORD_FIELDS) / self._doc_count <= COMMON_SHARE]
            if rare:
                words = rare
        # Only terms the field holds: a term that matches nothing still costs a matcher.
        parts = [Term(f, w, boost=FIELD_BOOSTS[f] * (PART_WEIGHT if w in terms.parts else 1.0))
                 for w in words for f in word_fields if df[f, w]]

        def grams(field: str, items) -> list[Term]:
            if field not in wanted:
                return []
            return [Term(field, g, boost=FIELD_BOOSTS[field]) for g in items if self._df(reader, field, g)]

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
        parts += [Term("code", c, boost=CODE_BOOST) for c in terms.codes]
        return Or(parts) if parts else None

    def _kind_docs(self, searcher, kinds: Collection[str]) -> BitSet:
        # The version is immutable: the documents of a kind set are computed once, not per query.
        key = frozenset(kinds)
        docs = self._kind_cache.get(key)
        if docs is None:
            query = Or([Term(f, k) for k in key for f in ("kind", "record_kind")])
            docs = self._kind_cache[key] = BitSet(query.docs(searcher), size=searcher.doc_count_all())
        return docs

    def search(self, text: str, *, kinds: Collection[str] | None = None, limit: int = 10,
               fields: Collection[str] | None = None) -> list[Hit]:
        if not isinstance(text, str) or not text.strip() or limit <= 0:
            return []
        searcher = self._whoosh()
        terms = query_terms(text)
        kind_filter = self._kind_docs(searcher, kinds) if kinds else None
        results = None
        # First the words (and title n-grams / readings); the body n-grams only when that finds too little.
        for fallback in (False, True):
            query = self._query(terms, fields, searcher.reader(), fallback)
            if query is None:
                return []
            results = searcher.search(query, limit=limit, filter=kind_filter)
            if results.scored_length() >= limit or (fields and "ngram_body" not in fields):
                break
            if not terms.ngrams and not terms.readings:
                break
        hits = []
        for hit in results:
            stored = hit.fields()
            record = self.get(stored["id"])
            if record is not None:
                hits.append(Hit(stored["id"], stored["kind"], float(hit.score), record))
        return hits

    # -- records -------------------------------------------------------------

    def _load(self) -> dict:
        if self._raw is None:
            with self._lock:
                if self._raw is None:
                    raw = json.loads((self.path / CORPUS_FILE).read_text(encoding="utf-8"))
                    where = {}
                    for name in RECORD_LISTS:
                        for i, item in enumerate(raw.get(name) or []):
                            where[item["id"]] = (name, i)
                    self._where = where
                    self._raw = raw
        return self._raw

    def warm(self) -> None:
        """Load the corpus and open this thread's searcher, so the first request pays nothing."""
        self._load()
        self.search("鎌倉", limit=1)

    def get(self, record_id: str) -> Record | None:
        model = self._models.get(record_id)
        if model is None:
            raw = self._load()
            place = self._where.get(record_id)
            if place is None:
                return None
            name, i = place
            model = RECORD_LISTS[name].model_validate(raw[name][i])
            self._models[record_id] = model  # a race only builds the same model twice
        return model

    def all(self, kind: str) -> list[Record]:
        """Every record of one kind (the record's own kind: pledge, window, chapter, fact …), in corpus order."""
        raw = self._load()
        for name, model in RECORD_LISTS.items():
            if model.model_fields["kind"].default == kind:
                return [self.get(item["id"]) for item in raw.get(name) or []]
        return []

    def by_department(self, name: str) -> list[Initiative]:
        """Initiatives whose 担当課 is ``name`` as written, or ``name`` with a note such as （市社協）."""
        name = name.strip()

        def matches(department: str) -> bool:
            return department == name or department.startswith(name + "（") or department.startswith(name + "(")

        return [i for i in self.all("initiative") if any(matches(d) for d in i.departments)]

    def corpus(self) -> Corpus:
        if self._corpus is None:
            self._corpus = Corpus.model_validate(self._load())
        return self._corpus

    def counts(self) -> dict[str, int]:
        """Documents by record kind in this version."""
        return dict(self._counts)
