"""Minutes of the 2024 地域福祉計画推進庁内連絡会: facts about windows and projects, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.models import CorpusError
from corpus.parsers import minutes

SOURCES = Path(__file__).resolve().parent.parent / "corpus" / "sources"
DOCUMENT = "004_b08d5e7c38d6b1f1.txt"
TEXT = (SOURCES / DOCUMENT).read_text(encoding="utf-8")
LINES = TEXT.splitlines()
KIRAKIRA = "かまくらこども相談窓口 きらきら"
KURASHI = "くらしと福祉の相談窓口"


@pytest.fixture(scope="module")
def facts():
    return minutes.parse(TEXT, DOCUMENT).facts


def about(facts, name):
    return [f for f in facts if f.about == name]


def squash(text: str) -> str:
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", text).split())


def test_every_fact_is_cited_where_its_words_are(facts):
    assert len(facts) >= 30
    ids = [f.id for f in facts]
    assert len(set(ids)) == len(ids)
    for fact in facts:
        assert fact.id == f"fact-004_b08d5e7c38d6b1f1-{fact.source.line}"
        assert fact.text.endswith("。") and fact.topic and fact.about
        # the first words of the fact stand on its line or just after it (wrapped text)
        window = squash("".join(LINES[fact.source.line - 1:fact.source.line + 3]))
        words = squash(fact.text).removeprefix(squash(fact.about) + "の")[:6]
        assert words.split("：")[0][:4] in window or fact.topic in ("開催日時", "開催場所", "報告部局"), fact


def test_kirakira_facts(facts):
    kirakira = about(facts, KIRAKIRA)
    by_line = {f.source.line: f for f in kirakira}
    # line 47: opened April 2023
    assert "令和5年（2023年）4月に開設" in by_line[47].text and by_line[47].topic == "開設"
    # lines 51-55: 189 days, 3045 users, one fact
    usage = by_line[51]
    assert usage.topic == "利用状況"
    assert "189日間" in usage.text and "利用者：3045人" in usage.text and "一日平均16.1人" in usage.text
    # line 65: hours and the extended openings
    hours = by_line[65]
    assert hours.topic == "対応時間"
    assert "8：30～17：00" in hours.text and "20時まで拡大" in hours.text and "土曜日に1日開設" in hours.text
    assert "出張窓口" in by_line[67].text
    assert any(f.topic == "報告部局" and "こどもみらい部" in f.text for f in kirakira)


def test_kurashi_window_takes_its_official_name(facts):
    kurashi = about(facts, KURASHI)
    assert kurashi and not about(facts, "くらしと福祉の総合相談窓口")
    opened = next(f for f in kurashi if f.source.line == 82)
    assert opened.text.startswith("令和2年6月に") and "総合相談窓口を開設" in opened.text
    counts = next(f for f in kurashi if f.topic == "相談受付件数")
    assert counts.source.line == 86 and "2050件" in counts.text and "2000件前後" in counts.text


def test_project_and_meeting_facts(facts):
    layered = about(facts, "重層的支援体制整備事業")
    assert any(f.source.line == 108 and f.text.startswith("令和4年度に重層的支援体制整備事業を開始") for f in layered)
    meeting = about(facts, "鎌倉市地域福祉計画推進庁内連絡会")
    when = next(f for f in meeting if f.topic == "開催日時")
    where = next(f for f in meeting if f.topic == "開催場所")
    assert when.source.line == 5 and "2024/1/11（木）14：00～15：00" in when.text
    assert where.source.line == 7 and "鎌倉市役所2階201会議室" in where.text
    ordinance = about(facts, "鎌倉市視覚障害者及び聴覚障害者等の情報取得等の手段についての選択の機会の確保に関する条例")
    assert any(f.source.line == 185 and "令和3年7月8日に制定" in f.text for f in ordinance)
    assert about(facts, "鎌倉海浜公園由比ガ浜地区のインクルーシブ遊具の設置")


def test_parsing_is_deterministic(facts):
    assert minutes.parse(TEXT, DOCUMENT).facts == facts


def test_detect_only_this_document():
    for path in sorted(SOURCES.glob("*.txt")):
        assert minutes.detect(path.read_text(encoding="utf-8")) == (path.name == DOCUMENT), path.name


@pytest.mark.parametrize("text", ["", " \n\n"])
def test_empty_file(text):
    with pytest.raises(CorpusError) as err:
        minutes.parse(text, "empty.txt")
    assert (err.value.document, err.value.line) == ("empty.txt", 1)


@pytest.mark.parametrize("cut", [47, 65, 94, 161, 222, 240])
def test_truncated_mid_sentence(cut):
    text = "\n".join(LINES[:cut])
    with pytest.raises(CorpusError) as err:
        minutes.parse(text, DOCUMENT)
    assert err.value.document == DOCUMENT and err.value.line == cut


def test_truncated_after_a_heading():
    text = "\n".join([*LINES[:214], "", "＜４.ケアラー支援にかかる取組＞"])
    with pytest.raises(CorpusError) as err:
        minutes.parse(text, DOCUMENT)
    assert err.value.line == 216


def test_other_documents_are_refused():
    for path in sorted(SOURCES.glob("*.txt")):
        if path.name != DOCUMENT:
            with pytest.raises(CorpusError) as err:
                minutes.parse(path.read_text(encoding="utf-8"), path.name)
            assert err.value.document == path.name and err.value.line
