"""Train a model from a data directory with scikit-learn, then keep only plain arrays."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from csbot.datadir import TrainingData, load_data
from csbot.errors import ModelError
from csbot.intents.classifier import OUT_OF_SCOPE, LinearModel
from csbot.intents.dataset import Dataset, Minimums
from csbot.intents.evaluate import EvaluationReport, evaluate, read_labelled_file
from csbot.intents.features import Featurizer
from csbot.intents.text import normalize
from csbot.model import Model
from csbot.persist import keep_as_previous, library_versions, load_model, previous_dir, save_model
from csbot.responses.emotion import IRRITATED, NEUTRAL, emotion_features, lexicon_score
from csbot.responses.matching import FaqIndex

Progress = Callable[[str], None]
THRESHOLD_GRID = np.round(np.arange(0.10, 0.71, 0.01), 2)


@dataclass(frozen=True, slots=True)
class TrainingConfig:
    """Hyper-parameters; the defaults are what the bundled model uses."""

    regularization: float = 30.0  # LogisticRegression's C
    min_df: int = 4  # a feature must occur in this many utterances (drops one-off typos)
    folds: int = 5
    seed: int = 0
    max_iter: int = 3000


@dataclass(frozen=True)
class FittedClassifier:
    """The runtime classifier and the sklearn objects it was read from (for checks)."""

    model: LinearModel
    vectorizer: TfidfVectorizer
    estimator: LogisticRegression


@dataclass(frozen=True)
class TrainingResult:
    model: Model
    metadata: dict[str, Any]
    cross_validation: EvaluationReport
    data: TrainingData
    seconds: float
    fitted: FittedClassifier = field(repr=False)


# A feature in (nearly) every utterance, such as the start-of-message mark alone, tells the
# intents apart no better than the intercept and would only dilute the FAQ index's cosines.
MAX_DOCUMENT_FREQUENCY = 0.999


def _identity(features: list[str]) -> list[str]:
    return features


def fit_classifier(
    features: Sequence[list[str]],
    labels: Sequence[str],
    config: TrainingConfig,
    threshold: float = 0.0,
) -> FittedClassifier:
    """Fit TF-IDF + multinomial logistic regression; deterministic for the same input."""
    vectorizer = TfidfVectorizer(
        analyzer=_identity,
        sublinear_tf=True,
        min_df=config.min_df,
        max_df=MAX_DOCUMENT_FREQUENCY,
        dtype=np.float64,
    )
    estimator = _fit_estimator(vectorizer.fit_transform(features), labels, config)
    vocabulary = {str(f): int(i) for f, i in vectorizer.vocabulary_.items()}
    coef, intercept = estimator.coef_, estimator.intercept_
    if coef.shape[0] == 1:  # two classes: sigmoid(z) is the softmax of (0, z)
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.concatenate([[0.0], intercept])
    model = LinearModel(
        classes=tuple(str(c) for c in estimator.classes_),
        vocabulary=vocabulary,
        idf=vectorizer.idf_.astype(np.float64),
        weights=np.ascontiguousarray(coef.T, dtype=np.float64),
        intercept=np.asarray(intercept, dtype=np.float64),
        threshold=threshold,
    )
    return FittedClassifier(model, vectorizer, estimator)


def _fit_estimator(
    matrix: Any, labels: Sequence[str], config: TrainingConfig
) -> LogisticRegression:
    estimator = LogisticRegression(
        C=config.regularization,
        max_iter=config.max_iter,
        class_weight="balanced",
        random_state=config.seed,
    )
    # Fitted in single precision, about twice as fast with the same cross-validated scores;
    # the coefficients are then used in double precision, by sklearn as by the runtime.
    return estimator.fit(matrix.astype(np.float32), labels)


def out_of_fold_probabilities(
    features: Sequence[list[str]], labels: Sequence[str], config: TrainingConfig
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each example's class probabilities from a model that did not see it (stratified
    k-fold, folds fitted in parallel; the result does not depend on the order)."""
    probabilities, classes, _, _ = _cross_validated_fits(features, labels, config, fit_all=False)
    return probabilities, classes


