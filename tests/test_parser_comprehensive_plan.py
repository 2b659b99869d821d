"""The comprehensive plan's chapter 2 (2-1 … 2-5): chapters, KPIs, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.models import CorpusError
from corpus.parsers import comprehensive_plan

SOURCES = Path(__file__).resolve().parent.parent / "corpus" / "sources"
DOCUMENT = "002_c80e6379aab927c1.txt"
TEXT = (SOURCES / DOCUMENT).read_text(encoding="utf-8")
LINES = TEXT.splitlines()


@pytest.fixture(scope="module")
def corpus():
    return comprehensive_plan.parse(TEXT, DOCUMENT)


def kpi_rows() -> list[int]:
    """Lines of the 成果指標 tables, counted independently of the parser: tab rows after a header."""
    rows, in_table = [], False
    for n, line in enumerate(LINES, start=1):
        if line.startswith("指標名\t"):
            in_table = True
        elif in_table and line.count("\t") == 2:
            rows.append(n)
        elif not line.strip() and in_table and rows and rows[-1] < n - 1:
            in_table = False
    return rows


def test_five_chapters_in_order(corpus):
    assert [c.number for c in corpus.chapters] == ["2-1", "2-2", "2-3", "2-4", "2-5"]
    assert [c.id for c in corpus.chapters] == [f"chapter-2-{i}" for i in range(1, 6)]
    for chapter in corpus.chapters:
        assert LINES[chapter.source.line - 1].startswith(f"{chapter.number} {chapter.title}")
        assert chapter.vision and chapter.current and chapter.issues and chapter.actions and chapter.partners


def test_every_kpi_row_is_a_kpi(corpus):
    rows = kpi_rows()
    assert len(rows) >= 15
    assert [k.source.line for k in corpus.kpis] == rows
    assert len(corpus.kpis) == 27
    assert corpus.stats()["kpis"] == 27
    ids = [k.id for k in corpus.kpis]
    assert len(set(ids)) == len(ids)
    assert ids[:2] == ["kpi-2-1-1", "kpi-2-1-2"] and "kpi-2-5-1" in ids


def test_kpi_values_and_years_match_the_source(corpus):
    by_id = {k.id: k for k in corpus.kpis}
    # line 81: かまくら市民共生サポーター受講者数	237 人 (2024 年度)	↗
    supporters = by_id["kpi-2-1-3"]
    assert supporters.source.line == 81
    assert (supporters.name, supporters.latest_value, supporters.latest_year, supporters.target) == (
        "かまくら市民共生サポーター受講者数", "237人", "2024年度", "↗")
    # line 151: 出生数	785 人 (2024 年度)	828 人 — a target value, not a direction
    births = by_id["kpi-2-2-1"]
    assert (births.name, births.latest_value, births.latest_year, births.target) == ("出生数", "785人", "2024年度", "828人")
    # line 85: a downward direction
    assert by_id["kpi-2-1-7"].target == "↘" and by_id["kpi-2-1-7"].latest_value == "39.1%"
    # line 83: not yet measured
    assert by_id["kpi-2-1-5"].latest_value == "未定" and by_id["kpi-2-1-5"].latest_year == "2026年度"
    # line 84 「うち 65 歳以上…」 narrows line 83 and says so
    assert by_id["kpi-2-1-6"].name.startswith(by_id["kpi-2-1-5"].name)
    assert by_id["kpi-2-1-6"].name.endswith("うち65歳以上の市民の割合")
    for kpi in corpus.kpis:
        assert kpi.latest_year.endswith("年度") and kpi.target
        assert kpi.name.replace(" ", "") and kpi.chapter == kpi.id.split("-", 1)[1].rsplit("-", 1)[0]


def test_chapter_contents(corpus):
    welfare = corpus.chapters[0]
    assert welfare.title == "福祉"
    assert welfare.vision.startswith("市民一人ひとりが、自らが望む形で社会との関わりを持ち")
    # line 64-65: ■ checked, □ not
    assert welfare.partners == ["市民", "地域", "市民活動団体", "関係者", "事業者"]
    # 2-5, lines 308-309: HTML check boxes; 他行政機関 checked, 事業者 not
    sports = corpus.chapters[4]
    assert sports.partners == ["市民", "地域", "市民活動団体", "関係者", "他行政機関"]
    assert len(welfare.actions) == 6 and welfare.actions[0].startswith("① 包括的支援体制を整備します：高齢者")
    assert [a[0] for a in corpus.chapters[1].actions] == ["①", "②", "③", "④"]
    assert len(welfare.current) == 4 and len(welfare.issues) == 4


def test_footnote_markers_do_not_pollute_text(corpus):
    marks = set(comprehensive_plan.SUPERSCRIPT_DIGITS)
    stored = [c.model_dump_json() for c in corpus.chapters] + [k.model_dump_json() for k in corpus.kpis]
    stored += [f.model_dump_json() for f in corpus.facts]
    assert not any(marks & set(s) for s in stored)
    welfare = corpus.chapters[0]
    # the wording around ⁹ (line 16) is kept; the footnote itself (line 32) is not a 現状 item
    assert any("災害発生時におけるソーシャルワークに期待" in c for c in welfare.current)
    assert not any(c.startswith("社会福祉援助のこと") for c in welfare.current + welfare.issues)
    glossary = {f.topic: f for f in corpus.facts if f.topic.startswith("用語")}
    assert glossary["用語：ソーシャルワーク"].source.line == 32
    assert glossary["用語：ヤングケアラー"].text.startswith("本来大人が担う")


def test_parsing_is_deterministic(corpus):
    again = comprehensive_plan.parse(TEXT, DOCUMENT)
    assert again.model_dump() == corpus.model_dump()


def test_detect_only_this_document():
    for path in sorted(SOURCES.glob("*.txt")):
        assert comprehensive_plan.detect(path.read_text(encoding="utf-8")) == (path.name == DOCUMENT), path.name


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_empty_file(text):
    with pytest.raises(CorpusError) as err:
        comprehensive_plan.parse(text, "empty.txt")
    assert err.value.document == "empty.txt" and err.value.line == 1


@pytest.mark.parametrize("cut", [100, 130, 190, 213, 240, 300])
def test_truncated_file_is_refused_at_its_end(cut):
    """Cut inside a chapter (before its 成果指標 rows): the chapter is incomplete."""
    text = "\n".join(LINES[:cut])
    with pytest.raises(CorpusError) as err:
        comprehensive_plan.parse(text, DOCUMENT)
    assert err.value.document == DOCUMENT
    assert 1 <= err.value.line <= cut


def test_truncated_kpi_row_names_its_line():
    text = "\n".join([*LINES[:78], "鎌倉市は高齢者、障害者…市民の割合\t14.5% (2025"])
    with pytest.raises(CorpusError) as err:
        comprehensive_plan.parse(text, DOCUMENT)
    assert err.value.line == 79


def test_other_documents_are_refused():
    for path in sorted(SOURCES.glob("*.txt")):
        if path.name != DOCUMENT:
            with pytest.raises(CorpusError) as err:
                comprehensive_plan.parse(path.read_text(encoding="utf-8"), path.name)
            assert err.value.document == path.name and err.value.line
