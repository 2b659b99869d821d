"""Memory of a long-lived serving process at the N× (100×) bench corpus (prints figures; not a test).

    MALLOC_ARENA_MAX=2 .venv/bin/python scripts/bench_memory.py --data-dir /tmp/madoguchi-x100 \
        [--scale 100] [--questions 1500] [--threads 4] [--set POSTINGS_CACHE=4000000 ...] [--answer-cache]

Builds the N× index once with ``index.bench.build_scaled`` (in its own process) into ``--data-dir`` as a
live version of an ``IndexStore``, or reuses the one already there. Then, in a FRESH process (so the
build's memory does not count), opens it as the server does (``Assistant`` over ``LiveSearcher``),
asks N distinct questions one at a time (the serial pass: each question's first time), then the same
questions again from several threads at once (each thread asks all of them, starting at a different
place), and prints VmRSS and VmHWM (the peak) after the warm-up, the serial pass and the threaded pass,
with ask latency p50/p99 of each pass. ``--set NAME=VALUE`` overrides a constant of ``index.search``
(POSTINGS_CACHE, MODEL_CACHE, DF_CACHE …) in that process, for experiments: one setting per run.
``--answer-cache`` puts bot.cache.CachedAssistant in front, as ``madoguchi serve`` does.
``--tracemalloc N`` prints the N largest allocation sites (Python objects only) after the threaded pass
(slows everything down several times: memory figures only). MALLOC_ARENA_MAX defaults to 2, as
scripts/run.sh sets it (it must be in the environment before a process starts: the child gets it).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from index.bench import NATURAL, _build_phase, _in_child, load, percentile, queries, rss_parts_mb  # noqa: E402


def status_mb() -> dict[str, float]:
    """VmRSS (now), VmHWM (peak so far) and the private / mapped-file split, in MB."""
    parts = rss_parts_mb()
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key == "VmHWM":
                parts[key] = int(value.split()[0]) / 1024
    return parts


def questions(corpus, count: int) -> list[str]:
    """``count`` distinct questions: the bench's keyword sets and natural questions, then the same titles
    asked as sentences (…について教えてください / …はどこに相談すればいいですか) when more are wanted."""
    texts = list(dict.fromkeys(queries(corpus, count)))
    if len(texts) < count:
        from index.analysis import analyze, japanese_analyzer

        analyzer = japanese_analyzer(split=False)
        titles = [i.title for i in corpus.initiatives] + [p.title for p in corpus.policies] + [
            p.text[:40] for p in corpus.pledges] + [w.name for w in corpus.windows]
        forms = ("{}について教えてください", "{}はどこに相談すればいいですか", "{}の担当課は")
        seen = set(texts)
        for i, title in enumerate(titles):
            words = analyze(analyzer, title, mode="index")[:3]
            text = forms[i % len(forms)].format("".join(words)) if words else ""
            if text and text not in seen:
                seen.add(text)
                texts.append(text)
            if len(texts) >= count:
                break
    return texts[:count]


def ensure_index(data_dir: Path, corpus_dir: Path, factor: int) -> tuple[str, list]:
    """The live version under ``data_dir`` (built with build_scaled in a child when there is none)."""
    from index.store import STAMP, IndexStore

    store = IndexStore(data_dir)
    corpus, how = load(corpus_dir)
    live = store.live_version()
    if live is None:
        store.versions_dir.mkdir(parents=True, exist_ok=True)
        store.tmp_dir.mkdir(parents=True, exist_ok=True)
        version = f"{datetime.now(UTC).replace(tzinfo=None):{STAMP}}-x{factor}"
        work = store.tmp_dir / version
        start = time.perf_counter()
        built = _in_child(_build_phase, corpus.model_dump_json(), factor, str(work), False)
        os.rename(work, store.path(version))
        store.activate(version)
        print(f"built {factor}x ({how}): {sum(built['counts'].values())} documents in "
              f"{time.perf_counter() - start:.0f} s (peak {built['peak_rss_mb']:.0f} MB, its own process)", flush=True)
        live = version
    return live, corpus


def _timed(ask, texts: list[str]) -> list[float]:
    times = []
    for text in texts:
        start = time.perf_counter()
        ask(text)
        times.append((time.perf_counter() - start) * 1000)
    return times


def _serve_phase(data_dir: str, texts: list[str], threads: int, overrides: dict[str, int], answer_cache: bool,
                 top: int) -> dict:
    """A fresh serving process: open, warm up, serial pass, threaded pass; RSS after each."""
    import index.search as search_module

    for name, value in overrides.items():
        if not hasattr(search_module, name):
            raise ValueError(f"index.search has no {name}")
        setattr(search_module, name, value)
    if top:
        import tracemalloc

        tracemalloc.start(1)
    from handlers.assistant import Assistant
    from index.store import IndexStore, LiveSearcher

    out: dict = {"start": status_mb()}
    live = LiveSearcher(IndexStore(Path(data_dir)))
    assistant = Assistant(searcher=live.current)
    if answer_cache:
        from bot.cache import CachedAssistant

        assistant = CachedAssistant(assistant, version=lambda: live.current().version)
    for text in NATURAL[:5]:
        assistant.ask(text)
    out["warm"] = status_mb()

    serial = _timed(assistant.ask, texts)
    out["serial"] = {**status_mb(), "p50": statistics.median(serial), "p99": percentile(serial, 99),
                     "seconds": sum(serial) / 1000}

    per_thread: list[list[float]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []

    def run(n: int) -> None:
        at = n * len(texts) // threads  # each thread starts at a different place
        try:
            per_thread[n] = _timed(assistant.ask, texts[at:] + texts[:at])
        except BaseException as error:  # noqa: BLE001 - reported by the parent
            errors.append(error)

    start = time.perf_counter()
    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]
    together = [t for times in per_thread for t in times]
    out["threaded"] = {**status_mb(), "p50": statistics.median(together), "p99": percentile(together, 99),
                       "seconds": time.perf_counter() - start}
    searcher = live.current()
    out["postings"] = {"entries": len(searcher._postings), "size": searcher._postings_size,
                       "limit": search_module.POSTINGS_CACHE, "dfs": len(searcher._dfs),
                       "models": searcher._model.cache_info().currsize,
                       "searches": next(search_module._searches) - 1 if hasattr(search_module, "_searches") else 0}
    if top:
        import tracemalloc

        snapshot = tracemalloc.take_snapshot()
        out["traced_mb"] = tracemalloc.get_traced_memory()[0] / 2**20
        out["top"] = [f"{s.size / 2**20:7.1f} MB {s.count:9d} blocks  {s.traceback[0]}"
                      for s in snapshot.statistics("lineno")[:top]]
    gc.collect()
    out["after_gc"] = status_mb()
    live.close()
    return out


def _row(label: str, figures: dict) -> str:
    line = f"{label:<10} RSS {figures['VmRSS']:6.0f} MB (private {figures.get('RssAnon', 0):4.0f}, files " \
           f"{figures.get('RssFile', 0):4.0f})  peak {figures['VmHWM']:6.0f} MB"
    if "p50" in figures:
        line += f"  ask p50 {figures['p50']:6.1f}  p99 {figures['p99']:6.1f} ms  ({figures['seconds']:.0f} s)"
    return line


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="built here if it holds no live version")
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("MADOGUCHI_CORPUS_DIR", REPO / "corpus")))
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--questions", type=int, default=1500)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override an index.search constant in the serving process")
    parser.add_argument("--answer-cache", action="store_true", help="CachedAssistant in front, as the server")
    parser.add_argument("--tracemalloc", type=int, default=0, metavar="N", help="print the N largest sites")
    args = parser.parse_args(argv)
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")  # as scripts/run.sh; inherited by the spawned children
    overrides = {}
    for item in args.set:
        name, _, value = item.partition("=")
        overrides[name.strip()] = int(value.replace("_", ""))

    version, corpus = ensure_index(args.data_dir, args.corpus, args.scale)
    texts = questions(corpus, args.questions)
    del corpus
    print(f"version {version}; {len(texts)} distinct questions; {args.threads} threads; "
          f"MALLOC_ARENA_MAX={os.environ['MALLOC_ARENA_MAX']}; overrides {overrides or 'none'}"
          f"{'; answer cache' if args.answer_cache else ''}", flush=True)
    r = _in_child(_serve_phase, str(args.data_dir), texts, args.threads, overrides, args.answer_cache,
                  args.tracemalloc)
    print(_row("start", r["start"]))
    print(_row("warm", r["warm"]))
    print(_row("serial", r["serial"]))
    print(_row(f"{args.threads} threads", r["threaded"]))
    print(_row("after gc", r["after_gc"]))
    p = r["postings"]
    print(f"postings cache: {p['entries']} terms, {p['size']:,} of {p['limit']:,} postings; "
          f"{p['dfs']} document frequencies; {p['models']} parsed records; {p['searches']} searches")
    if "top" in r:
        print(f"tracemalloc: {r['traced_mb']:.0f} MB traced; largest sites:")
        print("\n".join(r["top"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