Fit = tuple[Sequence[list[str]], Sequence[str], TrainingConfig]  # features, labels, config


def _cross_validated_fits(
    features: Sequence[list[str]],
    labels: Sequence[str],
    config: TrainingConfig,
    fit_all: bool,
    also: Sequence[Fit] = (),
) -> tuple[np.ndarray, tuple[str, ...], FittedClassifier | None, list[FittedClassifier]]:
    """Out-of-fold probabilities and, with `fit_all`, the model fitted on all examples, and
    the classifiers of the other fits in `also`: one worker pool for all fits, so that the
    final fit and the others use a core the folds leave idle."""
    classes = tuple(sorted(set(labels)))
    label_array = np.asarray(labels)
    folds = StratifiedKFold(n_splits=config.folds, shuffle=True, random_state=config.seed)
    splits = list(folds.split(np.zeros(len(labels)), label_array))
    # The folds share one count matrix (numpy arrays, handed to the workers as memory maps)
    # instead of each receiving and counting the feature lists.
    counts = CountVectorizer(analyzer=_identity, dtype=np.int64).fit_transform(features)
    tasks = [
        delayed(_fold_probabilities)(counts, label_array, train_idx, test_idx, config)
        for train_idx, test_idx in splits
    ]
    if fit_all:  # first: the longest task, started while the folds queue up
        tasks.insert(0, delayed(fit_classifier)(features, list(labels), config))
    tasks.extend(delayed(fit_classifier)(f, list(y), c) for f, y, c in also)
    jobs = min(len(tasks), os.cpu_count() or 1)
    results = Parallel(n_jobs=jobs)(tasks)
    others = [results.pop() for _ in also][::-1]
    fitted = results.pop(0) if fit_all else None
    probabilities = np.zeros((len(labels), len(classes)))
    for (_, test_idx), (fold_classes, fold_probabilities) in zip(splits, results, strict=True):
        column = [classes.index(c) for c in fold_classes]
        probabilities[np.ix_(test_idx, column)] = fold_probabilities
    return probabilities, classes, fitted, others


def _fold_probabilities(
    counts: Any,
    labels: np.ndarray,
    train_idx: np.ndarray,
    test_idx: np.ndarray,
    config: TrainingConfig,
) -> tuple[tuple[str, ...], np.ndarray]:
    """What `fit_classifier` on the training rows gives for the test rows: the features
    kept by the same document-frequency limits, counted in the training rows only, with the
    same TF-IDF (TfidfVectorizer is CountVectorizer + TfidfTransformer)."""
    train = counts[train_idx]
    document_frequency = np.bincount(train.indices, minlength=counts.shape[1])
    kept = np.flatnonzero(
        (document_frequency >= config.min_df)
        & (document_frequency <= MAX_DOCUMENT_FREQUENCY * train.shape[0])
    )
    tfidf = TfidfTransformer(sublinear_tf=True).fit(train[:, kept])
    estimator = _fit_estimator(tfidf.transform(train[:, kept]), labels[train_idx].tolist(), config)
    test = tfidf.transform(counts[test_idx][:, kept])
    return tuple(str(c) for c in estimator.classes_), estimator.predict_proba(test)


def cross_validate(
    features: Sequence[list[str]], labels: Sequence[str], config: TrainingConfig
) -> tuple[float, EvaluationReport]:
    """The threshold chosen on out-of-fold predictions and the report at that threshold."""
    probabilities, classes = out_of_fold_probabilities(features, labels, config)
    return _threshold_and_report(probabilities, classes, labels)


def cross_validate_and_fit(
    features: Sequence[list[str]],
    labels: Sequence[str],
    config: TrainingConfig,
    also: Sequence[Fit] = (),
) -> tuple[float, EvaluationReport, FittedClassifier, list[FittedClassifier]]:
    """`cross_validate`, and the classifier fitted on all examples with the chosen
    threshold, plus the classifiers of the fits in `also` (e.g. the emotion model), all
    fits sharing one worker pool."""
    probabilities, classes, fitted, others = _cross_validated_fits(
        features, labels, config, fit_all=True, also=also
    )
    assert fitted is not None
    threshold, report = _threshold_and_report(probabilities, classes, labels)
    final = replace(fitted, model=replace(fitted.model, threshold=threshold))
    return threshold, report, final, others


