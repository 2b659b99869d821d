"""The welfare-policy table parser: 48 policies, their year grid and curated fields, or a precise refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from corpus.models import CorpusError
from corpus.parsers import welfare_policy

REPO = Path(__file__).resolve().parent.parent
SOURCES = REPO / "corpus" / "sources"
NAME = "001_59ad32d1b3608003.txt"
TEXT = (SOURCES / NAME).read_text(encoding="utf-8")
LINES = TEXT.splitlines()
OTHERS = sorted(p.name for p in SOURCES.glob("*.txt") if p.name != NAME)
CURATED = REPO / "corpus" / "curated" / "policies.yaml"


def flat(text: str) -> str:
    """The test's own whitespace-free form (independent of the parser's helper)."""
    return "".join(text.split())


FLAT_SOURCE = flat(TEXT)


@pytest.fixture(scope="module")
def corpus():
    return welfare_policy.parse(TEXT, NAME)


@pytest.fixture(scope="module")
def policies(corpus):
    return {p.number: p for p in corpus.policies}


def year(policy, label):
    return next(y for y in policy.years if y.year == label)


def test_detects_only_its_own_document():
    assert welfare_policy.detect(TEXT)
    for other in OTHERS:
        assert not welfare_policy.detect((SOURCES / other).read_text(encoding="utf-8")), other


def test_exactly_48_policies_numbered_1_to_48(corpus):
    assert [p.number for p in corpus.policies] == list(range(1, 49))
    assert [p.id for p in corpus.policies] == [f"policy-{n}" for n in range(1, 49)]
    assert corpus.documents == {NAME: "welfare_policy"}
    for p in corpus.policies:
        assert p.title and p.departments and p.aim and p.outcome, p.number
        assert p.years, p.number


def test_record_line_is_where_the_title_is_printed(corpus):
    for p in corpus.policies:
        assert p.source.document == NAME
        title_start = flat(p.title)[:6]
        assert title_start in flat(LINES[p.source.line - 1]), (p.number, p.source.line)


def test_policy_7_title_and_department(policies):
    # Read in the source: 「07」 is followed by 「地域共生課・福祉の総合相談窓口として…」 (the ・ opens
    # the aim, not a second department) and the page ends with 「「（仮称）共生窓口」の設置」.
    p = policies[7]
    assert p.title == "「（仮称）共生窓口」の設置"
    assert p.departments == ["地域共生課"]
    assert p.aim.startswith("・福祉の総合相談窓口として「（仮称）共生窓口」を設置する")
    assert LINES[p.source.line - 1].strip() == p.title


def test_policies_with_two_departments(policies):
    assert policies[10].departments == ["福祉総務課", "地域共生課"]  # 「福祉総務課・」/「地域共生課」
    assert policies[29].departments == ["生活福祉課", "市民相談課"]
    # Two departments working apart: one row of the year grid each, merged per year.
    p34 = policies[34]
    assert p34.departments == ["文化人権課", "生活福祉課"]
    plan = year(p34, "平成30年度").plan
    assert "啓発事業（講演会）の実施" in plan and "保護司" in plan
    assert policies[36].departments == ["職員課", "生活福祉課"]


def test_wrapped_department_name_is_joined(policies):
    # 「高齢者いきい」「き課」 wraps in the narrow 担当課 column.
    assert policies[23].departments == ["高齢者いきいき課"]


def test_year_entry_with_plan_and_results(policies):
    h30 = year(policies[16], "平成30年度")
    assert "ワークステーションかまくらを開設する。" in h30.plan
    assert "5人雇用した" in h30.first_half
    assert "障害者二千人雇用協議会を設置" in h30.second_half
    r3 = year(policies[16], "令和3年度")
    assert r3.plan and r3.first_half and not r3.second_half  # R3 下期 was not yet reported


def test_cells_printed_on_one_line_are_split(policies):
    # 「県からの看護師の派遣 県からの看護師の派遣 看護師の配置（未定）」: R1, R2, R3 plans of policy 14
    p = policies[14]
    assert year(p, "令和元年度").plan == "県からの看護師の派遣"
    assert year(p, "令和3年度").plan == "看護師の配置（未定）"


def test_not_planned_marker_is_not_a_value(policies):
    # Policy 2 began in 令和元年度: its 平成30年度 results are printed as *****.
    p = policies[2]
    assert all("*****" not in getattr(y, f) for y in p.years for f in ("plan", "first_half", "second_half"))
    assert "平成30年度" not in [y.year for y in p.years if y.first_half or y.second_half]
    assert year(p, "令和元年度").first_half.startswith("・既存のシステムとして存在する")


def test_policy_that_ended_early_has_only_its_years(policies):
    assert [y.year for y in policies[1].years] == ["平成30年度"]  # the ordinance was enacted in H30


def test_outcome_holds_results_and_achievements(policies):
    outcome = policies[16].outcome
    assert outcome.startswith("市内外で働く市民の障害者及び市内で働く障害者の人数を２０００人とする。")  # 成果内容
    assert "障害者の雇用人数は1,688人" in outcome  # 取組実績


def test_every_parsed_text_occurs_in_the_source(corpus):
    """Never invent text: each line of every field is a piece of the source."""
    for p in corpus.policies:
        fields = [p.title, p.aim, p.outcome, *p.departments]
        fields += [getattr(y, f) for y in p.years for f in ("plan", "first_half", "second_half")]
        for value in fields:
            for piece in value.split("\n"):
                assert flat(piece) in FLAT_SOURCE, (p.number, piece)


def curated_pieces():
    data = yaml.safe_load(CURATED.read_text(encoding="utf-8"))
    for number, fields in data["policies"].items():
        for key, raw in fields.items():
            if key == "year_rows":
                continue
            if key == "years":
                for label, cells in raw.items():
                    for field, value in cells.items():
                        for i, piece in enumerate(value if isinstance(value, list) else [value]):
                            yield f"{number}.years.{label}.{field}[{i}]", piece
                continue
            for i, piece in enumerate(raw if isinstance(raw, list) else [raw]):
                yield f"{number}.{key}[{i}]", piece


def test_curated_strings_occur_verbatim_at_their_line():
    pieces = list(curated_pieces())
    titles = [k for k, _ in pieces if ".title" in k]
    assert len(titles) == 48
    for key, piece in pieces:
        text, line = piece["text"], piece["line"]
        cited = flat(LINES[line - 1])
        assert cited, key
        following = flat("".join(LINES[line - 1 : line + 40]))
        at = following.find(flat(text))
        assert 0 <= at < len(cited), f"{key}: {text[:20]} not at line {line}"


def test_curated_values_win(policies):
    # Policy 20's number is followed by 「青少年課・市内小学校全校で放課後かまくらっ子を実施する。」 and,
    # with no blank line, by its 取組実績; the curated aim keeps only the 取組内容.
    assert policies[20].aim == "・市内小学校全校で放課後かまくらっ子を実施する。"
    # Policy 47's 担当課 is printed before its number.
    assert policies[47].departments == ["行政経営課"]


def test_curated_string_absent_from_source_is_an_error(tmp_path):
    data = yaml.safe_load(CURATED.read_text(encoding="utf-8"))
    data["policies"][7]["title"]["text"] = "「（仮称）共生窓口」の廃止"
    broken = tmp_path / "policies.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CorpusError) as error:
        welfare_policy.parse(TEXT, NAME, curated_path=broken)
    assert error.value.document == "curated/policies.yaml"
    assert "policies.7.title" in error.value.message


def test_curated_line_must_be_where_the_string_starts(tmp_path):
    data = yaml.safe_load(CURATED.read_text(encoding="utf-8"))
    data["policies"][7]["title"]["line"] -= 5
    broken = tmp_path / "policies.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CorpusError, match="policies.7.title"):
        welfare_policy.parse(TEXT, NAME, curated_path=broken)


def test_empty_document_is_refused():
    with pytest.raises(CorpusError) as error:
        welfare_policy.parse("  \n\n", NAME)
    assert error.value.document == NAME


@pytest.mark.parametrize("share", [0.4, 0.6, 0.95])
def test_truncated_document_is_refused(share):
    kept = int(len(LINES) * share)
    with pytest.raises(CorpusError) as error:
        welfare_policy.parse("\n".join(LINES[:kept]), NAME)
    assert error.value.document == NAME and 1 <= error.value.line <= kept
    assert "truncated" in error.value.message


def test_other_documents_are_refused():
    for other in OTHERS:
        with pytest.raises(CorpusError) as error:
            welfare_policy.parse((SOURCES / other).read_text(encoding="utf-8"), other)
        assert error.value.document == other and error.value.line == 1


def test_missing_policy_number_is_refused():
    lines = list(LINES)
    lines[lines.index("07")] = ""
    with pytest.raises(CorpusError, match="missing \\[7\\]"):
        welfare_policy.parse("\n".join(lines), NAME)


def test_deterministic(corpus):
    assert welfare_policy.parse(TEXT, NAME).model_dump() == corpus.model_dump()
