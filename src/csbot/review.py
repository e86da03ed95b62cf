"""The review queue: export the messages the bot was unsure of or handed off, for a person
to label; import the labelled ones into the training data without duplicates."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from csbot.conversation_log import SQLiteLog
from csbot.datadir import TRAINING_DIR, validate_data
from csbot.errors import DataError
from csbot.intents.classifier import OUT_OF_SCOPE
from csbot.intents.dataset import near_duplicate_key
from csbot.problems import did_you_mean, raise_errors, raise_messages

COLUMNS = ("label", "text", "predicted", "confidence", "why")
HEADER = (
    "# csbot review queue. Write the right intent in the first column of each line you want\n"
    "# added to the training data (leave it empty to skip the line), then run\n"
    "# `csbot review import FILE`. Columns: " + "\t".join(COLUMNS) + "\n"
)
UNSURE_BELOW = 0.6


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: dict[str, int]  # intent -> utterances added
    duplicates: int  # labelled lines already in the training data
    skipped: int  # lines left unlabelled


def export_for_review(
    log: SQLiteLog, path: Path, *, since: float = 0.0, until: float | None = None
) -> int:
    """Write the uncertain and handed-off messages (each text once) to a TSV file for
    labelling; returns how many lines were written."""
    seen: set[str] = set()
    lines = []
    for event in log.replies(since, until):
        why = event.handoff_reason or ("not understood" if event.intent == OUT_OF_SCOPE else "")
        if not why and event.confidence < UNSURE_BELOW:
            why = "unsure"
        key = near_duplicate_key(event.text) or event.text
        if not why or key in seen:
            continue
        seen.add(key)
        text = " ".join(event.text.split())
        lines.append(f"\t{text}\t{event.intent}\t{event.confidence:.2f}\t{why}\n")
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return len(lines)


def import_reviewed(path: Path, data_dir: Path) -> ImportResult:
    """Append the labelled lines of `path` to `data_dir/training/<intent>.yaml`, skipping
    what the data already holds; the validator checks the result, and on any error every
    file is restored and a DataError names file, line and field."""
    try:
        raw_lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read as UTF-8 text ({exc})") from None
    data, problems = validate_data(data_dir, 0)
    raise_errors(problems, str(data_dir))
    assert data is not None
    intents = list(data.knowledge_base.intent_names)
    existing = {near_duplicate_key(t) or t for t in data.dataset.texts}
    additions: dict[str, list[str]] = {}
    errors, duplicates, skipped = [], 0, 0
    for number, line in enumerate(raw_lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        label, text = fields[0].strip(), fields[1].strip() if len(fields) > 1 else ""
        if not label:
            skipped += 1
            continue
        if label not in intents:
            errors.append(
                f"{path}:{number}: field 'label': unknown intent '{label}'"
                + did_you_mean(label, intents)
            )
            continue
        if not text:
            errors.append(f"{path}:{number}: field 'text' is empty")
            continue
        key = near_duplicate_key(text) or text
        if key in existing:
            duplicates += 1
            continue
        existing.add(key)
        additions.setdefault(label, []).append(text)
    raise_messages(errors, str(path))
    files: dict[str, Path] = {}
    for example in data.dataset.examples:
        files.setdefault(example.intent, Path(example.where.rsplit(":", 1)[0]))
    backups = _append(data_dir / TRAINING_DIR, additions, files)
    _, after = validate_data(data_dir, 0)
    if any(p.severity == "error" for p in after):
        for file, content in backups.items():
            if content is None:
                file.unlink(missing_ok=True)
            else:
                file.write_bytes(content)
        raise_errors(after, f"{data_dir} after importing {path} (nothing was imported)")
    return ImportResult({k: len(v) for k, v in additions.items()}, duplicates, skipped)


def _append(
    training: Path, additions: dict[str, list[str]], files: dict[str, Path]
) -> dict[Path, bytes | None]:
    """Append utterances to each intent's file (`files`, else a new one); returns the
    files' previous contents so that they can be restored."""
    backups: dict[Path, bytes | None] = {}
    for intent, texts in additions.items():
        file = files.get(intent, training / f"{intent}.yaml")
        backups[file] = file.read_bytes() if file.exists() else None
        with file.open("a", encoding="utf-8") as out:
            if backups[file] is None:
                out.write(
                    f"# Training utterances for intent `{intent}`.\nintent: {intent}\nexamples:\n"
                )
            elif not backups[file].endswith(b"\n"):  # type: ignore[union-attr]
                out.write("\n")
            for text in texts:
                out.write(f"  - {json.dumps(text, ensure_ascii=False)}\n")
    return backups


def summary(result: ImportResult) -> str:
    added = Counter(result.added)
    listing = ", ".join(f"{intent} +{n}" for intent, n in sorted(added.items())) or "nothing"
    return (
        f"imported {sum(added.values())} utterance(s) ({listing}); "
        f"{result.duplicates} already present, {result.skipped} unlabelled"
    )
