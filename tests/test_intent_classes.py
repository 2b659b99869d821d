"""Cue patterns for kinds of questions (understand.py): pledge progress, department role, help, where-to-go,
indicator, pledge counts, and the one-stop cue for several troubles. Pure functions, no index."""

from types import SimpleNamespace

import pytest

from corpus.models import Fact, Source
from handlers import compose_windows
from handlers.understand import find_pledge_number, strip_cues, understand

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


@pytest.mark.parametrize("text", ["地域共生課の所管", "こうれいしゃいきいきか のしごと"])
def test_what_a_department_covers(text):
    u = understand(text, ["地域共生課", "高齢者いきいき課"])
    assert u.intent == "department"


@pytest.mark.parametrize("text", ["こども相談課って今は何課になってるの？", "こども家庭相談課って昔の名前なに"])
def test_a_departments_other_name_is_asked_of_the_department(text):
    assert understand(text, ["こども相談課", "こども家庭相談課"]).intent == "department"  # even with 何課


@pytest.mark.parametrize("text", ["生活福祉課の仕事　ざっくり", "生活福祉課の取組一覧をみたい"])
def test_a_departments_work_asked_loosely(text):
    assert understand(text, ["生活福祉課"]).intent == "department"


@pytest.mark.parametrize("text, intent", [
    ("こども相談課とこども家庭相談課ってちがうの？", "department"),  # two departments compared
    ("こども家庭相談課と同じ建物に相談窓口ある？", "find_window"),  # one department: 同じ is no comparison
])
def test_two_departments_compared(text, intent):
    assert understand(text, ["こども相談課", "こども家庭相談課"]).intent == intent


@pytest.mark.parametrize("text", ["娘が働きたいって言ってるんだけど就職の相談どこ？", "民生委員です。どこにつなげばいいでしょう",
                                  "母の要介護認定、申請はどこの課ですか", "少しずつ働く準備から支援してもらえる制度を探してます"])
def test_a_place_to_go_asked_in_other_words(text):
    u = understand(text)
    assert u.intent == "find_window" and not u.status_cue  # 「働きたいって言ってる」 is a wish, not a promise


@pytest.mark.parametrize("text", ["市長の公約、何％くらい達成したの", "公約の〇△✖、結局何項目達成したんだっけ"])
def test_the_reports_tally_asked_without_its_total(text):
    u = understand(text)
    assert u.intent == "search" and u.count


def test_a_promise_to_make_an_ordinance_asked_with_公約_is_the_pledge(madoguchi_runtime):
    # The ordinance exists, but the question asks about the promise (公約) to make it: its status answers.
    answer = madoguchi_runtime.assistant.ask("電柱をなくして歩道を広げるって公約、条例は作った？")
    assert answer.intent == "pledge_status" and answer.results[0].kind == "pledge"


@pytest.mark.parametrize("text", ["民生委員ってどういう立場の人？お金もらえるの？", "ケアラーってどういう人のこと？手当は出るの？"])
def test_what_a_thing_is_stays_a_search_beside_a_can_i_get_cue(text):
    # 「〜出るの？」 asks about the thing defined, not where the asker can get it.
    u = understand(text)
    assert u.intent == "search" and "meaning" in u.asks


@pytest.mark.parametrize("text, intent", [
    ("仕事ばなくして、家賃も払えんごとなっとる。どげんしたらよかと", "find_window"),  # Kyushu: 払えん = 払えない
    ("定期購入の解約ができへん。どこに言うたらええの", "find_window"),  # Kansai: 言うたら
    ("泊まりで休める産後ケアってありますか", "find_window"),  # whether a service exists
    ("ケアラー支援条例ができたって聞いたけど、介護でもう限界。私はどこに相談すれば？", "find_window"),
    ("ケアラー支援条例の目的は？どこに相談すればいいかも知りたい", "ordinance"),  # the ordinance itself is asked too
    ("市民相談課はどうなったんですか", "department"),
    ("地域の課題で市民がいちばん多く挙げたのは何？", "search"),
])
def test_more_ways_of_asking(text, intent):
    assert understand(text, ["市民相談課"]).intent == intent


