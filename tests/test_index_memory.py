"""Memory of the serving process: the Sudachi dictionary pages it keeps, and builds kept out of it."""

from __future__ import annotations

import json
import sys

import pytest
from index_sample import sample_corpus

from corpus.models import Passage, Source
from index.analysis import _dictionary_mappings, morphemes, release_dictionary_pages
from index.store import IndexStore, LiveSearcher

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/smaps")


def dictionary_rss_kb() -> int:
    """Resident kilobytes of this process's mappings of Sudachi's dictionary."""
    total, inside = 0, False
    with open("/proc/self/smaps", encoding="utf-8", errors="replace") as smaps:
        for line in smaps:
            head = line.split(maxsplit=1)[0]
            if "-" in head and not head.endswith(":"):
                inside = line.rstrip().endswith(".dic")
            elif inside and head == "Rss:":
                total += int(line.split()[1])
    return total


def analysed(text: str) -> list[tuple]:
    return [(m.surface, m.norm, m.reading, m.pos, m.start, m.end, [(p.surface, p.norm) for p in m.parts])
            for m in morphemes(text)]


@linux
def test_released_dictionary_pages_leave_the_process_and_analysis_unchanged():
    text = "地域包括支援センターでケアラー支援と成年後見制度の相談を受け付けています。"
    before = analysed(text)
    assert _dictionary_mappings(), "Sudachi's dictionary is expected to be memory-mapped"
    assert dictionary_rss_kb() > 0
    assert release_dictionary_pages() > 0
    assert dictionary_rss_kb() < 1024  # nothing of it stays resident until it is read again
    assert analysed(text) == before  # read back from the file: the same analysis
    assert dictionary_rss_kb() > 0


def test_isolated_build_writes_the_same_version(tmp_path):
    corpus = sample_corpus()
    here, there = IndexStore(tmp_path / "here"), IndexStore(tmp_path / "there")
    v1, v2 = here.build(corpus), there.build(corpus, isolated=True)
    for name in ("corpus.json", "records.bin", "records.json"):
        assert (here.path(v1) / name).read_bytes() == (there.path(v2) / name).read_bytes()
    manifest = json.loads((here.path(v1) / "manifest.json").read_text(encoding="utf-8"))
    assert json.loads((there.path(v2) / "manifest.json").read_text(encoding="utf-8")) == manifest
    there.activate(v2)
    live = LiveSearcher(there)
    assert live.current().search("ケアラー支援")[0].id == "initiative-1-2-3-7"
    live.close()


def test_isolated_build_failure_reaches_the_caller_and_leaves_nothing(tmp_path):
    store = IndexStore(tmp_path / "var")
    live_id = store.build(sample_corpus())
    store.activate(live_id)
    twin = Passage(id="passage-twin", source=Source(document="a.txt", line=1), title="同じ", text="同じ番号です。")
    corpus = sample_corpus()
    broken = corpus.model_copy(update={"passages": [*corpus.passages, twin, twin]})
    with pytest.raises(ValueError, match="duplicate record id passage-twin"):  # the child's own exception
        store.build(broken, isolated=True)
    assert store.versions() == [live_id] and store.live_version() == live_id
    assert list(store.tmp_dir.iterdir()) == []
