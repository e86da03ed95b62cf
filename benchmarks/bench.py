"""csbot against the usual sklearn pipeline and fastText, measured side by side in one run.

    python benchmarks/bench.py           # full run: the figures in benchmarks/RESULTS.md
    python benchmarks/bench.py --quick   # small and fast, for CI: checks that it runs

Every row uses the same stratified 80/20 split of the bundled training data. Latencies
are per message (median and 99th percentile) and batch throughput is messages a second,
measured in five rounds in which the systems take turns (the machine's load drifts; each
system meets it alike), the medians over the rounds reported; cold start is a fresh process importing,
loading and answering one message (median of several runs); RSS is the resident memory
of that process after its first answer. No figure is asserted: the machine is shared.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import joblib
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

sys.path.insert(0, str(Path(__file__).resolve().parent))
import baseline

from csbot import Bot
from csbot.datadir import TrainingData, load_data
from csbot.intents.dataset import Dataset, Example
from csbot.intents.evaluate import evaluate
from csbot.intents.training import TrainingConfig, train_on
from csbot.persist import ARTIFACT_FILE, save_model
from csbot.resources import default_data_dir
from csbot.responses.knowledge_base import knowledge_base_from_dict

HERE = Path(__file__).resolve().parent
PROBE = "我的快递到哪了 三天没更新了"


@dataclasses.dataclass
class Row:
    name: str
    p50_us: float
    p99_us: float
    batch_per_s: float
    cold_start_s: float
    size_mb: float
    rss_mb: float
    train_s: float
    macro_f1: float


def percentiles(times: Sequence[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return ordered[len(ordered) // 2] * 1e6, ordered[
        min(len(ordered) - 1, int(len(ordered) * 0.99))
    ] * 1e6


def time_each(
    fn: Callable[[str], object], texts: Sequence[str], repeat: int, warm_up: bool = True
) -> tuple[float, float]:
    for text in texts if warm_up else ():
        fn(text)  # warm up: caches filled, jieba's dictionary loaded for these characters
    gc.collect()  # garbage left by what ran before is not charged to this system
    times = []
    for _ in range(repeat):
        for text in texts:
            start = time.perf_counter()
            fn(text)
            times.append(time.perf_counter() - start)
    return percentiles(times)


def throughput(fn: Callable[[list[str]], object], texts: list[str], repeat: int) -> float:
    fn(texts[:10])
    runs = []
    for _ in range(repeat):
        gc.collect()  # garbage left by what ran before is not charged to this system
        start = time.perf_counter()
        fn(texts)
        runs.append(len(texts) / (time.perf_counter() - start))
    return statistics.median(runs)


def cold_start(code: str, runs: int) -> tuple[float, float]:
    """Median seconds and median RSS (MB) of a fresh process running `code`, which prints
    the seconds it took; RSS is read from /proc after the first answer."""
    rss_code = (
        "\nrss = [l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1]"
        "\nprint(int(rss) / 1024)"
    )
    seconds, rss = [], []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code + rss_code], capture_output=True, text=True, check=True,
            cwd=HERE, env={**os.environ, "PYTHONWARNINGS": "ignore"},
        ).stdout.split()  # fmt: skip
        seconds.append(float(out[-2]))
        rss.append(float(out[-1]))
    return statistics.median(seconds), statistics.median(rss)


def split(data: TrainingData, test_size: float, limit: int | None) -> tuple[Dataset, Dataset]:
    examples = list(data.dataset.examples)
    if limit is not None and limit < len(examples):
        examples, _ = train_test_split(
            examples, train_size=limit, stratify=[e.intent for e in examples], random_state=0
        )
    train, test = train_test_split(
        examples, test_size=test_size, stratify=[e.intent for e in examples], random_state=0
    )
    return Dataset(tuple(train)), Dataset(tuple(test))


@dataclasses.dataclass
class Timed:
    """A row whose latency and throughput are measured later, side by side with the others."""

    row: Row
    single: Callable[[str], object]
    batch: Callable[[list[str]], object]


def side_by_side(timed: list[Timed], texts: list[str], rounds: int) -> list[list[Row]]:
    """Latency (p50, p99) and batch throughput of every system, measured in `rounds` rounds,
    the systems one after another within a round (their order rotating), so that the
    machine's load, which drifts, falls on all of them alike. One list of rows per round."""
    for t in timed:  # warm up: caches filled, jieba's dictionary loaded for these characters
        for text in texts:
            t.single(text)
        t.batch(texts[:10])
    per_round = []
    for r in range(rounds):
        measured: dict[str, Row] = {}
        for t in timed[r % len(timed) :] + timed[: r % len(timed)]:
            p50, p99 = time_each(t.single, texts, 1, warm_up=False)
            rate = throughput(t.batch, texts, 1)
            measured[t.row.name] = dataclasses.replace(
                t.row, p50_us=p50, p99_us=p99, batch_per_s=rate
            )
        per_round.append([measured[t.row.name] for t in timed])
    return per_round


