"""Find the FAQ entry whose example questions are closest to a message (TF-IDF cosine),
through an inverted index so that the cost follows the message, not the number of entries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from csbot.intents.classifier import SparseVector
from csbot.intents.compiled import native
from csbot.responses.knowledge_base import KnowledgeBase


@dataclass(frozen=True)
class FaqIndex:
    """Example questions as rows, grouped by intent, and their TF-IDF postings sorted by
    the key `feature * n_rows + row`: the postings of any feature within any intent's rows
    are one contiguous run, found by bisection for all of a message's features at once."""

    faq_ids: tuple[str, ...]  # the FAQ entry of each question row
    intent_rows: Mapping[str, tuple[int, int]]  # intent -> [start, end) of its rows
    keys: np.ndarray  # int64, sorted: feature * n_rows + row
    weights: np.ndarray  # float64, aligned with keys

    @classmethod
    def build(
        cls, kb: KnowledgeBase, vectorize: Callable[[str], SparseVector], n_features: int
    ) -> FaqIndex:
        faq_ids: list[str] = []
        intent_rows: dict[str, tuple[int, int]] = {}
        vectors: list[SparseVector] = []
        for spec in kb.intents:
            start = len(faq_ids)
            for entry in spec.faqs:
                for question in entry.questions:
                    vectors.append(vectorize(question))
                    faq_ids.append(entry.id)
            intent_rows[spec.name] = (start, len(faq_ids))
        n_rows = max(len(faq_ids), 1)
        empty = np.zeros(0, dtype=np.int64)
        keys = np.concatenate(
            [empty, *(v.ids.astype(np.int64) * n_rows + row for row, v in enumerate(vectors))]
        )
        weights = np.concatenate([empty.astype(np.float64), *(v.values for v in vectors)])
        order = np.argsort(keys, kind="stable")
        return cls(tuple(faq_ids), intent_rows, keys[order], weights[order].astype(np.float64))

    def best_match(self, vector: SparseVector, intent: str) -> tuple[str | None, float]:
        """The FAQ id of the most similar question within `intent`, and its cosine."""
        start, end = self.intent_rows.get(intent, (0, 0))
        if start == end or len(vector.ids) == 0:
            return None, 0.0
        n_rows = max(len(self.faq_ids), 1)
        if native is not None:
            found = native.best_row(
                self.keys, self.weights, n_rows, start, end, vector.ids, vector.values
            )
            return (None, 0.0) if found is None else (self.faq_ids[start + found[0]], found[1])
        base = vector.ids.astype(np.int64) * n_rows
        first = np.searchsorted(self.keys, base + start)
        lengths = np.searchsorted(self.keys, base + end) - first
        total = int(lengths.sum())
        if total == 0:
            return None, 0.0
        # Positions of all runs at once: each run's first index, then 0, 1, 2, ... within it.
        run_starts = np.repeat(first - (np.cumsum(lengths) - lengths), lengths)
        positions = run_starts + np.arange(total)
        rows = self.keys[positions] % n_rows
        products = self.weights[positions] * np.repeat(vector.values, lengths)
        scores = np.bincount(rows - start, weights=products, minlength=end - start)
        best = int(np.argmax(scores))
        return self.faq_ids[start + best], float(scores[best])

    def to_state(self) -> dict[str, Any]:
        return {
            "faq_ids": list(self.faq_ids),
            "intent_rows": {k: list(v) for k, v in self.intent_rows.items()},
            "keys": self.keys,
            "weights": self.weights,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> FaqIndex:
        intent_rows = {str(k): (int(v[0]), int(v[1])) for k, v in state["intent_rows"].items()}
        keys = np.ascontiguousarray(state["keys"], dtype=np.int64)
        weights = np.ascontiguousarray(state["weights"], dtype=np.float64)
        if keys.shape != weights.shape or (len(keys) > 1 and bool(np.any(np.diff(keys) < 0))):
            raise ValueError("FAQ index keys and weights do not match")
        return cls(tuple(state["faq_ids"]), intent_rows, keys, weights)
