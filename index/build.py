"""Corpus → one self-contained index version directory.

A version directory holds the Whoosh index (``whoosh/``), the full corpus as
JSON (``corpus.json``; the Searcher answers get/all lookups from it and the
admin diff compares versions with it) and ``manifest.json`` (counts).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from whoosh import index as whoosh_index

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
from index.schema import build_schema

WHOOSH_DIR = "whoosh"
CORPUS_FILE = "corpus.json"
MANIFEST_FILE = "manifest.json"

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

            return {"title": record.name, "aliases": "\n".join([*record.aliases, *record.topics]),
                    "departments": _join(value(record.department), value(record.bureau), value(record.operator)),
                    "body": _join(value(record.summary), "\n".join(record.audience), value(record.how_to))}
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


def documents(corpus: Corpus) -> Iterable[dict]:
    return (document(r) for r in records(corpus))


def corpus_digest(corpus_json: str) -> str:
    return hashlib.sha1(corpus_json.encode("utf-8")).hexdigest()


def _pad_empty_postings(whoosh_dir: Path) -> None:
    """Work around whoosh-ng 5.4: when every posting list is short enough to be inlined in the
    term file (a small corpus), the postings file is written empty, and the reader's segment
    validation then refuses to open the index ("Segment file … is empty"). Nothing ever reads
    the postings file without an offset from the term file, so one padding byte is inert."""
    for path in whoosh_dir.glob("*.pst"):
        if path.stat().st_size == 0:
            path.write_bytes(b"\0")


def build_index(corpus: Corpus, directory: Path) -> dict:
    """Write a complete version into ``directory`` (created); return counts by record kind."""
    directory = Path(directory)
    (directory / WHOOSH_DIR).mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(directory / WHOOSH_DIR), build_schema())
    counts: Counter[str] = Counter()
    seen: set[str] = set()
    # compound=False: separate segment files make reader opens nearly free and keep RSS low.
    writer = ix.writer(limitmb=256, compound=False)
    try:
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
    ix.close()
    _pad_empty_postings(directory / WHOOSH_DIR)

    corpus_json = corpus.model_dump_json()
    (directory / CORPUS_FILE).write_text(corpus_json, encoding="utf-8")
    result = dict(sorted(counts.items()))
    manifest = {"counts": result, "documents": sum(result.values()), "corpus_sha1": corpus_digest(corpus_json)}
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return result
