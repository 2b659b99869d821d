"""Re-indexing: the report, the validation gate, versions kept and rolled back, swaps under load, crashes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from index_sample import sample_corpus
from revisions import (
    MOVED_CODE,
    MOVED_TO,
    NEW_CODE,
    NEW_NAME,
    NEW_TITLE,
    OLD_DEPARTMENT,
    OLD_NAME,
    PLAN,
    RENAMED_CODE,
    add_revision,
    revised_plan,
    truncated_plan,
    write_pdf,
)

from bot.admin import ReindexLock, format_report, run_reindex, run_rollback, status
from bot.settings import Settings
from corpus.models import CorpusError, Passage, Pledge, Source
from index.store import IndexStore, LiveSearcher

REPO = Path(__file__).resolve().parents[1]


def initiative_changes(report: dict) -> set[tuple]:
    return {(c["id"], c["change"], c.get("field"), c.get("before"), c.get("after"))
            for c in report["changes"]["items"] if c["kind"] == "initiative"}


# -- the real documents ----------------------------------------------------------------


def test_revised_plan_is_reported_and_goes_live(reindex_site):
    store = IndexStore(reindex_site.data_dir)
    before = store.live_version()
    add_revision(reindex_site.corpus_dir, "003_revised.txt", revised_plan())

    report = run_reindex(reindex_site)

    assert report["status"] == "ok", report["problems"]
    assert report["previous_version"] == before != report["version"] == store.live_version()
    assert report["documents"]["003_revised.txt"] == "welfare_plan" and PLAN not in report["documents"]
    assert report["superseded"] == {PLAN: "003_revised.txt"}
    assert report["counts"]["initiative"] == report["previous_counts"]["initiative"] + 1
    changes = initiative_changes(report)
    assert (f"initiative-{NEW_CODE}", "added", None, None, None) in changes
    assert (f"initiative-{RENAMED_CODE}", "changed", "title", OLD_NAME, NEW_NAME) in changes
    assert (f"initiative-{MOVED_CODE}", "changed", "departments", OLD_DEPARTMENT, MOVED_TO) in changes
    assert report["changes"]["summary"]["initiative"]["added"] == 1
    assert not any(c["kind"] == "pledge" for c in report["changes"]["items"])  # untouched documents: no noise

    text = format_report(report)
    assert f"initiative {NEW_CODE} added" in text
    assert f"initiative {MOVED_CODE}: departments {OLD_DEPARTMENT} → {MOVED_TO}" in text
    assert "003_revised.txt (welfare_plan)  ← replaces " + PLAN in text

    live = LiveSearcher(store)
    try:
        assert live.current().get(f"initiative-{NEW_CODE}").title == NEW_TITLE
        assert live.current().search(NEW_CODE, kinds={"initiative"})[0].id == f"initiative-{NEW_CODE}"
    finally:
        live.close()
    assert status(reindex_site)["last_report"]["version"] == report["version"]


def test_revised_plan_as_pdf(reindex_site, tmp_path):
    """The same revision published as a PDF (Japanese text, ruled tables) reads back to the same changes."""
    txt_site = Settings(MADOGUCHI_DATA_DIR=reindex_site.data_dir, MADOGUCHI_CORPUS_DIR=tmp_path / "txt-corpus")
    import shutil

    shutil.copytree(reindex_site.corpus_dir, txt_site.corpus_dir)
    add_revision(txt_site.corpus_dir, "003_revised.txt", revised_plan())
    pdf = write_pdf(revised_plan(), tmp_path / "plan.pdf")
    add_revision(reindex_site.corpus_dir, "003_revised.pdf", pdf.read_bytes())
    live = IndexStore(reindex_site.data_dir).live_version()

    from_pdf = run_reindex(reindex_site, dry_run=True)
    from_txt = run_reindex(txt_site, dry_run=True)

    assert from_pdf["status"] == "checked", from_pdf["problems"]
    assert from_pdf["superseded"] == {PLAN: "003_revised.pdf"}
    assert "003_revised.pdf (welfare_plan)" in format_report(from_pdf)
    assert initiative_changes(from_pdf) == initiative_changes(from_txt)
    assert {c[0] for c in initiative_changes(from_pdf)} >= {f"initiative-{c}" for c in (NEW_CODE, RENAMED_CODE,
                                                                                          MOVED_CODE)}
    assert IndexStore(reindex_site.data_dir).live_version() == live  # a dry run builds nothing


def test_truncated_plan_is_refused_and_live_untouched(reindex_site):
    store = IndexStore(reindex_site.data_dir)
    live, versions = store.live_version(), store.versions()
    add_revision(reindex_site.corpus_dir, "003_truncated.txt", truncated_plan())

    report = run_reindex(reindex_site, force=True)  # force only lifts the shrink limit, never a broken source

    assert report["status"] == "refused"
    assert report["problems"] and all(p["document"] == "003_truncated.txt" for p in report["problems"])
    assert store.live_version() == live and store.versions() == versions
    assert "エラー error: 003_truncated.txt" in format_report(report)
    assert status(reindex_site)["last_report"]["status"] == "refused"


def test_killed_mid_build_leaves_live_version_serving(reindex_site):
    """SIGKILL a `madoguchi reindex` while it builds: the old version stays live, nothing half-built is listed,
    the lock dies with the process, and while it ran a second reindex was refused as busy (across processes)."""
    store = IndexStore(reindex_site.data_dir)
    live, versions, previous = store.live_version(), store.versions(), store.previous_version()
    add_revision(reindex_site.corpus_dir, "003_revised.txt", revised_plan())
    env = {**os.environ, "MADOGUCHI_DATA_DIR": str(reindex_site.data_dir),
           "MADOGUCHI_CORPUS_DIR": str(reindex_site.corpus_dir)}
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "reindex"], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (store.tmp_dir.is_dir() and any(store.tmp_dir.iterdir())):
            assert process.poll() is None, "reindex ended before it was killed"
            assert time.monotonic() < deadline, "the build never started"
            time.sleep(0.05)
        busy = run_reindex(reindex_site)
        assert busy["status"] == "busy"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait()

    assert store.live_version() == live and store.versions() == versions and store.previous_version() == previous
    with ReindexLock(store):  # the kernel released the dead process's lock
        pass
    searcher = LiveSearcher(store)
    try:
        assert searcher.current().version == live
        assert searcher.current().get(f"initiative-{NEW_CODE}") is None
        assert searcher.current().search("手話通訳", kinds={"initiative"})
    finally:
        searcher.close()


def test_diff_by_kind():
    from corpus.diff import diff_corpora, summary

    old = sample_corpus()
    new = sample_corpus()
    new.pledges[1] = new.pledges[1].model_copy(update={"status": "achieved", "mark": "〇"})
    new.pledges.pop(0)
    new.initiatives = [i.model_copy(update={"source": Source(document=i.source.document, line=i.source.line + 5)})
                       for i in new.initiatives]  # moved down the page: not a change
    texts = [c.text() for c in diff_corpora(old, new)]
    number = old.pledges[1].number
    assert f"pledge {number}: status in_progress → achieved" in texts
    assert f"pledge {old.pledges[0].number} removed" in texts
    assert not any(t.startswith("initiative") for t in texts)
    assert summary(diff_corpora(old, new))["pledge"] == {"added": 0, "removed": 1, "changed": 1}
    assert diff_corpora(old, sample_corpus()) == []


# -- the gate, versions and swaps on small corpora ----------------------------------------


@pytest.fixture
def small(tmp_path):
    """Settings over an empty data dir; reindex them with ``load=`` a small hand-made corpus."""
    settings = Settings(MADOGUCHI_DATA_DIR=tmp_path / "var", MADOGUCHI_CORPUS_DIR=tmp_path / "corpus")
    report = run_reindex(settings, load=lambda _: sample_corpus(extra_passages=10))
    assert report["status"] == "ok"
    return settings


def with_passages(n: int, extra: str = ""):
    corpus = sample_corpus(extra_passages=n)
    if extra:
        corpus.passages.append(Passage(id=f"passage-extra-{len(extra)}", source=Source(document="x.txt", line=1),
                                       title="追加", text=extra))
    return lambda _: corpus


def test_sharp_shrink_refused_unless_forced(small):
    store = IndexStore(small.data_dir)
    live = store.live_version()
    refused = run_reindex(small, load=with_passages(0))  # 12 passages → 2
    assert refused["status"] == "refused" and store.live_version() == live
    assert any("passage" in p["message"] and "12 → 2" in p["message"] for p in refused["problems"])
    assert run_reindex(small, load=with_passages(9))["status"] == "ok"  # 12 → 11 is within the limit
    forced = run_reindex(small, force=True, load=with_passages(0))
    assert forced["status"] == "ok" and forced["warnings"] and store.live_version() == forced["version"]


def test_colliding_ids_refused(small):
    corpus = sample_corpus()
    twin = corpus.pledges[0].model_copy(update={"number": 99})
    corpus.pledges.append(Pledge.model_validate(twin.model_dump()))
    report = run_reindex(small, load=lambda _: corpus)
    assert report["status"] == "refused"
    assert any(f"id が重複しています: {twin.id}" == p["message"] for p in report["problems"])


def test_parse_failure_refused_with_document_and_line(small):
    def broken(_):
        raise CorpusError("005_new.txt", 12, "表の列がずれています")

    report = run_reindex(small, load=broken)
    assert report["status"] == "refused"
    assert report["problems"] == [{"document": "005_new.txt", "line": 12, "message": "表の列がずれています"}]


def test_three_versions_kept_and_rollback(small):
    store = IndexStore(small.data_dir)
    built = [store.live_version()]
    for i in range(3):
        report = run_reindex(small, load=with_passages(10, extra=f"改訂{i}" * (i + 1)))
        assert report["status"] == "ok"
        built.append(report["version"])
    assert store.versions() == built[-3:] and store.live_version() == built[-1]
    history = status(small)["versions"]
    assert [h["version"] for h in history] == built[-1:-4:-1] and history[0]["live"] and history[1]["previous"]

    back = run_rollback(small)
    assert back["status"] == "rolled_back" and store.live_version() == built[-2]
    assert any(c["change"] == "removed" for c in back["changes"]["items"])  # undoing the last edition's passage
    assert "rolled_back" in format_report(back)


def test_second_reindex_is_busy(small):
    with ReindexLock(IndexStore(small.data_dir)):
        assert run_reindex(small, load=with_passages(10))["status"] == "busy"
        assert run_rollback(small)["status"] == "busy"
        assert status(small)["reindex_running"] is True
    assert status(small)["reindex_running"] is False


def test_queries_never_fail_while_versions_swap(small):
    store = IndexStore(small.data_dir)
    live = LiveSearcher(store, check_interval=0.0, grace=5.0)
    failures: list[BaseException] = []
    answered = [0]
    seen: set[str] = set()
    stop = threading.Event()

    def ask():
        while not stop.is_set():
            try:
                searcher = live.current()
                hits = searcher.search("ケアラー支援")
                assert hits and hits[0].id == "initiative-1-2-3-7"
                assert searcher.get("pledge-15") is not None
                seen.add(searcher.version)
                answered[0] += 1
            except BaseException as error:  # noqa: BLE001 - any failure counts
                failures.append(error)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for i in range(2):
            assert run_reindex(small, load=with_passages(10, extra=f"差し替え{i}" * (i + 1)))["status"] == "ok"
            time.sleep(0.2)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        live.close()
    assert failures == []
    assert answered[0] > 20 and len(seen) == 3  # the first version and both swaps were served


def test_cli_reindex_and_rollback(small, monkeypatch, capsys, tmp_path):
    from bot import cli

    store = IndexStore(small.data_dir)
    first = store.live_version()
    second = run_reindex(small, load=with_passages(11))["version"]
    monkeypatch.setenv("MADOGUCHI_DATA_DIR", str(small.data_dir))

    assert cli.main(["reindex", "--corpus", str(tmp_path / "nowhere")]) == 1
    out = capsys.readouterr().out
    assert "refused" in out and "sources フォルダがありません" in out and store.live_version() == second

    assert cli.main(["reindex", "--rollback"]) == 0
    out = capsys.readouterr().out
    assert f"live version: {first}" in out and "rolled_back" in out
    assert store.live_version() == first
