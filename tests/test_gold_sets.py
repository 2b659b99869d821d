"""The gold question sets are sound: every expected id is a record the index holds, intents are known,
and no question is asked twice across sets (a repeated question would count twice in the figures)."""

from __future__ import annotations

import unicodedata

import pytest

from handlers.evaluate import GOLD_SETS, load_gold

INTENTS = {"who_handles", "pledge_status", "find_window", "ordinance", "kpi", "department", "search", "help", "unknown"}
SETS = {name: path for name, path in GOLD_SETS.items() if path.exists()}


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_expected_id_is_a_record(name, madoguchi_runtime):
    searcher = madoguchi_runtime.live.current()
    unknown = [
        (item["q"], record_id)
        for item in load_gold(SETS[name])
        for record_id in item["expect"]
        if searcher.get(record_id) is None
    ]
    assert unknown == []


@pytest.mark.parametrize("name", sorted(SETS))
def test_intents_are_known_and_answers_expected_unless_off_topic(name):
    for item in load_gold(SETS[name]):
        assert item["intent"] in INTENTS, item["q"]
        if item["intent"] not in {"help", "unknown"}:
            assert item["expect"], f"{item['q']}: no expected answer"


def test_no_question_is_asked_twice_across_sets():
    seen: dict[str, str] = {}
    repeated = []
    for name, path in SETS.items():
        for item in load_gold(path):
            key = unicodedata.normalize("NFKC", item["q"]).strip()
            if key in seen:
                repeated.append((item["q"], seen[key], name))
            seen.setdefault(key, name)
    assert repeated == []
