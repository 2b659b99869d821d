"""English questions: the intent cues, the crisis cue and the English vocabulary give the answers a Japanese
question of the same meaning gets."""

from __future__ import annotations

import pytest

from handlers.understand import understand


@pytest.fixture(scope="module")
def assistant(madoguchi_runtime):
    return madoguchi_runtime.assistant


def top(answer, n: int = 3) -> list[str]:
    return [r.id for r in answer.results[:n]]


# -- crisis: a person who wants to die, never the policy words ------------------------------------------------

@pytest.mark.parametrize("text", ["I want to die", "I feel suicidal and don't know who to call.",
                                  "My son says he wants to kill himself. What should I do?",
                                  "I've been thinking about suicide", "I don't want to live anymore",
                                  "I want to end my life"])
def test_english_crisis_phrasings_are_a_crisis(text):
    u = understand(text)
    assert u.crisis and u.intent == "find_window"


@pytest.mark.parametrize(("text", "intent"), [
    ("Which division is in charge of suicide prevention measures in Kamakura?", "who_handles"),
    ("What is the target for the suicide mortality rate?", "kpi"),
])
def test_staff_questions_about_suicide_policy_are_not_a_crisis(text, intent):
    u = understand(text)
    assert not u.crisis and u.intent == intent


def test_suicide_prevention_question_gets_the_initiative_not_the_care_answer(assistant):
    answer = assistant.ask("Which division is in charge of suicide prevention measures in Kamakura?", audience="staff")
    assert answer.intent == "who_handles"
    assert set(top(answer)) & {"initiative-2-1-2-8", "initiative-3-1-4-10", "initiative-3-2-4-8"}
    assert "119" not in answer.text  # no emergency numbers: nobody here is in danger


# -- intent cues -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "intent"), [
    ("What happened to the mayor's promise to train more dementia supporters?", "pledge_status"),
    ("Did the mayor keep his promise to eliminate nursery school waiting lists?", "pledge_status"),
    ("Which division is running the barrier-free travel consultation desk trial?", "who_handles"),
    ("What department handles the wheelchair lending service?", "who_handles"),
    ("Is there any support for crime victims and their families?", "find_window"),
    ("How do I apply for welfare benefits in Kamakura?", "find_window"),
    ("My grandmother lives alone. Can the city arrange meal delivery for her?", "find_window"),
    ("I want to volunteer in my neighbourhood. Where do I sign up?", "find_window"),
])
def test_english_intent_cues(text, intent):
    assert understand(text).intent == intent


@pytest.mark.parametrize("text", ["What does the 地域のつながり課 (community ties division) handle?",
                                  "What is the 地域のつながり課 responsible for?"])
def test_what_a_named_division_does_is_its_department_page(text):
    u = understand(text, ["地域のつながり課", "障害福祉課"])
    assert u.intent == "department" and u.department == "地域のつながり課"


def test_english_vocabulary_keeps_japanese_questions_as_they_were():
    # The English cues are whole English words: a Japanese question never meets them.
    assert understand("自殺対策の取組の担当").intent == "who_handles"
    assert not understand("自殺対策の取組の担当").crisis


# -- answers ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expect"), [
    ("My elderly mother can't find an apartment to rent in Kamakura because of her age. Who helps with housing?",
     {"window-kyojuu-shien"}),
    ("My elderly mother lives alone in Kamakura and I live overseas. Who can check on her and advise us about care?",
     {"window-houkatsu"}),
    ("My husband hits me. Where can I get help?", {"window-dv"}),
    ("My 2-year-old isn't talking yet. Where can I get a consultation about her development?",
     {"window-hattatsu-shien"}),
    ("A door-to-door salesman made me sign an expensive contract. How can I cancel it?",
     {"window-shouhi-seikatsu", "window-shouhisha-hotline"}),
])
def test_english_needs_get_their_window_first(assistant, text, expect):
    answer = assistant.ask(text, audience="citizen")
    assert answer.intent == "find_window"
    assert answer.results and answer.results[0].id in expect, top(answer)


@pytest.mark.parametrize(("text", "expect"), [
    ("What happened to the mayor's promise to train more dementia supporters?", "pledge-58"),
    ("Any progress on the promise to start Kamakura Electric Power?", "pledge-118"),
    ("What happened to the pledge to move city hall to Fukasawa?", "pledge-144"),
])
def test_english_pledge_progress_finds_the_pledge(assistant, text, expect):
    answer = assistant.ask(text, audience="staff")
    assert answer.intent == "pledge_status"
    assert expect in top(answer), top(answer)


@pytest.mark.parametrize(("text", "expect"), [
    ("Which division is running the barrier-free travel consultation desk trial?", "initiative-1-2-4-18"),
    ("Which department handles the elderly watch registration system?", "initiative-1-1-1-5"),
    ("Who runs the school social worker program?", "initiative-3-3-5-4"),
])
def test_english_who_handles_finds_the_initiative(assistant, text, expect):
    answer = assistant.ask(text, audience="staff")
    assert answer.intent == "who_handles"
    assert answer.results[0].id == expect, top(answer)


def test_english_department_question_opens_the_department(assistant):
    answer = assistant.ask("What does the 地域のつながり課 (community ties division) handle?", audience="staff")
    assert answer.intent == "department"
    assert answer.results[0].id == "department-地域のつながり課"


@pytest.mark.parametrize("text, plan", [("I can't afford food this month", "生活困窮"),
                                        ("a door-to-door salesman tricked my mother", "消費生活相談"),
                                        ("my son is a shut-in", "ひきこもり")])
def test_english_phrases_with_an_apostrophe_or_hyphen_match(text, plan):
    # The text is compared word by word with punctuation as spaces; the phrase must be read the same way.
    from corpus.synonyms import load_synonyms, matches

    assert any(plan in entry.plan for entry in matches(text, load_synonyms()))


def test_an_english_phrase_inside_a_longer_one_belongs_to_it(assistant):
    # "money" (poverty) said inside "manage her money" (guardianship) is that phrase, as in Japanese.
    said = [entry.plan for entry, _ in assistant.vocabulary.said("My mother has dementia and cannot manage her money")]
    assert any("成年後見" in plan for plan in said)
    assert not any("生活困窮" in plan for plan in said)


def test_an_english_question_searches_with_what_its_words_mean(assistant):
    # "care" must not pull ダブルケア rows ahead of the long-term care window.
    answer = assistant.ask("My father needs a long-term care assessment. Which office handles that?")
    assert {"window-kaigo-hoken", "window-houkatsu"} & set(top(answer))


def test_a_window_named_in_romaji_is_searched_by_its_name_in_a_figure_question():
    u = understand("How many people used Kirakira last year?", windows=["きらきら"])
    assert u.figure and "きらきら" in u.query
