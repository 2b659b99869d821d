"""The Whoosh schema of one index version.

Only ``id`` and the two kinds are stored: a hit is turned back into its typed
record from the version's corpus JSON, so the index holds no copy of the text.
Positions are not kept (``phrase=False``): queries are OR-ed terms, and leaving
positions out makes the postings smaller and faster to read.
"""

from __future__ import annotations

from whoosh.fields import ID, TEXT, Schema

from index.analysis import japanese_analyzer, ngram_analyzer, reading_analyzer

# Query-time boosts per field: a word in a title or alias outweighs one in the
# body. Reading and n-gram terms are bi-grams (many per word), hence small.
FIELD_BOOSTS: dict[str, float] = {
    "title": 3.0,
    "aliases": 2.5,
    "departments": 1.5,
    "section": 0.8,
    "body": 1.0,
    "reading": 0.6,
    "ngram": 0.3,
    "ngram_body": 0.2,  # only in the fallback pass (see Searcher.search)
}
WORD_FIELDS = ("title", "aliases", "departments", "section", "body")


def build_schema() -> Schema:
    words = japanese_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True),  # contract kind: pledge … passage
        record_kind=ID(stored=True),  # the record's own kind (chapter, fact, related_plan …)
        code=ID(),  # initiative code 1-2-3-7, KPI chapter 2-1
        number=ID(),  # pledge / policy number
        status=ID(),  # pledge status
        title=TEXT(analyzer=words, phrase=False),
        aliases=TEXT(analyzer=words, phrase=False),
        body=TEXT(analyzer=words, phrase=False),
        departments=TEXT(analyzer=words, phrase=False),
        section=TEXT(analyzer=words, phrase=False),
        reading=TEXT(analyzer=reading_analyzer(), phrase=False),  # title + aliases
        ngram=TEXT(analyzer=ngram_analyzer(), phrase=False),  # title + aliases + departments
        ngram_body=TEXT(analyzer=ngram_analyzer(), phrase=False),  # body, for the fallback pass
    )
