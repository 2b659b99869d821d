"""Shared pytest fixtures. Each helper adds its own, small and clearly named; keep the others."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def madoguchi_runtime(tmp_path_factory):
    """The real runtime (corpus → index → Assistant) over the repository's corpus, built once per session."""
    from bot.runtime import build_runtime
    from bot.settings import Settings

    data_dir = tmp_path_factory.mktemp("madoguchi-data")
    return build_runtime(Settings(MADOGUCHI_DATA_DIR=data_dir, MADOGUCHI_CORPUS_DIR=REPO / "corpus"))


@pytest.fixture(scope="session")
def reindex_base(tmp_path_factory):
    """Admin tests: a copy of the corpus and a data dir holding one live index version of it, built once.
    Copy both (``reindex_site``) before changing anything."""
    from revisions import copy_corpus

    from bot.admin import run_reindex
    from bot.settings import Settings

    root = tmp_path_factory.mktemp("reindex-base")
    corpus = copy_corpus(root / "corpus")
    report = run_reindex(Settings(MADOGUCHI_DATA_DIR=root / "var", MADOGUCHI_CORPUS_DIR=corpus))
    assert report["status"] == "ok", report["problems"]
    return root


@pytest.fixture
def reindex_site(reindex_base, tmp_path):
    """A private copy of ``reindex_base``: Settings over it (corpus under tmp_path/corpus, data under tmp_path/var)."""
    import shutil

    from bot.settings import Settings

    for part in ("corpus", "var"):
        shutil.copytree(reindex_base / part, tmp_path / part)
    return Settings(MADOGUCHI_DATA_DIR=tmp_path / "var", MADOGUCHI_CORPUS_DIR=tmp_path / "corpus",
                    MADOGUCHI_LOG_SECRET="test-secret")


@pytest.fixture(scope="session")
def _line_api_server():
    from stubs import LineApiStub

    with LineApiStub() as server:
        yield server


@pytest.fixture
def line_api(_line_api_server):
    """A stub of the LINE Messaging API on 127.0.0.1, emptied for this test (requests, expired tokens)."""
    _line_api_server.clear()
    _line_api_server.expired_tokens.clear()
    return _line_api_server


@pytest.fixture(scope="session")
def _telegram_api_server():
    from stubs import TelegramApiStub

    with TelegramApiStub() as server:
        yield server


@pytest.fixture
def telegram_api(_telegram_api_server):
    """A stub of the Telegram Bot API on 127.0.0.1, emptied for this test."""
    _telegram_api_server.clear()
    return _telegram_api_server
