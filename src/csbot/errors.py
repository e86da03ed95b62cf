"""Exceptions and warnings raised by csbot. Each subclasses a builtin callers already catch."""

from __future__ import annotations


class CsbotError(Exception):
    """Base class of every error csbot raises on purpose."""


class DataError(CsbotError, ValueError):
    """Training data or knowledge base is malformed; the message names file, line and field."""

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


class ModelError(CsbotError, ValueError):
    """A model directory is missing, incompatible or has been tampered with."""


class ModelVersionWarning(UserWarning):
    """A model was built with other library versions or from other data than those present."""
