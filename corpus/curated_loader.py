"""Load the hand-curated YAML files (windows, departments, routing) into records.

Curated data tells citizens where to go, so every fact is checked against where it
comes from: a window fact must cite sources; a reference id must exist in the
"Sources" section of ``corpus/reference/windows.md``; a phone number, FAX number or
mail address must be quoted from the reference lines (or seed lines) the fact cites;
a department must be named on the source line it cites. Any violation raises
``CorpusError(file, line, message)`` with the line of the offending YAML key.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from corpus.models import CorpusError, Department, Source, Window, WindowFact

REFERENCE_FILE = "windows.md"
WINDOWS_FILE = "windows.yaml"
DEPARTMENTS_FILE = "departments.yaml"
ROUTING_FILE = "routing.yaml"

FACT_FIELDS = ("summary", "department", "bureau", "operator", "location", "hours", "phone", "contact", "how_to",
               "opened")
# Fields whose numbers and addresses must be quoted, character for character, from a cited text.
QUOTED_FIELDS = ("phone", "contact")
WINDOW_KEYS = {"id", "name", "source", "one_stop", "aliases", "topics", "audience", "conflicts", *FACT_FIELDS}
FACT_KEYS = {"value", "sources", "unconfirmed", "note"}
DEPARTMENT_KEYS = {"name", "source", "bureau", "bureau_sources", "aliases", "history", "history_sources"}
ROUTE_KEYS = {"concern", "keywords", "first", "next", "note", "source"}

WINDOW_ID = re.compile(r"window-[a-z0-9]+(?:-[a-z0-9]+)*")
# 0467-61-3436, 046-828-7050, 153-9204 (as misprinted), 188. Digits glued to others are not numbers.
PHONE = re.compile(r"(?<![\d-])(?:\d{2,5}-\d{1,4}-\d{3,4}|\d{2,3}-\d{4}|\d{3})(?![\d-])")
MAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DOC_LINE = re.compile(r"(?P<document>[^:\s]+\.(?:txt|md)):(?P<line>\d+)")


class Route(BaseModel):
    """One row of the reference's "Quick routing" table."""

    id: str  # route-{row}, 1-based row of the table
    concern: str  # 困りごと as written in the table
    keywords: list[str] = []
    first: list[str]  # window ids to show first
    next: list[str] = []  # window ids to offer next
    note: str = ""
    source: Source


# --- YAML with line numbers -------------------------------------------------------------


