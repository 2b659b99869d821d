"""``madoguchi bench``: build time, query latency and memory of the index, at 1× and N× (100×).

    python -m index.bench [--corpus DIR] [--scale 100] [--compare] [--queries N] [--exact-build]

Latency is warm, in-process, one query at a time (one warm-up pass, then one
measured pass over the query set). Every phase runs in its own process so its
peak RSS is its own: the full rebuild (IndexStore.build), each scale's build,
and each scale's queries (a fresh interpreter: Sudachi, the opened version and
the Assistant, nothing else: the serving figure). The rebuild is also run inside
a serving process, as the server's /admin/reindex does, in place and in a child
(``IndexStore.build(isolated=True)``), so a build's peak is never hidden. The
mapped-file part of RSS is Sudachi's memory-mapped dictionary (clean pages that
the kernel can take back); the private part is the process's own. The N× corpus is N copies of every record with new
ids; its index is made by ``build_scaled`` (the same index as ``build_index`` of
the copies, without analysing and sorting them N times: minutes instead of
many), or by ``build_index`` itself with ``--exact-build``. ``--compare`` indexes
the same Sudachi tokens with tantivy (a bench-only extra, never imported at
runtime) and prints the latency ratios.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from array import array
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from corpus.models import Corpus, Record

NATURAL = [
    "ケアラー支援について教えてください", "けあらーしえん", "障害者の就労支援はありますか", "手話通訳を頼みたい",
    "子どもの居場所はどこにありますか", "ひきこもりの相談はどこですか", "生活に困っていて相談したい",
    "地域包括支援センターの場所", "認知症の家族の介護がつらい", "ヤングケアラーの支援をしているところは",
    "ごみの出し方を知りたい", "市役所の窓口は何時まで開いていますか", "公約15の進捗は？", "1-2-3-7 の担当課は",
    "高齢者の見守りをしてほしい", "ボランティアをしたいのですがどこに行けばいいですか", "子育ての相談窓口",
    "虐待の通報先", "成年後見制度を使いたい", "民生委員に相談したい", "障害福祉課はどこですか",
    "防災訓練の予定", "空き家の対策", "鎌倉駅の渋滞対策", "ふるさと納税の実績", "市債残高はいくら",
    "交通弱者の移動支援", "不登校の相談", "外国人の生活相談", "きらきらの利用者数",
]


def rss_parts_mb() -> dict[str, float]:
    """VmRSS split as the kernel reports it: private memory (anon), mapped files (file: Sudachi's
    dictionary, pages of corpus.json read), shared memory."""
    parts = {}
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                parts[key] = int(value.split()[0]) / 1024
    return parts


def current_rss_mb() -> float:
    return rss_parts_mb().get("VmRSS", float("nan"))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def load(corpus_dir: Path) -> tuple[Corpus, str]:
    """The real corpus; unvalidated if validation fails (said so), passages only without a loader."""
    try:
        import corpus.loader as loader
    except ImportError as error:
        from corpus.passages import chunk_passages

        texts = {p.name: p.read_text(encoding="utf-8") for p in sorted((corpus_dir / "sources").glob("*.txt"))}
        return Corpus(passages=chunk_passages(texts)), f"passages only (corpus.loader unavailable: {error})"
    try:
        return loader.load_corpus(corpus_dir), "validated corpus"
    except loader.CorpusValidationError as error:
        original = loader.validate
        loader.validate = lambda *args, **kwargs: None
        try:
            return loader.load_corpus(corpus_dir), f"UNVALIDATED corpus ({len(error.problems)} validation problems)"
        finally:
            loader.validate = original


def scaled(corpus: Corpus, factor: int) -> Corpus:
    """``factor`` copies of every record, the copies with new ids."""
    if factor <= 1:
        return corpus
    update = {}
    for name in type(corpus).model_fields:
        items = getattr(corpus, name)
        if isinstance(items, list) and items and isinstance(items[0], Record):
            update[name] = items + [r.model_copy(update={"id": f"{r.id}~{k}"}) for k in range(1, factor) for r in items]
    return corpus.model_copy(update=update)


def queries(corpus: Corpus, count: int) -> list[str]:
    """Keyword sets of 2–4 content words from record titles, plus natural questions."""
    from index.analysis import analyze, japanese_analyzer

    analyzer = japanese_analyzer(split=False)
    titles = [p.text for p in corpus.pledges] + [i.title for i in corpus.initiatives] + [
        p.title for p in corpus.policies] + [w.name for w in corpus.windows] + [p.text[:60] for p in corpus.passages]
    keyword_sets = []
    for i, title in enumerate(titles):
        words = analyze(analyzer, title, mode="index")
        if len(words) >= 2:
            keyword_sets.append(" ".join(words[: 2 + i % 3]))
        if len(keyword_sets) >= count - len(NATURAL):
            break
    return keyword_sets + NATURAL


class _Lengths:
    """Field lengths as the per-document reader gives them to Whoosh's posting writer (the stored byte
    decoded; None for a byte of 0; 0 for a field that has no length column), from memory."""

    def __init__(self, lengths: dict[str, array]):
        from whoosh.util.numeric import byte_to_length

        self._decoded = {name: [byte_to_length(b) if b else None for b in range(256)] for name in lengths}
        self._lengths = lengths

    def doc_field_length(self, docnum, fieldname, default=0):
        column = self._lengths.get(fieldname)
        return default if column is None else self._decoded[fieldname][column[docnum]]

    def close(self):
        pass


class _Postings:
    """Stands in for Whoosh's sorting pool: the postings are generated already in order."""

    def __init__(self, fieldnames: set[str], items):
        self.fieldnames = fieldnames
        self._items = items

    def iter_postings(self):
        return self._items

    def cleanup(self):
        pass


