"""The whole corpus loads from the real sources, or refuses with a precise message."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from corpus.loader import CorpusValidationError, load_corpus, validate
from corpus.models import CorpusError

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
PLEDGE_REPORT = "000_4058a2969d686fab.txt"
WELFARE_PLAN = "003_673cbd13f1af084c.txt"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(CORPUS)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    for part in ("sources", "curated", "reference"):
        shutil.copytree(CORPUS / part, target / part)
    return target


def test_stats_match_the_reports_own_figures(corpus):
    stats = corpus.stats()
    assert stats["pledges"] == {"total": 170, "achieved": 130, "in_progress": 37, "not_achieved": 3}
    assert stats["initiatives"] >= 320
    assert stats["policies"] == 48
    assert stats["ordinances"] >= 12
    assert stats["windows"] >= 12
    assert stats["kpis"] >= 15
    assert stats["departments"] > 0


def test_every_source_document_is_used_once(corpus):
    assert sorted(corpus.documents) == sorted(p.name for p in (CORPUS / "sources").glob("*.txt"))
    assert len(set(corpus.documents.values())) == 5
    assert corpus.superseded == {}


def test_every_record_cites_an_existing_line(corpus):
    from corpus.loader import all_records

    lengths = {name: len((CORPUS / "sources" / name).read_text().splitlines()) for name in corpus.documents}
    lengths["windows.md"] = len((CORPUS / "reference" / "windows.md").read_text().splitlines())
    for record in all_records(corpus):
        document = record.source.document
        if document in lengths:
            assert 1 <= record.source.line <= lengths[document], record.id


def test_loading_twice_gives_identical_records(corpus):
    assert load_corpus(CORPUS).model_dump() == corpus.model_dump()


def test_corpus_stats_cli_prints_the_contract_json():
    out = subprocess.run([sys.executable, "-m", "bot.cli", "corpus", "stats", "--json", "--corpus", str(CORPUS)],
                         capture_output=True, text=True, check=True, cwd=REPO).stdout
    stats = json.loads(out)
    assert set(stats) == {"pledges", "initiatives", "policies", "windows", "ordinances", "kpis", "departments"}
    assert set(stats["pledges"]) == {"total", "achieved", "in_progress", "not_achieved"}


def test_shift_jis_source_is_refused_with_its_name(corpus_copy):
    path = corpus_copy / "sources" / PLEDGE_REPORT
    path.write_bytes(path.read_text().encode("shift_jis", errors="replace"))
    with pytest.raises(CorpusError, match=f"{PLEDGE_REPORT}.*UTF-8"):
        load_corpus(corpus_copy)


def test_empty_source_is_refused(corpus_copy):
    (corpus_copy / "sources" / PLEDGE_REPORT).write_text("")
    with pytest.raises(CorpusError, match=f"{PLEDGE_REPORT}.*空"):
        load_corpus(corpus_copy)


def test_a_file_of_unknown_kind_is_refused(corpus_copy):
    (corpus_copy / "sources" / "zzz_notes.txt").write_text("今日の天気は晴れです。\n明日は雨でしょう。\n")
    with pytest.raises(CorpusError, match="zzz_notes.txt.*判別"):
        load_corpus(corpus_copy)


def test_truncated_plan_is_refused_not_partial(corpus_copy):
    path = corpus_copy / "sources" / WELFARE_PLAN
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[: len(lines) * 2 // 3]))
    with pytest.raises(CorpusError, match=WELFARE_PLAN):
        load_corpus(corpus_copy)


def test_missing_document_is_reported(corpus_copy):
    (corpus_copy / "sources" / PLEDGE_REPORT).unlink()
    with pytest.raises(CorpusValidationError, match="pledge_report"):
        load_corpus(corpus_copy)


def test_newer_revision_supersedes_the_older(corpus_copy):
    import os

    original = corpus_copy / "sources" / WELFARE_PLAN
    revised = corpus_copy / "sources" / "003_revised.txt"
    revised.write_text(original.read_text())
    os.utime(original, (1_600_000_000, 1_600_000_000))
    corpus = load_corpus(corpus_copy)
    assert corpus.superseded == {WELFARE_PLAN: "003_revised.txt"}
    assert {i.source.document for i in corpus.initiatives} == {"003_revised.txt"}


def test_validator_names_duplicates_and_missing_departments(corpus):
    broken = corpus.model_copy(deep=True)
    broken.pledges.append(broken.pledges[0])
    broken.initiatives[0].departments = []
    with pytest.raises(CorpusValidationError) as caught:
        validate(broken)
    messages = [str(p) for p in caught.value.problems]
    first = corpus.pledges[0]
    assert any(f"{first.source.document}:{first.source.line}" in m and "重複" in m for m in messages)
    assert any(corpus.initiatives[0].code in m and "担当課" in m for m in messages)


def test_cautions_point_at_the_rows_they_doubt(corpus):
    import yaml

    entries = yaml.safe_load((CORPUS / "curated" / "cautions.yaml").read_text())["cautions"]
    for entry in entries:
        lines = (CORPUS / "sources" / entry["document"]).read_text().splitlines()
        first, last = entry["lines"]
        printed = "\n".join(lines[first - 1:last])
        for code in entry["codes"]:
            assert code in printed
            initiative = next(i for i in corpus.initiatives if i.code == code)
            assert initiative.caution and first <= initiative.source.line <= last
    assert not [i for i in corpus.initiatives if i.caution and i.code not in {c for e in entries for c in e["codes"]}]


def test_corpus_validate_cli_names_the_problem_and_fails(corpus_copy):
    (corpus_copy / "sources" / PLEDGE_REPORT).write_text("")
    run = subprocess.run([sys.executable, "-m", "bot.cli", "corpus", "validate", "--corpus", str(corpus_copy)],
                         capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 1
    assert f"{PLEDGE_REPORT}: 空のファイルです" in run.stderr
