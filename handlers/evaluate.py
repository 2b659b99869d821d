"""`madoguchi eval`: answer the gold questions and report accuracy.

    madoguchi eval [--gold tests/gold/questions.yaml | --set heldout] [--misses 40] [--live]

By default a fresh index of the current corpus is built in a temporary
directory, so the figures describe the corpus as it is now (``--live`` uses
the live index of ``bot.runtime.build_runtime()`` instead). Prints top-1 and
top-3 accuracy per intent and overall, intent accuracy, the accuracy on
pledges asked by number, and lists the misses.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from handlers.assistant import Assistant
from handlers.understand import kana_numbers, kanji_numbers, normalize

GOLD_DIR = Path(__file__).resolve().parent.parent / "tests" / "gold"
DEFAULT_GOLD = GOLD_DIR / "questions.yaml"
# Named question sets for ``--set``: the tuning set, then sets each written blind from the sources and scored
# once before any tuning on them (their headers give that first score and say if they were used since).
GOLD_SETS = {"questions": DEFAULT_GOLD, "heldout": GOLD_DIR / "heldout.yaml", "blind2": GOLD_DIR / "blind2.yaml",
             "blind3": GOLD_DIR / "blind3.yaml", "blind4": GOLD_DIR / "blind4.yaml",
             "blind5": GOLD_DIR / "blind5.yaml", "blind6": GOLD_DIR / "blind6.yaml",
             "blind7": GOLD_DIR / "blind7.yaml", "blind8": GOLD_DIR / "blind8.yaml", "blind9": GOLD_DIR / "blind9.yaml",
             "blind10": GOLD_DIR / "blind10.yaml", "blind11": GOLD_DIR / "blind11.yaml",
             "blind12": GOLD_DIR / "blind12.yaml", "blind13": GOLD_DIR / "blind13.yaml",
             "blind14": GOLD_DIR / "blind14.yaml", "blind15": GOLD_DIR / "blind15.yaml",
             "blind16": GOLD_DIR / "blind16.yaml", "blind17": GOLD_DIR / "blind17.yaml",
             "blind18": GOLD_DIR / "blind18.yaml", "blind19": GOLD_DIR / "blind19.yaml",
             "blind20": GOLD_DIR / "blind20.yaml", "blind21": GOLD_DIR / "blind21.yaml",
             "blind22": GOLD_DIR / "blind22.yaml", "blind23": GOLD_DIR / "blind23.yaml",
             "blind24": GOLD_DIR / "blind24.yaml", "blind25": GOLD_DIR / "blind25.yaml",
             "blind26": GOLD_DIR / "blind26.yaml"}


@dataclass
class Outcome:
    q: str
    intent: str  # expected
    expect: list[str]
    got_intent: str
    got: list[str]  # result ids, best first

    @property
    def scored(self) -> bool:
        return bool(self.expect)

    @property
    def top1(self) -> bool:
        return bool(self.got) and self.got[0] in self.expect

    @property
    def top3(self) -> bool:
        return any(g in self.expect for g in self.got[:3])

    @property
    def intent_ok(self) -> bool:
        return self.got_intent == self.intent

    @property
    def pledge_by_number(self) -> bool:
        """A pledge asked by its number (15, １５, 十五, 公約15 …): these must all be right."""
        pledges = [e for e in self.expect if e.startswith("pledge-")]  # a policy of the same promise may be listed too
        if self.intent != "pledge_status" or len(pledges) != 1:
            return False
        number = pledges[0].removeprefix("pledge-")
        return re.search(rf"(?<!\d){number}(?!\d)", kanji_numbers(kana_numbers(normalize(self.q)))) is not None


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def rows(self) -> list[tuple[str, int, int, int, int, int]]:
        """(intent, questions, scored, top1, top3, intent_ok) per intent, then overall."""
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for o in self.outcomes:
            groups[o.intent].append(o)
        rows = []
        for name in sorted(groups):
            rows.append(self._row(name, groups[name]))
        rows.append(self._row("overall", self.outcomes))
        return rows

    @staticmethod
    def _row(name: str, items: list[Outcome]) -> tuple[str, int, int, int, int, int]:
        scored = [o for o in items if o.scored]
        return (name, len(items), len(scored), sum(o.top1 for o in scored), sum(o.top3 for o in scored),
                sum(o.intent_ok for o in items))

    def overall(self) -> dict[str, float]:
        scored = [o for o in self.outcomes if o.scored]
        by_number = [o for o in self.outcomes if o.pledge_by_number]
        return {
            "top1": sum(o.top1 for o in scored) / len(scored) if scored else 0.0,
            "top3": sum(o.top3 for o in scored) / len(scored) if scored else 0.0,
            "intent": sum(o.intent_ok for o in self.outcomes) / len(self.outcomes) if self.outcomes else 0.0,
            "pledge_by_number": sum(o.top1 for o in by_number) / len(by_number) if by_number else 0.0,
            "pledge_by_number_count": float(len(by_number)),
        }

    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if (o.scored and not o.top1) or not o.intent_ok]

    def format(self, max_misses: int = 40) -> str:
        lines = [f"{'intent':<14}{'n':>5}{'scored':>8}{'top-1':>8}{'top-3':>8}{'intent':>8}"]
        for name, n, scored, top1, top3, intent_ok in self.rows():
            pct = (lambda k, d: f"{k / d:.2f}" if d else "  -")  # noqa: E731
            lines.append(f"{name:<14}{n:>5}{scored:>8}{pct(top1, scored):>8}{pct(top3, scored):>8}"
                         f"{pct(intent_ok, n):>8}")
        figures = self.overall()
        count = int(figures["pledge_by_number_count"])
        lines.append(f"pledges asked by number: {figures['pledge_by_number']:.2f} ({count} questions)" if count
                     else "pledges asked by number: - (none in this set)")
        misses = self.misses()
        if misses:
            lines.append(f"\nmisses ({len(misses)}):")
            for o in misses[:max_misses]:
                flag = "" if o.intent_ok else f" intent {o.got_intent}≠{o.intent}"
                got = ", ".join(o.got[:3]) or "—"
                lines.append(f"  {o.q!r}{flag}\n      expect {', '.join(o.expect) or '—'}  got {got}")
            if len(misses) > max_misses:
                lines.append(f"  … {len(misses) - max_misses} more")
        return "\n".join(lines)


def gold_path(gold: Path | str | None = None, name: str | None = None) -> Path:
    """The questions file: ``gold`` as given (a relative path may also be relative to the repository),
    else the named set, else the default set."""
    if gold:
        path = Path(gold)
        if not path.is_absolute() and not path.exists() and (GOLD_DIR.parent.parent / path).exists():
            return GOLD_DIR.parent.parent / path
        return path
    if name:
        if name not in GOLD_SETS:
            raise ValueError(f"unknown question set {name!r} (known: {', '.join(GOLD_SETS)})")
        return GOLD_SETS[name]
    return DEFAULT_GOLD


def load_gold(path: Path | str = DEFAULT_GOLD) -> list[dict]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    questions = []
    for i, item in enumerate(data, 1):
        if not isinstance(item, dict) or "q" not in item or "intent" not in item:
            raise ValueError(f"{path}: entry {i} needs q and intent")
        questions.append({"q": str(item["q"] if item["q"] is not None else ""), "intent": item["intent"],
                          "expect": [str(e) for e in item.get("expect") or []]})
    return questions


def evaluate(assistant: Assistant, gold: list[dict], audience: str = "staff") -> Report:
    report = Report()
    for item in gold:
        answer = assistant.ask(item["q"], audience=audience)
        report.outcomes.append(Outcome(q=item["q"], intent=item["intent"], expect=item["expect"],
                                       got_intent=answer.intent, got=[r.id for r in answer.results]))
    return report


@contextlib.contextmanager
def fresh_searcher(corpus_dir: Path | str | None = None) -> Iterator[Callable[[], object]]:
    """A temporary index of the current corpus: build, activate, yield ``live.current``, clean up."""
    from corpus.loader import curated_dir, default_corpus_dir, load_corpus
    from index.store import IndexStore, LiveSearcher

    corpus_dir = corpus_dir or default_corpus_dir()
    corpus = load_corpus(corpus_dir)
    with tempfile.TemporaryDirectory(prefix="madoguchi-eval-") as tmp:
        store = IndexStore(Path(tmp))
        store.activate(store.build(corpus, curated_dir(corpus_dir)))
        live = LiveSearcher(store)
        try:
            yield live.current
        finally:
            with contextlib.suppress(Exception):
                live.close()


def _parse(argv) -> argparse.Namespace:
    if isinstance(argv, argparse.Namespace):
        return argv
    parser = argparse.ArgumentParser(prog="madoguchi eval")
    parser.add_argument("--gold", default=None)
    parser.add_argument("--set", dest="gold_set", choices=sorted(GOLD_SETS), default=None)
    parser.add_argument("--misses", type=int, default=40)
    parser.add_argument("--live", action="store_true", help="use the live index (bot.runtime) instead of a fresh one")
    parser.add_argument("--corpus", default=None)
    return parser.parse_args(argv)


def main(argv=None, searcher_factory: Callable[[], object] | None = None) -> int:
    """Entry point for `madoguchi eval` (``argv``: list of strings or the CLI's Namespace)."""
    args = _parse(argv if argv is not None else sys.argv[1:])
    gold = load_gold(gold_path(getattr(args, "gold", None), getattr(args, "gold_set", None)))
    max_misses = getattr(args, "misses", 40)
    if searcher_factory is not None:
        report = evaluate(Assistant(searcher=searcher_factory), gold)
    elif getattr(args, "live", False):
        from bot.runtime import build_runtime

        report = evaluate(build_runtime().assistant, gold)
    else:
        with fresh_searcher(getattr(args, "corpus", None)) as factory:
            report = evaluate(Assistant(searcher=factory), gold)
    print(report.format(max_misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
