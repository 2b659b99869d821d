"""The terminal channel: `madoguchi ask`, `madoguchi chat`, `madoguchi corpus …`."""

from __future__ import annotations

import argparse
import json
import sys

from bot.settings import Settings
from handlers.answer import Answer


def render_text(answer: Answer, *, staff: bool = False) -> str:
    """The reply as a person sees it; staff also get the ranked results with citations."""
    lines = [answer.text]
    if staff and answer.results:
        lines.append("")
        for rank, result in enumerate(answer.results[:5], start=1):
            label = result.code or (str(result.number) if result.number is not None else "")
            departments = "・".join(result.departments)
            head = " ".join(part for part in (f"{rank}.", f"[{result.kind}]", label, result.title) if part)
            lines.append(f"{head}{f' — {departments}' if departments else ''}  ({result.source.cite()})")
    if answer.suggestions:
        lines.append("")
        lines.append("つぎに聞けること: " + " / ".join(s.label for s in answer.suggestions))
    return "\n".join(lines)



def ask(args: argparse.Namespace) -> int:
    from bot.runtime import build_runtime

    assistant = build_runtime(Settings.from_args(args)).assistant
    audience = "staff" if args.staff else "citizen"
    if args.question is not None:
        answer = assistant.ask(args.question, audience=audience)
        print(json.dumps(answer.to_json(), ensure_ascii=False) if args.json else render_text(answer, staff=args.staff))
        return 0
    # Batch: one question per line on stdin, one answer per line on stdout, in order.
    for line in sys.stdin:
        question = line.rstrip("\n")
        answer = assistant.ask(question, audience=audience)
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            print(render_text(answer, staff=args.staff) + "\n", flush=True)
    return 0


def chat(args: argparse.Namespace) -> int:
    """A terminal conversation; 詳しく / 担当課 follow-ups apply to the previous answer."""
    from bot.runtime import build_runtime

    assistant = build_runtime(Settings.from_args(args)).assistant
    audience = "staff" if args.staff else "citizen"
    history: list[Answer] = []
    print("madoguchi — 質問をどうぞ（終了は Ctrl-D）。番号を入力すると「つぎに聞けること」を選べます。")
    while True:
        try:
            text = input("> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not text:
            continue
        if history and text.isdigit() and 1 <= int(text) <= len(history[-1].suggestions):
            text = history[-1].suggestions[int(text) - 1].query
        answer = assistant.ask(text, audience=audience)
        history.append(answer)
        print(render_text(answer, staff=args.staff))
        for number, suggestion in enumerate(answer.suggestions, start=1):
            print(f"  {number}. {suggestion.label}")


def corpus_stats(args: argparse.Namespace) -> int:
    from corpus.loader import load_corpus

    corpus = load_corpus(Settings.from_args(args).corpus_dir)
    stats = corpus.stats()
    if args.json:
        print(json.dumps(stats, ensure_ascii=False))
    else:
        pledges = stats.pop("pledges")
        print(f"公約 {pledges['total']}（達成 {pledges['achieved']} / 途中 {pledges['in_progress']} / 未達成 {pledges['not_achieved']}）")
        for kind, count in stats.items():
            print(f"{kind}: {count}")
        for conflict in corpus.conflicts:
            print(f"要確認 {conflict.document}:{','.join(map(str, conflict.lines))} {conflict.message}")
    return 0


def corpus_validate(args: argparse.Namespace) -> int:
    """Parse and validate only; errors reach bot.cli.main, which prints each with its line and exits 1."""
    from corpus.loader import load_corpus

    corpus = load_corpus(Settings.from_args(args).corpus_dir)
    for conflict in corpus.conflicts:
        print(f"要確認 {conflict.document}:{','.join(map(str, conflict.lines))} {conflict.message}")
    print("OK " + json.dumps(corpus.stats(), ensure_ascii=False))
    return 0
