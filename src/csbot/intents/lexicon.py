"""Word categories (`data/lexicon.yaml`): each word of the lexicon that a message contains
adds a feature for its category (`g:appliance`), so that the classifier can answer for
words it never saw with a label: 燃气灶 is an appliance even if no training utterance
names it, and "an appliance + a malfunction" is learned from the utterances that do."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from csbot.errors import DataError
from csbot.intents.features import FeatureCounter
from csbot.intents.text import normalize
from csbot.problems import Problem, error, error_from, warning

CATEGORY_NAME = re.compile(r"[a-z][a-z0-9_]*")
MIN_WORD_CHARS = 2  # a single character would match inside too many unrelated words
MAX_WORD_CHARS = 8
_PREFIX = "c:"  # lexicon words are looked up as character n-grams of the message


@dataclass(frozen=True)
class Lexicon:
    """Normalized word -> its categories (a word may have several)."""

    words: Mapping[str, tuple[str, ...]]
    _groups: tuple[tuple[str, ...], ...] = field(init=False, repr=False, compare=False)
    _sizes: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _counter: FeatureCounter = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        groups: dict[tuple[str, ...], int] = {}
        keys: dict[str, int] = {}
        for word, categories in self.words.items():
            keys[_PREFIX + word] = groups.setdefault(categories, len(groups))
        lengths = {len(word) for word in self.words}
        object.__setattr__(self, "_groups", tuple(groups))
        object.__setattr__(self, "_sizes", tuple(sorted(lengths)))
        object.__setattr__(self, "_counter", FeatureCounter(keys))

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(sorted({c for group in self._groups for c in group}))

    def find(self, chunks: Sequence[str]) -> list[str]:
        """The categories of the lexicon words in `chunks` (every occurrence, overlapping
        ones included, e.g. 扫地机 and 扫地机器人), sorted."""
        if not self.words:
            return []
        counts = self._counter.count([], chunks, bigrams=False, ngrams=self._sizes)
        if not counts:
            return []
        return sorted(c for group, n in counts.items() for c in self._groups[group] * n)

    def to_state(self) -> str:
        """One line per word, `word<TAB>category,category`: one string in the model file."""
        return "\n".join(f"{w}\t{','.join(cats)}" for w, cats in self.words.items())

    @classmethod
    def from_state(cls, state: str) -> Lexicon:
        words: dict[str, tuple[str, ...]] = {}
        for line in state.split("\n") if state else ():
            word, categories = line.split("\t")
            words[word] = tuple(categories.split(","))
        return cls(words)


def read_lexicon(path: Path) -> tuple[Lexicon, list[Problem]]:
    """`lexicon.yaml`: a mapping from category name to a list of words. Words are
    normalized as messages are; problems are returned with file and line, not raised."""
    from csbot.yamlfile import read_yaml  # YAML is read when training, never when answering

    try:
        doc = read_yaml(path)
    except DataError as exc:
        return Lexicon({}), [error_from(exc, str(path))]
    if not isinstance(doc.data, dict):
        return Lexicon({}), [error(doc.where(), "expected a mapping: category -> list of words")]
    problems: list[Problem] = []
    words: dict[str, list[str]] = {}
    for category, items in doc.data.items():
        where = doc.where(category)
        if not isinstance(category, str) or not CATEGORY_NAME.fullmatch(category):
            problems.append(
                error(where, f"category {category!r} must be a lowercase name like 'appliance'")
            )
            continue
        if not isinstance(items, list) or not items:
            problems.append(error(where, f"category '{category}' must list at least one word"))
            continue
        for i, item in enumerate(items):
            where = doc.where(category, i)
            word = normalize(item) if isinstance(item, str) else ""
            if not word:
                problems.append(error(where, f"{category}[{i}] must be non-empty text; quote it"))
            elif " " in word:
                problems.append(error(where, f"{category}[{i}] '{item}' must be one word"))
            elif not MIN_WORD_CHARS <= len(word) <= MAX_WORD_CHARS:
                problems.append(
                    error(
                        where,
                        f"{category}[{i}] '{item}' must have {MIN_WORD_CHARS} to"
                        f" {MAX_WORD_CHARS} characters",
                    )
                )
            elif category in words.setdefault(word, []):
                problems.append(warning(where, f"'{item}' is listed twice under '{category}'"))
            else:
                words[word].append(category)
    lexicon = Lexicon({w: tuple(sorted(c)) for w, c in sorted(words.items()) if c})
    return lexicon, problems
