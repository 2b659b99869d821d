"""Composition root: wires corpus → index → handlers for the CLI and the server.

Channels get an ``Assistant`` from here and never see the index themselves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.settings import Settings
from corpus.loader import curated_dir, load_corpus
from handlers.assistant import Assistant
from index.store import IndexStore, LiveSearcher


@dataclass
class Runtime:
    settings: Settings
    store: IndexStore
    live: LiveSearcher
    assistant: Assistant


def ensure_index(store: IndexStore, settings: Settings, wait_seconds: float = 300.0, *,
                 isolated: bool = False) -> str:
    """The first ask/serve builds the index when none is live (DESIGN.md).

    Takes the reindex lock so that processes starting together (replicas, a CLI
    beside the server) build once: the others wait and use what was built.
    ``isolated``: build in a child process (IndexStore.build), for a process that keeps running.
    """
    from bot.admin import ReindexBusy, ReindexLock

    deadline = time.monotonic() + wait_seconds
    while (version := store.live_version()) is None:
        try:
            with ReindexLock(store):
                if store.live_version() is None:
                    version = store.build(load_corpus(settings.corpus_dir), curated_dir(settings.corpus_dir),
                                          isolated=isolated)
                    store.activate(version)
        except ReindexBusy:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    return version


def build_runtime(settings: Settings | None = None, *, long_lived: bool = False) -> Runtime:
    """``long_lived`` (the server, Telegram polling): a first build runs in a child process, so the process
    that then answers for days never carries the build's memory (about 160 MB above serving at 1×)."""
    settings = settings or Settings()
    store = IndexStore(settings.data_dir)
    ensure_index(store, settings, isolated=long_lived)
    live = LiveSearcher(store)
    return Runtime(settings=settings, store=store, live=live, assistant=Assistant(searcher=live.current))
