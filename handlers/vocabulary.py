"""The curated vocabulary one index version answers with: synonyms (how people talk → how the plan
talks) and the routing table (困りごと → 窓口).

Both are copied into each index version when it is built (index/build.py), so a reindex with a revised
synonyms.yaml or routing.yaml changes the answers of a running assistant at the same moment as the
records do, and a rollback brings the old wording back with the old records.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from corpus.curated_loader import Route, load_routing
from corpus.synonyms import SYNONYMS_FILE, Synonym, _variants, bonus_terms, expand, load_synonyms
from handlers import compose_kana
from handlers.understand import fold

log = logging.getLogger(__name__)


class Vocabulary:
    """Synonyms and routes with the per-text lookups answers make several times per question, cached."""

    def __init__(self, synonyms: Sequence[Synonym], routes: Sequence[Route]):
        self.synonyms = list(synonyms)
        self.routes = list(routes)
        # The same question text is expanded several times per answer (search, rerank, relevance of
        # each candidate): each text is matched once.
        self.expand = lru_cache(maxsize=1024)(lambda text: tuple(dict.fromkeys(
            [*expand(text, self.synonyms), *compose_kana.kana_terms(text, self.synonyms)])))
        self.bonus = lru_cache(maxsize=1024)(lambda text: tuple(bonus_terms(text, self.synonyms)))
        self.bonus_folded = lru_cache(maxsize=1024)(lambda text: tuple(fold(t) for t in self.bonus(text)))
        # Routing keywords with their folded variants, computed once.
        self.route_keys = [[(k, tuple(fold(v) for v in _variants(k))) for k in route.keywords if k]
                           for route in self.routes]


def load_vocabulary(folder: Path, synonyms: Sequence[Synonym] | None = None,
                    routes: Sequence[Route] | None = None, fallback: Vocabulary | None = None) -> Vocabulary:
    """The vocabulary stored in ``folder`` (an index version's copy); ``synonyms`` / ``routes`` given by the
    caller win. A file that is missing or broken falls back to ``fallback``'s part: never no answer."""
    if synonyms is None:
        try:
            synonyms = load_synonyms(Path(folder) / SYNONYMS_FILE)
        except Exception:  # noqa: BLE001 - an unreadable copy must not take the assistant down
            log.exception("synonyms of %s could not be loaded; using the assistant's own", folder)
            synonyms = fallback.synonyms if fallback else []
    if routes is None:
        try:
            routes = load_routing(Path(folder))
        except Exception:  # noqa: BLE001
            log.exception("routing of %s could not be loaded; using the assistant's own", folder)
            routes = fallback.routes if fallback else []
    return Vocabulary(synonyms, routes)
