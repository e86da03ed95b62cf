"""Where the bundled data and default model live: inside a wheel (`csbot/_bundled/`) or,
in a source checkout, at the repository root (`data/`, `models/`)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    inside = _PACKAGE / "_bundled" / name
    return inside if inside.is_dir() else _PACKAGE.parents[1] / name


def default_data_dir() -> Path:
    """`data/`: the knowledge base (`faq.yaml`) and `training/`."""
    return _bundled("data")


def default_model_dir() -> Path:
    """`models/`: the default model trained on the bundled data."""
    return _bundled("models")