def build_scaled(corpus: Corpus, factor: int, directory: Path) -> dict:
    """What ``build_index(scaled(corpus, factor), directory)`` writes, made faster for the bench.

    The copies differ only in their ids, so each document is analysed once and its postings are
    repeated at the copies' document numbers, already in the order Whoosh's writer wants them
    (no sorting pool); Whoosh's own per-document and posting writers still write every document
    and posting. tests/test_index_bench.py checks the result against build_index term by term."""
    from whoosh import index as whoosh_index
    from whoosh.util.numeric import length_to_byte

    from index.analysis import memo_analysis
    from index.build import (
        MANIFEST_FILE,
        WHOOSH_DIR,
        _pad_empty_postings,
        corpus_layout,
        docnums_follow,
        documents,
        write_corpus,
    )
    from index.schema import build_schema

    directory = Path(directory)
    (directory / WHOOSH_DIR).mkdir(parents=True, exist_ok=True)
    schema = build_schema()
    ix = whoosh_index.create_in(str(directory / WHOOSH_DIR), schema)
    big = scaled(corpus, factor)
    _, small_table = corpus_layout(corpus)
    base = list(documents(corpus))

    # Each document analysed once, as SegmentWriter.add_document does: (field, stored, length, postings).
    analysed = []
    with memo_analysis():
        for doc in base:
            fields = []
            for name in sorted(n for n in doc if not n.startswith("_")):
                field, value = schema[name], doc[name]
                length, posts = 0, []
                for tbytes, freq, weight, vbytes in field.index(value):
                    weight *= 1.0  # the document and field boost, as add_document applies it
                    if field.scorable:
                        length += freq
                    posts.append((tbytes, weight, vbytes))
                fields.append((name, value if field.stored else None, length, posts))
            analysed.append(fields)

    # Record lists: where each starts in the corpus and how long it is (records of a list are contiguous).
    runs = []
    for n in range(len(small_table["lists"])):
        members = [i for i, which in enumerate(small_table["list"]) if which == n]
        runs.append((members[0], len(members)))
    order = [(o + j, k) for o, size in runs for k in range(factor) for j in range(size)]  # (1x document, copy)

    writer = ix.writer(limitmb=256, compound=False)
    perdoc = writer.perdocwriter
    lengths: dict[str, array] = {}
    ids: list[tuple[bytes, int, float, bytes]] = []  # the id field's postings, one per document
    id_field = schema["id"]
    for docnum, (i, k) in enumerate(order):
        perdoc.start_doc(docnum)
        for name, stored, length, _posts in analysed[i]:
            if name == "id":
                stored = base[i]["id"] if k == 0 else f"{base[i]['id']}~{k}"
                ((tbytes, _, weight, vbytes),) = id_field.index(stored)
                ids.append((tbytes, docnum, weight, vbytes))
            perdoc.add_field(name, schema[name], stored, length)
            if length:
                lengths.setdefault(name, array("B", bytes(len(order))))[docnum] = length_to_byte(length)
        perdoc.finish_doc()
    writer.docnum = len(order)
    writer._added = True

    postings: dict[str, dict[bytes, list[tuple[int, float, bytes]]]] = {}
    for i, fields in enumerate(analysed):
        for name, _, _, posts in fields:
            if name != "id":
                for tbytes, weight, vbytes in posts:
                    postings.setdefault(name, {}).setdefault(tbytes, []).append((i, weight, vbytes))

    def items():
        # Field by field, term by term (both in byte order), document numbers ascending: a term's
        # postings in list L of copy k sit at factor * (start of L) + k * (size of L) + (place in L).
        for name in sorted({*postings, "id"}):
            if name == "id":
                for tbytes, docnum, weight, vbytes in sorted(ids):
                    yield name, tbytes, docnum, weight, vbytes
                continue
            for tbytes, entries in sorted(postings[name].items()):
                for o, size in runs:
                    inside = [e for e in entries if o <= e[0] < o + size]
                    for k in range(factor) if inside else ():
                        shift = factor * o + k * size - o
                        for i, weight, vbytes in inside:
                            yield name, tbytes, shift + i, weight, vbytes

    writer.pool = _Postings({*postings, "id"}, items())
    writer.per_document_reader = lambda: _Lengths(lengths)
    writer.commit(optimize=True)
    _pad_empty_postings(directory / WHOOSH_DIR)

    chunks, table = corpus_layout(big)
    table["docnums"] = docnums_follow(ix, table["ids"])
    ix.close()
    digest = write_corpus(directory, chunks, table)
    counts = dict(sorted(Counter(doc["record_kind"] for doc in base for _ in range(factor)).items()))
    manifest = {"counts": counts, "documents": sum(counts.values()), "corpus_sha1": digest}
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return counts


