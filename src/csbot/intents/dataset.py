"""Labelled training utterances: read `data/training/*.yaml` and check them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from csbot.errors import DataError
from csbot.intents.text import normalize
from csbot.problems import Problem, did_you_mean, error, error_from, warning

# Fewest utterances an intent needs before `csbot train` accepts it.
DEFAULT_MINIMUM = 200
MINIMUMS: dict[str, int] = {"greeting": 80, "thanks": 80, "human_agent": 80, "out_of_scope": 400}
MAX_UTTERANCE_CHARS = 500
# Fewest examples per intent: None for the defaults above, one number for every intent,
# or a mapping from intent to number (intents not named need none).
Minimums = Mapping[str, int] | int | None
_FILE_KEYS = {"intent", "examples"}


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled utterance and where it was written (`file:line`)."""

    text: str
    intent: str
    where: str


@dataclass(frozen=True, slots=True)
class Dataset:
    """All training utterances, in file order (files sorted by name)."""

    examples: tuple[Example, ...]

    @property
    def texts(self) -> list[str]:
        return [e.text for e in self.examples]

    @property
    def labels(self) -> list[str]:
        return [e.intent for e in self.examples]

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for example in self.examples:
            counts[example.intent] += 1
        return dict(counts)


def training_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.y*ml") if p.is_file())


def read_training_data(directory: Path) -> tuple[Dataset, list[Problem]]:
    """Read every YAML file in `directory`; schema problems are returned, not raised."""
    problems: list[Problem] = []
    examples: list[Example] = []
    files = training_files(directory)
    if not files:
        problems.append(error(str(directory), "no training files (*.yaml) found"))
    for path in files:
        examples.extend(_read_file(path, problems))
    return Dataset(tuple(examples)), problems


def _read_file(path: Path, problems: list[Problem]) -> list[Example]:
    from csbot.yamlfile import read_yaml  # YAML is read when training, never when answering

    try:
        doc = read_yaml(path)
    except DataError as exc:
        problems.append(error_from(exc, str(path)))
        return []
    data = doc.data
    if not isinstance(data, dict):
        problems.append(error(doc.where(), "expected a mapping with keys 'intent' and 'examples'"))
        return []
    for key in data.keys() - _FILE_KEYS:
        problems.append(
            error(
                doc.where(key),
                f"unknown field '{key}'" + did_you_mean(str(key), sorted(_FILE_KEYS)),
            )
        )
    intent = data.get("intent")
    if not isinstance(intent, str) or not intent.strip():
        problems.append(error(doc.where("intent"), "field 'intent' must be a non-empty string"))
        return []
    if path.stem != intent:
        problems.append(
            warning(doc.where("intent"), f"intent '{intent}' in a file named '{path.name}'")
        )
    items = data.get("examples")
    if not isinstance(items, list) or not items:
        problems.append(
            error(doc.where("examples"), "field 'examples' must be a non-empty list of strings")
        )
        return []
    examples = []
    for i, item in enumerate(items):
        where = doc.where("examples", i)
        if not isinstance(item, str):
            problems.append(
                error(
                    where,
                    f"examples[{i}] is {type(item).__name__} {item!r}, not a string; quote it",
                )
            )
        elif not item.strip():
            problems.append(error(where, f"examples[{i}] is empty"))
        elif len(item) > MAX_UTTERANCE_CHARS:
            problems.append(
                error(where, f"examples[{i}] is longer than {MAX_UTTERANCE_CHARS} characters")
            )
        else:
            examples.append(Example(item.strip(), intent, where))
    return examples


EMOTION_LABELS = ("negative", "neutral")
MIN_EMOTION_EXAMPLES = 20