def test_一番_is_the_most_not_pledge_one():
    u = understand("困ったとき誰に相談してるか、アンケートで一番多かったのは？")
    assert u.pledge_number is None and u.intent == "search" and "survey" in u.asks
    assert understand("一番の公約は？").pledge_number == 1


def test_a_staff_members_own_department_is_not_the_topic():
    u = understand("商工課です。事業者さんから障害のある人を雇いたいと相談されました。どこを案内すれば", ["商工課"])
    assert u.department is None and u.intent == "find_window"
    assert "事業者さん" in u.text  # 〜さんから is no dialect negation


@pytest.mark.parametrize("text", ["総合防災課が受け持ってる福祉関係の取組を一覧で", "総合防災課は福祉計画で何をやることになってる？",
                                  "総合防災課って、前は別の名前だった？"])
def test_what_a_department_does_asked_at_length(text):
    assert understand(text, ["総合防災課"]).intent == "department"


def test_what_questions_it_answers_is_help():
    assert understand("どんな質問なら答えてくれるの？").intent == "help"


def test_a_common_mis_writing_of_条例_is_an_ordinance_question():
    assert understand("ごみ屋敷の条令ってある？").intent == "ordinance"


def test_department_with_strong_who_stays_who_handles():
    assert understand("発達支援室の事業はどこの課？", DEPARTMENTS).intent == "who_handles"


@pytest.mark.parametrize("text", ["このボットで何ができるの？", "こんにちはー、はじめて使います", "このLINEって何を聞けるの？",
                                  "ありがとう。ほかに何ができるの？", "父の代わりにいろいろ聞いてもいいですか？",
                                  "おはようございます。ここって何が聞けるんですか？", "はじめまして。どうやって質問すればいい？"])
def test_help(text):
    assert understand(text).intent == "help"


def test_how_to_use_a_service_is_not_help():
    assert understand("介護保険はどうやって使えばいいの").intent != "help"


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
    assert not _troubles("働きたい気持ちはあるけど何から始めれば")  # a first step, not several troubles
    assert _troubles("何から誰に話せばいいのかもうわからない")


@pytest.mark.parametrize("text, cue", [
    ("重層的支援体制整備事業はいつ始まった", "date"), ("鎌倉の人口、2025年は何人？", "number"),
    ("ヤングケアラーってどういう意味", "meaning"), ("障害のある人の数は増えてる？減ってる？", "trend"),
    ("困ったとき市民は誰に相談してる？アンケート結果", "survey"),
])
def test_fact_cue(text, cue):
    assert cue in understand(text).asks


@pytest.mark.parametrize("text, asks", [
    ("きらきらの開設1年目の利用者数", ("number",)),  # 開設 names the period; the count is asked
    ("きらきらはいつ開設？利用者数も", ("date", "number")),  # いつ asks the date too
    ("相談窓口の年間の相談件数", ("number",)),
    ("利用者3045人って何日間の数字？", ("number",)),
    ("きらきら、開設から年末までの利用社数", ("number",)),  # 者 mistyped as 社
])
def test_a_count_asked_about_a_period_asks_the_count(text, asks):
    assert understand(text).asks == asks


@pytest.mark.parametrize("text", ["ヤングケアラーの相談窓口", "アンケートって何人くらい答えたの"])
def test_no_meaning_cue_without_asking_for_one(text):
    assert "meaning" not in understand(text).asks  # 「って何人」 asks for a number, not a definition


def test_strip_cues_keeps_the_topic():
    assert strip_cues("重層的支援体制整備事業はいつ始まった").startswith("重層的支援体制整備事業")
    assert "増えて" not in strip_cues("障害のある人の数は増えてる？")


