"""The regional welfare plan parser: initiative rows, hierarchy, conflicts, plan facts, refusals."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

import pytest

from corpus.models import CorpusError
from corpus.parsers import welfare_plan

SOURCES = Path(__file__).resolve().parent.parent / "corpus" / "sources"
DOCUMENT = "003_673cbd13f1af084c.txt"
TEXT = (SOURCES / DOCUMENT).read_text(encoding="utf-8")
LINES = TEXT.split("\n")
ROW = re.compile(r"^(\d+-\d+-\d+-\d+)\t")


def line_of(prefix: str, start: int = 0) -> int:
    """1-based number of the first line at or after ``start`` that begins with ``prefix``."""
    return next(n for n in range(start + 1, len(LINES) + 1) if LINES[n - 1].strip().startswith(prefix))


def chapter5_start() -> int:
    """The last 第5章 heading: what follows it is the real chapter 5 (the earlier one is the reading guide)."""
    return [n for n, line in enumerate(LINES, 1) if re.fullmatch(r"第\s*5\s*章", line.strip())][-1]


def printed_rows() -> list[tuple[int, str, str]]:
    """(line, printed code, raw line) of every initiative row of the real chapter 5."""
    start = chapter5_start()
    return [(n, m[1], LINES[n - 1]) for n in range(start, len(LINES) + 1) if (m := ROW.match(LINES[n - 1]))]


@pytest.fixture(scope="module")
def corpus():
    return welfare_plan.parse(TEXT, DOCUMENT)


@pytest.fixture(scope="module")
def by_code(corpus):
    return {i.code: i for i in corpus.initiatives}


def parse_lines(lines: list[str]):
    return welfare_plan.parse("\n".join(lines), DOCUMENT)


# ---------------------------------------------------------------- rows


def test_every_real_row_becomes_exactly_one_initiative(corpus):
    rows = printed_rows()
    assert len(corpus.initiatives) >= 320
    assert len(corpus.initiatives) == len(rows)  # no phantom, no lost row
    assert sorted(i.source.line for i in corpus.initiatives) == [n for n, _, _ in rows]
    relistings = [n for n, _, raw in rows if "【再掲】" in raw]
    assert sorted(i.source.line for i in corpus.initiatives if i.relisting) == relistings


def test_ids_are_unique_and_follow_the_code(corpus):
    ids = [i.id for i in corpus.initiatives]
    assert len(ids) == len(set(ids))
    assert all(i.id == f"initiative-{i.code}" for i in corpus.initiatives)


def test_spot_checks(by_code):
    row = by_code["1-2-3-7"]
    assert row.title == "手話通訳者、要約筆記者派遣事業"
    assert row.departments == ["障害福祉課"]
    assert row.position == "■"
    assert (row.place.goal, row.place.section, row.place.subsection) == (1, 2, 3)
    assert row.place.goal_title == "地域で安心して暮らし、活動できるまちづくりの推進"
    assert row.place.section_title == "地域における活動機会・人材育成・居場所の創出"
    assert row.place.subsection_title == "担い手研修や地域人材育成"
    assert row.place.vision.startswith("若者やボランティア未経験の人")
    assert LINES[row.source.line - 1].startswith("1-2-3-7\t")

    assert by_code["1-1-1-7"].departments == ["こども支援課", "保育課", "こども家庭相談課", "青少年課"]
    first = by_code["1-1-1-1"]
    assert (first.position, first.departments) == ("◎", ["福祉総務課（市社協）"])
    assert by_code["1-1-1-19"].position == "—"
    assert by_code["1-1-4-9"].position == "●"  # after a blank line, before a separator row


def test_departments_are_split_and_normalised(by_code, corpus):
    assert by_code["1-2-3-5"].departments == ["福祉総務課（市社協）", "地域のつながり課（NPOセンター）"]
    assert by_code["3-1-3-1"].departments == ["福祉総務課（市社協）"]  # written "福祉総務課 (市社協)"
    assert by_code["3-5-3-2"].departments == ["生活福祉課（市社協）", "こども家庭相談課"]  # no space between
    assert by_code["3-4-2-2"].departments == ["高齢者いきいき課", "都市計画課（交通政策担当）"]
    assert len(by_code["2-2-1-2"].departments) == 10
    # "福祉総務課 ※重層的支援体制整備 事業関係課": the note names no department and is reported.
    noted = by_code["3-2-2-1"]
    assert "※" in LINES[noted.source.line - 1] and noted.departments == ["福祉総務課"]
    assert any(noted.source.line in c.lines and "※" in c.message for c in corpus.conflicts)
    for initiative in corpus.initiatives:
        assert initiative.departments
        for name in initiative.departments:
            assert not re.search(r"[\s()]", name), (initiative.code, name)


def test_relistings_point_to_their_original(corpus, by_code):
    relisted = by_code["1-1-2-4"]
    assert relisted.relisting and relisted.title == "民生委員児童委員による安否確認・見守りの推進"
    assert relisted.original_code == "1-1-1-2"
    # Same title, two originals with different departments: the matching department decides.
    assert by_code["3-1-3-6"].original_code == "2-1-1-6"
    assert by_code["3-2-4-9"].original_code == "2-1-2-9"
    for initiative in corpus.initiatives:
        if not initiative.relisting:
            assert initiative.original_code is None
            continue
        original = by_code[initiative.original_code]
        assert not original.relisting
        assert unicodedata.normalize("NFKC", original.title) == unicodedata.normalize("NFKC", initiative.title)
        assert "【再掲】" not in initiative.title


def test_every_row_sits_under_its_headings(corpus):
    for initiative in corpus.initiatives:
        place = initiative.place
        assert initiative.code.split("-")[:3] == [str(place.goal), str(place.section), str(place.subsection)]
        assert place.goal_title and place.section_title and place.subsection_title, initiative.code
    goals = {i.place.goal for i in corpus.initiatives}
    assert goals == {1, 2, 3}


def test_visions_come_from_the_right_heading(by_code):
    # 1-1-1's heading is printed without ①; its own vision applies.
    assert by_code["1-1-1-1"].place.subsection_title == "ゆるやかな見守り活動の推進"
    assert by_code["1-1-1-1"].place.vision.startswith("地域に暮らす住民同士が")
    assert by_code["1-1-2-1"].place.vision.startswith("地域に根差した多様な福祉活動")
    # 3-3: the vision heading is printed twice; the first one is followed by survey text.
    vision = by_code["3-3-1-1"].place.vision
    assert vision.startswith("ケアラーが安心して相談・交流できる場") and "アンケート" not in vision
    # "② ③社会復帰と…" is sub-section ③.
    assert by_code["3-4-3-1"].place.subsection_title == "社会復帰と地域定着を支える再犯防止の地域支援"


def test_the_reading_guide_does_not_override_chapter_5(corpus, by_code):
    guide = line_of("1-1-1-2\t")
    assert "■" in LINES[guide - 1]  # the guide's sample row says ■ …
    row = by_code["1-1-1-2"]
    assert row.position == "◎"  # … chapter 5 says ◎
    assert row.source.line > chapter5_start() > guide
    assert any(guide in c.lines and row.source.line in c.lines for c in corpus.conflicts)


# ---------------------------------------------------------------- conflicts


def test_conflicts_cite_existing_lines(corpus):
    assert corpus.conflicts
    for conflict in corpus.conflicts:
        assert conflict.document == DOCUMENT
        assert conflict.lines and all(1 <= n <= len(LINES) for n in conflict.lines)
        assert conflict.message


def test_every_renumbered_or_repeated_code_is_a_conflict(corpus):
    conflict_lines = {n for c in corpus.conflicts for n in c.lines}
    by_line = {i.source.line: i for i in corpus.initiatives}
    seen: dict[str, int] = {}
    for n, printed, _ in printed_rows():
        if by_line[n].code != printed:
            assert n in conflict_lines, (n, printed)
        if printed in seen:  # a code printed twice: both rows are cited
            assert {seen[printed], n} <= conflict_lines, printed
        seen[printed] = n


def test_shifted_codes_are_renumbered_into_their_table(by_code):
    # Printed 3-1-4-11 … under 3-2-4: the rows in place keep 3-1-4-x, the shifted ones continue 3-2-4.
    assert by_code["3-1-4-11"].title == "子育てに関する相談窓口の充実"
    assert by_code["3-2-4-11"].title == "早期療育に向けた支援体制の確立"
    assert by_code["3-2-4-11"].source.line == line_of("3-1-4-11\t", line_of("3-2-4-10\t"))
    assert by_code["3-3-5-1"].title == "アウトリーチ等を通じた継続的支援"
    assert by_code["3-5-5-4"].title == "貸付制度の周知"
    assert not any(code.startswith("3-5-6-") for code in by_code)


def test_gaps_and_inconsistent_relistings_are_reported(corpus):
    messages = " | ".join(c.message for c in corpus.conflicts)
    assert "skips 1-2-4-19" in messages
    assert "3-5-4-1" in messages
    empty = line_of("3-5-3-3\t")
    assert LINES[empty - 1].endswith("\t")  # the mark cell is empty in the source
    assert any(empty in c.lines and "no position mark" in c.message for c in corpus.conflicts)
    assert any(line_of("1-3-2-4\t") in c.lines and "position" in c.message for c in corpus.conflicts)


# ---------------------------------------------------------------- plan facts, plans, ordinances


def test_plan_facts(corpus):
    facts = {f.topic: f for f in corpus.facts}
    assert all(f.about == "地域福祉計画" for f in corpus.facts)
    assert "すべての人が、安心して・自分らしく・ともに暮らせるまち かまくら" in facts["基本理念"].text
    for n in (1, 2, 3):
        assert f"目標{n}" in facts
    assert "つながる鎌倉条例" in facts["目標1"].text
    assert "鎌倉市ケアラー支援条例" in facts["目標3の関連条例"].text
    period = facts["計画期間"].text
    assert "令和8年度" in period and "2026" in period and "令和15年度" in period and "2033" in period
    ids = [f.id for f in corpus.facts]
    assert len(ids) == len(set(ids))
    assert all(f.id == f"fact-003_673cbd13f1af084c-{f.source.line}" for f in corpus.facts)


def test_every_survey_percentage_is_a_fact(corpus):
    """Each result paragraph of the survey (e.g. 87.5% do not know インクル相談室鎌倉) is stated."""
    start, end = line_of("(2) アンケートの主な結果"), line_of("5 ワークショップ")
    figures = [n for n in range(start, end) if "%" in LINES[n - 1]]
    fact_lines = {f.source.line for f in corpus.facts}
    assert figures and set(figures) <= fact_lines
    incl = next(f for f in corpus.facts if "インクル相談室鎌倉" in f.topic)
    assert "87.5%" in incl.text and "名前も内容も知らない" in incl.text
    assert any("50.7%" in f.text for f in corpus.facts)  # response rate


def test_related_plans(corpus):
    header = line_of("計画名\t根拠法令等\t概要")
    rows = []
    for line in LINES[header:]:
        if not line.strip():
            break
        rows.append(line)
    assert len(corpus.related_plans) == len(rows)
    plans = {p.name: p for p in corpus.related_plans}
    elderly = plans["高齢者保健福祉計画"]
    assert (elderly.period, elderly.law) == ("令和9年度～令和11年度", "老人福祉法、介護保険法")
    assert "特別養護老人ホーム" in elderly.summary
    assert [p.id for p in corpus.related_plans] == [f"related-plan-{i}" for i in range(1, len(rows) + 1)]
    assert any(p.law == "" and "地域福祉活動計画" in p.name for p in corpus.related_plans)


def test_ordinances(corpus):
    header = line_of("条例名\t趣旨・目的")
    table = [n for n in range(header + 1, line_of("4 計画の期間")) if "\t" in LINES[n - 1]]
    assert len(corpus.ordinances) == len(table)  # the page header inside the table is not a row
    names = {o.name: o for o in corpus.ordinances}
    for o in corpus.ordinances:
        normalised = unicodedata.normalize("NFKC", o.name).replace("(", "（").replace(")", "）")
        assert o.id == "ordinance-" + hashlib.sha1(normalised.encode()).hexdigest()[:10]
        assert o.purpose and o.source.line in table
    kyosei = names["鎌倉市共生社会の実現を目指す条例"]
    assert (kyosei.enacted, kyosei.enacted_year) == ("平成31年", 2019)
    assert (names["鎌倉市ケアラー支援条例"].enacted_year) == 2024
    # Only a 施行 date is given: no enactment is claimed.
    assert (names["鎌倉市男女共同参画推進条例"].enacted, names["鎌倉市男女共同参画推進条例"].enacted_year) == ("", None)
    assert 38 in [m.line for m in names["つながる鎌倉条例"].mentions]


# ---------------------------------------------------------------- layout traps on edited copies


def test_a_wrapped_row_is_joined_not_doubled(corpus):
    n = line_of("1-2-3-7\t")
    lines = list(LINES)
    lines[n - 1 : n] = ["1-2-3-7\t手話通訳者、要約筆記者", "派遣事業\t障害福祉課\t■"]
    m = line_of("1-1-1-7\t")
    lines[m - 1 : m] = ["1-1-1-7\tこども・若者の安心安全な生活環境の確保\tこども支援課 保育課\t■", "\tこども家庭相談課 青少年課\t"]
    wrapped = parse_lines(lines)
    assert len(wrapped.initiatives) == len(corpus.initiatives)
    codes = {i.code: i for i in wrapped.initiatives}
    assert codes["1-2-3-7"].title == "手話通訳者、要約筆記者派遣事業"
    assert codes["1-2-3-7"].departments == ["障害福祉課"]
    assert codes["1-1-1-7"].departments == ["こども支援課", "保育課", "こども家庭相談課", "青少年課"]


def test_a_table_repeated_across_a_page_adds_no_row(corpus):
    n = line_of("1-2-3-8\t")
    lines = list(LINES)
    lines[n:n] = ["", "目標1 地域で安心して暮らし、活動できるまちづくりの推進", "(2) 地域における活動機会・人材育成・居場所の創出",
                  "", "番号\t取組内容\t担当課\t位置づけ", LINES[n - 1]]
    repeated = parse_lines(lines)
    assert len(repeated.initiatives) == len(corpus.initiatives)
    assert len({i.id for i in repeated.initiatives}) == len(repeated.initiatives)
    assert any("1-2-3-8" in c.message and "repeated" in c.message for c in repeated.conflicts)


def test_parsing_is_deterministic(corpus):
    again = welfare_plan.parse(TEXT, DOCUMENT)
    assert again.model_dump() == corpus.model_dump()


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_empty_input_is_refused(text):
    with pytest.raises(CorpusError) as error:
        welfare_plan.parse(text, DOCUMENT)
    assert error.value.document == DOCUMENT and error.value.line == 1


def test_the_first_half_is_refused_as_incomplete():
    half = LINES[: len(LINES) // 2]
    with pytest.raises(CorpusError) as error:
        parse_lines(half)
    assert error.value.document == DOCUMENT
    assert error.value.line == len(half)
    assert "incomplete" in error.value.message


def test_a_plan_without_goal_3_is_refused():
    cut = line_of("目標3 ", chapter5_start())
    with pytest.raises(CorpusError) as error:
        parse_lines(LINES[: cut - 1])
    assert "目標3" in error.value.message


def test_a_row_without_department_is_refused():
    n = line_of("1-2-3-7\t")
    for broken in ("1-2-3-7\t手話通訳者、要約筆記者派遣事業\t\t■", "1-2-3-7\t手話通訳者、要約筆記者派遣事業\t■"):
        lines = list(LINES)
        lines[n - 1] = broken
        with pytest.raises(CorpusError) as error:
            parse_lines(lines)
        assert (error.value.document, error.value.line) == (DOCUMENT, n)
        assert "department" in error.value.message


def test_a_row_without_mark_is_refused_unless_it_is_a_relisting():
    n = line_of("1-2-3-7\t")
    lines = list(LINES)
    lines[n - 1] = "1-2-3-7\t手話通訳者、要約筆記者派遣事業\t障害福祉課\t"
    with pytest.raises(CorpusError) as error:
        parse_lines(lines)
    assert error.value.line == n and "mark" in error.value.message


@pytest.mark.parametrize("other", sorted(p.name for p in SOURCES.glob("*.txt") if p.name != DOCUMENT))
def test_another_kind_of_document_is_refused(other):
    text = (SOURCES / other).read_text(encoding="utf-8")
    assert not welfare_plan.detect(text)
    with pytest.raises(CorpusError) as error:
        welfare_plan.parse(text, other)
    assert (error.value.document, error.value.line) == (other, 1)


def test_the_plan_is_detected():
    assert welfare_plan.detect(TEXT)
    assert welfare_plan.NAME == "welfare_plan"
