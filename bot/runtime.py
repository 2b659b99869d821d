"""Composition root: wires corpus → index → handlers for the CLI and the server.

Channels get an ``Assistant`` from here and never see the index themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings
from corpus.loader import load_corpus
from handlers.assistant import Assistant
from index.store import IndexStore, LiveSearcher


@dataclass
class Runtime:
    settings: Settings
    store: IndexStore
    live: LiveSearcher
    assistant: Assistant


def ensure_index(store: IndexStore, settings: Settings) -> str:
    """The first ask/serve builds the index when none is live (DESIGN.md)."""
    version = store.live_version()
    if version is None:
        version = store.build(load_corpus(settings.corpus_dir))
        store.activate(version)
    return version


def build_runtime(settings: Settings | None = None) -> Runtime:
    settings = settings or Settings()
    store = IndexStore(settings.data_dir)
    ensure_index(store, settings)
    live = LiveSearcher(store)
    return Runtime(settings=settings, store=store, live=live, assistant=Assistant(searcher=live.current))
