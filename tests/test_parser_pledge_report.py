"""The pledge report parser: every pledge, its status, text and progress, or a precise refusal."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from corpus.models import CorpusError
from corpus.parsers import pledge_report

SOURCES = Path(__file__).resolve().parent.parent / "corpus" / "sources"
NAME = "000_4058a2969d686fab.txt"
TEXT = (SOURCES / NAME).read_text(encoding="utf-8")
LINES = TEXT.split("\n")
OTHERS = sorted(p.name for p in SOURCES.glob("*.txt") if p.name != NAME)


@pytest.fixture(scope="module")
def corpus():
    return pledge_report.parse(TEXT, NAME)


@pytest.fixture(scope="module")
def pledges(corpus):
    return {p.number: p for p in corpus.pledges}


def line_of(fragment: str) -> int:
    """1-based line of the only source line containing ``fragment``."""
    found = [i + 1 for i, line in enumerate(LINES) if fragment in line]
    assert len(found) == 1, (fragment, found)
    return found[0]


def replaced(old: str, new: str) -> str:
    assert TEXT.count(old) == 1, old
    return TEXT.replace(old, new)


def refusal(text: str, document: str = NAME) -> CorpusError:
    with pytest.raises(CorpusError) as caught:
        pledge_report.parse(text, document)
    assert caught.value.document == document
    return caught.value


# -- counts ---------------------------------------------------------------------------------


def test_all_170_pledges_in_order(corpus):
    assert [p.number for p in corpus.pledges] == list(range(1, 171))
    assert [p.id for p in corpus.pledges[:3]] == ["pledge-1", "pledge-2", "pledge-3"]


def test_totals_reproduce_the_reports_statement(corpus):
    assert corpus.stats()["pledges"] == {"total": 170, "achieved": 130, "in_progress": 37, "not_achieved": 3}


def test_marks_are_kept_as_printed_and_agree_with_status(corpus):
    expected = {"〇": "achieved", "△": "in_progress", "×": "not_achieved"}
    for pledge in corpus.pledges:
        assert expected[pledge.mark] == pledge.status, pledge.number
    assert sorted(p.number for p in corpus.pledges if p.status == "not_achieved") == [109, 148, 149]


# -- spot checks ----------------------------------------------------------------------------


def test_pledge_2_is_in_progress(pledges):
    assert pledges[2].status == "in_progress" and pledges[2].mark == "△"
    assert pledges[2].text.startswith("民間保育施設の誘致")
    assert len(pledges[2].progress) == 5  # one bullet per 4月1日現在 figure
    assert "待機児童数45人" in pledges[2].progress[-1]


def test_pledge_5_keeps_fiscal_year_labels_on_its_items(pledges):
    pledge = pledges[5]
    assert pledge.status == "achieved"
    assert pledge.category == "子供・子育て・教育"
    assert pledge.text.startswith("産後ケア事業を創設するなど")
    assert "鎌倉版ネウボラ" in pledge.text
    labels = [re.match(r"（[^）]*年度）", item).group() for item in pledge.progress]
    assert labels == ["（平成30年度）"] * 2 + ["（令和元年度）"] * 2 + ["（令和2年度）", "（令和3年度）"]
    assert pledge.progress[2] == "（令和元年度）妊婦を対象とした無料歯科健診の実施。"


def test_labelled_lines_without_bullets_become_items(pledges):
    assert pledges[7].progress[1:] == [
        "（平成30年度）関谷小",
        "（令和元年度）第二小、深沢小、富士塚小、植木小、御成中、深沢中、手広中",
        "（令和2年度）第二小、深沢小、今泉小、植木小、第一中、御成中、深沢中、岩瀬中",
    ]


def test_a_label_at_the_end_of_a_full_line_stays_with_its_item(pledges):
    first, second = pledges[31].progress[:2]
    assert first.endswith("体制を整備。（平成30年度）")
    assert second.startswith("市民が手軽い健康づくり")


def test_wrapped_pledge_text_is_joined(pledges):
    assert "「放課後かまくらっ子（放課後子ども総合プラン）」を平成32年度までに全校実施し" in pledges[3].text
    assert "学べる機会を拡大します。" in pledges[4].text
    for pledge in pledges.values():
        assert "\n" not in pledge.text and pledge.text == pledge.text.strip()


def test_cross_reference_is_kept(pledges):
    assert pledges[3].text.endswith("待機児童をなくします。（3-20）")


def test_text_crossing_a_page_break_is_joined_and_page_numbers_dropped(pledges):
    # 「…ともに創造し」 / page number 「22」 / 「ていくために…」
    assert any("皆さんとともに創造していくために、地元の商店会" in item for item in pledges[121].progress)
    # 「…統合した新たな観光」 / 「23」 / 「ホームページ…」
    assert any("統合した新たな観光ホームページ「鎌倉観光公式ガイド」" in item for item in pledges[126].progress)
    # a bullet that starts a new page (leading space) is still a bullet
    assert pledges[55].progress[1].startswith("福祉センター内に障害者二千人雇用センターを開設")
    # a pledge line that starts a new page (leading space) is still a pledge
    assert pledges[11].text.startswith("インクルーシブ教育システム")


def test_continued_headings_merge_into_their_category(pledges):
    assert pledges[13].category == pledges[14].category == "子供・子育て・教育"
    assert pledges[55].category == pledges[56].category == pledges[72].category == "健康・福祉"
    assert pledges[131].category == pledges[132].category == "産業振興・起業支援・就労支援"
    assert pledges[163].category == pledges[164].category == "行財政改革・イノベーション"
    assert len({p.category for p in pledges.values()}) == 8
    assert not any("健康・福祉-3" in item for item in pledges[55].progress)


def test_urls_are_joined_and_link_annotations_dropped(pledges):
    assert any(
        item.endswith(
            "（Google map） https://www.google.com/maps/d/viewer?mid=18Ae_Oem7TpZHVTHMX_SQbTtZX90"
            "&ll=35.33224433800168%2C139.53781149999997&z=13"
        )
        for item in pledges[84].progress
    )
    assert not any("http" in item for item in pledges[85].progress)  # repeated URLs after the page
    assert not any("youtube" in item for item in pledges[103].progress)
    assert (
        "オレンジカフェの紹介を実施しました https://kana.rakuraku.or.jp/kamakura/salon/orangecafe"
        in pledges[59].progress
    )


def test_stray_copy_of_the_next_pledge_is_removed_and_reported(corpus, pledges):
    assert not any("エンディングプランサポート事業を実現いたします" in item for item in pledges[42].progress)
    assert pledges[42].progress == ["社会福祉協議会での成年後見制度を周知し、費用助成を実施"]
    assert any(c.lines == [pledges[42].source.line, pledges[43].source.line] for c in corpus.conflicts)


def test_progress_printed_without_bullet_is_still_progress(pledges):
    assert pledges[168].text.endswith("未病政策を実現します。")
    assert len(pledges[168].progress) == 1
    assert pledges[168].progress[0].startswith("鎌倉市の国保医療データ等の分析を行い")
    assert pledges[168].progress[0].endswith("第2期鎌倉市データヘルス計画を策定しました。")


def test_widths_spacing_and_misread_characters_are_normalised(pledges):
    assert pledges[9].text.startswith("3歳児健康診断・5歳児すこやか相談")  # ３ → 3, 「5 歳児」 → 「5歳児」
    assert pledges[1].text == "希望出生率の達成を目指し、幼児教育（幼稚園・保育園等）の無償化を行います。"
    assert "相談窓口からソーシャルメディア" in pledges[6].text  # 窓ロ (katakana ro)
    assert "プレゼン力" in pledges[25].text and "マーケティング力" in pledges[126].text
    assert pledges[165].text.startswith("官民連携でIoTを")  # 1oT
    for pledge in pledges.values():
        assert not re.search(r"[０-９Ａ-Ｚａ-ｚ]", pledge.text + "".join(pledge.progress)), pledge.number
        assert not re.search(r"[()]", pledge.text), pledge.number


def test_more_pledges_checked_against_the_report(pledges):
    assert pledges[109].text == "ごみの戸別収集を実施します。"
    assert pledges[109].progress == ["戸別収集実施の検討に留まりました"]
    assert pledges[144].text.endswith("耐震強度が不足しているなどの課題を抱えています。")
    assert pledges[170].text.endswith("人材育成に取り組みます")
    assert pledges[100].category == "文化・芸術・歴史"
    assert "2館ずつの連携事業を実施。 鎌倉国宝館＆鎌倉歴史文化交流館" in pledges[100].progress[1]


# -- provenance and facts -------------------------------------------------------------------


def test_source_line_is_the_line_with_the_pledge_number(corpus):
    for pledge in corpus.pledges:
        assert pledge.source.document == NAME
        line = unicodedata.normalize("NFKC", LINES[pledge.source.line - 1]).strip()
        assert re.match(rf"{pledge.number}{re.escape(pledge.mark)}", line), (pledge.number, line)


def test_headline_figures_are_facts(corpus):
    facts = {f.topic: f for f in corpus.facts}
    expected = {
        "市債残高": ["799.5億円", "691.8億円", "108億円"],
        "基金残高": ["100.6億円", "102.3億円"],
        "総人口": ["176,242人", "177,053人", "811人"],
        "公約の達成状況": ["170項目", "130項目", "37項目", "3項目"],
    }
    for topic, figures in expected.items():
        assert all(figure in facts[topic].text for figure in figures), topic
    for fact in corpus.facts:
        assert fact.id == f"fact-000_4058a2969d686fab-{fact.source.line}"
        keyword = {"基金残高": "基金", "総人口": "人口", "公約の達成状況": "項目のうち"}.get(fact.topic, fact.topic)
        assert keyword in LINES[fact.source.line - 1]
    assert len({f.id for f in corpus.facts}) == len(corpus.facts)


def test_parsing_twice_gives_identical_records(corpus):
    assert pledge_report.parse(TEXT, NAME).model_dump() == corpus.model_dump()


# -- detection and refusals -----------------------------------------------------------------


def test_detects_only_the_pledge_report():
    assert pledge_report.detect(TEXT)
    for name in OTHERS:
        assert not pledge_report.detect((SOURCES / name).read_text(encoding="utf-8")), name


@pytest.mark.parametrize("name", OTHERS)
def test_other_documents_are_refused(name):
    refusal((SOURCES / name).read_text(encoding="utf-8"), name)


@pytest.mark.parametrize("text", ["", " \n\n \n"])
def test_empty_file_is_refused(text):
    assert "空" in refusal(text).message


def test_truncated_file_is_refused():
    keep = int(len(LINES) * 0.6)
    text = "\n".join(LINES[:keep])
    assert pledge_report.detect(text)
    error = refusal(text)
    assert 1 <= error.line <= keep
    assert "170" in error.message


def test_unknown_status_mark_is_refused():
    error = refusal(replaced("５〇産後ケア", "５□産後ケア"))
    assert error.line == line_of("５〇産後ケア")
    assert "□" in error.message and "5" in error.message


def test_missing_pledge_number_is_refused():
    error = refusal(replaced("５〇産後ケア", "産後ケア"))
    assert error.line == line_of("６〇いじめ")
    assert "5" in error.message


def test_duplicated_pledge_number_is_refused():
    error = refusal(replaced("６〇いじめ", "５〇いじめ"))
    assert error.line == line_of("６〇いじめ")
    assert "重複" in error.message and str(line_of("５〇産後ケア")) in error.message


def test_marks_disagreeing_with_the_statement_are_refused():
    error = refusal(replaced("１〇希望出生率", "１△希望出生率"))
    assert error.line == line_of("達成が 130項目")
    assert "130" in error.message and "129" in error.message
