"""Problems found while validating data files, collected before anything is raised."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from csbot.errors import DataError


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of the validator: where (`file:line`), what field, and what is wrong."""

    severity: Literal["error", "warning"]
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.severity}: {self.message}"


def error(where: str, message: str) -> Problem:
    return Problem("error", where, message)


def warning(where: str, message: str) -> Problem:
    return Problem("warning", where, message)


def error_from(exc: DataError, path: str) -> Problem:
    """A problem from a DataError whose message starts with `path` or `path:line`."""
    message = str(exc)
    match = re.match(rf"^({re.escape(path)}(?::\d+)?): (.*)$", message, re.DOTALL)
    return error(match.group(1), match.group(2)) if match else error(path, message)


def raise_errors(problems: Iterable[Problem], what: str) -> None:
    """Raise one DataError listing every error (warnings are not fatal)."""
    raise_messages([str(p) for p in problems if p.severity == "error"], what)


def raise_messages(messages: Sequence[str], what: str) -> None:
    """Raise one DataError listing `messages` (each naming its file and line), if any."""
    if messages:
        listing = "\n  ".join(messages)
        raise DataError(f"{len(messages)} error(s) in {what}:\n  {listing}", tuple(messages))


def did_you_mean(name: str, choices: Sequence[str]) -> str:
    """' (did you mean 'x'?)' when a choice is close, else the list of valid choices."""
    close = difflib.get_close_matches(name, choices, n=1)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; valid: {', '.join(sorted(choices))}"
