"""Feature strings of a message: jieba words, word bigrams and character n-grams."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from csbot.intents.compiled import native
from csbot.intents.text import Tokenizer, normalize

CHAR_NGRAMS = (1, 2, 3)


def feature_strings(
    tokens: Sequence[str], chunks: Sequence[str], *, bigrams: bool = True
) -> list[str]:
    """Word unigrams (`w:`), word bigrams (`b:`, unless `bigrams` is false) and character
    1-3-grams (`c:`) taken within each chunk, in that order."""
    features = [f"w:{t}" for t in tokens]
    if bigrams:
        features.extend(f"b:{a}|{b}" for a, b in pairwise(tokens))
    for chunk in chunks:
        for n in CHAR_NGRAMS:
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

    __slots__ = ("_index", "vocabulary")

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        self.vocabulary = vocabulary
        compiled = native is not None and type(vocabulary) is dict
        self._index = native.FeatureIndex(vocabulary) if compiled else None  # type: ignore[union-attr]

    def count(
        self, tokens: Sequence[str], chunks: Sequence[str], *, bigrams: bool = True
    ) -> dict[int, int]:
        if self._index is not None:
            counts: dict[int, int] = self._index.count(
                tokens if type(tokens) is list else list(tokens),
                chunks if type(chunks) is list else list(chunks),
                CHAR_NGRAMS,
                bigrams,
            )
            return counts
        return count_strings(self.vocabulary, feature_strings(tokens, chunks, bigrams=bigrams))


def extract_features(normalized: str, tokens: Sequence[str]) -> list[str]:
    """The classifier's features: words, bigrams and character n-grams taken within each
    space-separated chunk, so typos still share most character n-grams."""
    return feature_strings(tokens, normalized.split(" "))


@dataclass(frozen=True, slots=True)
class Analysis:
    normalized: str
    tokens: list[str]

    @property
    def features(self) -> list[str]:
        return extract_features(self.normalized, self.tokens)

    def counts(self, counter: FeatureCounter) -> dict[int, int]:
        """`count_strings(counter.vocabulary, self.features)`, computed directly."""
        return counter.count(self.tokens, self.normalized.split(" "))


class Featurizer:
    """normalize -> tokenize -> feature strings, the one path every text takes."""

    def __init__(self, tokenizer: Tokenizer | None = None) -> None:
        self.tokenizer = tokenizer or Tokenizer()

    def __call__(self, text: str) -> list[str]:
        return self.analyze(text).features

    def analyze(self, text: str) -> Analysis:
        """The normalized text and its words, from one tokenization."""
        normalized = normalize(text)
        return Analysis(normalized, self.tokenizer.tokenize(normalized))
