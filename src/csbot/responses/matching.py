"""Find the FAQ entry whose example questions are closest to a message (TF-IDF cosine),
through an inverted index so that the cost follows the message, not the number of entries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from csbot.intents.classifier import SparseVector
from csbot.responses.knowledge_base import KnowledgeBase


@dataclass(frozen=True)
class FaqIndex:
    """Example questions as rows, grouped by intent; postings per feature id (CSC layout)."""

    faq_ids: tuple[str, ...]  # the FAQ entry of each question row
    intent_rows: Mapping[str, tuple[int, int]]  # intent -> [start, end) of its rows
    indptr: np.ndarray  # (n_features + 1,)
    rows: np.ndarray
    weights: np.ndarray

    @classmethod
    def build(
        cls, kb: KnowledgeBase, vectorize: Callable[[str], SparseVector], n_features: int
    ) -> FaqIndex:
        faq_ids: list[str] = []
        intent_rows: dict[str, tuple[int, int]] = {}
        postings: list[tuple[int, int, float]] = []
        for spec in kb.intents:
            start = len(faq_ids)
            for entry in spec.faqs:
                for question in entry.questions:
                    vector = vectorize(question)
                    row = len(faq_ids)
                    postings.extend(
                        (int(f), row, float(w))
                        for f, w in zip(vector.ids, vector.values, strict=True)
                    )
                    faq_ids.append(entry.id)
            intent_rows[spec.name] = (start, len(faq_ids))
        postings.sort()
        features = np.array([p[0] for p in postings], dtype=np.int64)
        indptr = np.searchsorted(features, np.arange(n_features + 1)).astype(np.int64)
        rows = np.array([p[1] for p in postings], dtype=np.int64)
        weights = np.array([p[2] for p in postings], dtype=np.float64)
        return cls(tuple(faq_ids), intent_rows, indptr, rows, weights)

    def best_match(self, vector: SparseVector, intent: str) -> tuple[str | None, float]:
        """The FAQ id of the most similar question within `intent`, and its cosine."""
        start, end = self.intent_rows.get(intent, (0, 0))
        if start == end or len(vector.ids) == 0:
            return None, 0.0
        found_rows: list[np.ndarray] = []
        found_weights: list[np.ndarray] = []
        for feature, weight in zip(vector.ids.tolist(), vector.values.tolist(), strict=True):
            lo, hi = int(self.indptr[feature]), int(self.indptr[feature + 1])
            # Postings are sorted by row and an intent's rows are contiguous: two bisections.
            a, b = lo + np.searchsorted(self.rows[lo:hi], (start, end))
            if a < b:
                found_rows.append(self.rows[a:b])
                found_weights.append(self.weights[a:b] * weight)
        if not found_rows:
            return None, 0.0
        scores = np.bincount(
            np.concatenate(found_rows) - start,
            weights=np.concatenate(found_weights),
            minlength=end - start,
        )
        best = int(np.argmax(scores))
        return self.faq_ids[start + best], float(scores[best])

    def to_state(self) -> dict[str, Any]:
        return {
            "faq_ids": list(self.faq_ids),
            "intent_rows": {k: list(v) for k, v in self.intent_rows.items()},
            "indptr": self.indptr,
            "rows": self.rows,
            "weights": self.weights,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> FaqIndex:
        intent_rows = {str(k): (int(v[0]), int(v[1])) for k, v in state["intent_rows"].items()}
        return cls(
            tuple(state["faq_ids"]),
            intent_rows,
            np.asarray(state["indptr"], dtype=np.int64),
            np.asarray(state["rows"], dtype=np.int64),
            np.asarray(state["weights"], dtype=np.float64),
        )