def median_rows(per_round: list[list[Row]]) -> list[Row]:
    """Each system's row with the medians over the rounds."""
    return [
        dataclasses.replace(
            rows[0],
            p50_us=statistics.median(r.p50_us for r in rows),
            p99_us=statistics.median(r.p99_us for r in rows),
            batch_per_s=statistics.median(r.batch_per_s for r in rows),
        )
        for rows in zip(*per_round, strict=True)
    ]


def median_ratio(per_round: list[list[Row]], field: str, mine: int, theirs: int) -> float:
    """The median over the rounds of one system's figure divided by another's."""
    return statistics.median(
        getattr(rows[mine], field) / getattr(rows[theirs], field) for rows in per_round
    )


# --- the three systems --------------------------------------------------------------------


def bench_csbot(
    data: TrainingData, train: Dataset, test: Dataset, args: argparse.Namespace, workdir: Path
) -> tuple[Timed, Timed]:
    start = time.perf_counter()
    result = train_on(dataclasses.replace(data, dataset=train))
    train_s = time.perf_counter() - start
    model_dir = workdir / "csbot"
    save_model(result.model, model_dir, result.metadata)
    size = (model_dir / ARTIFACT_FILE).stat().st_size / 1e6
    bot = Bot(result.model)
    texts = test.texts
    f1 = evaluate(test.labels, [p.intent for p in bot.classify_many(texts)]).macro_f1
    code = (
        "import time; t = time.perf_counter()\nimport csbot\n"
        f"bot = csbot.Bot.load({str(model_dir)!r}); bot.{{}}({PROBE!r})\n"
        "print(time.perf_counter() - t)"
    )
    cold_c, rss_c = cold_start(code.format("classify"), args.cold_runs)
    cold_r, rss_r = cold_start(code.format("reply"), args.cold_runs)
    return (
        Timed(
            Row("csbot classify", 0, 0, 0, cold_c, size, rss_c, train_s, f1),
            bot.classify,
            bot.classify_many,
        ),
        Timed(
            Row("csbot reply", 0, 0, 0, cold_r, size, rss_r, train_s, f1),
            bot.reply,
            lambda ts: [bot.reply(t) for t in ts],
        ),
    )


def bench_sklearn(train: Dataset, test: Dataset, args: argparse.Namespace, workdir: Path) -> Timed:
    pipeline = Pipeline([
        ("tfidf", TfidfVectorizer(tokenizer=baseline.jieba_tokenize, token_pattern=None, ngram_range=(1, 2), sublinear_tf=True)),
        ("lr", LogisticRegression(C=30.0, max_iter=3000, class_weight="balanced")),
    ])  # fmt: skip
    start = time.perf_counter()
    pipeline.fit(train.texts, train.labels)
    train_s = time.perf_counter() - start
    path = workdir / "pipeline.joblib"
    joblib.dump(pipeline, path, compress=3)
    texts = test.texts
    f1 = evaluate(test.labels, list(pipeline.predict(texts))).macro_f1
    code = (
        "import time; t = time.perf_counter()\nimport joblib\n"
        f"pipeline = joblib.load({str(path)!r}); pipeline.predict_proba([{PROBE!r}])\n"
        "print(time.perf_counter() - t)"
    )
    cold, rss = cold_start(code, args.cold_runs)
    row = Row("sklearn pipeline", 0, 0, 0, cold, path.stat().st_size / 1e6, rss, train_s, f1)
    return Timed(row, lambda t: pipeline.predict_proba([t]), pipeline.predict_proba)


def bench_fasttext(
    train: Dataset, test: Dataset, args: argparse.Namespace, workdir: Path
) -> Timed | None:
    try:
        import fasttext
    except ImportError:
        print("fastText: not installed (pip install fasttext-wheel); row skipped")
        return None

    def tokens(text: str) -> str:
        return " ".join(baseline.jieba_tokenize(text.replace("\n", " ")))

    train_file = workdir / "fasttext.train"
    train_file.write_text(
        "".join(f"__label__{e.intent} {tokens(e.text)}\n" for e in train.examples), encoding="utf-8"
    )
    start = time.perf_counter()
    model = fasttext.train_supervised(
        str(train_file), epoch=30, lr=0.5, wordNgrams=2, dim=50, bucket=50_000, minn=1, maxn=3,
        thread=1, seed=0, verbose=0,
    )  # fmt: skip
    train_s = time.perf_counter() - start
    path = workdir / "fasttext.bin"
    model.save_model(str(path))
    texts = test.texts

    # fasttext-wheel's predict() breaks on NumPy 2 for one text (np.array(copy=False));
    # its own binding, which predict() wraps, answers the same without NumPy.
    def predict(text: str) -> str:
        return str(model.f.predict(tokens(text) + "\n", 1, 0.0, "strict")[0][1]).removeprefix(
            "__label__"
        )

    f1 = evaluate(test.labels, [predict(t) for t in texts]).macro_f1
    code = (
        "import time; t = time.perf_counter()\nimport fasttext, baseline\n"
        f"model = fasttext.load_model({str(path)!r})\n"
        f"model.f.predict(' '.join(baseline.jieba_tokenize({PROBE!r})) + '\\n', 1, 0.0, 'strict')\n"
        "print(time.perf_counter() - t)"
    )
    cold, rss = cold_start(code, args.cold_runs)
    row = Row("fastText", 0, 0, 0, cold, path.stat().st_size / 1e6, rss, train_s, f1)
    return Timed(row, predict, lambda ts: model.predict([tokens(t) for t in ts]))


