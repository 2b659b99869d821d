"""The `madoguchi` command line (contract in DESIGN.md).

Each sub-command lives with the code it drives; this module only parses
arguments and dispatches, importing lazily so `madoguchi ask` stays quick.
"""

from __future__ import annotations

import argparse
import importlib
import sys


def _run(target: str):
    """A handler that imports ``module:function`` only when its command runs."""

    def handler(args: argparse.Namespace) -> int:
        module, function = target.split(":")
        return getattr(importlib.import_module(module), function)(args) or 0

    return handler


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="madoguchi", description="鎌倉市の窓口案内アシスタント")
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="質問に答える（--json で JSON、質問なしなら標準入力から1行1問）")
    ask.add_argument("question", nargs="?")
    ask.add_argument("--json", action="store_true")
    ask.add_argument("--staff", action="store_true", help="職員向けの詳しい表示")
    ask.set_defaults(handler=_run("bot.terminal:ask"))

    chat = sub.add_parser("chat", help="端末で対話する")
    chat.add_argument("--staff", action="store_true")
    chat.set_defaults(handler=_run("bot.terminal:chat"))

    serve = sub.add_parser("serve", help="HTTP サーバー（Web コンソール、API、Webhook）")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(handler=_run("bot.app:serve"))

    reindex = sub.add_parser("reindex", help="コーパスを解析・検証して索引を作り直し、切り替える")
    reindex.add_argument("--corpus", help="corpus directory (default MADOGUCHI_CORPUS_DIR or ./corpus)")
    reindex.add_argument("--force", action="store_true", help="件数の大幅な減少を許す")
    reindex.add_argument("--rollback", action="store_true", help="ひとつ前の版に戻す")
    reindex.set_defaults(handler=_run("bot.admin:reindex_command"))

    corpus = sub.add_parser("corpus", help="コーパスの統計・検証")
    corpus_sub = corpus.add_subparsers(dest="corpus_command", required=True)
    stats = corpus_sub.add_parser("stats")
    stats.add_argument("--json", action="store_true")
    stats.add_argument("--corpus")
    stats.set_defaults(handler=_run("bot.terminal:corpus_stats"))
    validate = corpus_sub.add_parser("validate")
    validate.add_argument("--corpus")
    validate.set_defaults(handler=_run("bot.terminal:corpus_validate"))

    evaluate = sub.add_parser("eval", help="ゴールド質問集で回答精度を測る")
    evaluate.add_argument("--gold", help="questions file (default tests/gold/questions.yaml)")
    evaluate.add_argument("--set", dest="gold_set", metavar="NAME",
                          help="named question set in tests/gold/ (questions, heldout, blind2; instead of --gold)")
    evaluate.add_argument("--misses", type=int, default=40, help="list at most this many misses")
    evaluate.set_defaults(handler=_run("handlers.evaluate:main"))

    bench = sub.add_parser("bench", help="索引構築と応答時間のベンチマーク")
    bench.add_argument("--compare", action="store_true", help="tantivy と比べる")
    bench.add_argument("--scale", type=int, default=100)
    bench.set_defaults(handler=_run("index.bench:main"))

    line = sub.add_parser("line", help="LINE の設定")
    line_sub = line.add_subparsers(dest="line_command", required=True)
    richmenu = line_sub.add_parser("richmenu", help="リッチメニューを作成して既定に設定する")
    richmenu.add_argument("--image", help="PNG for the menu (default: generated)")
    richmenu.set_defaults(handler=_run("bot.line:richmenu_command"))

    polling = sub.add_parser("telegram-polling", help="Telegram をロングポーリングで動かす")
    polling.set_defaults(handler=_run("bot.telegram:polling_command"))

    report = sub.add_parser("report", help="運用レポート")
    report_sub = report.add_subparsers(dest="report_command", required=True)
    unanswered = report_sub.add_parser("unanswered", help="うまく答えられなかった質問")
    unanswered.add_argument("--csv", action="store_true")
    unanswered.add_argument("--days", type=int, default=30)
    unanswered.set_defaults(handler=_run("bot.admin:unanswered_command"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from corpus.loader import CorpusValidationError
    from corpus.models import CorpusError

    try:
        return args.handler(args)
    except CorpusValidationError as error:
        for problem in error.problems:
            print(f"エラー: {problem}", file=sys.stderr)
        return 1
    except CorpusError as error:
        print(f"エラー: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
