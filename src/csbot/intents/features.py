"""Feature strings of a message: jieba words, word bigrams and character n-grams."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from csbot.intents.text import Tokenizer, normalize

CHAR_NGRAMS = (1, 2, 3)


def extract_features(normalized: str, tokens: Sequence[str]) -> list[str]:
    """Word unigrams (`w:`), word bigrams (`b:`) and character 1-3-grams (`c:`) taken
    within each space-separated chunk, so typos still share most character n-grams."""
    features = [f"w:{t}" for t in tokens]
    features.extend(f"b:{a}|{b}" for a, b in pairwise(tokens))
    for chunk in normalized.split(" "):
        for n in CHAR_NGRAMS:
            features.extend(f"c:{chunk[i : i + n]}" for i in range(len(chunk) - n + 1))
    return features


@dataclass(frozen=True, slots=True)
class Analysis:
    normalized: str
    tokens: list[str]
    features: list[str]


class Featurizer:
    """normalize -> tokenize -> feature strings, the one path every text takes."""

    def __init__(self, tokenizer: Tokenizer | None = None) -> None:
        self.tokenizer = tokenizer or Tokenizer()

    def __call__(self, text: str) -> list[str]:
        return self.analyze(text).features

    def analyze(self, text: str) -> Analysis:
        """The normalized text, its words and its features, from one tokenization."""
        normalized = normalize(text)
        tokens = self.tokenizer.tokenize(normalized)
        return Analysis(normalized, tokens, extract_features(normalized, tokens))
