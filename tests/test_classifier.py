import numpy as np
import pytest

from csbot.intents.classifier import OUT_OF_SCOPE, LinearModel, Recalibration
from csbot.intents.features import Featurizer
from csbot.intents.training import (
    LOGISTIC,
    SVM,
    TrainingConfig,
    calibrated,
    choose_threshold,
    fit_classifier,
    fit_recalibration,
    fit_recalibrations,
    scores,
)
from tests.conftest import TINY_DATA


def _tiny_features() -> tuple[list[list[str]], list[str]]:
    import yaml

    featurize = Featurizer()
    features, labels = [], []
    for path in sorted((TINY_DATA / "training").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for text in data["examples"]:
            features.append(featurize(text))
            labels.append(data["intent"])
    return features, labels


@pytest.mark.parametrize("linear_model", [SVM, LOGISTIC])
def test_runtime_probabilities_equal_the_sklearn_models(linear_model: str) -> None:
    features, labels = _tiny_features()
    fitted = fit_classifier(
        features, labels, TrainingConfig(linear_model=linear_model).for_examples(len(labels))
    )
    probe = [*features, Featurizer()("完全没见过的句子 qwerty"), []]
    got = np.array([fitted.model.probabilities(fitted.model.vectorize(f)) for f in probe])
    np.testing.assert_allclose(got, fitted.probabilities(probe), atol=1e-9)
    if linear_model == LOGISTIC:  # scale 1: logistic regression's own probabilities
        expected = fitted.estimator.predict_proba(fitted.vectorizer.transform(probe))
        np.testing.assert_allclose(got, expected, atol=1e-9)
    k = len(fitted.model.classes)
    mapping = Recalibration(
        np.random.default_rng(0).normal(size=(k, k)) + 3 * np.eye(k), np.linspace(-1, 1, k)
    )
    mapped = calibrated(fitted, mapping, 0.4)
    got = np.array([mapped.model.probabilities(mapped.model.vectorize(f)) for f in probe])
    np.testing.assert_allclose(got, mapped.probabilities(probe), atol=1e-6)
    assert mapped.model.threshold == 0.4 and not np.allclose(got, fitted.probabilities(probe))
    identity = calibrated(fitted, Recalibration.identity(k), 0.4)
    np.testing.assert_allclose(identity.probabilities(probe), fitted.probabilities(probe))


def test_below_threshold_becomes_out_of_scope_with_the_ranking_kept() -> None:
    features, labels = _tiny_features()
    model = fit_classifier(
        features, labels, TrainingConfig().for_examples(len(labels)), threshold=0.99
    ).model
    prediction = model.predict(model.vectorize(Featurizer()("快递")))
    assert prediction.intent == OUT_OF_SCOPE and prediction.below_threshold
    assert prediction.ranking[0].intent == "shipping"
    assert prediction.confidence == prediction.ranking[0].confidence
    assert len(prediction.ranking) == 3


def test_state_round_trip_and_shape_checks() -> None:
    features, labels = _tiny_features()
    model = fit_classifier(features, labels, TrainingConfig().for_examples(len(labels))).model
    state = model.to_state()
    assert state["weights"].dtype == state["idf"].dtype == np.float32  # half the file size
    again = LinearModel.from_state(state)
    vector = model.vectorize(features[0])
    np.testing.assert_array_equal(model.probabilities(vector), again.probabilities(vector))
    state = model.to_state() | {"idf": model.idf[:-1]}
    try:
        LinearModel.from_state(state)
    except ValueError as exc:
        assert "do not match" in str(exc)
    else:
        raise AssertionError("a truncated idf array was accepted")


def test_a_recalibrated_model_keeps_its_own_weights_and_scores_with_the_folded_ones() -> None:
    features, labels = _tiny_features()
    fitted = fit_classifier(features, labels, TrainingConfig().for_examples(len(labels)))
    k = len(fitted.model.classes)
    mapping = Recalibration(np.full((k, k), 0.5) + 2 * np.eye(k), np.arange(k, dtype=float))
    model = calibrated(fitted, mapping, 0.3).model
    np.testing.assert_array_equal(model.weights, fitted.model.weights)  # what the file keeps
    assert not np.allclose(model.scoring_weights, model.weights)
    np.testing.assert_allclose(model.scoring_weights, model.weights @ mapping.matrix.T)
    again = LinearModel.from_state(model.to_state())
    np.testing.assert_array_equal(again.scoring_weights, model.scoring_weights)
    np.testing.assert_array_equal(again.scoring_intercept, model.scoring_intercept)
    vector = model.vectorize(features[0])
    np.testing.assert_array_equal(model.probabilities(vector), again.probabilities(vector))
    state = model.to_state()
    state["recalibration"] = {"matrix": np.eye(k - 1), "bias": np.zeros(k)}
    with pytest.raises(ValueError, match="recalibration does not match"):
        LinearModel.from_state(state)


def _drawn(
    matrix: np.ndarray, bias: np.ndarray, rows: int = 6000
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Scores, the probabilities softmax(scores @ matrix.T + bias), labels drawn from them."""
    rng = np.random.default_rng(0)
    classes = ("a", "b", "c")
    class_scores = rng.normal(size=(rows, 3))
    z = class_scores @ matrix.T + bias
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return class_scores, p, [classes[rng.choice(3, p=row)] for row in p]


@pytest.mark.parametrize(
    ("matrix", "bias"),
    [
        (0.5 * np.eye(3), np.zeros(3)),
        (4.0 * np.eye(3), np.zeros(3)),  # the scores must be sharpened
        (2.0 * np.eye(3), np.array([1.5, 0.0, -1.5])),  # and a class favoured
        (np.array([[2.0, 1.5, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0]]), np.zeros(3)),
    ],
)
def test_the_recalibration_recovers_the_map_the_labels_were_drawn_with(
    matrix: np.ndarray, bias: np.ndarray
) -> None:
    class_scores, truth, labels = _drawn(matrix, bias)
    fitted = fit_recalibration(class_scores, ("a", "b", "c"), labels)
    z = fitted.apply(class_scores)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    assert np.abs(p - truth).mean() < 0.02
    # the identity (the raw scores' softmax) is further off on every one of these maps
    raw = np.exp(class_scores) / np.exp(class_scores).sum(axis=1, keepdims=True)
    assert np.abs(raw - truth).mean() > 0.04


def test_out_of_fold_recalibration_uses_only_the_other_folds() -> None:
    class_scores, _, labels = _drawn(3.0 * np.eye(3), np.zeros(3), rows=600)
    half = np.arange(300)
    splits = [(half + 300, half), (half, half + 300)]
    whole, got = fit_recalibrations(class_scores, ("a", "b", "c"), labels, splits)
    # the second half's labels change what the first half gets, never what it gets itself
    swapped = {"a": "b", "b": "a", "c": "c"}
    changed = labels[:300] + [swapped[label] for label in labels[300:]]
    _, again = fit_recalibrations(class_scores, ("a", "b", "c"), changed, splits)
    np.testing.assert_array_equal(got[300:], again[300:])
    assert not np.allclose(got[:300], again[:300])
    np.testing.assert_allclose(got.sum(axis=1), 1.0)
    alone = fit_recalibration(class_scores, ("a", "b", "c"), labels)
    np.testing.assert_allclose(whole.matrix, alone.matrix)


def test_threshold_choice_prefers_the_best_macro_f1() -> None:
    classes = ("a", OUT_OF_SCOPE)
    probabilities = np.array([[0.9, 0.1], [0.8, 0.2], [0.45, 0.55], [0.6, 0.4]])
    labels = ["a", "a", OUT_OF_SCOPE, OUT_OF_SCOPE]
    threshold = choose_threshold(probabilities, classes, labels)
    assert 0.6 < threshold <= 0.7  # only then is the 0.6 row sent to out_of_scope


def test_decide_many_ranks_like_decide_with_ties_in_class_order() -> None:
    features, labels = _tiny_features()
    model = fit_classifier(
        features, labels, TrainingConfig().for_examples(len(labels)), threshold=0.5
    ).model
    rows = np.array(
        [
            [0.25, 0.25, 0.25, 0.25],  # all tied: class order
            [0.1, 0.4, 0.1, 0.4],
            [0.7, 0.1, 0.1, 0.1],
            *model.probabilities_many([model.vectorize(f) for f in features[:20]]),
        ]
    )
    assert model.decide_many(rows) == [model.decide(row) for row in rows]
    assert [s.intent for s in model.decide_many(rows[:1])[0].ranking] == list(model.classes[:3])


def test_a_duplicated_or_missing_feature_in_the_state_is_refused() -> None:
    features, labels = _tiny_features()
    state = fit_classifier(
        features, labels, TrainingConfig().for_examples(len(labels))
    ).model.to_state()
    names = state["features"].split("\n")
    for broken in ([*names[:-1], names[0]], names[:-1]):
        try:
            LinearModel.from_state(state | {"features": "\n".join(broken)})
        except ValueError:
            pass
        else:
            raise AssertionError("a broken feature list was accepted")


def test_a_fold_from_the_shared_count_matrix_equals_fitting_the_fold_itself() -> None:
    """Cross-validation's folds select their features from one count matrix; the result is
    what `fit_classifier` on the fold's training rows gives for its test rows."""
    from csbot.intents.training import _fold_scores, count_matrix

    features, labels = _tiny_features()
    config = TrainingConfig(min_df=2)
    test_idx = np.arange(0, len(labels), 4)
    train_idx = np.setdiff1d(np.arange(len(labels)), test_idx)
    _, counts = count_matrix(features)
    classes, got = _fold_scores(counts, np.asarray(labels), train_idx, test_idx, config)
    train = [features[i] for i in train_idx], [labels[i] for i in train_idx]
    fitted = fit_classifier(*train, config)
    expected = scores(
        fitted.estimator, fitted.vectorizer.transform([features[i] for i in test_idx])
    )
    assert classes == fitted.model.classes
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_an_unknown_linear_model_is_refused_by_name() -> None:
    features, labels = _tiny_features()
    config = TrainingConfig(linear_model="forest")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'svm' or 'logistic', not 'forest'"):
        fit_classifier(features, labels, config)


def test_a_small_data_set_keeps_the_words_it_has_few_examples_of() -> None:
    config = TrainingConfig()
    assert config.for_examples(80).min_df == 3  # tiny: no word needs six utterances
    assert config.for_examples(4_500).min_df == 4
    assert config.for_examples(40_000).min_df == config.min_df == 6
    assert TrainingConfig(min_df=2).for_examples(40_000).min_df == 2  # never raised


def test_the_count_matrix_is_count_vectorizers() -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    from csbot.intents.training import _identity, count_matrix

    features, _ = _tiny_features()
    features = [*features, [], ["w:x", "w:x", "c:a"]]  # an empty row and a repeated feature
    expected = CountVectorizer(analyzer=_identity, dtype=np.int64).fit_transform(features)
    names, got = count_matrix(features)
    assert names == sorted({f for row in features for f in row})
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got.toarray(), expected.toarray())
    np.testing.assert_array_equal(got.indptr, expected.indptr)


def test_with_many_classes_the_recalibration_is_one_scale() -> None:
    from csbot.intents.training import FULL_MAP_MAX_CLASSES

    rng = np.random.default_rng(1)
    k = FULL_MAP_MAX_CLASSES + 6
    classes = tuple(f"c{i:02d}" for i in range(k))
    class_scores = rng.normal(size=(6000, k))
    p = np.exp(3.0 * class_scores)
    p /= p.sum(axis=1, keepdims=True)
    labels = [classes[rng.choice(k, p=row)] for row in p]
    fitted = fit_recalibration(class_scores, classes, labels)
    diagonal = np.diag(fitted.matrix)
    np.testing.assert_array_equal(fitted.matrix, np.diag(diagonal))  # nothing off the diagonal
    assert np.allclose(diagonal, diagonal[0]) and diagonal[0] == pytest.approx(3.0, rel=0.15)
    np.testing.assert_array_equal(fitted.bias, 0.0)