class _Mapping(dict):
    """A YAML mapping that remembers its own line and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Mapping:
    result = _Mapping()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.MarkedYAMLError(problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path, top_key: str) -> list[_Mapping]:
    """The list under ``top_key``, every entry a mapping with line numbers."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except FileNotFoundError:
        raise CorpusError(path.name, None, "file not found") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise CorpusError(path.name, mark.line + 1 if mark else None, f"malformed YAML: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get(top_key), list):
        raise CorpusError(path.name, 1, f"expected a mapping with a list under {top_key!r}")
    entries = data[top_key]
    for entry in entries:
        if not isinstance(entry, _Mapping):
            raise CorpusError(path.name, data.key_lines.get(top_key), f"every item of {top_key!r} must be a mapping")
    return entries


def _line(entry: _Mapping, key: str | None = None) -> int:
    return entry.key_lines.get(key, entry.line) if key else entry.line


def _str_list(file: str, entry: _Mapping, key: str) -> list[str]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise CorpusError(file, _line(entry, key), f"{key} must be a list of non-empty strings")
    return value


def _unknown_keys(file: str, entry: _Mapping, allowed: set[str]) -> None:
    for key in entry:
        if key not in allowed:
            raise CorpusError(file, _line(entry, key), f"unknown key {key!r}")


def _source(file: str, entry: _Mapping) -> Source:
    raw = entry.get("source")
    if not isinstance(raw, dict):
        raise CorpusError(file, _line(entry), "missing source {document, line}")
    try:
        return Source(document=raw.get("document"), line=raw.get("line"))
    except ValidationError as error:
        raise CorpusError(file, _line(entry, "source"), f"bad source: {error.errors()[0]['msg']}") from None


def _norm(text: str) -> str:
    """Width-insensitive, space-insensitive form for "does this text occur there" checks."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


# --- the reference and the seed documents ------------------------------------------------


@dataclass
class _Texts:
    """The reference (windows.md) and the seed documents, read once per load."""

    reference_path: Path
    sources_dir: Path

    @cached_property
    def reference(self) -> list[str]:
        try:
            return self.reference_path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            raise CorpusError(self.reference_path.name, None, "reference file not found") from None

    @cached_property
    def reference_ids(self) -> set[str]:
        """Ids listed in the reference's "Sources" section: ``- [C04] https://…``."""
        ids: set[str] = set()
        in_sources = False
        for text in self.reference:
            if text.startswith("## "):
                in_sources = text.startswith("## Sources")
            elif in_sources and (match := re.match(r"- \[([^\]]+)\]", text)):
                ids.add(match.group(1))
        return ids

    @cached_property
    def headings(self) -> list[int]:
        return [number for number, text in enumerate(self.reference, 1) if text.startswith("## ")]

    def section(self, line: int) -> range:
        """Lines (1-based) of the ``##`` section holding ``line``."""
        start = max((h for h in self.headings if h <= line), default=1)
        end = min((h for h in self.headings if h > line), default=len(self.reference) + 1)
        return range(start, end)

    @cached_property
    def legend(self) -> range:
        """The "How to read" section: it states the city hall and welfare centre addresses."""
        start = next((h for h in self.headings if self.reference[h - 1].startswith("## How to read")), 1)
        return self.section(start)

    def document(self, name: str) -> list[str] | None:
        return self._documents.get(name)

    @cached_property
    def _documents(self) -> dict[str, list[str]]:
        return {path.name: path.read_text(encoding="utf-8").splitlines() for path in self.sources_dir.glob("*.txt")}

    def cited_line(self, citation: str) -> tuple[str, int] | None:
        """``document:line`` → (document, line) if the line exists, else None."""
        match = DOC_LINE.fullmatch(citation)
        if not match:
            return None
        document, line = match["document"], int(match["line"])
        lines = self.reference if document == self.reference_path.name else self.document(document)
        if lines is None or not 1 <= line <= len(lines):
            return None
        return document, line

    def text_of(self, document: str, line: int) -> str:
        lines = self.reference if document == self.reference_path.name else self.document(document) or []
        return lines[line - 1]


def _cites(text: str, source_id: str) -> bool:
    """Does a reference line cite ``source_id``, as ``[C04]`` or ``[N-blog 2012, …]``?"""
    return re.search(r"\[" + re.escape(source_id) + r"[\]\s,]", text) is not None


def _check_citation(texts: _Texts, file: str, line: int, citation: str) -> None:
    if DOC_LINE.fullmatch(citation):
        if texts.cited_line(citation) is None:
            raise CorpusError(file, line, f"source {citation!r} names no existing document line")
    elif citation not in texts.reference_ids:
        raise CorpusError(file, line, f"unknown source id {citation!r} (not in the Sources section of "
                                      f"{texts.reference_path.name})")


# --- windows -----------------------------------------------------------------------------


def _fact(texts: _Texts, file: str, entry: _Mapping, field: str, section: range) -> WindowFact:
    raw = entry[field]
    line = _line(entry, field)
    if not isinstance(raw, _Mapping):
        raise CorpusError(file, line, f"{field} must be a mapping {{value, sources, unconfirmed, note}}")
    _unknown_keys(file, raw, FACT_KEYS)
    value = raw.get("value")
    if not isinstance(value, str) or not value.strip():
        raise CorpusError(file, _line(raw, "value"), f"{field}: value must be a non-empty string (quote numbers)")
    sources = raw.get("sources")
    if not sources:
        raise CorpusError(file, line, f"{field}: fact without a source")
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise CorpusError(file, _line(raw, "sources"), f"{field}: sources must be a list of strings")
    cited_lines: list[tuple[str, int]] = []
    for citation in sources:
        _check_citation(texts, file, _line(raw, "sources"), citation)
        if located := texts.cited_line(citation):
            cited_lines.append(located)
        elif not any(_cites(texts.reference[n - 1], citation) for n in (*section, *texts.legend)):
            raise CorpusError(file, _line(raw, "sources"),
                              f"{field}: source {citation!r} is not cited in the reference section of this window")
    if field in QUOTED_FIELDS:
        _check_quoted(texts, file, _line(raw, "value"), field, value, sources, section, cited_lines)
    try:
        return WindowFact(value=value, sources=sources, unconfirmed=raw.get("unconfirmed", False),
                          note=raw.get("note", ""))
    except ValidationError as error:
        raise CorpusError(file, line, f"{field}: {error.errors()[0]['msg']}") from None


def _check_quoted(texts: _Texts, file: str, line: int, field: str, value: str, sources: list[str],
                  section: range, cited_lines: list[tuple[str, int]]) -> None:
    """Every phone/FAX number and mail address must occur in a text line the fact cites."""
    candidates = [texts.reference[n - 1] for n in section if any(_cites(texts.reference[n - 1], s) for s in sources)]
    candidates += [texts.text_of(document, number) for document, number in cited_lines]
    haystack = [_norm(text) for text in candidates]
    for token in PHONE.findall(value) + MAIL.findall(value):
        if not any(_norm(token) in text for text in haystack):
            raise CorpusError(file, line, f"{field}: {token!r} does not occur in the reference text cited "
                                          f"({', '.join(sources)})")


def load_windows(curated_dir: Path, reference_dir: Path, sources_dir: Path | None = None) -> list[Window]:
    """Windows of ``windows.yaml``, each fact checked against the reference (and seed lines it cites).

    ``sources_dir`` (seed documents, for ``document:line`` citations) defaults to
    ``reference_dir/../sources``.
    """
    path = Path(curated_dir) / WINDOWS_FILE
    file = path.name
    texts = _Texts(Path(reference_dir) / REFERENCE_FILE, Path(sources_dir or Path(reference_dir).parent / "sources"))
    windows: list[Window] = []
    seen: dict[str, int] = {}
    for entry in _read_yaml(path, "windows"):
        _unknown_keys(file, entry, WINDOW_KEYS)
        window_id = entry.get("id")
        if not isinstance(window_id, str) or not WINDOW_ID.fullmatch(window_id):
            raise CorpusError(file, _line(entry, "id"), f"bad window id {window_id!r} (window-<ascii slug>)")
        if window_id in seen:
            raise CorpusError(file, _line(entry, "id"), f"duplicate id {window_id!r} (first at line {seen[window_id]})")
        seen[window_id] = _line(entry, "id")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise CorpusError(file, _line(entry), f"{window_id}: missing name")
        source = _source(file, entry)
        if source.document != texts.reference_path.name or source.line > len(texts.reference):
            raise CorpusError(file, _line(entry, "source"), f"{window_id}: source must be a line of {REFERENCE_FILE}")
        section = texts.section(source.line)
        if not re.match(r"## \d+\.", texts.reference[section.start - 1]):
            raise CorpusError(file, _line(entry, "source"), f"{window_id}: source line is not in a window section")
        facts = {field: _fact(texts, file, entry, field, section) for field in FACT_FIELDS if field in entry}
        one_stop = entry.get("one_stop", False)
        if not isinstance(one_stop, bool):
            raise CorpusError(file, _line(entry, "one_stop"), "one_stop must be true or false")
        windows.append(Window(
            id=window_id, source=source, name=name,
            aliases=_str_list(file, entry, "aliases"), topics=_str_list(file, entry, "topics"),
            audience=_str_list(file, entry, "audience"), conflicts=_str_list(file, entry, "conflicts"),
            one_stop=one_stop, **facts,
        ))
    return windows


# --- departments -------------------------------------------------------------------------


def _sourced(texts: _Texts, file: str, entry: _Mapping, field: str, name: str) -> tuple[str, list[str]]:
    """A department's ``field`` and its ``field_sources``: a value needs a source, and every source must exist."""
    value = entry.get(field, "") or ""
    sources = _str_list(file, entry, f"{field}_sources")
    if value and not sources:
        raise CorpusError(file, _line(entry, field), f"{name}: {field} without {field}_sources")
    for citation in sources:
        _check_citation(texts, file, _line(entry, f"{field}_sources"), citation)
    return value, sources


def load_departments(curated_dir: Path, sources_dir: Path, reference_dir: Path | None = None) -> list[Department]:
    """Departments of ``departments.yaml``; each name must occur on the source line it cites.

    ``reference_dir`` (for the ids in ``bureau_sources``) defaults to ``sources_dir/../reference``.
    """
    path = Path(curated_dir) / DEPARTMENTS_FILE
    file = path.name
    texts = _Texts(Path(reference_dir or Path(sources_dir).parent / "reference") / REFERENCE_FILE, Path(sources_dir))
    departments: list[Department] = []
    seen_ids: dict[str, int] = {}
    alias_owner: dict[str, str] = {}
    for entry in _read_yaml(path, "departments"):
        _unknown_keys(file, entry, DEPARTMENT_KEYS)
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise CorpusError(file, _line(entry), "missing department name")
        department_id = f"department-{name}"
        if department_id in seen_ids:
            raise CorpusError(file, _line(entry, "name"),
                              f"duplicate id {department_id!r} (first at line {seen_ids[department_id]})")
        seen_ids[department_id] = _line(entry, "name")
        source = _source(file, entry)
        lines = texts.document(source.document)
        if lines is None or source.line > len(lines):
            raise CorpusError(file, _line(entry, "source"), f"{name}: no such source line {source.cite()}")
        if _norm(name) not in _norm(lines[source.line - 1]):
            raise CorpusError(file, _line(entry, "source"), f"{name}: the name does not occur at {source.cite()}")
        bureau, bureau_sources = _sourced(texts, file, entry, "bureau", name)
        history, history_sources = _sourced(texts, file, entry, "history", name)
        aliases = _str_list(file, entry, "aliases")
        for alias in [name, *aliases]:
            owner = alias_owner.setdefault(alias, name)
            if owner != name:
                raise CorpusError(file, _line(entry, "aliases"), f"{name}: alias {alias!r} already names {owner}")
        departments.append(Department(id=department_id, source=source, name=name, bureau=bureau, aliases=aliases,
                                      history=history, history_sources=history_sources))
    return departments


# --- routing -----------------------------------------------------------------------------


def load_routing(curated_dir: Path, window_ids: set[str] | None = None) -> list[Route]:
    """Rows of ``routing.yaml``; with ``window_ids``, every window named must exist."""
    path = Path(curated_dir) / ROUTING_FILE
    file = path.name
    routes: list[Route] = []
    for row, entry in enumerate(_read_yaml(path, "routes"), 1):
        _unknown_keys(file, entry, ROUTE_KEYS)
        if not isinstance(entry.get("concern"), str) or not entry.get("first"):
            raise CorpusError(file, _line(entry), "a route needs a concern and at least one first window")
        first, following = _str_list(file, entry, "first"), _str_list(file, entry, "next")
        if window_ids is not None:
            for key, ids in (("first", first), ("next", following)):
                for window_id in ids:
                    if window_id not in window_ids:
                        raise CorpusError(file, _line(entry, key), f"unknown window {window_id!r}")
        routes.append(Route(
            id=f"route-{row}", concern=entry["concern"], keywords=_str_list(file, entry, "keywords"),
            first=first, next=following, note=entry.get("note", ""), source=_source(file, entry),
        ))
    return routes
