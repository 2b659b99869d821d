"""Versioned builds, atomic activation, pruning and the live searcher."""

from __future__ import annotations

import threading
import time

import pytest
from index_sample import sample_corpus

import index.build
import index.store
from corpus.models import Passage, Source
from index.store import IndexStore, LiveSearcher, NoLiveIndex

NEW = Passage(id="passage-new-1", source=Source(document="new.txt", line=1), title="新しい記事",
              text="ビーチクリーン大作戦を由比ガ浜で実施します。")


@pytest.fixture
def store(tmp_path):
    return IndexStore(tmp_path / "var")


def with_new_passage():
    corpus = sample_corpus()
    return corpus.model_copy(update={"passages": [*corpus.passages, NEW]})


def test_build_activate_search(store):
    assert store.live_version() is None and store.versions() == []
    with pytest.raises(NoLiveIndex):
        LiveSearcher(store).current()
    version = store.build(sample_corpus())
    assert store.versions() == [version]
    assert store.live_version() is None  # building does not make it live
    store.activate(version)
    assert store.live_version() == version
    live = LiveSearcher(store)
    searcher = live.current()
    assert searcher.version == version
    assert searcher.search("ケアラー支援")[0].id == "initiative-1-2-3-7"
    assert (store.path(version) / "corpus.json").is_file()  # the version is self-contained
    live.close()


def test_versions_sort_and_previous(store):
    first = store.build(sample_corpus())
    second = store.build(with_new_passage())
    assert store.versions() == sorted([first, second]) == [first, second]
    store.activate(first)
    store.activate(second)
    assert store.previous_version() == first
    with pytest.raises(ValueError):
        store.activate("20990101T000000-nothere")


def frozen_clock(monkeypatch, *moments):
    """``datetime.now`` in index.store returns these moments in turn (then the last one forever)."""
    from datetime import UTC, datetime

    queue = list(moments)

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            moment = queue.pop(0) if len(queue) > 1 else queue[0]
            return moment.replace(tzinfo=UTC).astimezone(tz) if tz else moment

    monkeypatch.setattr(index.store, "datetime", Clock)


def corpora_with_falling_hashes(count: int):
    """Distinct corpora whose content hashes sort in the reverse of the order they are built in."""
    candidates = []
    for n in range(40):
        extra = NEW.model_copy(update={"id": f"passage-new-{n}", "text": f"由比ガ浜の清掃 第{n}回"})
        corpus = sample_corpus()
        corpus = corpus.model_copy(update={"passages": [*corpus.passages, extra]})
        candidates.append((index.build.corpus_digest(corpus.model_dump_json()), corpus))
    return [corpus for _, corpus in sorted(candidates, key=lambda pair: pair[0], reverse=True)[:count]]


def test_builds_in_the_same_instant_keep_build_order(store, monkeypatch):
    from datetime import datetime

    frozen_clock(monkeypatch, datetime(2026, 5, 1, 9, 30, 0, 250000))
    built = [store.build(corpus) for corpus in corpora_with_falling_hashes(3)]
    assert built == sorted(built) and store.versions() == built  # the hash never decides the order
    for version in built:
        store.activate(version)
    assert store.previous_version() == built[1]
    store.prune(keep=1)
    assert store.versions() == built[1:]  # the newest build stays, whatever its hash


def test_version_ids_increase_when_the_clock_goes_back(store, monkeypatch):
    from datetime import datetime

    frozen_clock(monkeypatch, datetime(2026, 5, 1, 9, 30, 1), datetime(2026, 5, 1, 9, 29, 0))
    first, second = (store.build(corpus) for corpus in corpora_with_falling_hashes(2))
    assert first < second and store.versions() == [first, second]


def test_new_ids_sort_after_second_precision_ids_of_the_same_second(store, monkeypatch):
    from datetime import datetime

    old = store.build(sample_corpus())
    older_style = f"{old[:15]}-ffffffff"  # an id written by an earlier release: time to the second
    store.path(old).rename(store.path(older_style))
    frozen_clock(monkeypatch, datetime.strptime(old[:15], "%Y%m%dT%H%M%S"))
    new = store.build(with_new_passage())
    assert store.versions() == [older_style, new]


def test_pointer_swap_while_threads_search(store):
    old = store.build(sample_corpus())
    new = store.build(with_new_passage())
    store.activate(old)
    live = LiveSearcher(store, check_interval=0.01, grace=5.0)
    live.current()
    stop = threading.Event()
    failures, seen = [], set()

    def work():
        while not stop.is_set():
            try:
                searcher = live.current()
                hits = searcher.search("ケアラー支援")
                if not hits or hits[0].id != "initiative-1-2-3-7":
                    failures.append(("bad result", searcher.version))
                seen.add(searcher.version)
            except Exception as error:  # noqa: BLE001 - counted below
                failures.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for i in range(8):
        store.activate(new if i % 2 == 0 else old)
        time.sleep(0.08)
    stop.set()
    for t in threads:
        t.join()
    assert failures == []
    assert seen == {old, new}
    store.activate(new)
    assert live.refresh().version == new
    assert [h.id for h in live.current().search("ビーチクリーン")] == ["passage-new-1"]
    live.close()


def test_crash_mid_build_leaves_live_version_intact(store, monkeypatch):
    live_id = store.build(sample_corpus())
    store.activate(live_id)
    live = LiveSearcher(store)
    live.current()
    real, calls = index.build.document, []

    def failing(record):
        calls.append(record.id)
        if len(calls) == 5:
            raise RuntimeError("disk full")
        return real(record)

    monkeypatch.setattr(index.build, "document", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        store.build(with_new_passage())
    assert len(calls) == 5  # it really failed half-way
    assert store.versions() == [live_id]
    assert store.live_version() == live_id
    assert list(store.tmp_dir.iterdir()) == []
    assert list(store.versions_dir.iterdir()) == [store.path(live_id)]
    assert live.refresh().search("ケアラー支援")[0].id == "initiative-1-2-3-7"
    live.close()


def test_killed_build_is_never_listed_or_activated(store):
    live_id = store.build(sample_corpus())
    store.activate(live_id)
    # what a killed process leaves: a partial build in tmp/, or a version directory without its manifest
    (store.tmp_dir / "20990101T000000-dead.abc").mkdir(parents=True)
    (store.versions_dir / "20990101T000001-half" / "whoosh").mkdir(parents=True)
    assert store.versions() == [live_id]
    with pytest.raises(ValueError):
        store.activate("20990101T000001-half")
    store.build(sample_corpus())  # the next build cleans tmp/
    assert list(store.tmp_dir.iterdir()) == []


def test_prune_keeps_live_and_previous(store):
    built = [store.build(sample_corpus()) for _ in range(5)]
    store.activate(built[0])
    store.activate(built[1])
    removed = store.prune(keep=1)
    assert store.versions() == [built[0], built[1], built[4]]
    assert sorted(removed) == built[2:4]
    assert store.live_version() == built[1]
