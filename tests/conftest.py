"""Shared fixtures: a tiny model trained from tests/data/tiny, and the bundled bot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from csbot import Bot
from csbot.intents.training import TrainingResult, train_and_save

TINY_DATA = Path(__file__).parent / "data" / "tiny"
NO_MINIMUMS: dict[str, int] = {}


@pytest.fixture
def tiny_data(tmp_path: Path) -> Path:
    """A writable copy of the tiny data directory."""
    target = tmp_path / "data"
    shutil.copytree(TINY_DATA, target)
    return target


@pytest.fixture(scope="session")
def tiny_trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[TrainingResult, Path]:
    out = tmp_path_factory.mktemp("tiny-model")
    return train_and_save(TINY_DATA, out, minimums=NO_MINIMUMS), out


@pytest.fixture(scope="session")
def tiny_bot(tiny_trained: tuple[TrainingResult, Path]) -> Bot:
    return Bot.load(tiny_trained[1])


@pytest.fixture(scope="session")
def bot() -> Bot:
    """The bundled default model."""
    return Bot.load()
