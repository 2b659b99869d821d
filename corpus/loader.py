"""Load the whole corpus: sources → parsers → records, plus curated data, validated.

A corpus either loads whole or not at all: any parse or validation problem
raises, naming document and line, so a broken source never yields a silently
partial corpus (and never replaces a working index).
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from corpus.cautions import apply_cautions
from corpus.curated_loader import ROUTING_FILE, load_departments, load_routing, load_windows
from corpus.models import Corpus, CorpusError
from corpus.ordinances import merge_ordinances, ordinance_conflicts
from corpus.parsers import PARSERS
from corpus.passages import chunk_passages
from corpus.synonyms import SYNONYMS_FILE, load_synonyms

SOURCE_SUFFIXES = (".txt", ".pdf")


class CorpusValidationError(Exception):
    """Several problems at once, each a CorpusError naming document and line."""

    def __init__(self, problems: list[CorpusError]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def read_source(path: Path) -> str:
    if path.suffix.lower() == ".pdf":
        from corpus.pdf import pdf_to_text

        return pdf_to_text(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CorpusError(path.name, line, "UTF-8 として読めません（Shift_JIS などは UTF-8 に変換してください）") from None
    if "\x00" in text:
        raise CorpusError(path.name, None, "テキストファイルではありません（NUL 文字を含む）")
    return text


def choose_parser(text: str, document: str):
    """The parser is chosen by content: exactly one must recognise the text."""
    if not text.strip():
        raise CorpusError(document, None, "空のファイルです")
    matches = [parser for parser in PARSERS if parser.detect(text)]
    if not matches:
        raise CorpusError(document, None, "どの種類の文書か判別できません（公約報告書・福祉政策表・総合計画・地域福祉計画・議事録のいずれでもない）")
    if len(matches) > 1:
        names = ", ".join(p.NAME for p in matches)
        raise CorpusError(document, None, f"文書の種類が一つに決まりません: {names}")
    return matches[0]


def _revision_key(parser, text: str, path: Path):
    """Newer revision first by a date stated in the document, else by file time."""
    stated = getattr(parser, "document_date", None)
    date = stated(text) if stated else None
    return (date.isoformat() if date else "", path.stat().st_mtime, path.name)


def load_sources(sources_dir: Path) -> tuple[dict[str, tuple[object, str]], dict[str, str]]:
    """file name → (parser, text) for the revision of each document type in use, and the superseded files."""
    if not sources_dir.is_dir():
        raise CorpusError(str(sources_dir), None, "sources フォルダがありません")
    by_type: dict[str, list[tuple[tuple, str, object, str]]] = {}
    for path in sorted(sources_dir.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in SOURCE_SUFFIXES:
            continue
        text = read_source(path)
        parser = choose_parser(text, path.name)
        by_type.setdefault(parser.NAME, []).append((_revision_key(parser, text, path), path.name, parser, text))
    chosen: dict[str, tuple[object, str]] = {}
    superseded: dict[str, str] = {}
    for revisions in by_type.values():
        revisions.sort(reverse=True)
        _, name, parser, text = revisions[0]
        chosen[name] = (parser, text)
        for _, older, _, _ in revisions[1:]:
            superseded[older] = name
    return dict(sorted(chosen.items())), superseded


def curated_dir(corpus_dir: Path | str) -> Path:
    """The curated data of a corpus folder (windows, departments, cautions and the vocabulary)."""
    return Path(corpus_dir) / "curated"


def check_vocabulary(curated: Path, window_ids: set[str]) -> None:
    """synonyms.yaml and routing.yaml go into each index version with the records (index/build.py): a broken
    one is refused with the corpus, naming file and line. A missing one means the package's own."""
    if (curated / SYNONYMS_FILE).is_file():
        load_synonyms(curated / SYNONYMS_FILE)
    if (curated / ROUTING_FILE).is_file():
        load_routing(curated, window_ids)


def load_corpus(corpus_dir: Path | str) -> Corpus:
    corpus_dir = Path(corpus_dir)
    chosen, superseded = load_sources(corpus_dir / "sources")
    corpus = Corpus(superseded=superseded)
    texts: dict[str, str] = {}
    for name, (parser, text) in chosen.items():
        corpus = corpus.merge(parser.parse(text, name))
        corpus.documents[name] = parser.NAME
        texts[name] = text

    missing = sorted({p.NAME for p in PARSERS} - set(corpus.documents.values()))
    if missing:  # curated data cites these documents: say what is missing before anything else
        raise CorpusValidationError([CorpusError("corpus", None, f"文書がありません: {name}") for name in missing])

    curated = curated_dir(corpus_dir)
    corpus.windows = load_windows(curated, corpus_dir / "reference")
    check_vocabulary(curated, {w.id for w in corpus.windows})
    corpus.departments = load_departments(curated, corpus_dir / "sources")
    corpus.conflicts += ordinance_conflicts(corpus.ordinances, texts)
    corpus.ordinances = merge_ordinances(corpus.ordinances, texts)
    corpus.passages = chunk_passages(texts)
    corpus.conflicts += apply_cautions(curated, corpus.initiatives)
    validate(corpus)
    return corpus


def validate(corpus: Corpus) -> None:
    """Raise CorpusValidationError listing every problem found."""
    problems: list[CorpusError] = []

    def problem(source, message: str) -> None:
        problems.append(CorpusError(source.document, source.line, message) if source else CorpusError("corpus", None, message))

    if corpus.pledges:
        numbers = Counter(p.number for p in corpus.pledges)
        for pledge in corpus.pledges:
            if numbers[pledge.number] > 1:
                problem(pledge.source, f"公約番号 {pledge.number} が重複しています")
        for missing in sorted(set(range(1, 171)) - set(numbers)):
            problem(None, f"公約 {missing} がありません")

    for initiative in corpus.initiatives:
        if not initiative.departments:
            problem(initiative.source, f"取組 {initiative.code} に担当課がありません")

    known_departments = {d.name for d in corpus.departments} | {a for d in corpus.departments for a in d.aliases}
    if known_departments:
        for record in [*corpus.initiatives, *corpus.policies]:
            for name in record.departments:
                if name not in known_departments:
                    problem(record.source, f"担当課「{name}」が departments.yaml にありません")

    ids = Counter(record.id for record in all_records(corpus))
    for record in all_records(corpus):
        if ids[record.id] > 1:
            problem(record.source, f"id が重複しています: {record.id}")
            ids[record.id] = 1  # report each collision once

    if problems:
        raise CorpusValidationError(problems)


def all_records(corpus: Corpus):
    for name in ("pledges", "initiatives", "policies", "ordinances", "kpis", "departments", "windows",
                 "chapters", "facts", "related_plans", "passages"):
        yield from getattr(corpus, name)


def default_corpus_dir() -> Path:
    return Path(os.environ.get("MADOGUCHI_CORPUS_DIR", "./corpus"))
