"""Corpus → one self-contained index version directory.

A version directory holds the Whoosh index (``whoosh/``), the full corpus as
JSON (``corpus.json``, exactly ``Corpus.model_dump_json()``; the admin diff
compares versions with it), ``records.json`` + ``records.bin`` (each record's
id, list and the byte span of its JSON in corpus.json, so the Searcher parses
only the records it shows and holds no copy of the corpus) and
``manifest.json`` (counts) and ``vocabulary/`` (the curated synonyms.yaml and routing.yaml the
corpus was loaded with: answers follow the version's own vocabulary, see handlers/vocabulary.py).

Documents are added in corpus order with one writer into one segment, so a
record's position in records.json is its Whoosh document number and each
record kind is one contiguous run of document numbers; the build checks it.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import shutil
import sys
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from whoosh import index as whoosh_index

from corpus.curated_loader import ROUTING_FILE, load_routing
from corpus.models import (
    Chapter,
    Corpus,
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
    Window,
)
from corpus.synonyms import DEFAULT_PATH as DEFAULT_SYNONYMS
from corpus.synonyms import SYNONYMS_FILE, load_synonyms
from index.analysis import memo_analysis
from index.schema import build_schema

WHOOSH_DIR = "whoosh"
CORPUS_FILE = "corpus.json"
MANIFEST_FILE = "manifest.json"
RECORDS_FILE = "records.json"
RECORDS_DATA = "records.bin"
VOCABULARY_DIR = "vocabulary"

# Record kinds that are not a contract kind are searched as passages.
CONTRACT_KINDS = {"pledge", "initiative", "policy", "window", "ordinance", "kpi", "department", "passage"}


def _join(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p)


def _section_path(initiative: Initiative) -> str:
    place = initiative.place
    return " / ".join(t for t in (place.goal_title, place.section_title, place.subsection_title) if t)


def _fields(record: Record) -> dict:
    """The searchable text of a record, by field."""
    match record:
        case Pledge():
            return {"title": record.text, "body": _join(record.category, *record.progress),
                    "number": str(record.number), "status": record.status, "section": record.category}
        case Initiative():
            return {"title": record.title, "departments": "\n".join(record.departments), "code": record.code,
                    "section": _section_path(record), "body": record.place.vision}
        case Policy():
            years = [_join(y.year, y.plan, y.first_half, y.second_half) for y in record.years]
            return {"title": record.title, "departments": "\n".join(record.departments),
                    "number": str(record.number), "body": _join(record.aim, record.outcome, *years)}
        case Ordinance():
            return {"title": record.name, "body": _join(record.purpose, record.enacted)}
        case Kpi():
            return {"title": record.name, "code": record.chapter,
                    "body": _join(record.latest_value, record.latest_year, record.target)}
        case Department():
            return {"title": record.name, "aliases": "\n".join(record.aliases), "departments": record.name,
                    "section": record.bureau}
        case Window():
            def value(fact):
                return fact.value if fact else ""

            # Every fact of the window, so its own distinctive words find it: where it is (坂ノ下, 大船高校の
            # 近く), when it opens (火曜日), who it is for (手帳の有無を問わない), how to use it.
            return {"title": record.name, "aliases": "\n".join([*record.aliases, *record.topics]),
                    "departments": _join(value(record.department), value(record.bureau), value(record.operator)),
                    "body": _join(value(record.summary), "\n".join(record.audience), value(record.how_to),
                                  value(record.location), value(record.hours), value(record.opened))}
        case Chapter():
            return {"title": f"{record.number} {record.title}", "code": record.number, "section": record.number,
                    "body": _join(record.vision, *record.current, *record.issues, *record.actions,
                                  *record.partners)}
        case Fact():
            return {"title": record.topic, "section": record.about, "body": record.text}
        case RelatedPlan():
            return {"title": record.name, "body": _join(record.law, record.period, record.summary)}
        case Passage():
            return {"title": record.title, "body": record.text}
    raise TypeError(f"no index mapping for {type(record).__name__}")


def records(corpus: Corpus) -> Iterator[Record]:
    for name in type(corpus).model_fields:
        value = getattr(corpus, name)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, Record):
                    yield item


def document(record: Record) -> dict:
    """The Whoosh document of one record."""
    fields = {k: v for k, v in _fields(record).items() if v}
    own = record.kind  # type: ignore[attr-defined]
    fields.update(id=record.id, kind=own if own in CONTRACT_KINDS else "passage", record_kind=own)
    names = _join(fields.get("title"), fields.get("aliases"))
    if names:
        fields["reading"] = names
        fields["ngram"] = _join(names, fields.get("departments"))
    if fields.get("body"):
        fields["ngram_body"] = fields["body"]
    return fields


def mention_context(corpus: Corpus) -> dict[str, str]:
    """Ordinance id → the sentence of the source that mentions it, for an ordinance whose purpose the sources
    do not state (those named in passing in the pledge report): 「企業立地等促進条例に基づき、事業所を市内に新設
    …固定資産税の軽減」 says what it does, so a person describing it (税金が軽くなる条例) finds it by that.

    The passage holding a mention and the one after it (a sentence runs over the source's line breaks)."""
    by_document: dict[str, list] = {}
    for passage in corpus.passages:
        by_document.setdefault(passage.source.document, []).append(passage)
    for chunks in by_document.values():
        chunks.sort(key=lambda p: p.source.line)
    out: dict[str, str] = {}
    for ordinance in corpus.ordinances:
        if ordinance.purpose:
            continue
        texts: list[str] = []
        for mention in ordinance.mentions or [ordinance.source]:
            chunks = by_document.get(mention.document, [])
            lines = [p.source.line for p in chunks]
            at = bisect.bisect_right(lines, mention.line) - 1
            texts.extend(p.text for p in chunks[max(at, 0):at + 2] if at >= 0 and p.text not in texts)
        if texts:
            out[ordinance.id] = "\n".join(texts)
    return out


def with_context(doc: dict, context: str) -> dict:
    """``doc`` with source text about its record that the record does not hold added to its body."""
    if context:
        doc["body"] = doc["ngram_body"] = _join(doc.get("body"), context)
    return doc


def documents(corpus: Corpus) -> Iterable[dict]:
    context = mention_context(corpus)
    return (with_context(document(r), context.get(r.id, "")) for r in records(corpus))


def corpus_digest(corpus_json: str) -> str:
    return hashlib.sha1(corpus_json.encode("utf-8")).hexdigest()


def corpus_layout(corpus: Corpus) -> tuple[list[bytes], dict]:
    """``corpus.model_dump_json()`` as UTF-8 chunks, and the records table: for each record (in
    ``records()`` order) its id, its corpus list and the byte span of its JSON in the joined text.

    Record lists are written one record at a time (the same bytes pydantic writes for the whole
    corpus: a test checks it), so the spans come for free."""
    chunks: list[bytes] = []
    size = 0
    lists: list[str] = []
    ids: list[str] = []
    which = array("B")
    start, end = array("Q"), array("Q")

    def put(chunk: bytes) -> None:
        nonlocal size
        chunks.append(chunk)
        size += len(chunk)

    put(b"{")
    for n, name in enumerate(type(corpus).model_fields):
        if n:
            put(b",")
        value = getattr(corpus, name)
        if isinstance(value, list) and value and all(isinstance(item, Record) for item in value):
            lists.append(name)
            put(json.dumps(name).encode() + b":[")
            for i, record in enumerate(value):
                if i:
                    put(b",")
                ids.append(record.id)
                which.append(len(lists) - 1)
                start.append(size)
                put(record.model_dump_json().encode("utf-8"))
                end.append(size)
            put(b"]")
        else:
            put(corpus.model_dump_json(include={name}).encode("utf-8")[1:-1])
    put(b"}")
    table = {"lists": lists, "ids": ids, "list": which.tolist(), "start": start.tolist(), "end": end.tolist(),
             "documents": dict(corpus.documents)}
    return chunks, table


def write_records(directory: Path, table: dict) -> None:
    """The records table: small facts in records.json, the per-record arrays in records.bin
    (list index: bytes; JSON span start, end: uint64; end of each id in the id text: uint32; positions
    ordered by id: uint32; then the ids as UTF-8, back to back)."""
    ids = [i.encode("utf-8") for i in table["ids"]]
    id_end = array("I")
    size = 0
    for encoded in ids:
        size += len(encoded)
        id_end.append(size)
    by_id = array("I", sorted(range(len(ids)), key=ids.__getitem__))
    with open(directory / RECORDS_DATA, "wb") as f:
        f.write(bytes(table["list"]))
        for values in (array("Q", table["start"]), array("Q", table["end"]), id_end, by_id):
            values.tofile(f)
        f.write(b"".join(ids))
    facts = {"count": len(ids), "byteorder": sys.byteorder, "lists": table["lists"], "docnums": table.get("docnums"),
             "documents": table.get("documents", {})}
    (directory / RECORDS_FILE).write_text(json.dumps(facts, ensure_ascii=False, indent=1), encoding="utf-8")


def read_records(directory: Path) -> dict:
    """What ``write_records`` wrote: the facts, plus arrays list (bytes), start, end, id_end, by_id and ids (bytes)."""
    facts = json.loads((directory / RECORDS_FILE).read_text(encoding="utf-8"))
    n = facts["count"]
    data = (directory / RECORDS_DATA).read_bytes()
    facts["list"] = data[:n]
    at = n
    for name, code in (("start", "Q"), ("end", "Q"), ("id_end", "I"), ("by_id", "I")):
        values = array(code)
        values.frombytes(data[at : at + n * values.itemsize])
        if facts["byteorder"] != sys.byteorder:
            values.byteswap()
        facts[name] = values
        at += n * values.itemsize
    facts["ids"] = data[at:]
    return facts


def _pad_empty_postings(whoosh_dir: Path) -> None:
    """Work around whoosh-ng 5.4: when every posting list is short enough to be inlined in the
    term file (a small corpus), the postings file is written empty, and the reader's segment
    validation then refuses to open the index ("Segment file … is empty"). Nothing ever reads
    the postings file without an offset from the term file, so one padding byte is inert."""
    for path in whoosh_dir.glob("*.pst"):
        if path.stat().st_size == 0:
            path.write_bytes(b"\0")


def docnums_follow(ix, ids: list[str], samples: int = 64) -> bool:
    """Whether document number i holds record ids[i] (one segment, documents in corpus order)."""
    with ix.reader() as reader:
        if not reader.is_atomic() or reader.doc_count_all() != len(ids) or reader.has_deletions():
            return False
        step = max(1, len(ids) // samples)
        picks = sorted({*range(0, len(ids), step), len(ids) - 1} if ids else set())
        return all(reader.stored_fields(i).get("id") == ids[i] for i in picks)


def write_corpus(directory: Path, chunks, table: dict) -> str:
    """Write corpus.json and its record table; return the corpus's SHA-1."""
    digest = hashlib.sha1()
    with open(directory / CORPUS_FILE, "wb") as f:
        for chunk in chunks:
            f.write(chunk)
            digest.update(chunk)
    write_records(directory, table)
    return digest.hexdigest()


def write_vocabulary(directory: Path, curated_dir: Path | None) -> None:
    """Copy the curated vocabulary (synonyms.yaml, routing.yaml) into the version, checked first: a file
    that does not load fails the build, as a broken source does. A file the curated folder lacks is
    taken from the package's own corpus/curated."""
    default_dir = DEFAULT_SYNONYMS.parent
    target = directory / VOCABULARY_DIR
    target.mkdir(parents=True, exist_ok=True)
    for name, load in ((SYNONYMS_FILE, load_synonyms), (ROUTING_FILE, lambda path: load_routing(path.parent))):
        source = Path(curated_dir) / name if curated_dir else None
        if source is None or not source.is_file():
            source = default_dir / name
        load(source)
        shutil.copyfile(source, target / name)


def build_index(corpus: Corpus, directory: Path, curated_dir: Path | None = None) -> dict:
    """Write a complete version into ``directory`` (created); return counts by record kind.

    ``curated_dir``: the curated folder the corpus was loaded with, whose vocabulary the version keeps
    (default: the package's corpus/curated)."""
    directory = Path(directory)
    write_vocabulary(directory, curated_dir)
    (directory / WHOOSH_DIR).mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(directory / WHOOSH_DIR), build_schema())
    counts: Counter[str] = Counter()
    seen: set[str] = set()
    chunks, table = corpus_layout(corpus)
    # One writer, no sub-processes, one segment: document numbers follow corpus order (see above).
    # compound=False: separate segment files make reader opens nearly free and keep RSS low.
    writer = ix.writer(limitmb=256, compound=False)
    try:
        with memo_analysis():
            for doc in documents(corpus):
                if doc["id"] in seen:
                    raise ValueError(f"duplicate record id {doc['id']}")
                seen.add(doc["id"])
                writer.add_document(**doc)
                counts[doc["record_kind"]] += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit(optimize=True)
    _pad_empty_postings(directory / WHOOSH_DIR)
    table["docnums"] = docnums_follow(ix, table["ids"])
    ix.close()

    digest = write_corpus(directory, chunks, table)
    result = dict(sorted(counts.items()))
    manifest = {"counts": result, "documents": sum(result.values()), "corpus_sha1": digest}
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return result
