"""Japanese analysis: Sudachi tokenizer, reading and n-gram analyzers."""

from __future__ import annotations

import pickle
import threading

from index.analysis import (
    analyze,
    japanese_analyzer,
    ngram_analyzer,
    reading,
    reading_analyzer,
    sudachi_tokenizer,
)
from index.schema import build_schema

JA = japanese_analyzer()


def tokens(text: str) -> list[tuple[str, int]]:
    return [(t.text, t.pos) for t in JA(text, positions=True)]


def test_normalized_forms_meet():
    forms = {spelling: analyze(JA, spelling) for spelling in ("子ども", "こども", "子供")}
    assert forms["子ども"] == forms["こども"] == forms["子供"]
    assert forms["子供"]  # not all dropped


def test_width_and_case_are_normalised():
    assert analyze(JA, "ｹｱﾗｰ支援") == analyze(JA, "ケアラー支援")
    assert analyze(JA, "ＡＢＣ") == ["abc"]


def test_a_units_share_the_position_of_the_c_unit():
    toks = tokens("鎌倉市の相談窓口に行く")
    positions = {text: pos for text, pos in toks}
    assert {"相談窓口", "相談", "窓口"} <= set(positions)
    assert positions["相談"] == positions["窓口"] == positions["相談窓口"]
    assert positions["相談窓口"] > positions["鎌倉"]  # positions still advance between C units


def test_particles_auxiliaries_symbols_and_stop_words_are_dropped():
    terms = analyze(JA, "窓口の場所を教えてください。どこですか？")
    assert "窓口" in terms and "場所" in terms
    for dropped in ("の", "を", "です", "か", "。", "？", "?", "教える", "下さる", "どこ"):
        assert dropped not in terms


def test_hiragana_reading_meets_katakana_and_kanji():
    query = set(analyze(reading_analyzer(), "けあらーしえん"))
    title = set(analyze(reading_analyzer(), "ケアラー支援の推進"))
    assert query and query <= title
    assert reading("ケアラー支援") == ["ケアラーシエン"]


def test_ngrams_overlap_for_a_typo():
    typo = set(analyze(ngram_analyzer(), "ヤングケアラ"))
    right = set(analyze(ngram_analyzer(), "ヤングケアラー"))
    assert typo and typo <= right
    # hiragana is folded to katakana, so a kana spelling meets the other
    assert set(analyze(ngram_analyzer(), "やんぐけあら")) == typo


def test_long_input_is_chunked_without_error():
    text = ("福祉の相談窓口について。" * 500) + "\n" + "あ" * 20000
    toks = tokens(text)
    assert len(toks) >= 1000
    positions = [pos for _, pos in toks]
    assert positions == sorted(positions)


def test_analyzers_pickle_without_sudachi_state():
    JA("子ども")  # make sure this thread already has its Sudachi tokenizer
    schema = build_schema()
    data = pickle.dumps(schema)
    assert b"sudachipy" not in data  # no Sudachi object travels with the schema
    restored = pickle.loads(data)
    assert analyze(restored["title"].analyzer, "子ども") == analyze(JA, "子供")
    assert analyze(pickle.loads(pickle.dumps(JA)), "相談窓口") == analyze(JA, "相談窓口")


def test_one_sudachi_tokenizer_per_thread():
    mine = sudachi_tokenizer()
    assert sudachi_tokenizer() is mine
    other, errors = [], []

    def work():
        try:
            other.append(sudachi_tokenizer())
            for _ in range(200):
                assert analyze(JA, "ケアラー支援の推進") == ["ケアラー", "支援", "推進"]
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for _ in range(200):
        analyze(JA, "地域包括支援センター")
    for t in threads:
        t.join()
    assert not errors
    assert all(t is not mine for t in other)
