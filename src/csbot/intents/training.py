"""Train a model from a data directory with scikit-learn, then keep only plain arrays."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from csbot.datadir import TrainingData, load_data
from csbot.errors import ModelError
from csbot.intents.classifier import OUT_OF_SCOPE, LinearModel, Recalibration
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


LinearModelKind = Literal["svm", "logistic"]
SVM: LinearModelKind = "svm"
LOGISTIC: LinearModelKind = "logistic"


@dataclass(frozen=True, slots=True)
class TrainingConfig:
    """Hyper-parameters; the defaults are what the bundled model uses.

    `linear_model` "svm" is a one-vs-rest linear SVM (LinearSVC, squared hinge loss),
    "logistic" multinomial logistic regression. Either's scores become probabilities by a
    softmax of a linear map of them fitted on the cross-validated scores
    (`fit_recalibration`, with `recalibration` its C). On the bundled data the SVM's
    cross-validated macro-F1 is about one point higher, and it trains in a tenth of the time."""

    regularization: float = 1.0  # C of the linear model
    # A feature must occur in this many utterances (drops one-off typos and keeps the model
    # small as the data grows); `for_examples` lowers it for small data sets.
    min_df: int = 6
    folds: int = 5
    seed: int = 0
    max_iter: int = 3000
    linear_model: LinearModelKind = SVM
    class_weight: str | None = None  # "balanced": weigh classes by the inverse of their size
    recalibration: float = 1.0  # C of the logistic regression on the class scores

    def for_examples(self, examples: int) -> TrainingConfig:
        """This configuration for a data set of `examples` utterances: `min_df` at most one
        in a thousand of them (but at least 3), so that a small data set keeps its words."""
        return replace(self, min_df=min(self.min_df, max(3, examples // 1000)))


@dataclass(frozen=True)
class FittedClassifier:
    """The runtime classifier and the sklearn objects it was read from (for checks):
    the runtime's probabilities are the softmax of the recalibrated estimator's scores."""

    model: LinearModel
    vectorizer: TfidfVectorizer
    estimator: LinearSVC | LogisticRegression
    recalibration: Recalibration | None = None  # None: the identity

    def probabilities(self, features: Sequence[list[str]]) -> np.ndarray:
        """What the sklearn objects give for these feature lists."""
        class_scores = scores(self.estimator, self.vectorizer.transform(features))
        if self.recalibration is not None:
            class_scores = self.recalibration.apply(class_scores)
        return np.asarray(softmax(class_scores, axis=1))


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
    """Fit TF-IDF + the linear model; deterministic for the same input."""
    names, counts = count_matrix(features)
    fit = _fit_counts(counts, np.asarray(labels), np.arange(len(labels)), config)
    return _fitted(names, fit, threshold)


CountsFit = tuple[np.ndarray, TfidfTransformer, "LinearSVC | LogisticRegression"]


def _fitted(names: Sequence[str], fit: CountsFit, threshold: float) -> FittedClassifier:
    """The classifier of a fit on the count matrix whose columns are the features `names`,
    with the TfidfVectorizer that gives the same vectors from feature lists."""
    kept, tfidf, estimator = fit
    vectorizer = TfidfVectorizer(
        analyzer=_identity,
        sublinear_tf=True,
        dtype=np.float64,
        vocabulary={names[column]: i for i, column in enumerate(kept)},
    )
    # The model file keeps its arrays in single precision (half the size); the estimator and
    # the runtime use the same rounded values, so a loaded model equals the trained one.
    vectorizer.idf_ = _single(tfidf.idf_)
    coef, intercept = _single(estimator.coef_), _single(np.atleast_1d(estimator.intercept_))
    estimator.coef_, estimator.intercept_ = coef, intercept
    if coef.shape[0] == 1:  # two classes: the score z is the class's against (0, z)
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.concatenate([[0.0], intercept])
    model = LinearModel(
        classes=tuple(str(c) for c in estimator.classes_),
        vocabulary={str(f): int(i) for f, i in vectorizer.vocabulary_.items()},
        idf=vectorizer.idf_,
        weights=np.ascontiguousarray(coef.T),
        intercept=intercept,
        threshold=threshold,
    )
    return FittedClassifier(model, vectorizer, estimator)


def _single(values: np.ndarray) -> np.ndarray:
    """`values` rounded to single precision, held in double precision."""
    return np.asarray(values, dtype=np.float32).astype(np.float64)


def calibrated(
    fitted: FittedClassifier, recalibration: Recalibration, threshold: float
) -> FittedClassifier:
    """The classifier whose probabilities are the softmax of its recalibrated scores, with
    the confidence `threshold`."""
    model = replace(fitted.model, recalibration=recalibration, threshold=threshold)
    return replace(fitted, model=model, recalibration=recalibration)


def _fit_estimator(
    matrix: Any, labels: Sequence[str], config: TrainingConfig
) -> LinearSVC | LogisticRegression:
    if config.linear_model == SVM:
        return LinearSVC(
            C=config.regularization,
            max_iter=config.max_iter,
            class_weight=config.class_weight,
            random_state=config.seed,
        ).fit(matrix, labels)
    if config.linear_model != LOGISTIC:
        raise ValueError(
            f"linear_model must be {SVM!r} or {LOGISTIC!r}, not {config.linear_model!r}"
        )
    estimator = LogisticRegression(
        C=config.regularization,
        max_iter=config.max_iter,
        class_weight=config.class_weight,
        random_state=config.seed,
    )
    # Fitted in single precision, about twice as fast with the same cross-validated scores;
    # the coefficients are then used in double precision, by sklearn as by the runtime.
    return estimator.fit(matrix.astype(np.float32), labels)


def scores(estimator: LinearSVC | LogisticRegression, matrix: Any) -> np.ndarray:
    """One score a class (for logistic regression, the softmax of them is `predict_proba`)."""
    values = np.asarray(estimator.decision_function(matrix))
    if values.ndim == 1:  # two classes: the second class's score against a zero
        return np.column_stack([np.zeros_like(values), values])
    return values


FULL_MAP_MAX_CLASSES = 24


def fit_recalibration(
    class_scores: np.ndarray,
    classes: Sequence[str],
    labels: Sequence[str],
    regularization: float = 1.0,
) -> Recalibration:
    """The linear map of class scores whose softmax gives the best probabilities: a
    multinomial logistic regression (L2 penalty, C `regularization`) on cross-validated
    scores. Beyond one scale for all, it learns how far each class's score can be trusted
    and what a high score of one class says about another (out_of_scope's against
    product_inquiry's, say). With more than FULL_MAP_MAX_CLASSES classes it is one scale
    (least log loss): the full map's Newton steps cost the fourth power of the classes."""
    if len(classes) > FULL_MAP_MAX_CLASSES:
        scale = _fit_scale(class_scores, classes, labels)
        return Recalibration(np.eye(len(classes)) * scale, np.zeros(len(classes)))
    # Newton steps: a few, where lbfgs needs over a hundred (~10x slower)
    regression = LogisticRegression(C=regularization, solver="newton-cholesky", max_iter=100)
    regression.fit(class_scores, list(labels))
    if list(regression.classes_) != list(classes):
        raise ValueError("every class needs examples to fit the recalibration on")
    matrix, bias = regression.coef_, regression.intercept_
    if matrix.shape[0] == 1:  # two classes: the score z is the second class's against (0, z)
        matrix = np.vstack([np.zeros_like(matrix), matrix])
        bias = np.concatenate([[0.0], bias])
    return Recalibration(np.asarray(matrix), np.asarray(bias))


def _fit_scale(class_scores: np.ndarray, classes: Sequence[str], labels: Sequence[str]) -> float:
    """The one factor that turns scores into the best probabilities (least log loss)."""
    rows = np.arange(len(labels))
    column = {c: i for i, c in enumerate(classes)}
    truth = np.array([column[label] for label in labels])

    def log_loss(scale: float) -> float:
        return float(-log_softmax(class_scores * scale, axis=1)[rows, truth].mean())

    return float(minimize_scalar(log_loss, bounds=(0.01, 100.0), method="bounded").x)


def fit_recalibrations(
    class_scores: np.ndarray,
    classes: Sequence[str],
    labels: Sequence[str],
    splits: Sequence[tuple[np.ndarray, np.ndarray]],
    regularization: float = 1.0,
) -> tuple[Recalibration, np.ndarray]:
    """The recalibration fitted on all examples' scores, and each example's probabilities
    from a recalibration fitted on the other folds' scores (with the folds the scores were
    computed with). The fits run in parallel."""
    label_array = np.asarray(labels)
    rows = [np.arange(len(label_array)), *(train_idx for train_idx, _ in splits)]
    fits = Parallel(n_jobs=min(len(rows), os.cpu_count() or 1))(
        delayed(fit_recalibration)(class_scores[r], classes, label_array[r], regularization)
        for r in rows
    )
    mapped = np.empty_like(class_scores)
    for (_, test_idx), recalibration in zip(splits, fits[1:], strict=True):
        mapped[test_idx] = recalibration.apply(class_scores[test_idx])
    return fits[0], np.asarray(softmax(mapped, axis=1))


Split = tuple[np.ndarray, np.ndarray]  # training rows, test rows


def folds(labels: Sequence[str], config: TrainingConfig) -> list[Split]:
    """The stratified folds of cross-validation (shuffled with `config.seed`)."""
    splitter = StratifiedKFold(n_splits=config.folds, shuffle=True, random_state=config.seed)
    return list(splitter.split(np.zeros(len(labels)), np.asarray(labels)))


def out_of_fold_scores(
    features: Sequence[list[str]], labels: Sequence[str], config: TrainingConfig
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each example's class scores from a model that did not see it (stratified k-fold,
    folds fitted in parallel; the result does not depend on the order)."""
    class_scores, classes, _, _ = _cross_validated_fits(features, labels, config, fit_all=False)
    return class_scores, classes


Fit = tuple[Sequence[list[str]], Sequence[str], TrainingConfig]  # features, labels, config


def _cross_validated_fits(
    features: Sequence[list[str]],
    labels: Sequence[str],
    config: TrainingConfig,
    fit_all: bool,
    also: Sequence[Fit] = (),
) -> tuple[np.ndarray, tuple[str, ...], FittedClassifier | None, list[FittedClassifier]]:
    """Out-of-fold scores and, with `fit_all`, the model fitted on all examples, and
    the classifiers of the other fits in `also`: one worker pool for all fits, so that the
    final fit and the others use a core the folds leave idle."""
    classes = tuple(sorted(set(labels)))
    label_array = np.asarray(labels)
    splits = folds(labels, config)
    # The folds share one count matrix (numpy arrays, handed to the workers as memory maps)
    # instead of each receiving and counting the feature lists.
    names, counts = count_matrix(features)
    tasks = [
        delayed(_fold_scores)(counts, label_array, train_idx, test_idx, config)
        for train_idx, test_idx in splits
    ]
    if fit_all:  # first: the longest task, started while the folds queue up
        tasks.insert(0, delayed(_fit_counts)(counts, label_array, np.arange(len(labels)), config))
    tasks.extend(delayed(fit_classifier)(f, list(y), c) for f, y, c in also)
    jobs = min(len(tasks), os.cpu_count() or 1)
    results = Parallel(n_jobs=jobs)(tasks)
    others = [results.pop() for _ in also][::-1]
    fitted = _fitted(names, results.pop(0), 0.0) if fit_all else None
    # a class missing from a fold's training rows gets the lowest score of all
    class_scores = np.full((len(labels), len(classes)), np.nan)
    for (_, test_idx), (fold_classes, fold_scores) in zip(splits, results, strict=True):
        column = np.array([classes.index(c) for c in fold_classes])
        class_scores[np.ix_(test_idx, column)] = fold_scores
    class_scores[np.isnan(class_scores)] = np.nanmin(class_scores) - 1.0
    return class_scores, classes, fitted, others


def count_matrix(features: Sequence[list[str]]) -> tuple[list[str], sparse.csr_matrix]:
    """The features in sorted order and
    `CountVectorizer(analyzer=_identity, dtype=np.int64).fit_transform(features)`, the same
    matrix (a column a feature, in that order), in half the time."""
    ids: dict[str, int] = {}
    indices = [ids.setdefault(f, len(ids)) for row in features for f in row]
    indptr = np.cumsum([0, *map(len, features)])
    names = list(ids)
    order = sorted(range(len(names)), key=names.__getitem__)
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    matrix = sparse.csr_matrix(
        (np.ones(len(indices), dtype=np.int64), rank[np.asarray(indices, dtype=np.int64)], indptr),
        shape=(len(features), len(names)),
    )
    matrix.sum_duplicates()  # repeated features of a row become one count
    return [names[i] for i in order], matrix


def _fold_scores(
    counts: Any,
    labels: np.ndarray,
    train_idx: np.ndarray,
    test_idx: np.ndarray,
    config: TrainingConfig,
) -> tuple[tuple[str, ...], np.ndarray]:
    """What `fit_classifier` on the training rows gives for the test rows."""
    kept, tfidf, estimator = _fit_counts(counts, labels, train_idx, config)
    test = tfidf.transform(counts[test_idx][:, kept])
    return tuple(str(c) for c in estimator.classes_), scores(estimator, test)


def _fit_counts(
    counts: Any, labels: np.ndarray, rows: np.ndarray, config: TrainingConfig
) -> CountsFit:
    """TF-IDF and the linear model fitted on `rows` of the count matrix: the columns kept by
    the document-frequency limits in those rows, and their TF-IDF (what TfidfVectorizer,
    CountVectorizer + TfidfTransformer, gives on those rows' feature lists)."""
    train = counts[rows]
    document_frequency = np.bincount(train.indices, minlength=counts.shape[1])
    kept = np.flatnonzero(
        (document_frequency >= config.min_df)
        & (document_frequency <= MAX_DOCUMENT_FREQUENCY * train.shape[0])
    )
    if not len(kept):
        raise ValueError("no feature is left after the document-frequency limits")
    tfidf = TfidfTransformer(sublinear_tf=True).fit(train[:, kept])
    estimator = _fit_estimator(tfidf.transform(train[:, kept]), labels[rows].tolist(), config)
    return kept, tfidf, estimator


def cross_validate(
    features: Sequence[list[str]], labels: Sequence[str], config: TrainingConfig
) -> tuple[float, EvaluationReport]:
    """The threshold chosen on out-of-fold predictions and the report at that threshold."""
    class_scores, classes = out_of_fold_scores(features, labels, config)
    return _calibrate_and_report(class_scores, classes, labels, config)[1:]


def cross_validate_and_fit(
    features: Sequence[list[str]],
    labels: Sequence[str],
    config: TrainingConfig,
    also: Sequence[Fit] = (),
) -> tuple[float, EvaluationReport, FittedClassifier, list[FittedClassifier]]:
    """`cross_validate`, and the classifier fitted on all examples with the fitted
    recalibration and the chosen threshold, plus the classifiers of the fits in `also` (e.g.
    the emotion model), all fits sharing one worker pool."""
    class_scores, classes, fitted, others = _cross_validated_fits(
        features, labels, config, fit_all=True, also=also
    )
    assert fitted is not None
    recalibration, threshold, report = _calibrate_and_report(class_scores, classes, labels, config)
    return threshold, report, calibrated(fitted, recalibration, threshold), others


def _calibrate_and_report(
    class_scores: np.ndarray,
    classes: Sequence[str],
    labels: Sequence[str],
    config: TrainingConfig,
) -> tuple[Recalibration, float, EvaluationReport]:
    """The recalibration fitted on all out-of-fold scores, and the threshold and report on
    the probabilities of recalibrations fitted on the other folds' scores (so that the
    report's probabilities come from nothing that saw their labels)."""
    recalibration, probabilities = fit_recalibrations(
        class_scores, classes, labels, folds(labels, config), config.recalibration
    )
    threshold = choose_threshold(probabilities, classes, labels)
    report = evaluate(labels, predictions_at(probabilities, classes, threshold))
    return recalibration, threshold, report


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


EMOTION_CONFIG = TrainingConfig(
    regularization=3.0, min_df=8, linear_model=LOGISTIC, class_weight="balanced"
)


def emotion_training_set(
    examples: Dataset,
    intents: Dataset,
    featurize: Featurizer,
    intent_tokens: Sequence[list[str]] | None = None,
) -> Fit:
    """The features, labels and configuration of the negative-vs-neutral model behind
    `emotion_score`; `intent_tokens` are the intent utterances' words when already known
    (`Analysis.tokens`, in the order of `intents.examples`).

    Besides `emotion.yaml`, every intent utterance outside `complaint` in which the
    lexicon finds no irritation counts as neutral: without them the model learns topic
    words (退款, 扣款, 没发货) as anger and flags ordinary questions."""
    tokenize = featurize.tokenizer.tokenize
    features = [emotion_features(t, tokenize(normalize(t))) for t in examples.texts]
    labels = list(examples.labels)
    for i, example in enumerate(intents.examples):
        if example.intent != "complaint" and lexicon_score(example.text) < IRRITATED:
            tokens = intent_tokens[i] if intent_tokens else tokenize(normalize(example.text))
            features.append(emotion_features(example.text, tokens))
            labels.append(NEUTRAL)
    return features, labels, EMOTION_CONFIG.for_examples(len(labels))


def cross_validate_data(
    data_dir: Path,
    config: TrainingConfig = TrainingConfig(),
    *,
    minimums: Minimums = None,
) -> EvaluationReport:
    """`csbot eval` without a file: k-fold cross-validation of the data in `data_dir`."""
    data = load_data(data_dir, minimums)
    dataset, featurize = data.dataset, Featurizer(lexicon=data.lexicon)
    config = config.for_examples(len(dataset.labels))
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
    config = config.for_examples(len(dataset.labels))
    featurize = Featurizer(lexicon=data.lexicon)
    analyses = [featurize.analyze(text) for text in dataset.texts]
    features = [analysis.features for analysis in analyses]
    labels = dataset.labels
    progress(f"{config.folds}-fold cross-validation and the final model ...")
    emotion_fit = (
        [emotion_training_set(data.emotion, dataset, featurize, [a.tokens for a in analyses])]
        if data.emotion.examples
        else []
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
            "linear_model": config.linear_model,
            "regularization": config.regularization,
            "min_df": config.min_df,
            "folds": config.folds,
            "seed": config.seed,
            "recalibration": config.recalibration,
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
