"""The `csbot` command: a thin layer of argument parsing and printing over the library."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from csbot.bot import Bot
from csbot.errors import CsbotError
from csbot.resources import default_data_dir, default_model_dir
from csbot.types import Reply

if TYPE_CHECKING:
    from csbot.conversation_log import SQLiteLog

DEFAULT_LOG = "csbot-log.db"

# Two short conversations: routine questions (with an order number asked for and a
# clarifying question), then a customer whose account was stolen and who gets upset.
DEMO_CONVERSATIONS: tuple[tuple[str, ...], ...] = (
    (
        "你好 在吗",
        "快递三天没更新了",
        "订单号240312-558712093",
        "地址填错了 能送货上门吗",
        "改地址",
        "收到的杯子裂了一道缝 怎么处理",
        "今天天气怎么样",
        "好的谢谢",
    ),
    (
        "我的账号好像被盗了 有人用我的号下了好几单",
        "我手机13812345678 验证码一直收不到 气死了 你们到底管不管！！！",
    ),
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except CsbotError as exc:
        print(f"csbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="csbot", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    p = sub.add_parser("train", help="validate the data, train and write a model")
    p.add_argument(
        "--data", type=Path, default=default_data_dir(), help="data directory (faq.yaml, training/)"
    )
    p.add_argument("--out", type=Path, default=default_model_dir(), help="model directory to write")
    p.add_argument(
        "--min-examples",
        type=int,
        default=None,
        help="fewest examples per intent (default: 200, 80 or 400 by intent)",
    )
    p.add_argument("--force", action="store_true", help="replace the model even if it scores worse")
    p.set_defaults(run=_train)

    p = sub.add_parser("rollback", help="restore the model that the last `csbot train` replaced")
    p.add_argument("--out", type=Path, default=default_model_dir(), help="model directory")
    p.set_defaults(run=_rollback)

    p = sub.add_parser(
        "report", help="what the conversation log says: volume, hand-offs, hot issues"
    )
    p.add_argument("--db", type=Path, default=Path(DEFAULT_LOG), help="conversation log database")
    p.add_argument("--since", default="7d", help="period to report, e.g. 7d, 24h (default 7d)")
    p.add_argument("--html", type=Path, default=None, help="also write a self-contained HTML page")
    p.set_defaults(run=_report)

    p = sub.add_parser("review", help="label uncertain messages and add them to the training data")
    review = p.add_subparsers(required=True, metavar="ACTION")
    p = review.add_parser("export", help="write uncertain and handed-off messages for labelling")
    p.add_argument("--db", type=Path, default=Path(DEFAULT_LOG))
    p.add_argument("--since", default="30d")
    p.add_argument("--out", type=Path, default=Path("review.tsv"))
    p.set_defaults(run=_review_export)
    p = review.add_parser("import", help="add the labelled lines of FILE to the training data")
    p.add_argument("file", type=Path)
    p.add_argument("--data", type=Path, default=default_data_dir())
    p.set_defaults(run=_review_import)

    p = sub.add_parser("validate", help="check faq.yaml and the training data; list every problem")
    p.add_argument("--data", type=Path, default=default_data_dir())
    p.add_argument("--min-examples", type=int, default=None)
    p.set_defaults(run=_validate)

    p = sub.add_parser(
        "eval", help="cross-validate on the training data, or score a model on a labelled file"
    )
    p.add_argument(
        "--data",
        type=Path,
        default=None,
        help="labelled TSV (intent<TAB>text) or JSONL file, or a data directory to cross-validate"
        " (default: 5-fold CV of the bundled data)",
    )
    p.add_argument(
        "--model", type=Path, default=None, help="model directory for --data (default: bundled)"
    )
    p.add_argument(
        "--faq",
        type=Path,
        default=None,
        help="labelled TSV (faq_id<TAB>text) or JSONL file: how often the reply gives that"
        " FAQ entry's answer",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--min-examples", type=int, default=None, help="with a data directory")
    p.set_defaults(run=_eval)

    p = sub.add_parser("reply", help="print the reply to one message as JSON")
    p.add_argument("text")
    p.add_argument("--model", type=Path, default=None)
    p.add_argument(
        "--var", action="append", default=[], metavar="NAME=VALUE", help="template variable"
    )
    p.set_defaults(run=_reply)

    p = sub.add_parser("chat", help="an interactive conversation in the terminal")
    p.add_argument("--model", type=Path, default=None)
    p.add_argument(
        "--log", type=Path, default=None, help="record the conversation in this database"
    )
    p.set_defaults(run=_chat)

    p = sub.add_parser("serve", help="run the HTTP API (needs: pip install csbot[server])")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="worker processes")
    p.add_argument("--model", type=Path, default=None, help="model directory (default: bundled)")
    p.add_argument(
        "--sessions", default="memory", help="'memory' (one process) or redis://host:port/db"
    )
    p.add_argument("--log", type=Path, default=None, help="record replies in this database")
    p.set_defaults(run=_serve)

    p = sub.add_parser("demo", help="a short scripted conversation on the bundled model")
    p.add_argument("--model", type=Path, default=None)
    p.set_defaults(run=_demo)
    return parser


def _train(args: argparse.Namespace) -> int:
    from csbot.intents.training import train_and_save

    result = train_and_save(
        args.data, args.out, minimums=args.min_examples, force=args.force, progress=print
    )
    for problem in result.data.warnings:
        print(problem)
    print()
    print(result.cross_validation.format())
    return 0


def _validate(args: argparse.Namespace) -> int:
    from csbot.datadir import validate_data

    data, problems = validate_data(args.data, args.min_examples)
    for problem in problems:
        print(problem)
    errors = sum(p.severity == "error" for p in problems)
    print(f"{errors} error(s), {len(problems) - errors} warning(s) in {args.data}")
    if data is not None:
        counts = data.dataset.counts()
        print(", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 1 if errors else 0


def _eval(args: argparse.Namespace) -> int:
    from csbot.intents.evaluate import evaluate, read_labelled_file

    if args.faq is not None:
        from csbot.responses.faq_evaluation import evaluate_faq, read_faq_file

        if args.data is not None:
            raise SystemExit("csbot: --faq and --data are separate evaluations; give one")
        bot = Bot.load(args.model)
        faq_report = evaluate_faq(bot, read_faq_file(args.faq, bot.model.knowledge_base))
        print(
            json.dumps(faq_report.to_dict(), ensure_ascii=False, indent=2)
            if args.json
            else faq_report.format()
        )
        return 0
    if args.data is None or args.data.is_dir():
        from csbot.intents.training import cross_validate_data

        report = cross_validate_data(args.data or default_data_dir(), minimums=args.min_examples)
    else:
        pairs = read_labelled_file(args.data)
        bot = Bot.load(args.model)
        report = evaluate([p[0] for p in pairs], [bot.classify(p[1]).intent for p in pairs])
    print(
        json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if args.json else report.format()
    )
    return 0


def _variables(pairs: Sequence[str]) -> dict[str, str]:
    variables = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"csbot: --var expects NAME=VALUE, got {pair!r}")
        variables[name] = value
    return variables


def _reply(args: argparse.Namespace) -> int:
    reply = Bot.load(args.model).reply(args.text, **_variables(args.var))
    print(json.dumps(reply.to_dict(), ensure_ascii=False, indent=2))
    return 0


def _open_log(path: Path | None) -> SQLiteLog | None:
    from csbot.conversation_log import SQLiteLog

    return SQLiteLog(path) if path is not None else None


def format_reply(reply: Reply) -> str:
    """How the terminal shows a reply: the answer, then intent and any hand-off."""
    lines = [
        f"客服> {reply.text}",
        f"      [{reply.intent} {reply.confidence:.2f}"
        + (f" · {reply.faq_id}]" if reply.faq_id else "]"),
    ]
    if reply.handoff:
        h = reply.handoff
        lines.append(f"      [hand-off: reason={h.reason} priority={h.priority} queue={h.queue}]")
        lines.append(f"      [summary: {h.summary.text}]")
    return "\n".join(lines)


def _rollback(args: argparse.Namespace) -> int:
    from csbot.persist import rollback

    rollback(args.out)
    print(f"restored the previous model in {args.out} (run rollback again to undo)")
    return 0


def _report(args: argparse.Namespace) -> int:
    from csbot.conversation_log import SQLiteLog
    from csbot.report import build_report, format_html, format_text, parse_period

    try:
        period = parse_period(args.since)
    except ValueError as exc:
        raise SystemExit(f"csbot report: {exc}") from None
    if not args.db.is_file():
        raise SystemExit(f"csbot report: no conversation log at {args.db} (see --db)")
    report = build_report(SQLiteLog(args.db), period)
    print(format_text(report))
    if args.html is not None:
        args.html.write_text(format_html(report), encoding="utf-8")
        print(f"\nwrote {args.html}")
    return 0


def _review_export(args: argparse.Namespace) -> int:
    import time

    from csbot.conversation_log import SQLiteLog
    from csbot.report import parse_period
    from csbot.review import export_for_review

    if not args.db.is_file():
        raise SystemExit(f"csbot review: no conversation log at {args.db} (see --db)")
    since = time.time() - parse_period(args.since)
    count = export_for_review(SQLiteLog(args.db), args.out, since=since)
    print(f"wrote {count} message(s) to label to {args.out}")
    return 0


def _review_import(args: argparse.Namespace) -> int:
    from csbot.review import import_reviewed, summary

    print(summary(import_reviewed(args.file, args.data)))
    print("now run `csbot train` to learn from them")
    return 0


def _chat(args: argparse.Namespace) -> int:
    bot = Bot.load(args.model, log=_open_log(args.log))
    print("csbot chat: type a message, or an empty line / Ctrl-D to quit.")
    while True:
        try:
            text = input("顾客> ")
        except EOFError:
            print()
            return 0
        if not text.strip():
            return 0
        print(format_reply(bot.reply(text, session_id="terminal")))


def _serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn
    except ImportError:
        print("csbot serve needs the server extra: pip install 'csbot[server]'", file=sys.stderr)
        return 2
    from csbot.sessions import session_store_from_url

    try:
        session_store_from_url(args.sessions)  # a wrong --sessions fails here, not per worker
    except ValueError as exc:
        print(f"csbot serve: {exc}", file=sys.stderr)
        return 2
    if args.workers > 1 and args.sessions == "memory":
        print(
            "csbot serve: with several workers and --sessions memory, a conversation whose"
            " messages reach different workers loses its state; use --sessions redis://...",
            file=sys.stderr,
        )
    os.environ["CSBOT_MODEL"] = str(args.model) if args.model else ""
    os.environ["CSBOT_SESSIONS"] = args.sessions
    os.environ["CSBOT_LOG"] = str(args.log) if args.log else ""
    uvicorn.run(
        "csbot.server:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
    )
    return 0


def _demo(args: argparse.Namespace) -> int:
    bot = Bot.load(args.model)
    for number, conversation in enumerate(DEMO_CONVERSATIONS, start=1):
        print(f"=== conversation {number} ===")
        for text in conversation:
            print(f"顾客> {text}")
            print(
                format_reply(
                    bot.reply(text, session_id=f"demo-{number}", shop_name="小满家居旗舰店")
                )
            )
            print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
