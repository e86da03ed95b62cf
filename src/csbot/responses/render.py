"""Safe template rendering: `{name}` placeholders filled with plain text, never formatted."""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
MAX_VALUE_CHARS = 200
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def placeholders(template: str) -> list[str]:
    """Names of the `{name}` placeholders in a template, in order."""
    return PLACEHOLDER.findall(template)


def stray_braces(template: str) -> bool:
    """True when a brace is left over once the placeholders are taken out."""
    rest = PLACEHOLDER.sub("", template)
    return "{" in rest or "}" in rest


def clean_value(value: object) -> str:
    """A variable's value as single-line plain text of bounded length."""
    text = _UNSAFE.sub(" ", str(value)).strip()
    return text[:MAX_VALUE_CHARS]


def render(template: str, values: Mapping[str, object], defaults: Mapping[str, str]) -> str:
    """Fill each placeholder from `values`, else `defaults`, in one pass: a value's own
    braces or format specs are inserted as they are and never interpreted. A placeholder
    with neither a value nor a default is dropped rather than shown to a customer."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name)
        if value is None or clean_value(value) == "":
            return defaults.get(name, "")
        return clean_value(value)

    return PLACEHOLDER.sub(fill, template)