def _threshold_and_report(
    probabilities: np.ndarray, classes: Sequence[str], labels: Sequence[str]
) -> tuple[float, EvaluationReport]:
    threshold = choose_threshold(probabilities, classes, labels)
    return threshold, evaluate(labels, predictions_at(probabilities, classes, threshold))


def predictions_at(
    probabilities: np.ndarray, classes: Sequence[str], threshold: float
) -> list[str]:
    """Top class per row, or out_of_scope where the top probability is below `threshold`."""
    top = probabilities.argmax(axis=1)
    confident = probabilities.max(axis=1) >= threshold
    return [classes[t] if ok else OUT_OF_SCOPE for t, ok in zip(top, confident, strict=True)]


def choose_threshold(
    probabilities: np.ndarray, classes: Sequence[str], labels: Sequence[str]
) -> float:
    """The confidence threshold with the best macro-F1 on out-of-fold predictions
    (the lowest such threshold, so that borderline real questions still get answers)."""
    best, best_f1 = float(THRESHOLD_GRID[0]), -1.0
    for threshold in THRESHOLD_GRID:
        f1 = evaluate(labels, predictions_at(probabilities, classes, float(threshold))).macro_f1
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(threshold), f1
    return best


EMOTION_CONFIG = TrainingConfig(regularization=3.0)


def emotion_training_set(examples: Dataset, intents: Dataset, featurize: Featurizer) -> Fit:
    """The features, labels and configuration of the negative-vs-neutral model behind
    `emotion_score`.

    Besides `emotion.yaml`, every intent utterance outside `complaint` in which the
    lexicon finds no irritation counts as neutral: without them the model learns topic
    words (退款, 扣款, 没发货) as anger and flags ordinary questions."""
    texts, labels = list(examples.texts), list(examples.labels)
    for example in intents.examples:
        if example.intent != "complaint" and lexicon_score(example.text) < IRRITATED:
            texts.append(example.text)
            labels.append(NEUTRAL)
    tokenize = featurize.tokenizer.tokenize
    features = [emotion_features(t, tokenize(normalize(t))) for t in texts]
    return features, labels, EMOTION_CONFIG


def cross_validate_data(
    data_dir: Path,
    config: TrainingConfig = TrainingConfig(),
    *,
    minimums: Minimums = None,
) -> EvaluationReport:
    """`csbot eval` without a file: k-fold cross-validation of the data in `data_dir`."""
    data = load_data(data_dir, minimums)
    dataset, featurize = data.dataset, Featurizer(lexicon=data.lexicon)
    return cross_validate([featurize(t) for t in dataset.texts], dataset.labels, config)[1]


def train(
    data_dir: Path,
    config: TrainingConfig = TrainingConfig(),
    *,
    minimums: Minimums = None,
    progress: Progress = lambda _: None,
) -> TrainingResult:
    """Validate the data, cross-validate to choose the threshold, fit on everything."""
    start = time.perf_counter()
    data = load_data(data_dir, minimums)
    progress(
        f"validated {len(data.dataset.examples)} utterances in {len(data.dataset.counts())}"
        f" intents ({len(data.warnings)} warning(s))"
    )
    return train_on(data, config, progress=progress, start=start)


