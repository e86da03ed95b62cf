"""Feature strings of a message: jieba words, word bigrams and character n-grams."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from csbot.intents.compiled import native
from csbot.intents.text import Tokenizer, normalize

if TYPE_CHECKING:
    from csbot.intents.lexicon import Lexicon

CHAR_NGRAMS = (1, 2, 3)
# Marks where a message starts and ends (control characters, which `normalize` removes from
# any text), so that n-grams touching them tell how it opens and how it closes: "在吗" alone
# is a greeting, "...还有货吗" ends a question.
START, END = "\x02", "\x03"


def feature_strings(
    tokens: Sequence[str],
    chunks: Sequence[str],
    *,
    bigrams: bool = True,
    ngrams: Sequence[int] = CHAR_NGRAMS,
) -> list[str]:
    """Word unigrams (`w:`), word bigrams (`b:`, unless `bigrams` is false) and character
    n-grams (`c:`, of the sizes in `ngrams`) taken within each chunk, in that order."""
    features = [f"w:{t}" for t in tokens]
    if bigrams:
        features.extend(f"b:{a}|{b}" for a, b in pairwise(tokens))
    for chunk in chunks:
        for n in ngrams:
            features.extend(f"c:{chunk[i : i + n]}" for i in range(len(chunk) - n + 1))
    return features


def count_strings(vocabulary: Mapping[str, int], features: Sequence[str]) -> dict[int, int]:
    """How often each feature in `vocabulary` occurs, by id, in order of first occurrence."""
    counts: dict[int, int] = {}
    for feature in features:
        index = vocabulary.get(feature)
        if index is not None:
            counts[index] = counts.get(index, 0) + 1
    return counts


class FeatureCounter:
    """Counts messages' features in one vocabulary (feature string -> id): what
    `count_strings(vocabulary, feature_strings(...))` gives, in the same order, computed
    with a compiled index of the vocabulary when one can be built (no strings created)."""

    __slots__ = ("_index", "_is_content", "vocabulary")

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        self.vocabulary = vocabulary
        compiled = native is not None and type(vocabulary) is dict
        self._index = native.FeatureIndex(vocabulary) if compiled else None  # type: ignore[union-attr]
        self._is_content: np.ndarray | None = None

    def content_mask(self) -> np.ndarray:
        """For each feature id, whether it is a content feature (`Analysis.content_features`):
        not one of the start and end marks' features (no other feature holds them) or the
        lexicon's categories. Built on first use; ids never change."""
        if self._is_content is None:
            mask = np.ones(max(self.vocabulary.values(), default=-1) + 1, dtype=bool)
            for f, i in self.vocabulary.items():
                if START in f or END in f or f.startswith("g:"):
                    mask[i] = False
            self._is_content = mask
        return self._is_content

    def count(
        self,
        tokens: Sequence[str],
        chunks: Sequence[str],
        *,
        bigrams: bool = True,
        ngrams: tuple[int, ...] = CHAR_NGRAMS,
    ) -> dict[int, int]:
        if self._index is not None:
            counts: dict[int, int] = self._index.count(
                tokens if type(tokens) is list else list(tokens),
                chunks if type(chunks) is list else list(chunks),
                ngrams,
                bigrams,
            )
            return counts
        features = feature_strings(tokens, chunks, bigrams=bigrams, ngrams=ngrams)
        return count_strings(self.vocabulary, features)


def extract_features(
    normalized: str,
    tokens: Sequence[str],
    categories: Sequence[str] = (),
    *,
    bounded: bool = True,
) -> list[str]:
    """The classifier's features: words, bigrams and character n-grams taken within each
    space-separated chunk (so typos still share most character n-grams), with the message's
    start and end marked unless `bounded` is false, then the lexicon's `categories` (`g:`)."""
    if not bounded:
        features = feature_strings(tokens, normalized.split(" "))
    else:
        features = feature_strings(_bounded(tokens), _chunks(normalized))
    features.extend(f"g:{c}" for c in categories)
    return features


def _bounded(tokens: Sequence[str]) -> list[str]:
    return [START, *tokens, END]


def _chunks(normalized: str) -> list[str]:
    return f"{START}{normalized}{END}".split(" ")


@dataclass(frozen=True, slots=True)
class Analysis:
    normalized: str
    tokens: list[str]
    categories: list[str] = field(default_factory=list)  # of the lexicon's words it contains

    @property
    def features(self) -> list[str]:
        return extract_features(self.normalized, self.tokens, self.categories)

    @property
    def content_features(self) -> list[str]:
        """Words and characters only, without the start and end marks or the categories:
        what FAQ questions are compared on."""
        return extract_features(self.normalized, self.tokens, bounded=False)

    def counts(self, counter: FeatureCounter, *, content: bool = False) -> dict[int, int]:
        """`count_strings(counter.vocabulary, self.features)` (or `self.content_features`),
        computed directly."""
        if content:
            return counter.count(self.tokens, self.normalized.split(" "))
        counts = counter.count(_bounded(self.tokens), _chunks(self.normalized))
        vocabulary = counter.vocabulary
        for category in self.categories:
            index = vocabulary.get(f"g:{category}")
            if index is not None:
                counts[index] = counts.get(index, 0) + 1
        return counts


class Featurizer:
    """normalize -> tokenize -> feature strings, the one path every text takes."""

    def __init__(self, tokenizer: Tokenizer | None = None, lexicon: Lexicon | None = None) -> None:
        self.tokenizer = tokenizer or Tokenizer()
        self.lexicon = lexicon

    def with_lexicon(self, lexicon: Lexicon | None) -> Featurizer:
        """This featurizer (sharing its tokenizer) with another lexicon."""
        return self if lexicon is self.lexicon else Featurizer(self.tokenizer, lexicon)

    def __call__(self, text: str) -> list[str]:
        return self.analyze(text).features

    def analyze(self, text: str) -> Analysis:
        """The normalized text, its words and its lexicon categories, from one pass."""
        normalized = normalize(text)
        categories = self.lexicon.find(normalized.split(" ")) if self.lexicon else []
        return Analysis(normalized, self.tokenizer.tokenize(normalized), categories)
