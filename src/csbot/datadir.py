"""A data directory: `faq.yaml` plus `training/*.yaml`, validated together."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from csbot.errors import DataError
from csbot.intents.dataset import (
    Dataset,
    Minimums,
    check_dataset,
    read_emotion_data,
    read_training_data,
    training_files,
)
from csbot.intents.lexicon import Lexicon, read_lexicon
from csbot.problems import Problem, error_from, raise_errors
from csbot.responses.knowledge_base import (
    KnowledgeBase,
    check_knowledge_base,
    knowledge_base_from_dict,
)

FAQ_FILE = "faq.yaml"
TRAINING_DIR = "training"
EMOTION_FILE = "emotion.yaml"  # optional: without it, emotion comes from the lexicon alone
LEXICON_FILE = "lexicon.yaml"  # optional: word categories as classifier features


@dataclass(frozen=True, slots=True)
class TrainingData:
    """Validated knowledge base and training utterances, plus the warnings found."""

    knowledge_base: KnowledgeBase
    dataset: Dataset
    emotion: Dataset  # labelled negative / neutral messages; empty when there is no file
    lexicon: Lexicon | None  # None when there is no lexicon file
    warnings: tuple[Problem, ...]
    fingerprint: str


def validate_data(
    data_dir: Path, minimums: Minimums = None
) -> tuple[TrainingData | None, list[Problem]]:
    """Every problem of a data directory (errors and warnings), and the data when it has
    no errors."""
    from csbot.yamlfile import read_yaml  # YAML is read when training, never when answering

    problems: list[Problem] = []
    kb: KnowledgeBase | None = None
    try:
        doc = read_yaml(data_dir / FAQ_FILE)
    except DataError as exc:
        problems.append(error_from(exc, str(data_dir / FAQ_FILE)))
    else:
        kb_problems = check_knowledge_base(doc)
        problems.extend(kb_problems)
        if not any(p.severity == "error" for p in kb_problems):
            kb = knowledge_base_from_dict(doc.data)
    dataset, read_problems = read_training_data(data_dir / TRAINING_DIR)
    problems.extend(read_problems)
    if kb is not None:
        problems.extend(check_dataset(dataset, kb.intent_names, minimums))
    emotion = Dataset(())
    if (data_dir / EMOTION_FILE).exists():
        emotion, emotion_problems = read_emotion_data(data_dir / EMOTION_FILE)
        problems.extend(emotion_problems)
    lexicon = None
    if (data_dir / LEXICON_FILE).exists():
        lexicon, lexicon_problems = read_lexicon(data_dir / LEXICON_FILE)
        problems.extend(lexicon_problems)
    if kb is None or any(p.severity == "error" for p in problems):
        return None, problems
    warnings = tuple(p for p in problems if p.severity == "warning")
    fingerprint = data_fingerprint(data_dir)
    return TrainingData(kb, dataset, emotion, lexicon, warnings, fingerprint), problems


def load_data(data_dir: Path, minimums: Minimums = None) -> TrainingData:
    """Validated training data; raise DataError listing every error with file and line."""
    data, problems = validate_data(data_dir, minimums)
    raise_errors(problems, str(data_dir))
    assert data is not None
    return data


def data_fingerprint(data_dir: Path) -> str:
    """SHA-256 over the knowledge base, the emotion and lexicon files and the training
    files (names and bytes)."""
    digest = hashlib.sha256()
    for path in [
        data_dir / FAQ_FILE,
        data_dir / EMOTION_FILE,
        data_dir / LEXICON_FILE,
        *training_files(data_dir / TRAINING_DIR),
    ]:
        if path.is_file():
            digest.update(path.relative_to(data_dir).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
