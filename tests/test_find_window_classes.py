"""「どこに行けばいい？」 in people's own words: windows first, combined phrasings, several troubles counted by
area, where-to-go cues, and ordinances found by what they do. Phrasings here are not in the gold sets."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from corpus.models import Corpus, CorpusError, Ordinance, Passage, Source
from corpus.synonyms import load_synonyms, synonym
from handlers import compose_windows
from handlers.understand import understand
from handlers.vocabulary import Vocabulary
from index.build import document, mention_context, with_context


def _entry(say, plan, line):
    return synonym(say, plan, "test", line)


# -- say phrases told by two things together (corpus/synonyms.py, handlers/vocabulary.py) -----------------------------------------------------------

YOUNG = _entry(["中学生|高校生+介護|世話"], ["ヤングケアラー"], 1)
CARE = _entry(["介護"], ["ケアラー"], 2)
CHILD = _entry(["育児"], ["子育て"], 3)
DOUBLE = _entry(["育児+介護"], ["ダブルケア"], 4)


def test_a_combined_phrase_needs_every_part():
    vocabulary = Vocabulary([YOUNG], [])
    assert "ヤングケアラー" in vocabulary.expand("高校生の息子が祖母の介護をしている")
    assert "ヤングケアラー" in vocabulary.expand("中学生です。弟の世話ばかりで勉強できない")  # parts apart
    assert vocabulary.expand("祖母の介護で疲れた") == ()
    assert vocabulary.expand("高校生の息子の進路") == ()


@pytest.mark.parametrize("phrase", ["介護+", "+介護", "中学生|+介護"])
def test_a_together_phrase_with_an_empty_part_is_refused_with_its_line(tmp_path, phrase):
    path = tmp_path / "synonyms.yaml"
    path.write_text(f'- say: [ok]\n  plan: [x]\n  why: w\n- say: ["{phrase}"]\n  plan: [y]\n  why: w\n',
                    encoding="utf-8")
    with pytest.raises(CorpusError) as error:
        load_synonyms(path)
    assert error.value.line == 4


def test_a_word_said_inside_a_combined_phrase_belongs_to_it():
    vocabulary = Vocabulary([CARE, CHILD, DOUBLE], [])
    terms = vocabulary.expand("父の介護と子の育児が重なって")
    assert "ダブルケア" in terms and "子育て" not in terms and "ケアラー" not in terms
    assert "子育て" in vocabulary.expand("育児がつらい")  # alone, the plain entry speaks


def test_a_phrase_said_inside_a_longer_phrase_of_another_entry_belongs_to_the_longer_one():
    development = _entry(["療育"], ["発達支援"], 5)
    card = _entry(["療育手帳"], ["障害者手帳"], 6)
    vocabulary = Vocabulary([development, card], [])
    assert vocabulary.expand("娘の療育手帳をとりたい") == ("障害者手帳",)
    assert vocabulary.expand("療育を受けたい") == ("発達支援",)
    assert set(vocabulary.expand("療育と療育手帳のこと")) == {"発達支援", "障害者手帳"}  # said apart, both


def test_what_a_phrase_means_is_given_with_the_words_it_covers():
    fishing = _entry(["漁港", "漁師"], ["水産業", "農業"], 7)
    vocabulary = Vocabulary([fishing, _entry(["療育"], ["発達支援"], 8)], [])
    assert vocabulary.meanings("漁港で働きたい") == ((("漁港",), ("水産業", "農業")),)
    assert vocabulary.meanings("ふつうの質問") == ()


def test_a_together_phrase_of_three_parts_needs_all_three():
    report = _entry(["隣|近所+子|こども+叩かれ|泣き叫"], ["児童虐待"], 9)
    vocabulary = Vocabulary([report], [])
    assert vocabulary.expand("隣の家の子が毎晩泣き叫んでる") == ("児童虐待",)
    assert vocabulary.expand("夫に叩かれる。子どもを連れて逃げたい") == ()  # no neighbour: not a report of abuse


# -- several troubles, counted by area (handlers/compose_windows.py) -----------------------------------------

ROUTES = [
    SimpleNamespace(keywords=["生活困窮"], first=["w-money"], next=[]),
    SimpleNamespace(keywords=["子ども"], first=["w-child"], next=["w-family"]),
    SimpleNamespace(keywords=["不登校"], first=["w-school"], next=["w-child"]),
    SimpleNamespace(keywords=["介護"], first=["w-elder"], next=[]),
    SimpleNamespace(keywords=["子育て"], first=["w-child"], next=[]),
    SimpleNamespace(keywords=["ダブルケア"], first=["w-carer"], next=[]),
]
WORK = _entry(["働けず", "仕事を切られ"], ["生活困窮"], 10)


def _count(text, synonyms=(WORK,)):
    vocabulary = Vocabulary(list(synonyms), ROUTES)
    return compose_windows.troubles(SimpleNamespace(vocabulary=vocabulary), SimpleNamespace(text=text))


def test_rows_the_table_links_are_one_trouble():
    assert _count("子どもが不登校") == 1  # 不登校's next window is the 子ども row's first


def test_what_people_say_counts_by_its_plan_words_once():
    assert _count("夫は働けず、私も仕事を切られた") == 1
    assert _count("夫は働けず、子どもは不登校") == 2


def test_a_combined_phrase_is_one_trouble():
    assert _count("父の介護と子の育児が重なって", [CARE, CHILD, DOUBLE]) == 1
    assert _count("父の介護がある。子育てもある", [CARE, CHILD, DOUBLE]) == 2


def test_not_knowing_where_with_two_troubles_is_the_one_stop_case():
    def many(text):
        vocabulary = Vocabulary([WORK], ROUTES)
        return compose_windows.many_troubles(SimpleNamespace(vocabulary=vocabulary), SimpleNamespace(text=text))

    assert many("夫は働けず、子どもは不登校。どこに相談したらいいかわからない")
    assert not many("夫は働けず、子どもは不登校")
    assert not many("子どもが不登校。どこに相談したらいいかわからない")
    assert many("介護も子育ても仕事も、全部まとめて相談できるところ")


# -- where-to-go cues (handlers/understand.py) ----------------------------------------------------------------

@pytest.mark.parametrize("text", ["保育園の申込みはどこ？", "Who should I contact about my son's bullying?",
                                  "障害のある息子が働きたいって言ってる。相談できる？"])
def test_where_to_go_cues(text):
    u = understand(text)
    assert u.intent == "find_window" and u.goes


def test_a_topic_question_does_not_ask_where_to_go():
    assert not understand("保育園の待機児童は減った？").goes


# -- ordinances by what they do (index/build.py) -------------------------------------------------------------

def test_an_ordinance_without_a_purpose_is_indexed_with_the_sentence_that_mentions_it():
    at = Source(document="a.txt", line=10)
    corpus = Corpus(
        ordinances=[Ordinance(id="ordinance-x", name="企業立地等促進条例", source=at, mentions=[at]),
                    Ordinance(id="ordinance-y", name="共生条例", purpose="共生社会を実現する。", source=at)],
        passages=[Passage(id="passage-a-1", title="t", text="前の段落。", source=Source(document="a.txt", line=1)),
                  Passage(id="passage-a-9", title="t", text="企業立地等促進条例に基づき、事業所の新設",
                          source=Source(document="a.txt", line=9)),
                  Passage(id="passage-a-12", title="t", text="に対し、固定資産税を軽減。",
                          source=Source(document="a.txt", line=12)),
                  Passage(id="passage-a-20", title="t", text="関係のない話。", source=Source(document="a.txt", line=20))],
    )
    context = mention_context(corpus)
    assert "ordinance-y" not in context  # its own purpose says what it does
    assert "固定資産税を軽減" in context["ordinance-x"] and "前の段落" not in context["ordinance-x"]
    assert "関係のない話" not in context["ordinance-x"]
    assert "固定資産税" in with_context(document(corpus.ordinances[0]), context["ordinance-x"])["body"]


# -- end to end on the real corpus ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def assistant(madoguchi_runtime):
    return madoguchi_runtime.assistant


@pytest.mark.parametrize("text, windows", [
    ("息子が朝になると頭が痛いと言って学校に行きたがらない", {"window-kyoiku-center"}),
    ("夜道で襲われてけがをした。支援はある？", {"window-hanzai-higaisha"}),
    ("高1の息子が父親の看病で学校を休んでいる", {"window-carer"}),
    ("精神疾患があって働けるか不安。相談できる？", {"window-nisennin-koyou"}),
    ("子どもの習い事のお迎えを頼みたい", {"window-family-support"}),
    ("高校中退した娘が家でぶらぶらしている。働く相談は", {"window-wakamono-shoukou", "window-wakamono-saposute"}),
    ("年金では足りなくて生活が苦しい", {"window-incl", "window-seikatsu-fukushi"}),
    ("80歳の父がアパートを借りられない", {"window-kyojuu-shien"}),
    ("父の介護と子の育児が重なってつらい", {"window-carer", "window-houkatsu"}),
    ("妻は入院中で働けず、息子は学校に行けない、私も仕事を切られた。どこに相談したらいいかわからない",
     {"window-kurashi-fukushi"}),
])
def test_peoples_words_reach_the_window(assistant, text, windows):
    answer = assistant.ask(text)
    assert answer.intent == "find_window"
    assert answer.results and answer.results[0].id in windows, [r.id for r in answer.results[:3]]


def test_no_fitting_window_offers_windows_and_the_one_stop_window(assistant, madoguchi_runtime):
    one_stop = next(w for w in madoguchi_runtime.live.current().all("window") if w.one_stop)
    answer = assistant.ask("ぴよぴよ星の宇宙船の燃料、どこに相談すれば")
    assert answer.intent == "find_window" and not answer.confident
    assert "見つかりませんでした" in answer.text and one_stop.name in answer.text
    assert {r.kind for r in answer.results} == {"window"}  # never a department or pledge that shares a word
    assert one_stop.id in [r.id for r in answer.results]


def test_an_ordinance_is_found_by_what_it_does(assistant):
    answer = assistant.ask("設備投資の固定資産税を軽減する条例")
    assert answer.results[0].id == "ordinance-a9436c4be7"


def test_a_phrase_that_starts_with_a_digit_is_not_read_inside_a_longer_number():
    toddler = _entry(["2歳"], ["乳幼児"], 1)
    vocabulary = Vocabulary([toddler], [])
    assert vocabulary.expand("2歳の子と遊べる場所") == ("乳幼児",)
    assert vocabulary.expand("22歳、ずっと働いてない") == ()  # 22歳 is not 2歳
