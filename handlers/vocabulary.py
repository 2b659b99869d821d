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
from corpus.synonyms import SYNONYMS_FILE, Synonym, _keys, _variants, load_synonyms, matches, stands_at
from handlers import compose_kana
from handlers.understand import fold

log = logging.getLogger(__name__)


def _together(synonyms: Sequence[Synonym]) -> list[tuple[tuple[tuple[str, ...], ...], Synonym]]:
    """Each phrase told by two things together (corpus/synonyms.py), its parts' words folded with their
    variants, and its entry."""
    return [(tuple(tuple(fold(v) for alt in part for v in _variants(alt)) for part in parts), entry)
            for entry in synonyms for parts in entry.together]


def _spans(key: str, folded: str) -> list[tuple[int, int]]:
    out, start = [], folded.find(key)
    while start >= 0 and key:
        if stands_at(folded, start, key):  # 22歳 holds no 2歳
            out.append((start, start + len(key)))
        start = folded.find(key, start + 1)
    return out


class Vocabulary:
    """Synonyms and routes with the per-text lookups answers make several times per question, cached."""

    def __init__(self, synonyms: Sequence[Synonym], routes: Sequence[Route]):
        self.synonyms = list(synonyms)
        self.routes = list(routes)
        self._together = _together(self.synonyms)
        # The same question text is expanded several times per answer (search, rerank, relevance of
        # each candidate): each text is matched once.
        self.said = lru_cache(maxsize=1024)(self._said)
        self.kana = lru_cache(maxsize=1024)(lambda text: compose_kana.kana_terms(text, self.synonyms))
        self.expand = lru_cache(maxsize=1024)(lambda text: tuple(dict.fromkeys(
            [*self._terms(text, bonus=False), *self.kana(text)])))
        self.bonus = lru_cache(maxsize=1024)(lambda text: tuple(self._terms(text, bonus=True)))
        self.bonus_folded = lru_cache(maxsize=1024)(lambda text: tuple(fold(t) for t in self.bonus(text)))
        self.meanings = lru_cache(maxsize=1024)(self._meanings)
        # Routing keywords with their folded variants, computed once.
        self.route_keys = [[(k, tuple(fold(v) for v in _variants(k))) for k in route.keywords if k]
                           for route in self.routes]

    def _said(self, text: str) -> tuple[tuple[Synonym, tuple[tuple[int, int], ...]], ...]:
        """The entries whose say phrases (plain or combined) the text holds, each with where in ``fold(text)``
        its phrases stand. Each entry is one thing the person said.

        A word said only inside a combined phrase belongs to it: in 「父の介護と子の育児が重なって」 育児 is part
        of ダブルケア, not a question about 子育て besides, so an entry all of whose words lie within another
        entry's combined phrase is left out."""
        folded = fold(text)
        # English phrases are matched word by word (punctuation as spaces): this view keeps fold(text)'s positions.
        spaced = "".join(c if c.isalnum() else " " for c in folded)
        found: dict[int, tuple[Synonym, list[tuple[int, int]]]] = {}
        for entry in matches(text, self.synonyms):
            patterns, keys = _keys(entry)
            found[entry.line] = (entry, [span for key in keys for span in _spans(key, folded)]
                                 + [m.span() for p in patterns for m in p.finditer(spaced)])
        wholes: dict[int, list[tuple[int, int]]] = {}  # entry line → where its combined phrase's words stand
        for parts, entry in self._together:
            spans = [[span for v in part for span in _spans(v, folded)] for part in parts]
            if all(spans):
                words = [span for part in spans for span in part]
                found.setdefault(entry.line, (entry, []))[1].extend(words)
                wholes.setdefault(entry.line, []).extend(words)

        # A phrase said only inside a longer phrase of another entry is part of that one too: 療育 in 療育手帳 (a
        # disability card) is not 療育 of a child's development. The longest phrase wins, as in a dictionary.
        longer = {line: spans for line, (_, spans) in found.items()}

        def within(spans, whole, strictly: bool) -> bool:
            return all(any(a <= c and d <= b and (not strictly or b - a > d - c) for a, b in whole) for c, d in spans)

        def inside(line: int, spans: list[tuple[int, int]]) -> bool:
            return bool(spans) and (any(other != line and within(spans, whole, False) for other, whole in wholes.items())
                                    or any(other != line and within(spans, whole, True)
                                           for other, whole in longer.items()))

        return tuple((entry, tuple(spans)) for line, (entry, spans) in found.items() if not inside(line, spans))

    def _meanings(self, text: str) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
        """What each thing said means: (the folded phrases as they stand in the text, the folded plan terms).
        A record holding a plan term covers the words of those phrases (漁港 is covered by 水産業)."""
        folded = fold(text)
        return tuple((tuple(dict.fromkeys(folded[a:b] for a, b in spans)), tuple(fold(t) for t in entry.plan))
                     for entry, spans in self.said(text) if spans)

    def _terms(self, text: str, bonus: bool) -> list[str]:
        """The plan terms of what was said: for expansion, those not already in the text; as bonus terms
        (words that say something the question did not), none from an entry one of whose plan terms the
        text already uses — a question in the plan's own word (ボランティア登録) is not pulled toward its
        neighbours (ボランティアセンター); one in people's words (家賃が払えない) is."""
        folded = fold(text)
        terms: list[str] = []
        for entry, _ in self.said(text):
            if bonus and any(len(t) >= 2 and fold(t) in folded for t in entry.plan):
                continue
            terms.extend(t for t in entry.plan if t not in terms and (bonus or fold(t) not in folded))
        return terms


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