def measure(fn: Callable[[str], object], texts: list[str]) -> dict[str, float]:
    for text in texts:  # warm-up: caches, this thread's Sudachi tokenizer and Whoosh searcher
        fn(text)
    times = []
    for text in texts:
        start = time.perf_counter()
        fn(text)
        times.append((time.perf_counter() - start) * 1000)
    return {"p50": statistics.median(times), "p95": percentile(times, 95), "p99": percentile(times, 99),
            "max": max(times)}


def ask_function(searcher) -> tuple[Callable[[str], object], str]:
    try:
        from handlers.assistant import Assistant

        assistant = Assistant(searcher=lambda: searcher)
        assistant.ask("ケアラー支援")
        return assistant.ask, "Assistant.ask"
    except Exception as error:  # noqa: BLE001 - any failure means: measure search() instead, and say so
        return searcher.search, f"search() (Assistant.ask unavailable: {type(error).__name__})"


def tantivy_index(corpus: Corpus, directory: Path):
    import tantivy

    from index.analysis import analyze, japanese_analyzer, memo_analysis
    from index.build import documents

    analyzer = japanese_analyzer()
    builder = tantivy.SchemaBuilder()
    for name in ("title", "body"):
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    schema = builder.build()
    directory.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(schema, path=str(directory))
    writer = index.writer()
    start = time.perf_counter()
    with memo_analysis():  # the same tokens for every copy, analysed once (as for Whoosh)
        for doc in documents(corpus):
            title = " ".join(analyze(analyzer, " ".join(filter(None, [doc.get("title"), doc.get("aliases")])),
                                     mode="index"))
            body = " ".join(analyze(analyzer, doc.get("body", ""), mode="index"))
            writer.add_document(tantivy.Document(id=doc["id"], title=title, body=body))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    built = time.perf_counter() - start

    from index.search import query_terms

    searcher = index.searcher()

    def search(text: str):
        words = query_terms(text).words
        clauses = [(tantivy.Occur.Should, tantivy.Query.boost_query(tantivy.Query.term_query(schema, f, w), b))
                   for w in words for f, b in (("title", 3.0), ("body", 1.0))]
        if not clauses:
            return []
        return searcher.search(tantivy.Query.boolean_query(clauses), limit=10).hits

    return search, built


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _in_child(target, *args):
    """Run ``target(*args)`` in a fresh interpreter (spawn) and return what it returns."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_child_main, args=(queue, target, args))
    child.start()
    ok, value = queue.get()
    child.join()
    if not ok:
        raise RuntimeError(f"bench child failed: {value}")
    return value


def _child_main(queue, target, args) -> None:
    try:
        queue.put((True, target(*args)))
    except BaseException as error:  # noqa: BLE001 - reported to the parent
        import traceback

        queue.put((False, f"{error!r}\n{traceback.format_exc()}"))


def _rebuild_phase(corpus_json: str, work: str) -> dict:
    from index.store import IndexStore

    corpus = Corpus.model_validate_json(corpus_json)
    start = time.perf_counter()
    IndexStore(Path(work)).build(corpus)
    return {"seconds": time.perf_counter() - start, "peak_rss_mb": _peak_rss_mb()}


def _server_reindex_phase(corpus_json: str, work: str, texts: list[str], isolated: bool) -> dict:
    """What a serving process pays for ``POST /admin/reindex``: serve the questions from a live version
    (built in a child, so the serving figure is serving only), then reindex in this process
    (``isolated=False``) or in a child (``isolated=True``), swap, and serve them again."""
    from index.store import IndexStore, LiveSearcher

    corpus = Corpus.model_validate_json(corpus_json)
    store = IndexStore(Path(work))
    store.activate(store.build(corpus, isolated=True))
    live = LiveSearcher(store, check_interval=0.0)
    ask, _ = ask_function(live.current())
    for text in texts:
        ask(text)
    result = {"serving_peak_rss_mb": _peak_rss_mb()}
    start = time.perf_counter()
    store.activate(store.build(corpus, isolated=isolated))
    result["seconds"] = time.perf_counter() - start
    del corpus
    ask, _ = ask_function(live.refresh())
    for text in texts:
        ask(text)
    result["peak_rss_mb"] = _peak_rss_mb()
    result["rss_mb"] = current_rss_mb()
    live.close()
    return result


def _build_phase(corpus_json: str, factor: int, directory: str, exact: bool) -> dict:
    from index.build import build_index

    corpus = Corpus.model_validate_json(corpus_json)
    start = time.perf_counter()
    if factor <= 1 or exact:
        counts = build_index(scaled(corpus, factor), Path(directory))
    else:
        counts = build_scaled(corpus, factor, Path(directory))
    return {"seconds": time.perf_counter() - start, "counts": counts, "peak_rss_mb": _peak_rss_mb()}


def _query_phase(directory: str, texts: list[str], corpus_json: str | None, factor: int, work: str) -> dict:
    from concurrent.futures import ThreadPoolExecutor

    from index.search import Searcher

    result: dict = {"start_rss_mb": current_rss_mb()}
    start = time.perf_counter()
    searcher = Searcher(Path(directory))
    searcher.warm()
    result["open_s"] = time.perf_counter() - start
    result["open_rss_mb"] = current_rss_mb()
    result["search"] = measure(lambda t: searcher.search(t, limit=10), texts)
    result["search_rss_mb"] = current_rss_mb()
    ask, label = ask_function(searcher)
    result["ask_label"] = label
    start = time.perf_counter()
    for text in texts:  # the first pass pays each question's one-time costs: reported apart
        ask(text)
    result["ask_cold_s"] = time.perf_counter() - start
    result["ask"] = measure(ask, texts)
    result["ask_rss_mb"] = current_rss_mb()
    # a few threads at once: correctness of the per-thread searchers, and throughput
    start = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda t: searcher.search(t), texts * 2))
    result["threads4_qps"] = 2 * len(texts) / (time.perf_counter() - start)
    result["rss_mb"] = current_rss_mb()
    result["rss_parts"] = rss_parts_mb()
    result["peak_rss_mb"] = _peak_rss_mb()
    searcher.close()
    if corpus_json is not None:
        search, built = tantivy_index(scaled(Corpus.model_validate_json(corpus_json), factor),
                                      Path(work) / f"tantivy-x{factor}")
        result["tantivy_build_s"] = built
        result["tantivy"] = measure(search, texts)
    return result


def run_scale(corpus: Corpus, factor: int, texts: list[str], work: Path, compare: bool, exact: bool) -> dict:
    directory = work / f"x{factor}"
    corpus_json = corpus.model_dump_json()
    built = _in_child(_build_phase, corpus_json, factor, str(directory), exact)
    result = {"scale": factor, "documents": sum(built["counts"].values()), "build": built}
    result.update(_in_child(_query_phase, str(directory), texts, corpus_json if compare else None, factor, str(work)))
    shutil.rmtree(directory, ignore_errors=True)
    return result


def _line(label: str, figures: dict) -> str:
    return f"{label:<16} p50 {figures['p50']:7.2f}  p95 {figures['p95']:7.2f}  p99 {figures['p99']:7.2f}  " \
           f"max {figures['max']:7.2f} ms"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="madoguchi bench", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("MADOGUCHI_CORPUS_DIR", "corpus")))
    parser.add_argument("--scale", type=int, default=100, help="the large corpus is this many copies (0: skip)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--compare", action="store_true", help="also run the queries on tantivy")
    parser.add_argument("--exact-build", action="store_true", help="build the N× index with build_index (slow)")
    if isinstance(argv, argparse.Namespace):  # from bot.cli, which parses --scale and --compare itself
        args = parser.parse_args([])
        for name, value in vars(argv).items():
            if name in vars(args):
                setattr(args, name, value)
    else:
        args = parser.parse_args(argv)

    corpus, how = load(args.corpus)
    texts = queries(corpus, args.queries)
    print(f"corpus: {how}; {sum(1 for _ in _records(corpus))} records; {len(texts)} queries", flush=True)

    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as tmp:
        work = Path(tmp)
        # Full rebuild as reindex does it: build, validate, rename into place.
        rebuild = _in_child(_rebuild_phase, corpus.model_dump_json(), str(work / "store"))
        print(f"full rebuild 1x (IndexStore.build): {rebuild['seconds']:.2f} s, peak RSS {rebuild['peak_rss_mb']:.0f} MB "
              f"(its own process)", flush=True)
        shutil.rmtree(work / "store", ignore_errors=True)
        # The same rebuild inside a serving process (the server's /admin/reindex), in place and in a child.
        for isolated in (False, True):
            served = _in_child(_server_reindex_phase, corpus.model_dump_json(), str(work / "served"), texts, isolated)
            how = "in a child (isolated=True)" if isolated else "in the serving process"
            print(f"reindex 1x while serving, built {how}: {served['seconds']:.2f} s; serving process peak RSS "
                  f"{served['serving_peak_rss_mb']:.0f} MB before, {served['peak_rss_mb']:.0f} MB with the reindex "
                  f"({served['rss_mb']:.0f} MB after)", flush=True)
            shutil.rmtree(work / "served", ignore_errors=True)
        for factor in [1] + ([args.scale] if args.scale > 1 else []):
            r = run_scale(corpus, factor, texts, work, args.compare, args.exact_build)
            b = r["build"]
            how_built = "build_index" if factor <= 1 or args.exact_build else "build_scaled"
            print(f"\n== {factor}x: {r['documents']} documents")
            print(f"build ({how_built}, its own process): {b['seconds']:.2f} s, peak RSS {b['peak_rss_mb']:.0f} MB")
            print(f"open + warm: {r['open_s']:.2f} s; RSS {r['start_rss_mb']:.0f} MB at start, "
                  f"{r['open_rss_mb']:.0f} MB open")
            print(_line("search()", r["search"]) + f"  (RSS after: {r['search_rss_mb']:.0f} MB)")
            print(_line(r["ask_label"], r["ask"]) + f"  (first pass {r['ask_cold_s']:.2f} s; "
                  f"RSS after: {r['ask_rss_mb']:.0f} MB)")
            parts = r["rss_parts"]
            print(f"4 threads: {r['threads4_qps']:.0f} searches/s; serving process (fresh, never built) RSS "
                  f"{r['rss_mb']:.0f} MB now (private {parts.get('RssAnon', 0):.0f}, mapped files "
                  f"{parts.get('RssFile', 0):.0f}: Sudachi's dictionary, clean pages), peak {r['peak_rss_mb']:.0f} MB")
            if "tantivy" in r:
                t = r["tantivy"]
                print(_line("tantivy", t) + f"  (build {r['tantivy_build_s']:.2f} s)")
                print(f"whoosh search()/tantivy: p50 ×{r['search']['p50'] / t['p50']:.1f}, "
                      f"p99 ×{r['search']['p99'] / t['p99']:.1f}; ask/tantivy: p50 ×{r['ask']['p50'] / t['p50']:.1f},"
                      f" p99 ×{r['ask']['p99'] / t['p99']:.1f}", flush=True)
    return 0


def _records(corpus: Corpus):
    from index.build import records

    return records(corpus)


if __name__ == "__main__":
    sys.exit(main())