def test_survey_result_is_a_search_not_a_window():
    assert understand("困ったとき市民は誰に相談してる？アンケート結果").intent == "search"
    assert understand("困ったとき誰に相談できる？").intent != "search"


def _fact(n: int, topic: str, text: str) -> Fact:
    return Fact(id=f"fact-t-{n}", source=Source(document="t.txt", line=n), topic=topic, text=text)


def _order(assistant, question: str, facts: list[Fact]) -> list[str]:
    hits = [(f.id, "passage", 1.0, f) for f in facts]
    return [h[0] for h in assistant._rerank(understand(question), hits)]


def test_fact_stating_what_is_asked_goes_first_on_the_same_topic(madoguchi_runtime):
    facts = [_fact(1, "ヤングケアラー支援", "ヤングケアラー支援を進めます。"),
             _fact(2, "公園の整備", "令和4年度に公園の整備を開始した。"),  # a date, but another topic
             _fact(3, "ヤングケアラー支援", "令和4年度にヤングケアラー支援を開始した。")]
    assistant = madoguchi_runtime.assistant
    dated = _order(assistant, "ヤングケアラー支援はいつ始まった", facts)
    assert dated[0] == "fact-t-3"
    assert dated.index("fact-t-1") < dated.index("fact-t-2")  # the off-topic date does not jump ahead
    # Without a cue the dated record gets no lift: the two on-topic ones score within a hair of each other.
    plain = {h[0]: h[2] for h in assistant._rerank(understand("ヤングケアラー支援"), [(f.id, "passage", 1.0, f)
                                                                                   for f in facts])}
    cued = {h[0]: h[2] for h in assistant._rerank(understand("ヤングケアラー支援はいつ始まった"),
                                                  [(f.id, "passage", 1.0, f) for f in facts])}
    assert cued["fact-t-3"] - cued["fact-t-1"] > plain["fact-t-3"] - plain["fact-t-1"] + 0.3


def test_year_named_in_the_question_breaks_a_tie(madoguchi_runtime):
    facts = [_fact(1, "人口", "市の総人口は令和2年に177,053人でした。"),
             _fact(2, "人口", "市の総人口は令和7年(2025年)に169,293人でした。")]
    assert _order(madoguchi_runtime.assistant, "人口、2025年は何人？", facts)[0] == "fact-t-2"
    assert _order(madoguchi_runtime.assistant, "人口、2020年は何人？", facts)[0] == "fact-t-1"


@pytest.mark.parametrize("text", ["バス路線の見直しってスタートしたの？", "図書館の改修、始まったの？", "給食の無償化、終わった？",
                                  "海岸清掃の計画って進んだ？"])
def test_yes_or_no_progress_words_are_a_status_cue(text):
    assert understand(text).status_cue


def test_when_it_started_is_a_date_not_a_status_cue():
    u = understand("図書館の改修はいつ始まったの？")
    assert not u.status_cue and "date" in u.asks


@pytest.mark.parametrize("text", ["介護の相談をしたい、どこの課に行けばいいですか", "where do I ask about child care?"])
def test_going_somewhere_to_ask_is_a_window(text):
    assert understand(text).intent == "find_window"


def test_which_department_without_going_stays_who_handles():
    assert understand("高齢者の見守りの取組はどこの課？").intent == "who_handles"


@pytest.mark.parametrize("text", ["What can this assistant do for me?", "できることの一覧を見せて"])
def test_asking_what_the_service_does_is_help(text):
    assert understand(text).intent == "help"


def test_fact_question_naming_a_window_shows_the_fact_in_the_top_three(madoguchi_runtime):
    # 「〜のは何年？」 asks a fact of the past: a search, whose top three hold the fact that states the year.
    answer = madoguchi_runtime.assistant.ask("ひきこもり支援に市が取り組み始めたのは何年？", audience="staff")
    assert answer.intent == "search"
    assert any(r.id.startswith("fact-") and "令和" in r.title for r in answer.results[:3])
