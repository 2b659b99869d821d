"""Curated windows, departments and routing: checked against the reference and the sources.

The reference (corpus/reference/windows.md) is parsed here independently of the loader,
so a loader bug cannot hide a data error and the other way round.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pytest

from corpus.curated_loader import FACT_FIELDS, load_departments, load_routing, load_windows
from corpus.models import CorpusError

ROOT = Path(__file__).resolve().parents[1]
CURATED = ROOT / "corpus" / "curated"
REFERENCE_DIR = ROOT / "corpus" / "reference"
SOURCES = ROOT / "corpus" / "sources"
REFERENCE = (REFERENCE_DIR / "windows.md").read_text(encoding="utf-8").splitlines()

PHONE = re.compile(r"(?<![\d-])(?:\d{2,5}-\d{1,4}-\d{3,4}|\d{2,3}-\d{4}|\d{3})(?![\d-])")
# Reference field labels → curated fields. Labels may be combined: "所在地 / 時間 / 電話".
LABELS = {"概要": ["summary"], "運営": ["operator"], "運営（委託先）": ["operator"], "所在地": ["location"],
          "開設時間": ["hours"], "時間": ["hours"], "電話": ["phone"], "FAX": ["contact"], "メール": ["contact"],
          "利用方法": ["how_to"], "開設年": ["opened"]}


def norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def headings() -> list[int]:
    return [n for n, text in enumerate(REFERENCE, 1) if text.startswith("## ")]


def section(line: int) -> range:
    start = max(h for h in headings() if h <= line)
    end = min((h for h in headings() if h > line), default=len(REFERENCE) + 1)
    return range(start, end)


def section_number(line: int) -> int:
    return int(re.match(r"## (\d+)\.", REFERENCE[section(line).start - 1]).group(1))


def reference_ids() -> set[str]:
    start = next(n for n in headings() if REFERENCE[n - 1].startswith("## Sources"))
    return {m.group(1) for text in REFERENCE[start:] if (m := re.match(r"- \[([^\]]+)\]", text))}


def cites(text: str, source_id: str) -> bool:
    return re.search(r"\[" + re.escape(source_id) + r"[\]\s,]", text) is not None


def field_blocks(heading: int) -> list[tuple[str, str]]:
    """(label, text) of each "- **label**：text" item of a window section, sub-bullets joined."""
    blocks: list[tuple[str, str]] = []
    for n in section(heading)[1:]:
        text = REFERENCE[n - 1]
        if match := re.match(r"- \*\*(.+?)\*\*：(.*)", text):
            blocks.append((match.group(1), match.group(2)))
        elif text.startswith("  - ") and blocks:
            blocks[-1] = (blocks[-1][0], blocks[-1][1] + text)
    return blocks


@pytest.fixture(scope="module")
def windows():
    return load_windows(CURATED, REFERENCE_DIR)


@pytest.fixture(scope="module")
def departments():
    return load_departments(CURATED, SOURCES)


@pytest.fixture(scope="module")
def source_text() -> str:
    return norm("\n".join(p.read_text(encoding="utf-8") for p in sorted(SOURCES.glob("*.txt"))))


def facts(window):
    return [(field, getattr(window, field)) for field in FACT_FIELDS if getattr(window, field) is not None]


# --- windows -------------------------------------------------------------------------------


def test_every_numbered_reference_window_is_curated(windows):
    numbered = {int(m.group(1)) for text in REFERENCE if (m := re.match(r"## (\d+)\. ", text))}
    curated = {section_number(w.source.line) for w in windows}
    assert len(windows) >= 12
    assert numbered <= curated
    assert len({w.id for w in windows}) == len(windows)
    assert all(re.fullmatch(r"window-[a-z0-9-]+", w.id) for w in windows)


def test_every_fact_has_a_known_source(windows):
    ids = reference_ids()
    documents = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in SOURCES.glob("*.txt")}
    documents["windows.md"] = len(REFERENCE)
    for window in windows:
        assert window.source.document == "windows.md"
        for field, fact in facts(window):
            assert fact.sources, (window.id, field)
            for citation in fact.sources:
                if m := re.fullmatch(r"(.+\.(?:txt|md)):(\d+)", citation):
                    assert 1 <= int(m.group(2)) <= documents[m.group(1)], (window.id, field, citation)
                else:
                    assert citation in ids, (window.id, field, citation)


def test_phone_numbers_appear_in_the_reference_next_to_the_window(windows):
    checked = 0
    for window in windows:
        for field in ("phone", "contact"):
            fact = getattr(window, field)
            if fact is None:
                continue
            lines = [REFERENCE[n - 1] for n in section(window.source.line)
                     if any(cites(REFERENCE[n - 1], s) for s in fact.sources)]
            for number in PHONE.findall(fact.value):
                assert any(number in norm(line) for line in lines), (window.id, number)
                checked += 1
    assert checked >= 20


def test_window_names_come_from_their_reference_section(windows):
    for window in windows:
        text = norm("\n".join(REFERENCE[n - 1] for n in section(window.source.line)))
        core = norm(re.sub(r"（.*?）$", "", window.name))
        assert core in text or norm(window.name.replace(" ", "")) in text, window.id


def test_unconfirmed_facts_are_flagged_where_the_reference_says(windows):
    """A field the reference marks 未確認 is absent, unconfirmed, or explains it in its note."""
    by_heading = {w.source.line: w for w in windows if w.source.line in headings()}
    flagged = 0
    for heading, window in by_heading.items():
        if "未確認" in REFERENCE[heading - 1]:  # the whole window is unconfirmed
            assert all(fact.unconfirmed for _, fact in facts(window)), window.id
        for label, text in field_blocks(heading):
            if "担当課" in label:
                department_text, _, bureau_text = text.rpartition("/") if "/" in text else (text, "", "")
                parts = [("department", department_text), ("bureau", bureau_text)]
            else:
                fields = [f for part in re.split(r"\s*/\s*", label) for f in LABELS.get(part, [])]
                parts = [(field, text) for field in dict.fromkeys(fields)]
            for field, part in parts:
                if "未確認" not in part:
                    continue
                fact = getattr(window, field)
                assert fact is None or fact.unconfirmed or "未確認" in fact.note, (window.id, field)
                flagged += 1
    assert flagged >= 25


def test_unofficial_only_facts_are_unconfirmed(windows):
    """Facts resting only on sources the reference calls unofficial (Discrepancies 13) are flagged."""
    unofficial = {"N19", "N-blog", "N22", "N18", "N17"}
    for window in windows:
        for field, fact in facts(window):
            if set(fact.sources) <= unofficial:
                assert fact.unconfirmed, (window.id, field)


def test_one_stop_window_and_its_name_variants(windows):
    one_stop = [w for w in windows if w.one_stop]
    assert [w.id for w in one_stop] == ["window-kurashi-fukushi"]
    window = one_stop[0]
    assert window.name == "くらしと福祉の相談窓口"
    # Discrepancies 1 lists the variants in 「…」; dates and the table's 取組 wording are not names.
    line = next(text for text in REFERENCE if text.startswith("1. **くらしと福祉の相談窓口の名称**"))
    variants = {re.sub(r"の設置・運営$", "", v) for v in re.findall(r"「(.+?)」", line.replace("**", ""))}
    variants = {v for v in variants if not re.search(r"\d", v)} - {window.name}
    assert variants and variants <= set(window.aliases)
    assert any("総合相談窓口" in c for c in window.conflicts)
    assert window.phone.unconfirmed  # 0467-61-3436 is claimed by two divisions (Discrepancies 3)


def test_discrepancies_are_recorded_as_conflicts(windows):
    by_id = {w.id: w for w in windows}
    assert any("61-3436" in c for c in by_id["window-kurashi-fukushi"].conflicts)
    assert any("153-9204" in c for c in by_id["window-nisennin-koyou"].conflicts)
    assert any("土曜" in c for c in by_id["window-kirakira"].conflicts)
    assert any("4か所" in c for c in by_id["window-kosodate-shien-center"].conflicts)


# --- routing -------------------------------------------------------------------------------


def test_routing_rows_name_existing_windows_in_the_tables_order(windows):
    ids = {w.id: w for w in windows}
    routes = load_routing(CURATED, set(ids))
    table_rows = [n for n in section(next(h for h in headings() if "Quick routing" in REFERENCE[h - 1]))
                  if REFERENCE[n - 1].startswith("| ") and not REFERENCE[n - 1].startswith("| 困りごと")]
    assert [r.source.line for r in routes] == table_rows
    for route in routes:
        _, first_cell, next_cell = (c.strip() for c in REFERENCE[route.source.line - 1].strip("|").split("|"))
        numbered = {w: section_number(ids[w].source.line) for w in route.first + route.next
                    if ids[w].source.line in headings()}
        assert {numbered[w] for w in route.first} == {int(n) for n in re.findall(r"(\d+)\.", first_cell)}
        assert {numbered[w] for w in route.next if w in numbered} == {int(n) for n in re.findall(r"(\d+)\.", next_cell)}
        assert norm(route.concern) == norm(REFERENCE[route.source.line - 1].split("|")[1])


# --- departments ---------------------------------------------------------------------------


def test_every_department_occurs_in_the_sources(departments, source_text):
    assert len({d.id for d in departments}) == len(departments)
    for department in departments:
        assert department.id == f"department-{department.name}"
        assert norm(department.name) in source_text
        line = (SOURCES / department.source.document).read_text(encoding="utf-8").splitlines()[department.source.line - 1]
        assert norm(department.name) in norm(line)
        if department.bureau:
            assert norm(department.bureau) in source_text


def test_departments_cover_the_initiative_table(departments):
    known = {name for d in departments for name in (d.name, *d.aliases)}
    # Not department names: a cell of 3-2-2-1 reads "福祉総務課 ※重層的支援体制整備 事業関係課".
    not_names = {"※重層的支援体制整備", "事業関係課"}
    text = (SOURCES / "003_673cbd13f1af084c.txt").read_text(encoding="utf-8").splitlines()
    cells = [row.split("\t")[2] for row in text if re.match(r"\d+-\d+-\d+-\d+\t", row)]
    assert len(cells) > 300
    for cell in cells:
        for token in cell.split():
            rest = token
            while rest:  # a cell may glue names: 生活福祉課（市社協）こども家庭相談課
                match = max((k for k in known if rest.startswith(k)), key=len, default=None)
                if match is None:
                    assert rest in not_names, (cell, rest)
                    break
                rest = rest[len(match):]


def test_window_departments_are_known_departments(windows, departments):
    names = [d.name for d in departments]
    for window in windows:
        if window.department is not None:
            assert any(name in window.department.value for name in names), window.id


# --- the loader's errors on broken copies --------------------------------------------------


@pytest.fixture
def broken(tmp_path):
    """A writable copy of the curated directory; returns (dir, edit) where edit(file, old, new)."""
    target = tmp_path / "curated"
    shutil.copytree(CURATED, target)

    def edit(file: str, old: str, new: str, count: int = 1) -> int:
        path = target / file
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, count), encoding="utf-8")
        return text[: text.index(old)].count("\n") + 1  # line of the edit

    return target, edit


def test_error_on_a_fact_without_source(broken):
    target, edit = broken
    line = edit("windows.yaml", "    value: 0467-61-3827\n    sources: [C04]\n", "    value: 0467-61-3827\n")
    with pytest.raises(CorpusError, match="without a source") as error:
        load_windows(target, REFERENCE_DIR)
    assert (error.value.document, error.value.line) == ("windows.yaml", line - 1)  # the "phone:" key


def test_error_on_an_invented_phone_number(broken):
    target, edit = broken
    line = edit("windows.yaml", "value: 0467-61-3827", "value: 0467-61-3828")
    with pytest.raises(CorpusError, match="0467-61-3828") as error:
        load_windows(target, REFERENCE_DIR)
    assert error.value.line == line


def test_error_on_a_real_number_of_another_window(broken):
    target, edit = broken
    edit("windows.yaml", "value: 0467-61-3827", "value: 0467-61-3958")  # 生活福祉課's number, not きらきら's
    with pytest.raises(CorpusError, match="0467-61-3958"):
        load_windows(target, REFERENCE_DIR)


def test_error_on_an_unknown_source_id(broken):
    target, edit = broken
    line = edit("windows.yaml", "    sources: [C05]\n", "    sources: [C99]\n")
    with pytest.raises(CorpusError, match="unknown source id 'C99'") as error:
        load_windows(target, REFERENCE_DIR)
    assert error.value.line == line


def test_error_on_a_source_line_that_does_not_exist(broken):
    target, edit = broken
    edit("windows.yaml", '"004_b08d5e7c38d6b1f1.txt:82"', '"004_b08d5e7c38d6b1f1.txt:9999"')
    with pytest.raises(CorpusError, match="no existing document line"):
        load_windows(target, REFERENCE_DIR)


def test_error_on_a_duplicate_window_id(broken):
    target, edit = broken
    line = edit("windows.yaml", "- id: window-incl\n", "- id: window-kirakira\n")
    with pytest.raises(CorpusError, match="duplicate id 'window-kirakira'") as error:
        load_windows(target, REFERENCE_DIR)
    assert error.value.line == line


def test_error_on_malformed_yaml(broken):
    target, edit = broken
    line = edit("windows.yaml", "  aliases: [鎌倉市生活福祉課,", "  aliases: [[鎌倉市生活福祉課,")
    with pytest.raises(CorpusError, match="malformed YAML") as error:
        load_windows(target, REFERENCE_DIR)
    assert error.value.line is not None and error.value.line >= line


def test_error_on_a_department_absent_from_the_sources(broken):
    target, edit = broken
    edit("departments.yaml", "- name: 障害福祉課\n", "- name: 障害者支援課\n")
    with pytest.raises(CorpusError, match="障害者支援課"):
        load_departments(target, SOURCES)


def test_error_on_a_department_history_without_a_source(broken):
    target, edit = broken
    edit("departments.yaml", '  history_sources: [S001, "windows.md:314"]\n', "")
    with pytest.raises(CorpusError, match="history without history_sources"):
        load_departments(target, SOURCES)


def test_a_department_history_names_departments_of_the_sources(departments, source_text):
    # The history of a renamed department names its other name, and that name is a department of the sources.
    names = {d.name for d in departments}
    histories = [d for d in departments if d.history]
    assert histories
    for department in histories:
        others = [n for n in names if n != department.name and n in department.history]
        assert others or "窓口" in department.history, department.name
        assert all(norm(n) in source_text for n in others)


def test_error_on_a_duplicate_department(broken):
    target, edit = broken
    edit("departments.yaml", "- name: 介護保険課\n", "- name: 障害福祉課\n")
    with pytest.raises(CorpusError, match="duplicate id 'department-障害福祉課'"):
        load_departments(target, SOURCES)


def test_error_on_routing_to_an_unknown_window(broken, windows):
    target, edit = broken
    line = edit("routing.yaml", "first: [window-dv]", "first: [window-nowhere]")
    with pytest.raises(CorpusError, match="window-nowhere") as error:
        load_routing(target, {w.id for w in windows})
    assert error.value.line == line
