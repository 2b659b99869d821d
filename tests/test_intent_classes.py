"""Cue patterns for kinds of questions (understand.py): pledge progress, department role, help, where-to-go,
indicator, pledge counts, and the one-stop cue for several troubles. Pure functions, no index."""

from types import SimpleNamespace

import pytest

from handlers import compose_windows
from handlers.understand import find_pledge_number, understand

DEPARTMENTS = ["発達支援室", "商工課", "総合防災課", "市社協", "社協", "福祉総務課"]


@pytest.mark.parametrize("text, number", [
    ("170項目のうち63番目は〇？△？", 63),
    ("全170件中の12番", 12),
    ("第55項目", 55),
    ("公約15の進捗は？", 15),
])
def test_count_is_not_the_pledge_number(text, number):
    assert find_pledge_number(text) == number


def test_pledge_count_question_is_a_search():
    u = understand("公約170項目のうち達成はいくつ？")
    assert u.pledge_number is None and u.intent == "search" and u.count


@pytest.mark.parametrize("text", ["ごみの収集、結局やったの？", "駅の話はどうなった", "庁舎の移転、いまどこまで進んでる？",
                                  "電柱をなくすって言ってたよね"])
def test_progress_cue(text):
    assert understand(text).status_cue


@pytest.mark.parametrize("text, cue", [
    ("鎌倉電力ってできたの？", True), ("残業ゼロは実現した？", True), ("バレエの事業ってやったの", True),
    ("共生社会の条例はいつできた？", False),  # a date
    ("無電柱化の条例はできた？", False),  # an ordinance question: ENACTED_CUE_RE weighs pledge against ordinance
    ("ごみの戸別収集の担当課", False),
])
def test_was_the_promise_kept_cue(text, cue):
    assert understand(text).status_cue is cue


@pytest.mark.parametrize("text", ["発達支援室はどんな事業を持ってる？", "商工課って福祉関係で何かしてるの？",
                                  "総合防災課は福祉計画で何を担当してる？", "市社協が担ってる取組って？"])
def test_department_role_question(text):
    u = understand(text, DEPARTMENTS)
    assert u.intent == "department"


def test_department_with_strong_who_stays_who_handles():
    assert understand("発達支援室の事業はどこの課？", DEPARTMENTS).intent == "who_handles"


@pytest.mark.parametrize("text", ["このボットで何ができるの？", "こんにちはー、はじめて使います"])
def test_help(text):
    assert understand(text).intent == "help"


def test_what_a_certificate_allows_is_not_help():
    assert understand("障害者手帳で何ができるの？").intent != "help"


@pytest.mark.parametrize("text", ["市内で強盗にあって大けがをしました。市から何か支援はありますか",
                                  "あおぞら園に通わせたいけど申込先は", "遺族への見舞金のような制度は",
                                  "失業して来月の家賃が払えそうにない"])
def test_where_to_go_phrasing(text):
    assert understand(text).intent == "find_window"


@pytest.mark.parametrize("text", ["自殺死亡率の最新値と目標", "虐待の相談件数を減らす目標"])
def test_indicator_phrasing(text):
    assert understand(text).intent == "kpi"


class _Vocabulary:  # no routing rows: only the phrasing cues can make a question "several troubles"
    routes: list = []
    route_keys: list = []


def _troubles(text):
    assistant = SimpleNamespace(vocabulary=_Vocabulary())
    return compose_windows.many_troubles(assistant, SimpleNamespace(text=text))


def test_listed_or_overwhelmed_troubles_are_many():
    assert _troubles("仕事はクビになるし貯金も底をついたし、親の介護もある")
    assert _troubles("何から相談したらいいのかわからない")
    assert not _troubles("親の介護が大変")