def read_emotion_data(path: Path) -> tuple[Dataset, list[Problem]]:
    """`emotion.yaml`: lists of `negative` (angry, distressed) and `neutral` messages."""
    from csbot.yamlfile import read_yaml

    problems: list[Problem] = []
    try:
        doc = read_yaml(path)
    except DataError as exc:
        return Dataset(()), [error_from(exc, str(path))]
    if not isinstance(doc.data, dict):
        return Dataset(()), [
            error(doc.where(), "expected a mapping with keys 'negative' and 'neutral'")
        ]
    for key in doc.data.keys() - set(EMOTION_LABELS):
        hint = did_you_mean(str(key), EMOTION_LABELS)
        problems.append(error(doc.where(key), f"unknown field '{key}'" + hint))
    examples: list[Example] = []
    seen: dict[str, Example] = {}
    for label in EMOTION_LABELS:
        items = doc.data.get(label)
        if not isinstance(items, list) or len(items) < MIN_EMOTION_EXAMPLES:
            problems.append(
                error(
                    doc.where(label),
                    f"field '{label}' must list at least {MIN_EMOTION_EXAMPLES} messages",
                )
            )
            continue
        for i, item in enumerate(items):
            where = doc.where(label, i)
            if not isinstance(item, str) or not item.strip():
                problems.append(error(where, f"{label}[{i}] must be non-empty text; quote it"))
                continue
            example = Example(item.strip(), label, where)
            first = seen.setdefault(example.text, example)
            if first is not example:
                problems.append(error(where, f"'{example.text}' is also at {first.where}"))
                continue
            examples.append(example)
    return Dataset(tuple(examples)), problems


def near_duplicate_key(text: str) -> str:
    """What is left of a text when case, punctuation, spaces and emoji are ignored."""
    return "".join(ch for ch in normalize(text) if ch.isalnum())


def check_dataset(
    dataset: Dataset,
    known_intents: Collection[str],
    minimums: Minimums = None,
) -> list[Problem]:
    """Unknown intents, duplicates (exact, near, across intents) and intents with too few
    examples. `minimums` maps intent to its minimum count (default: MINIMUMS, else 200)."""
    problems: list[Problem] = []
    known = sorted(known_intents)
    reported_unknown: set[str] = set()
    by_key: dict[str, Example] = {}
    for example in dataset.examples:
        if example.intent not in known_intents and example.intent not in reported_unknown:
            reported_unknown.add(example.intent)
            problems.append(
                error(
                    example.where,
                    f"unknown intent '{example.intent}'" + did_you_mean(example.intent, known),
                )
            )
        key = near_duplicate_key(example.text) or example.text
        first = by_key.setdefault(key, example)
        if first is example:
            continue
        if first.intent != example.intent:
            problems.append(
                error(
                    example.where,
                    f"'{example.text}' is labelled '{example.intent}' here"
                    f" and '{first.intent}' at {first.where}",
                )
            )
        elif first.text == example.text:
            problems.append(error(example.where, f"duplicate of {first.where}: '{example.text}'"))
        else:
            problems.append(
                warning(
                    example.where,
                    f"near duplicate of {first.where}: '{example.text}' ~ '{first.text}'",
                )
            )
    problems.extend(_one_edit_apart(by_key))
    counts = dataset.counts()
    for intent in known:
        if minimums is None:
            need = MINIMUMS.get(intent, DEFAULT_MINIMUM)
        elif isinstance(minimums, int):
            need = minimums
        else:
            need = minimums.get(intent, 0)
        have = counts.get(intent, 0)
        if have < need:
            problems.append(
                error(intent, f"intent '{intent}' has {have} examples; at least {need} are needed")
            )
    return problems


def _one_edit_apart(by_key: dict[str, Example]) -> list[Problem]:
    """Utterances of 8+ characters one insertion, deletion or substitution apart, found
    through their one-deletion neighbourhoods (linear, not all pairs)."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    reported: set[tuple[str, str]] = set()
    for key in by_key:
        if len(key) < 8:
            continue
        for variant in {key} | {key[:i] + key[i + 1 :] for i in range(len(key))}:
            other = seen.setdefault(variant, key)
            if other == key or (other, key) in reported:
                continue
            reported.add((other, key))
            a, b = by_key[other], by_key[key]
            severity = error if a.intent != b.intent else warning
            what = (
                f"labelled '{b.intent}' here and '{a.intent}' at {a.where}"
                if a.intent != b.intent
                else f"near duplicate of {a.where}"
            )
            problems.append(severity(b.where, f"{what}: '{b.text}' ~ '{a.text}'"))
    return problems