# --- how cost grows -----------------------------------------------------------------------


def augmented(train: Dataset, copies: int) -> Dataset:
    """`copies` versions of every utterance; all but the first lightly edited (a character
    dropped, doubled or a filler added) so that they are not exact duplicates."""
    rng = random.Random(copies)
    fillers = "啊呢吧哦呀的了嘛~"
    examples = list(train.examples)
    for c in range(1, copies):
        for e in train.examples:
            text = e.text
            i = rng.randrange(len(text) + 1)
            edit = rng.randrange(3)
            if edit == 0 and len(text) > 2:
                text = text[:i] + text[i + 1 :]
            elif edit == 1:
                text = text[:i] + text[i - 1 : i] + text[i:]
            else:
                text = text[:i] + rng.choice(fillers) + text[i:]
            examples.append(Example(f"{text}{'～' * (c % 2)}", e.intent, e.where))
    return Dataset(tuple(examples))


def many_intents(data: TrainingData, train: Dataset, parts: int) -> TrainingData:
    """Each intent split into `parts` synthetic intents, with its FAQ entries copied to each."""
    kb = data.knowledge_base.to_dict()
    intents = {}
    for name, spec in kb["intents"].items():
        for p in range(parts):
            faqs = [dict(f, id=f"{f['id']}_{p}") for f in spec["faqs"]]
            new = name if name == "out_of_scope" and p == 0 else f"{name}_{p}"
            intents[new] = dict(spec, faqs=faqs, title=f"{spec['title']}{p}")
            if name == "out_of_scope":
                break
    kb["intents"] = intents
    examples = []
    for i, e in enumerate(train.examples):
        intent = e.intent if e.intent == "out_of_scope" else f"{e.intent}_{i % parts}"
        examples.append(Example(e.text, intent, e.where))
    return dataclasses.replace(
        data, knowledge_base=knowledge_base_from_dict(kb), dataset=Dataset(tuple(examples))
    )


