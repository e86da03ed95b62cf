from pathlib import Path

import pytest

from csbot.errors import DataError
from csbot.yamlfile import read_yaml


def test_lines_are_remembered_for_keys_and_items(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("intent: x\nexamples:\n  - one\n  - two\n", encoding="utf-8")
    doc = read_yaml(path)
    assert doc.data == {"intent": "x", "examples": ["one", "two"]}
    assert doc.line("examples", 1) == 4
    assert doc.where("examples", 0) == f"{path}:3"
    assert doc.line("missing", 7) == 1


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("intent: x\nexamples:\n  - [unclosed\n", 4, "malformed YAML"),
        ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a'"),
        ("a: 1\n  b: 2\n", 2, "malformed YAML"),
    ],
)
def test_malformed_yaml_names_file_and_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=words) as info:
        read_yaml(path)
    assert f"{path}:{line}" in str(info.value)


def test_missing_and_binary_files_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        read_yaml(tmp_path / "nope.yaml")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataError, match="not UTF-8"):
        read_yaml(binary)


def test_unsafe_tags_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("x: !!python/object/apply:os.system ['echo hi']\n", encoding="utf-8")
    with pytest.raises(DataError, match=f"{path}:1: tag"):
        read_yaml(path)
