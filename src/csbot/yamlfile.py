"""Read a YAML file into plain values while remembering the line of every key and item."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from csbot.errors import DataError

YamlPath = tuple[str | int, ...]
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
# libyaml's parser when PyYAML was built with it (about five times faster), else PyYAML's own
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# The characters YAML does not allow in a document (PyYAML's reader's set).
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """Parsed YAML plus the 1-based line where each value (by its key path) starts."""

    path: Path
    data: Any
    lines: dict[YamlPath, int]

    def line(self, *key: str | int) -> int:
        """Line of the value at `key`, or of its nearest parent that has one."""
        while key and key not in self.lines:
            key = key[:-1]
        return self.lines.get(key, 1)

    def where(self, *key: str | int) -> str:
        """`file:line` for messages."""
        return f"{self.path}:{self.line(*key)}"


def read_yaml(path: Path) -> YamlDocument:
    """Parse one YAML file with the safe loader; raise DataError naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    refused = _NOT_PRINTABLE.search(text)  # YAML refuses these before parsing
    if refused:
        line = text.count("\n", 0, refused.start()) + 1
        raise DataError(
            f"{path}:{line}: malformed YAML: character U+{ord(refused.group()):04X} is not allowed"
        )
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        lines: dict[YamlPath, int] = {}
        data = _construct(loader, node, (), lines, path) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise DataError(f"{path}:{line}: malformed YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: malformed YAML: {exc}") from None
    finally:
        loader.dispose()
    return YamlDocument(path, data, lines)


def _construct(
    loader: Any,
    node: yaml.Node,
    key: YamlPath,
    lines: dict[YamlPath, int],
    path: Path,
) -> Any:
    lines[key] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in _PLAIN_TAGS:
        line = node.start_mark.line + 1
        raise DataError(f"{path}:{line}: tag '{node.tag}' is not allowed here")
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            name = loader.construct_object(key_node, deep=True)
            if not isinstance(name, str | int):
                name = str(name)
            if name in result:
                line = key_node.start_mark.line + 1
                raise DataError(f"{path}:{line}: duplicate key '{name}'")
            result[name] = _construct(loader, value_node, (*key, name), lines, path)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(loader, item, (*key, i), lines, path) for i, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)