def train_on(
    data: TrainingData,
    config: TrainingConfig = TrainingConfig(),
    *,
    progress: Progress = lambda _: None,
    start: float | None = None,
) -> TrainingResult:
    """Train on data already validated (or built in memory, as the benchmarks do)."""
    start = time.perf_counter() if start is None else start
    dataset = data.dataset
    featurize = Featurizer(lexicon=data.lexicon)
    features = [featurize(text) for text in dataset.texts]
    labels = dataset.labels
    progress(f"{config.folds}-fold cross-validation and the final model ...")
    emotion_fit = (
        [emotion_training_set(data.emotion, dataset, featurize)] if data.emotion.examples else []
    )
    threshold, report, fitted, others = cross_validate_and_fit(
        features, labels, config, also=emotion_fit
    )
    progress(f"threshold {threshold:.2f}: cross-validated macro-F1 {report.macro_f1:.4f}")
    classifier = fitted.model

    def vectorize(text: str) -> Any:
        return classifier.vectorize(featurize.analyze(text).content_features)

    index = FaqIndex.build(data.knowledge_base, vectorize, len(classifier.vocabulary))
    emotion = others[0].model if others else None
    model = Model(classifier, data.knowledge_base, index, emotion, data.lexicon)
    seconds = time.perf_counter() - start
    metadata = {
        "versions": library_versions(),
        "data_sha256": data.fingerprint,
        "threshold": threshold,
        "intents": list(classifier.classes),
        "examples": dataset.counts(),
        "features": len(classifier.vocabulary),
        "config": {
            "regularization": config.regularization,
            "folds": config.folds,
            "seed": config.seed,
        },
        "cross_validation": {
            "accuracy": round(report.accuracy, 6),
            "macro_f1": round(report.macro_f1, 6),
            "out_of_scope_recall": round(report.out_of_scope_recall or 0.0, 6),
        },
    }
    return TrainingResult(model, metadata, report, data, seconds, fitted)


HELDOUT_FILE = "heldout.tsv"  # in the data directory: labelled, never trained on
MAX_F1_DROP = 0.01


def heldout_macro_f1(
    model: Model, pairs: Sequence[tuple[str, str]], featurize: Featurizer
) -> float:
    """Macro-F1 of a model on (intent, text) pairs."""
    classifier, featurize = model.classifier, featurize.with_lexicon(model.lexicon)
    predicted = [
        classifier.predict(classifier.vectorize(featurize(text))).intent for _, text in pairs
    ]
    return evaluate([label for label, _ in pairs], predicted).macro_f1


def train_and_save(
    data_dir: Path,
    out_dir: Path,
    config: TrainingConfig = TrainingConfig(),
    *,
    minimums: Minimums = None,
    force: bool = False,
    progress: Progress = lambda _: None,
) -> TrainingResult:
    """`train`, then replace the model in `out_dir` only if it is no worse: when
    `data_dir/heldout.tsv` exists, the new and the current model are scored on it and a
    drop of macro-F1 by more than one point keeps the current model (unless `force`). The
    replaced model is kept beside it (`previous_dir`) for `csbot rollback`; files are written
    atomically, so a failure leaves the old model in place."""
    result = train(data_dir, config, minimums=minimums, progress=progress)
    heldout = data_dir / HELDOUT_FILE
    metadata = dict(result.metadata)
    if heldout.is_file():
        pairs = read_labelled_file(heldout)
        featurize = Featurizer()
        new_f1 = heldout_macro_f1(result.model, pairs, featurize)
        metadata["heldout_macro_f1"] = round(new_f1, 6)
        try:
            current, _ = load_model(out_dir)
        except ModelError:
            current = None
        if current is not None:
            old_f1 = heldout_macro_f1(current, pairs, featurize)
            progress(f"{HELDOUT_FILE}: macro-F1 {new_f1:.4f} new, {old_f1:.4f} current model")
            if new_f1 < old_f1 - MAX_F1_DROP and not force:
                raise ModelError(
                    f"{out_dir}: the new model's macro-F1 on {heldout} is {new_f1:.4f}, more than"
                    f" one point below the current model's {old_f1:.4f}; kept the current model"
                    " (use --force to replace it anyway)"
                )
    if keep_as_previous(out_dir):
        progress(f"kept the current model in {previous_dir(out_dir)} (csbot rollback restores it)")
    metadata = save_model(result.model, out_dir, metadata)
    progress(
        f"wrote {out_dir} ({metadata['artifact_bytes'] / 1e6:.2f} MB) in {result.seconds:.1f} s"
    )
    return TrainingResult(
        result.model, metadata, result.cross_validation, result.data, result.seconds, result.fitted
    )
