"""The runtime intent classifier: TF-IDF lookup, a sparse dot product and a softmax, in
numpy alone. Training (scikit-learn) produces its arrays; answering never imports sklearn."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from csbot.intents.compiled import native
from csbot.intents.features import FeatureCounter, count_strings
from csbot.types import Prediction, ScoredIntent

OUT_OF_SCOPE = "out_of_scope"
RANKING_SIZE = 3


@dataclass(frozen=True, slots=True)
class SparseVector:
    """An l2-normalized TF-IDF vector: feature ids and their weights."""

    ids: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class Recalibration:
    """A linear map of a linear model's class scores, `scores @ matrix.T + bias`, whose
    softmax gives the probabilities (training fits it on cross-validated scores)."""

    matrix: np.ndarray  # (n_classes, n_classes)
    bias: np.ndarray  # (n_classes,)

    @classmethod
    def identity(cls, classes: int) -> Recalibration:
        return cls(np.eye(classes), np.zeros(classes))

    def apply(self, class_scores: np.ndarray) -> np.ndarray:
        return np.asarray(class_scores @ self.matrix.T + self.bias)


@dataclass(frozen=True)
class LinearModel:
    """A linear model over sublinear TF-IDF features, the recalibration of its scores whose
    softmax gives the class probabilities, and the confidence threshold below which a
    message is `out_of_scope`.

    The recalibration is folded into `scoring_weights` and `scoring_intercept` when the
    model is built; the model file keeps the model's own weights, a third of whose entries
    are zeros and compress well (the folded ones have none)."""

    classes: tuple[str, ...]
    vocabulary: Mapping[str, int]
    idf: np.ndarray  # (n_features,)
    weights: np.ndarray  # (n_features, n_classes)
    intercept: np.ndarray  # (n_classes,)
    threshold: float
    recalibration: Recalibration | None = None  # None: the identity
    counter: FeatureCounter = field(init=False, repr=False, compare=False)
    scoring_weights: np.ndarray = field(init=False, repr=False, compare=False)
    scoring_intercept: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "counter", FeatureCounter(self.vocabulary))
        # what the compiled helpers read: contiguous double precision
        object.__setattr__(self, "idf", np.ascontiguousarray(self.idf, dtype=np.float64))
        weights = np.asarray(self.weights, dtype=np.float64)
        intercept = np.ascontiguousarray(self.intercept, dtype=np.float64)
        object.__setattr__(self, "intercept", intercept)
        if self.recalibration is None:
            weights = np.ascontiguousarray(weights)
            object.__setattr__(self, "weights", weights)
        else:  # the model's own weights are kept in single precision (exact: see training)
            object.__setattr__(self, "weights", np.asarray(self.weights, dtype=np.float32))
            matrix = self.recalibration.matrix
            weights = np.ascontiguousarray(weights @ matrix.T)
            intercept = intercept @ matrix.T + self.recalibration.bias
        object.__setattr__(self, "scoring_weights", weights)
        object.__setattr__(self, "scoring_intercept", np.ascontiguousarray(intercept))

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (e.g. from training's worker processes) as its fields; the counter and
        # the copies are rebuilt on arrival.
        fields = (self.classes, self.vocabulary, self.idf, self.weights, self.intercept)
        return (type(self), (*fields, self.threshold, self.recalibration))

    def vectorize(self, features: Sequence[str]) -> SparseVector:
        """The same vector sklearn's TfidfVectorizer(sublinear_tf=True) gives."""
        return self.vectorize_counts(count_strings(self.vocabulary, features))

    def content_part(self, vector: SparseVector) -> SparseVector:
        """A message's vector restricted to its content features and normalized again: what
        `vectorize_counts(analysis.counts(counter, content=True))` gives, from the vector
        already computed (a feature's TF-IDF weight does not depend on the others)."""
        keep = self.counter.content_mask()[vector.ids]
        values = vector.values[keep]
        norm = float(np.sqrt(values @ values))
        return SparseVector(vector.ids[keep], values / norm if norm else values)

    def vectorize_counts(self, counts: Mapping[int, int]) -> SparseVector:
        """`vectorize` from feature counts by id (see `csbot.intents.features`)."""
        if native is not None and type(counts) is dict:
            ids, values = native.tfidf(counts, self.idf)
            return SparseVector(
                np.frombuffer(ids, dtype=np.intp), np.frombuffer(values, dtype=np.float64)
            )
        idf = self._idf_list
        values = [(1.0 + math.log(n)) * idf[i] if n > 1 else idf[i] for i, n in counts.items()]
        norm = math.sqrt(math.fsum(v * v for v in values))
        if norm > 0:
            values = [v / norm for v in values]
        return SparseVector(
            np.fromiter(counts, dtype=np.intp, count=len(counts)),
            np.array(values, dtype=np.float64),
        )

    @functools.cached_property
    def _idf_list(self) -> list[float]:
        """Plain-Python copy of idf for the Python path (built on first use): indexing a list
        is several times faster than an array for the few dozen features of one message."""
        return self.idf.tolist()  # type: ignore[no-any-return]

    def probabilities(self, vector: SparseVector) -> np.ndarray:
        """Class probabilities (softmax of the linear scores), in `classes` order."""
        if native is not None:
            return self.probabilities_many([vector])[0]  # type: ignore[no-any-return]
        scores = vector.values @ self.scoring_weights[vector.ids] + self.scoring_intercept
        scores -= scores.max()
        exp = np.exp(scores)
        return exp / exp.sum()  # type: ignore[no-any-return]

    def probabilities_many(self, vectors: Sequence[SparseVector]) -> np.ndarray:
        """`probabilities` for many vectors in one matrix operation, one row each."""
        if native is not None:
            id_arrays, value_arrays = [v.ids for v in vectors], [v.values for v in vectors]
            packed = native.softmax_rows(
                self.scoring_weights, self.scoring_intercept, id_arrays, value_arrays
            )
            return np.frombuffer(packed, dtype=np.float64).reshape(len(vectors), -1)
        scores = np.tile(self.scoring_intercept, (len(vectors), 1))
        lengths = np.fromiter((len(v.ids) for v in vectors), dtype=np.intp, count=len(vectors))
        if lengths.sum():
            ids = np.concatenate([v.ids for v in vectors])
            values = np.concatenate([v.values for v in vectors])
            contributions = values[:, None] * self.scoring_weights[ids]
            nonempty = lengths > 0
            starts = (np.cumsum(lengths) - lengths)[nonempty]
            scores[nonempty] += np.add.reduceat(contributions, starts, axis=0)
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]

    def probabilities_of_counts(self, counts: Sequence[Mapping[int, int]]) -> np.ndarray:
        """`probabilities_many` of the vectors of feature counts (`vectorize_counts`), in one
        compiled pass when available."""
        if native is not None and all(type(c) is dict for c in counts):
            packed = native.softmax_counts(
                self.scoring_weights, self.scoring_intercept, self.idf, list(counts)
            )
            return np.frombuffer(packed, dtype=np.float64).reshape(len(counts), -1)
        return self.probabilities_many([self.vectorize_counts(c) for c in counts])

    def predict(self, vector: SparseVector) -> Prediction:
        """Top intent and top-3 ranking; `out_of_scope` when below the threshold."""
        return self.decide(self.probabilities(vector))

    def decide(self, probabilities: np.ndarray | list[float]) -> Prediction:
        """The prediction for one message's probabilities (an array or a list)."""
        values = probabilities.tolist() if isinstance(probabilities, np.ndarray) else probabilities
        return self._decide(values)

    def decide_many(self, probabilities: np.ndarray) -> list[Prediction]:
        """`decide` for each row of a matrix of probabilities."""
        # Highest first, ties in class order: a stable sort of the negated values.
        orders = np.argsort(-probabilities, axis=1, kind="stable")[:, :RANKING_SIZE]
        decide = self._decide
        return [decide(v, o) for v, o in zip(probabilities.tolist(), orders.tolist(), strict=True)]

    def _decide(self, values: list[float], order: list[int] | None = None) -> Prediction:
        if order is None:  # one message: cheaper than numpy for 14 values
            order = sorted(range(len(values)), key=values.__getitem__, reverse=True)[:RANKING_SIZE]
        ranking = tuple(ScoredIntent(self.classes[i], values[i]) for i in order)
        top = ranking[0]
        if top.intent != OUT_OF_SCOPE and top.confidence < self.threshold:
            return Prediction(OUT_OF_SCOPE, top.confidence, ranking, below_threshold=True)
        return Prediction(top.intent, top.confidence, ranking)

    def to_state(self) -> dict[str, Any]:
        """Plain values only (numpy arrays, dicts, str, float) for the model file."""
        features = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        if [self.vocabulary[f] for f in features] != list(range(len(features))):
            raise ValueError("vocabulary ids must be 0 .. n-1")
        return {
            "classes": list(self.classes),
            # one string (features in id order, one a line): unpickled at once, not as
            # tens of thousands of small strings; no feature holds a line break
            "features": "\n".join(features),
            # single precision: training rounds the arrays to it (see training.fit_classifier)
            "idf": self.idf.astype(np.float32),
            "weights": self.weights.astype(np.float32),
            "intercept": self.intercept.astype(np.float32),
            "threshold": self.threshold,
            "recalibration": None
            if self.recalibration is None
            else {"matrix": self.recalibration.matrix, "bias": self.recalibration.bias},
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> LinearModel:
        classes = tuple(state["classes"])
        names = state["features"].split("\n") if state["features"] else []
        vocabulary = dict(zip(names, range(len(names)), strict=True))
        idf = np.asarray(state["idf"], dtype=np.float64)
        weights = np.asarray(state["weights"], dtype=np.float64)
        intercept = np.asarray(state["intercept"], dtype=np.float64)
        n_features, n_classes = len(vocabulary), len(classes)
        recalibration = None
        if state.get("recalibration") is not None:
            recalibration = Recalibration(
                np.asarray(state["recalibration"]["matrix"], dtype=np.float64),
                np.asarray(state["recalibration"]["bias"], dtype=np.float64),
            )
            if recalibration.matrix.shape != (n_classes, n_classes) or (
                recalibration.bias.shape != (n_classes,)
            ):
                raise ValueError("classifier recalibration does not match its classes")
        if (
            idf.shape != (n_features,)
            or weights.shape != (n_features, n_classes)
            or intercept.shape != (n_classes,)
            or len(vocabulary) != len(names)
        ):
            raise ValueError("classifier arrays do not match its vocabulary and classes")
        threshold = float(state["threshold"])
        return cls(classes, vocabulary, idf, weights, intercept, threshold, recalibration)
