"""``madoguchi bench``: build time, query latency and memory of the index, at 1× and 100×.

    python -m index.bench [--corpus DIR] [--scale 100] [--compare] [--queries N]

Latency is warm, in-process, one query at a time (one warm-up pass, then one
measured pass over the query set). Builds run in a child process so the peak
RSS reported for searching is the query process's own. ``--compare`` indexes
the same Sudachi tokens with tantivy (a bench-only extra, never imported at
runtime) and prints the latency ratio.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
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


def current_rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


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


def _build_child(corpus_json: str, factor: int, directory: str, queue) -> None:
    from index.build import build_index

    corpus = scaled(Corpus.model_validate_json(corpus_json), factor)
    start = time.perf_counter()
    counts = build_index(corpus, Path(directory))
    queue.put((time.perf_counter() - start, counts, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def build_in_child(corpus: Corpus, factor: int, directory: Path) -> tuple[float, dict, float]:
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_build_child, args=(corpus.model_dump_json(), factor, str(directory), queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def measure(fn: Callable[[str], object], texts: list[str]) -> dict[str, float]:
    for text in texts:  # warm-up: caches, this thread's Sudachi tokenizer and Whoosh searcher
        fn(text)
    times = []
    for text in texts:
        start = time.perf_counter()
        fn(text)
        times.append((time.perf_counter() - start) * 1000)
    return {"p50": statistics.median(times), "p95": percentile(times, 95), "p99": percentile(times, 99)}


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

    from index.analysis import analyze, japanese_analyzer
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
    for doc in documents(corpus):
        title = " ".join(analyze(analyzer, " ".join(filter(None, [doc.get("title"), doc.get("aliases")])), mode="index"))
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


def run_scale(corpus: Corpus, factor: int, texts: list[str], work: Path, compare: bool) -> dict:
    from index.search import Searcher

    directory = work / f"x{factor}"
    seconds, counts, build_rss = build_in_child(corpus, factor, directory)
    result = {"scale": factor, "documents": sum(counts.values()), "build_s": seconds, "build_rss_mb": build_rss}
    with Searcher(directory) as searcher:
        searcher.warm()
        result["search"] = measure(lambda t: searcher.search(t, limit=10), texts)
        ask, label = ask_function(searcher)
        result["ask_label"] = label
        result["ask"] = measure(lambda t: ask(t), texts)
        # a few threads at once: correctness of the per-thread searchers, and throughput
        from concurrent.futures import ThreadPoolExecutor

        start = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda t: searcher.search(t), texts * 2))
        result["threads4_qps"] = 2 * len(texts) / (time.perf_counter() - start)
        result["rss_mb"] = current_rss_mb()
    if compare:
        search, built = tantivy_index(scaled(corpus, factor), work / f"tantivy-x{factor}")
        result["tantivy_build_s"] = built
        result["tantivy"] = measure(search, texts)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="madoguchi bench", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("MADOGUCHI_CORPUS_DIR", "corpus")))
    parser.add_argument("--scale", type=int, default=100, help="the large corpus is this many copies (0: skip)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--compare", action="store_true", help="also run the queries on tantivy")
    args = parser.parse_args(argv)

    corpus, how = load(args.corpus)
    texts = queries(corpus, args.queries)
    print(f"corpus: {how}; {sum(1 for _ in _records(corpus))} records; {len(texts)} queries")

    # Full rebuild as reindex does it: build, validate, rename into place.
    from index.store import IndexStore

    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as tmp:
        work = Path(tmp)
        start = time.perf_counter()
        IndexStore(work / "store").build(corpus)
        print(f"full rebuild 1x (IndexStore.build, in-process): {time.perf_counter() - start:.2f} s")
        shutil.rmtree(work / "store")
        for factor in [1] + ([args.scale] if args.scale > 1 else []):
            r = run_scale(corpus, factor, texts, work, args.compare)
            print(f"\n== {factor}x: {r['documents']} documents, build {r['build_s']:.2f} s "
                  f"(child peak RSS {r['build_rss_mb']:.0f} MB)")
            print("search()  p50 {p50:.2f}  p95 {p95:.2f}  p99 {p99:.2f} ms".format(**r["search"]))
            print(f"{r['ask_label']}:  " + "p50 {p50:.2f}  p95 {p95:.2f}  p99 {p99:.2f} ms".format(**r["ask"]))
            print(f"4 threads: {r['threads4_qps']:.0f} queries/s; query-process RSS now {r['rss_mb']:.0f} MB")
            if "tantivy" in r:
                t = r["tantivy"]
                print("tantivy   p50 {p50:.2f}  p95 {p95:.2f}  p99 {p99:.2f} ms".format(**t)
                      + f"  (build {r['tantivy_build_s']:.2f} s); whoosh/tantivy p50 ×{r['search']['p50'] / t['p50']:.1f},"
                      f" p99 ×{r['search']['p99'] / t['p99']:.1f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of the bench process: {rss:.0f} MB (Sudachi, corpus JSON{', tantivy' if args.compare else ''})")
    return 0


def _records(corpus: Corpus):
    from index.build import records

    return records(corpus)


if __name__ == "__main__":
    sys.exit(main())
