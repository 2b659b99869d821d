"""The curated vocabulary (synonyms.yaml, routing.yaml) belongs to the index version it was built with:
a reindex with a revised synonyms.yaml changes a running assistant's answers, a rollback restores them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from corpus.models import CorpusError
from handlers.assistant import Assistant
from index.build import VOCABULARY_DIR, build_index
from index.store import IndexStore, LiveSearcher
from tests.index_sample import sample_corpus

CURATED = Path(__file__).resolve().parent.parent / "corpus" / "curated"
PHRASE = "もふもふ"  # a word nobody's text holds: only a synonym entry can lead it to 手話通訳
SYNONYMS = """- say: [お金がない]
  plan: [生活困窮]
  why: 「お金がない」
"""
NEW_ENTRY = f"""- say: [{PHRASE}]
  plan: [手話通訳]
  why: 「{PHRASE}の担当課は？」
"""


def curated(folder: Path, synonyms: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "synonyms.yaml").write_text(synonyms, encoding="utf-8")
    shutil.copyfile(CURATED / "routing.yaml", folder / "routing.yaml")
    return folder


def build(store: IndexStore, curated_dir: Path) -> str:
    corpus = sample_corpus()
    version = store.build(corpus, curated_dir)
    store.activate(version)
    return version


def ids(assistant: Assistant) -> list[str]:
    return [r.id for r in assistant.ask(f"{PHRASE}の担当課は？", audience="staff").results]


def test_reindex_with_new_synonym_changes_the_running_assistant(tmp_path):
    store = IndexStore(tmp_path / "data")
    first = build(store, curated(tmp_path / "v1", SYNONYMS))
    live = LiveSearcher(store, check_interval=0.0)
    assistant = Assistant(searcher=live.current)
    assert "initiative-1-2-3-9" not in ids(assistant)

    build(store, curated(tmp_path / "v2", SYNONYMS + "\n" + NEW_ENTRY))
    assert (store.path(store.live_version()) / VOCABULARY_DIR / "synonyms.yaml").read_text(
        encoding="utf-8").count(PHRASE) == 2
    assert ids(assistant)[0] == "initiative-1-2-3-9"  # same assistant, no restart

    store.activate(first)  # a rollback brings the old vocabulary back with the old records
    assert "initiative-1-2-3-9" not in ids(assistant)
    live.close()


def test_vocabulary_given_to_the_assistant_wins_over_the_version(tmp_path):
    store = IndexStore(tmp_path / "data")
    build(store, curated(tmp_path / "v2", SYNONYMS + "\n" + NEW_ENTRY))
    live = LiveSearcher(store, check_interval=0.0)
    assistant = Assistant(searcher=live.current, synonyms=[], routes=[])
    assert "initiative-1-2-3-9" not in ids(assistant)
    live.close()


def test_a_broken_synonyms_file_fails_the_build(tmp_path):
    folder = curated(tmp_path / "bad", "- say: [x]\n  plan: [y]\n")  # no `why`
    with pytest.raises(CorpusError):
        build_index(sample_corpus(), tmp_path / "version", curated_dir=folder)


def test_reindex_refuses_a_broken_vocabulary_and_keeps_the_live_version(reindex_site):
    from bot.admin import run_reindex
    from index.store import IndexStore

    store = IndexStore(reindex_site.data_dir)
    live = store.live_version()
    synonyms = reindex_site.corpus_dir / "curated" / "synonyms.yaml"
    synonyms.write_text(synonyms.read_text(encoding="utf-8") + "\n- say: [壊れた]\n  plan: [項目]\n", encoding="utf-8")
    report = run_reindex(reindex_site)
    assert report["status"] == "refused"
    assert [p["document"] for p in report["problems"]] == ["synonyms.yaml"]
    assert store.live_version() == live


def test_reindex_takes_the_corpus_folders_vocabulary(reindex_site):
    from bot.admin import run_reindex
    from index.store import IndexStore

    synonyms = reindex_site.corpus_dir / "curated" / "synonyms.yaml"
    synonyms.write_text(synonyms.read_text(encoding="utf-8") + "\n" + NEW_ENTRY, encoding="utf-8")
    assert run_reindex(reindex_site, force=True)["status"] == "ok"
    store = IndexStore(reindex_site.data_dir)
    kept = store.path(store.live_version()) / VOCABULARY_DIR / "synonyms.yaml"
    assert PHRASE in kept.read_text(encoding="utf-8")