def scaling(
    data: TrainingData, train: Dataset, test: Dataset, args: argparse.Namespace, workdir: Path
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    config = TrainingConfig(folds=3) if args.quick else TrainingConfig()
    cases = [
        (f"{k}x data", dataclasses.replace(data, dataset=augmented(train, k))) for k in args.scales
    ]
    intents_parts = 2 if args.quick else 7
    cases.append(
        (f"{len(data.knowledge_base.intents)} intents", dataclasses.replace(data, dataset=train))
    )
    synthetic = many_intents(data, train, intents_parts)
    cases.append((f"{len(synthetic.knowledge_base.intents)} intents", synthetic))
    for label, case in cases:
        start = time.perf_counter()
        result = train_on(case, config)
        seconds = time.perf_counter() - start
        directory = workdir / label.replace(" ", "_")
        save_model(result.model, directory, result.metadata)
        bot = Bot(result.model)
        c50, _ = time_each(bot.classify, test.texts, 1)
        r50, _ = time_each(bot.reply, test.texts, 1)
        faqs = sum(len(spec.faqs) for spec in result.model.knowledge_base.intents)
        rows.append({
            "case": label, "examples": len(case.dataset.examples), "intents": len(result.model.classifier.classes),
            "faq_entries": faqs, "train_s": seconds, "size_mb": (directory / ARTIFACT_FILE).stat().st_size / 1e6,
            "classify_p50_us": c50, "reply_p50_us": r50,
        })  # fmt: skip
        print(f"  scaling: {label} done ({seconds:.1f} s)", flush=True)
    return rows


def chart(rows: list[dict[str, object]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    labels = [str(r["case"]) for r in rows]
    for ax, key, title in zip(
        axes,
        ("train_s", "size_mb", "reply_p50_us"),
        ("training time (s)", "model size (MB)", "reply p50 (µs)"),
        strict=True,
    ):
        ax.bar(
            labels,
            [float(r[key]) for r in rows],
            color=["#4C72B0"] * (len(rows) - 2) + ["#DD8452"] * 2,
        )  # type: ignore[arg-type]
        ax.set_title(title)
        ax.tick_params(axis="x", rotation=30)
    fig.suptitle("csbot: how cost grows with training data (blue) and intents (orange)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


# --- report -------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    head = f"| {'system':<17}| p50 µs | p99 µs | batch msg/s | cold start s | model MB | RSS MB | train s | macro-F1 |"
    lines = [head, "|" + "---|" * 9]
    for r in rows:
        lines.append(
            f"| {r.name:<17}| {r.p50_us:6.0f} | {r.p99_us:6.0f} | {r.batch_per_s:11,.0f} | {r.cold_start_s:12.2f} "
            f"| {r.size_mb:8.2f} | {r.rss_mb:6.0f} | {r.train_s:7.1f} | {r.macro_f1:8.4f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small and fast (CI)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument(
        "--no-scaling", action="store_true", help="only the side-by-side table and its ratios"
    )
    args = parser.parse_args()
    args.rounds = 1 if args.quick else 5
    args.cold_runs = 2 if args.quick else 5
    args.scales = (1, 2) if args.quick else (1, 4, 16)
    data = load_data(default_data_dir())
    train, test = split(data, 0.2, 1500 if args.quick else None)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")  # fmt: skip
    print(f"data: {len(train.examples)} training and {len(test.examples)} test utterances, "
          f"{len(train.counts())} intents (stratified split, seed 0)\n", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        timed = [*bench_csbot(data, train, test, args, workdir)]
        timed.append(bench_sklearn(train, test, args, workdir))
        fast = bench_fasttext(train, test, args, workdir)
        if fast:
            timed.append(fast)
        per_round = side_by_side(timed, list(test.texts), args.rounds)
        rows = median_rows(per_round)
        print(f"latency and throughput: medians of {args.rounds} round(s), the systems measured")
        print("one after another in each round (ratios: the median of the rounds' ratios)\n")
        print(table(rows))
        classify_row, sk = rows[0], rows[2]
        best_f1 = max(r.macro_f1 for r in rows[2:])
        classify_ratio = median_ratio(per_round, "p50_us", 0, 2)
        reply_ratio = median_ratio(per_round, "p50_us", 1, 2)
        batch_ratio = median_ratio(per_round, "batch_per_s", 0, 2)
        print("\nratios, csbot / sklearn pipeline (goal in brackets):")
        print(f"  classify p50          {classify_ratio:6.3f}  [<= 0.125]")
        print(f"  reply p50             {reply_ratio:6.3f}  [<= 0.2]")
        print(f"  batch throughput      {batch_ratio:6.2f}  [>= 2]")
        print(
            "  (per round: classify "
            + ", ".join(f"{r[0].p50_us / r[2].p50_us:.3f}" for r in per_round)
            + "; reply "
            + ", ".join(f"{r[1].p50_us / r[2].p50_us:.3f}" for r in per_round)
            + "; batch "
            + ", ".join(f"{r[0].batch_per_s / r[2].batch_per_s:.2f}" for r in per_round)
            + ")"
        )
        print(
            f"  cold start            {classify_row.cold_start_s / sk.cold_start_s:6.3f}  [<= 0.333]"
        )
        print(f"  RSS after loading     {classify_row.rss_mb / sk.rss_mb:6.3f}  [<= 0.5]")
        print(f"  model on disk         {classify_row.size_mb:6.2f} MB  [<= 5 MB]")
        print(f"  macro-F1 - best baseline {classify_row.macro_f1 - best_f1:+.4f}  [>= -0.005]")
        if args.no_scaling:
            return
        print("\nhow cost grows (csbot, full training incl. cross-validation):")
        grow = scaling(data, train, test, args, workdir)
        print(
            "| case | examples | intents | FAQ entries | train s | model MB | classify p50 µs | reply p50 µs |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for g in grow:
            print(f"| {g['case']} | {g['examples']} | {g['intents']} | {g['faq_entries']} | {g['train_s']:.1f} "
                  f"| {g['size_mb']:.2f} | {g['classify_p50_us']:.0f} | {g['reply_p50_us']:.0f} |")  # fmt: skip
        png = HERE / ("scaling-quick.png" if args.quick else "scaling.png")
        chart(grow, png)
        print(f"\nchart: {png.relative_to(HERE.parent)}")
        if args.json:
            args.json.write_text(
                json.dumps(
                    {"rows": [dataclasses.asdict(r) for r in rows], "scaling": grow}, indent=2
                )
            )


if __name__ == "__main__":
    main()
