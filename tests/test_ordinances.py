"""Ordinances: the welfare plan's table merged with every ordinance the sources name."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

import pytest

from corpus.models import Ordinance, Source
from corpus.ordinances import OTHER_NAMES, merge_ordinances, normalise, ordinance_conflicts

SOURCES = Path(__file__).resolve().parent.parent / "corpus" / "sources"
TEXTS = {p.name: p.read_text(encoding="utf-8") for p in sorted(SOURCES.glob("*.txt"))}
PLEDGES, POLICIES, PLAN, MINUTES = (
    "000_4058a2969d686fab.txt", "001_59ad32d1b3608003.txt", "003_673cbd13f1af084c.txt", "004_b08d5e7c38d6b1f1.txt")
CARER = "鎌倉市ケアラー支援条例"
CHILDREN = "子どもがのびのびと自分らしく育つまち鎌倉条例"
INFORMATION = "鎌倉市視覚障害者及び聴覚障害者等の情報取得等の手段についての選択の機会の確保に関する条例"
SYMBIOSIS = "鎌倉市共生社会の実現を目指す条例"
LIVING = "鎌倉市市民のくらしをまもる条例"


def squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def sha_id(name: str) -> str:
    return "ordinance-" + hashlib.sha1(normalise(name).encode()).hexdigest()[:10]


def row(name: str, line: int, purpose: str = "") -> Ordinance:
    return Ordinance(id=sha_id(name), source=Source(document=PLAN, line=line), name=name, purpose=purpose)


# A hand-made table: two real rows (003 lines 174 and 179) and one the texts never name.
TABLE = [
    row(CARER, 174, "ケアラーに対する支援"),
    row(CHILDREN, 179, "子どもへの支援"),
    row("鎌倉市架空のテスト条例", 190, "テスト"),
]


@pytest.fixture(scope="module")
def merged():
    return merge_ordinances(TABLE, TEXTS)


@pytest.fixture(scope="module")
def by_name(merged):
    return {o.name: o for o in merged}


def test_table_rows_come_first_and_keep_their_fields(merged):
    assert [o.name for o in merged[:3]] == [r.name for r in TABLE]
    for record, table_row in zip(merged, TABLE, strict=False):
        assert (record.id, record.source, record.purpose) == (table_row.id, table_row.source, table_row.purpose)
    # a table row named nowhere else is kept, with only its own row as mention
    assert merged[2].mentions == [merged[2].source] and merged[2].enacted == ""


def test_every_named_ordinance_is_one_record(merged, by_name):
    names = [o.name for o in merged]
    assert len(names) == len(set(names)) and len({o.id for o in merged}) == len(merged)
    assert len(merged) - 1 >= 12  # without the made-up row
    for expected in (SYMBIOSIS, INFORMATION, LIVING, "つながる鎌倉条例", "鎌倉市犯罪被害者等支援条例",
                     "鎌倉市地域福祉計画推進委員会条例", "鎌倉市屋外広告物条例", "鎌倉市企業立地等促進条例"):
        assert expected in by_name, expected
    for record in merged[3:]:
        assert record.id == sha_id(record.name)
        assert record.source == record.mentions[0]


def test_no_false_names(merged):
    for record in merged:
        assert record.name.endswith("条例")
        assert "条例" not in record.name[:-2], record.name
        assert not re.search(r"条例案|^関連条例|^同条例|地域共生条例", record.name), record.name
        assert "、" not in record.name and "。" not in record.name


def test_mentions_point_at_lines_that_name_the_ordinance(merged):
    for record in merged[:2] + merged[3:]:
        spellings = [record.name, *record.aliases]
        for mention in record.mentions:
            lines = TEXTS[mention.document].splitlines()
            here = squash("".join(lines[mention.line - 1:mention.line + 3]))
            assert any(squash(s).removeprefix("(仮称)")[:5] in here for s in spellings), (record.name, mention)
        assert record.mentions == sorted(record.mentions, key=lambda s: (s.document, s.line))


def test_variants_merge(by_name):
    information = by_name[INFORMATION]
    # 000:729 misspells it 「鎌倉市視聴覚障障害者…」; 000:725 and 001:840 give working titles
    assert any(a.startswith("鎌倉市視聴覚障障害者") for a in information.aliases)
    assert "（仮称）障害者の情報・コミュニケーションに関する条例" in information.aliases
    assert {Source(document=PLEDGES, line=729), Source(document=MINUTES, line=181),
            Source(document=POLICIES, line=832)} <= set(information.mentions)
    living = by_name[LIVING]
    # 000:1195 「鎌倉市消費生活条例を改正（鎌倉市民のくらしをまもる条例）」
    assert {"鎌倉市民のくらしをまもる条例", "鎌倉市消費生活条例", "（仮称）くらし支え合い条例"} <= set(living.aliases)
    assert Source(document=PLEDGES, line=1195) in living.mentions
    # 『屋外広告物条例』 (000:1486) and 鎌倉市屋外広告物条例 (000:1490)
    assert by_name["鎌倉市屋外広告物条例"].aliases == ["屋外広告物条例"]
    assert "屋外広告物条例" not in by_name
    # the minutes name the carer ordinance as 「鎌倉市ケアラー支援条例（案）」
    assert Source(document=MINUTES, line=222) in by_name[CARER].mentions


def test_enactment_dates_as_stated(by_name):
    # 000:281-283 「子どもが…鎌倉条例」を令和 2 年 3 月に制定 (001:1339 gives the 施行, not used)
    assert (by_name[CHILDREN].enacted, by_name[CHILDREN].enacted_year) == ("令和2年3月", 2020)
    # 003:104 令和6年4月の「鎌倉市ケアラー支援条例」の制定
    assert (by_name[CARER].enacted, by_name[CARER].enacted_year) == ("令和6年4月", 2024)
    # 004:185 令和3年7月8日に制定 beats 003:272 令和3年; 000:731 「令和 3 年 6 月に制定（予定）」 is a plan
    assert (by_name[INFORMATION].enacted, by_name[INFORMATION].enacted_year) == ("令和3年7月8日", 2021)
    # 000:616 制定（平成 31 年 3 月）, consistent with 003:15 （平成31年）
    assert (by_name[SYMBIOSIS].enacted, by_name[SYMBIOSIS].enacted_year) == ("平成31年3月", 2019)
    # 000:1490 「…令和 3 年 12 月制定に向け検討中」 is not an enactment; 000:1775 gives only 施行
    assert by_name["鎌倉市屋外広告物条例"].enacted == "" and by_name["鎌倉市屋外広告物条例"].enacted_year is None
    assert by_name["鎌倉市企業立地等促進条例"].enacted == ""


def test_disagreeing_sources_are_reported():
    conflicts = ordinance_conflicts(TABLE, TEXTS)
    living = [c for c in conflicts if LIVING in c.message]
    assert len(living) == 1
    # 000:830 令和2年12月, 001:2098 令和3年4月, 003:272 令和3年
    assert "令和2年12月" in living[0].message and "令和3年4月" in living[0].message


def test_other_names_are_backed_by_the_sources(by_name):
    """Each working title / former name sits close to the name (or a spelling variant of it) that
    the same source says it became."""
    for other, target in OTHER_NAMES.items():
        core = squash(other).removeprefix("(仮称)")
        goals = [squash(s) for s in [target, *by_name[normalise(target)].aliases] if "仮称" not in s and s != other]
        found = False
        for text in TEXTS.values():
            lines = [squash(line) for line in text.splitlines()]
            for i in range(len(lines)):
                window = "".join(lines[max(0, i - 20):i + 20])
                if core in "".join(lines[i:i + 3]) and any(goal in window for goal in goals):
                    found = True
                    break
            if found:
                break
        assert found, other


def test_real_table_gives_at_least_twelve():
    from corpus.parsers import welfare_plan

    table = welfare_plan.parse(TEXTS[PLAN], PLAN).ordinances
    merged = merge_ordinances(table, TEXTS)
    assert len(merged) >= 12
    assert [o.id for o in merged[:len(table)]] == [o.id for o in table]
    assert len(merged) == len({o.id for o in merged})


def test_deterministic_and_independent_of_text_order(merged):
    reordered = dict(reversed(list(TEXTS.items())))
    assert merge_ordinances(TABLE, reordered) == merged
    assert merge_ordinances(TABLE, TEXTS) == merged


def test_no_texts_keeps_the_table():
    assert [o.name for o in merge_ordinances(TABLE, {})] == [r.name for r in TABLE]
