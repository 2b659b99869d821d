"""The bench's fast N× builder writes the very index build_index writes for N copies of the corpus."""

from __future__ import annotations

import pytest
from index_sample import sample_corpus
from whoosh import index as whoosh_index

from index.bench import build_scaled, scaled
from index.build import CORPUS_FILE, MANIFEST_FILE, RECORDS_DATA, RECORDS_FILE, WHOOSH_DIR, build_index
from index.search import Searcher


def whoosh_content(directory):
    """Everything a search can see: each term's postings, every field length and stored field, totals."""
    ix = whoosh_index.open_dir(str(directory / WHOOSH_DIR), readonly=True)
    with ix.reader() as reader:
        terms = {}
        for field, text in reader.all_terms():
            matcher = reader.postings(field, text)
            postings = []
            while matcher.is_active():
                postings.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            terms[field, text] = (postings, reader.term_info(field, text).min_length(),
                                  reader.term_info(field, text).max_length())
        names = [name for name, field in ix.schema.items() if field.scorable]
        lengths = [[reader.doc_field_length(d, name) for name in names] for d in range(reader.doc_count_all())]
        stored = [reader.stored_fields(d) for d in range(reader.doc_count_all())]
        totals = {name: reader.field_length(name) for name in names}
        return terms, lengths, stored, totals, reader.doc_count_all()


@pytest.mark.parametrize("factor", [1, 3])
def test_build_scaled_equals_build_index(tmp_path, factor):
    corpus = sample_corpus(extra_passages=12)
    build_index(scaled(corpus, factor), tmp_path / "exact")
    build_scaled(corpus, factor, tmp_path / "fast")
    assert whoosh_content(tmp_path / "fast") == whoosh_content(tmp_path / "exact")
    for name in (CORPUS_FILE, RECORDS_FILE, RECORDS_DATA, MANIFEST_FILE):
        assert (tmp_path / "fast" / name).read_bytes() == (tmp_path / "exact" / name).read_bytes(), name
    with Searcher(tmp_path / "fast") as fast, Searcher(tmp_path / "exact") as exact:
        for query, kinds in [("ケアラー支援", None), ("けあらーしえん", None), ("障害福祉課", {"initiative"}),
                             ("鎌倉市の公園", {"passage"}), ("ヤングケアラ", None)]:
            assert [(h.id, h.score) for h in fast.search(query, kinds=kinds, limit=20)] == \
                   [(h.id, h.score) for h in exact.search(query, kinds=kinds, limit=20)]
