"""Metrics for an intent classifier: accuracy, macro-F1, per-intent P/R/F1, confusions."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from csbot.errors import DataError
from csbot.intents.classifier import OUT_OF_SCOPE
from csbot.problems import raise_messages


@dataclass(frozen=True, slots=True)
class IntentScores:
    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class Confusion:
    expected: str
    predicted: str
    count: int


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """How predictions compare with labels."""

    examples: int
    accuracy: float
    macro_f1: float
    per_intent: tuple[IntentScores, ...]
    confusions: tuple[Confusion, ...]  # most frequent first
    out_of_scope_recall: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def format(self, top_confusions: int = 10) -> str:
        lines = [
            f"examples     {self.examples}",
            f"accuracy     {self.accuracy:.4f}",
            f"macro-F1     {self.macro_f1:.4f}",
        ]
        if self.out_of_scope_recall is not None:
            lines.append(f"out-of-scope recall {self.out_of_scope_recall:.4f}")
        lines.append("")
        lines.append(f"{'intent':<18}{'precision':>10}{'recall':>10}{'F1':>10}{'support':>9}")
        for s in self.per_intent:
            lines.append(
                f"{s.intent:<18}{s.precision:>10.3f}{s.recall:>10.3f}{s.f1:>10.3f}{s.support:>9}"
            )
        if self.confusions:
            lines.append("")
            lines.append("most confused (expected -> predicted: count)")
            for c in self.confusions[:top_confusions]:
                lines.append(f"  {c.expected} -> {c.predicted}: {c.count}")
        return "\n".join(lines)


def evaluate(expected: Sequence[str], predicted: Sequence[str]) -> EvaluationReport:
    """Compare predicted intents with labels; macro-F1 averages over the labels' intents."""
    if len(expected) != len(predicted):
        raise ValueError("expected and predicted differ in length")
    if not expected:
        raise ValueError("nothing to evaluate")
    intents = sorted(set(expected))
    pairs = Counter(zip(expected, predicted, strict=True))
    scores = []
    for intent in intents:
        tp = pairs[(intent, intent)]
        support = sum(n for (e, _), n in pairs.items() if e == intent)
        predicted_n = sum(n for (_, p), n in pairs.items() if p == intent)
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores.append(IntentScores(intent, precision, recall, f1, support))
    confusions = sorted(
        (Confusion(e, p, n) for (e, p), n in pairs.items() if e != p),
        key=lambda c: (-c.count, c.expected, c.predicted),
    )
    oos = next((s.recall for s in scores if s.intent == OUT_OF_SCOPE), None)
    return EvaluationReport(
        examples=len(expected),
        accuracy=sum(pairs[(i, i)] for i in intents) / len(expected),
        macro_f1=sum(s.f1 for s in scores) / len(scores),
        per_intent=tuple(scores),
        confusions=tuple(confusions),
        out_of_scope_recall=oos,
    )


def read_labelled_file(path: Path) -> list[tuple[str, str]]:
    """(intent, text) pairs from a TSV file (`intent<TAB>text`) or JSONL file
    (`{"intent": ..., "text": ...}`, `label` also accepted); errors name file and line."""
    return [(label, text) for _, label, text in read_labelled_rows(path)]


def read_labelled_rows(path: Path) -> list[tuple[int, str, str]]:
    """`read_labelled_file` with each pair's line number."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read as UTF-8 text ({exc})") from None
    jsonl = path.suffix.lower() in {".jsonl", ".json", ".ndjson"}
    rows: list[tuple[int, str, str]] = []
    problems: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        if jsonl:
            try:
                row = json.loads(line)
                intent, text = row.get("intent", row.get("label")), row.get("text")
            except (json.JSONDecodeError, AttributeError):
                problems.append(f"{path}:{number}: not a JSON object")
                continue
        else:
            fields = line.split("\t")
            if len(fields) != 2:
                problems.append(
                    f"{path}:{number}: expected 'intent<TAB>text', found {len(fields)} field(s)"
                )
                continue
            intent, text = fields
        if not isinstance(intent, str) or not intent.strip() or not isinstance(text, str):
            problems.append(f"{path}:{number}: field 'intent' and 'text' must be text")
            continue
        rows.append((number, intent.strip(), text))
    raise_messages(problems, str(path))
    if not rows:
        raise DataError(f"{path}: no labelled examples")
    return rows
