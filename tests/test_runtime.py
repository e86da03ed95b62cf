"""The runtime model: plain arrays that answer exactly as the trained sklearn model would,
without importing scikit-learn or SciPy."""

import random
import shutil
import subprocess
import sys
import sysconfig
import threading
from pathlib import Path
from types import MappingProxyType

import jieba
import jieba.finalseg
import numpy as np
import pytest

from csbot import Bot
from csbot.datadir import load_data
from csbot.intents import classifier as classifier_module
from csbot.intents import features as features_module
from csbot.intents import text as text_module
from csbot.intents.features import (
    Analysis,
    FeatureCounter,
    Featurizer,
    count_strings,
    extract_features,
    feature_strings,
)
from csbot.intents.text import USER_DICT, Tokenizer, normalize
from csbot.intents.training import TrainingConfig, fit_classifier
from csbot.resources import default_data_dir
from csbot.responses import matching as matching_module


def test_answering_does_not_import_sklearn_scipy_or_yaml() -> None:
    code = (
        "import sys, csbot\n"
        "bot = csbot.Bot.load()\n"
        "bot.reply('我的快递到哪了', session_id='s'); bot.classify_many(['退款', '发票'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy', 'yaml')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _generated_messages(texts: list[str], n: int) -> list[str]:
    """Messages no one wrote: pieces of real ones glued together, with noise."""
    rng = random.Random(7)
    noise = "的了吗啊呢？！ 1234567890abcxyz😭👍"
    messages = []
    for _ in range(n):
        a, b = rng.choice(texts), rng.choice(texts)
        text = a[: rng.randint(0, len(a))] + b[rng.randint(0, len(b)) :]
        text += "".join(rng.choice(noise) for _ in range(rng.randint(0, 4)))
        messages.append(text)
    return messages


@pytest.mark.slow
def test_runtime_probabilities_equal_the_sklearn_model_on_all_data() -> None:
    dataset = load_data(default_data_dir()).dataset
    featurize = Featurizer()
    features = [featurize(t) for t in dataset.texts]
    fitted = fit_classifier(
        features, dataset.labels, TrainingConfig().for_examples(len(dataset.labels))
    )
    probe = features + [featurize(t) for t in _generated_messages(dataset.texts, 1000)]
    expected = fitted.probabilities(probe)
    model = fitted.model
    single = np.array([model.probabilities(model.vectorize(f)) for f in probe])
    batch = model.probabilities_many([model.vectorize(f) for f in probe])
    np.testing.assert_allclose(single, expected, atol=1e-6, rtol=0)
    np.testing.assert_allclose(batch, expected, atol=1e-6, rtol=0)


def test_classify_many_matches_classify(bot: Bot) -> None:
    texts = ["我的快递到哪了", "", "退款什么时候到账", "😀", "转人工", "今天天气怎么样"]
    many = bot.classify_many(texts)
    for text, prediction in zip(texts, many, strict=True):
        single = bot.classify(text)
        assert prediction.intent == single.intent
        assert prediction.confidence == pytest.approx(single.confidence, abs=1e-12)
    assert bot.classify_many([]) == []
    with pytest.raises(TypeError, match=r"texts\[1\] must be str"):
        bot.classify_many(["好", 3])  # type: ignore[list-item]


@pytest.mark.slow
@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "jieba"])
def test_tokens_are_identical_to_plain_jieba_with_our_user_dictionary(compiled: bool) -> None:
    plain = jieba.Tokenizer()
    plain.load_userdict(str(USER_DICT))
    ours = Tokenizer(compiled=compiled)
    assert ours.compiled is compiled
    for text in load_data(default_data_dir()).dataset.texts:
        normalized = normalize(text)
        assert ours.tokenize(normalized) == [t for t in plain.lcut(normalized) if not t.isspace()]


def test_the_compiled_segmenter_is_built_where_there_is_a_compiler() -> None:
    # The install compiles it (hatch_build.py); without a compiler or Python's headers csbot
    # falls back to jieba.
    compiler = sysconfig.get_config_var("CC")
    headers = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if compiler and shutil.which(compiler.split()[0]) and headers.is_file():
        assert Tokenizer().compiled, "reinstall csbot (pip install -e .) to build _native.c"
    else:
        assert not Tokenizer().compiled


def _random_texts(count: int, seed: int) -> list[str]:
    """Texts that reach every branch of jieba's cut: words, unknown runs for the HMM, latin
    and numbers (12.5%), block symbols (+#&._%-), whitespace kinds, emoji, rare and
    non-BMP characters, characters at the edges of jieba's Han range."""
    pieces = list("我的快递到哪了退款优惠券发票仅退运费险拼多多龘靐齉鬱鬯彳亍囧槑")
    pieces += ["abc", "iPhone", "12.5%", "3.", ".5", "a.b", "x+y", "c#", "&", "_", "-", "%"]
    pieces += [" ", "\t", "\n", "\r\n", "\u3000", "\u00a0", "，", "。", "！", "?", "😭", "𠀀"]
    pieces += ["\u4e00", "\u9fd5", "\u9fd6", "\u4dff", "ｱ", "ß", "é"]
    rng = random.Random(seed)
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 30))) for _ in range(count)]


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "jieba"])
def test_tokens_of_odd_texts_are_plain_jiebas(compiled: bool) -> None:
    plain = jieba.Tokenizer()
    plain.load_userdict(str(USER_DICT))
    ours = Tokenizer(compiled=compiled)
    for text in _random_texts(3000, seed=7):
        assert ours.tokenize(text) == [t for t in plain.lcut(text) if not t.isspace()], text


def test_compiled_tokens_follow_jiebas_forced_splits() -> None:
    plain = jieba.Tokenizer()
    plain.load_userdict(str(USER_DICT))
    ours = Tokenizer()
    text = "他俩老铁了"
    word = "老铁"  # not in jieba's dictionary: a word found by the HMM
    before = ours.tokenize(text)
    assert word in before
    assert before == [t for t in plain.lcut(text) if not t.isspace()]
    jieba.finalseg.add_force_split(word)
    try:
        after = ours.tokenize(text)
        assert after == [t for t in plain.lcut(text) if not t.isspace()]
        assert word not in after
    finally:
        jieba.finalseg.Force_Split_Words.discard(word)


@pytest.mark.slow
def test_compiled_feature_counts_equal_counting_the_feature_strings(bot: Bot) -> None:
    classifier, emotion = bot.model.classifier, bot.model.emotion
    assert emotion is not None
    python_counter = FeatureCounter(MappingProxyType(classifier.vocabulary))  # not a dict
    tokenizer = Tokenizer()
    texts = list(load_data(default_data_dir()).dataset.texts) + _random_texts(1000, seed=3)
    all_counts = []
    for text in texts:
        normalized = normalize(text)
        tokens = tokenizer.tokenize(normalized)
        analysis = Analysis(normalized, tokens)
        expected = count_strings(classifier.vocabulary, extract_features(normalized, tokens))
        counts = analysis.counts(classifier.counter)
        assert list(counts.items()) == list(expected.items())  # the same order too
        assert list(analysis.counts(python_counter).items()) == list(expected.items())
        assert emotion.counter.count(tokens, [text], bigrams=False) == count_strings(
            emotion.vocabulary, feature_strings(tokens, [text], bigrams=False)
        )
        # and the compiled TF-IDF weights equal the Python ones (a non-dict takes that path)
        fast = classifier.vectorize_counts(counts)
        slow = classifier.vectorize_counts(MappingProxyType(counts))
        assert fast.ids.tolist() == slow.ids.tolist()
        np.testing.assert_allclose(fast.values, slow.values, rtol=1e-13, atol=0)
        # the compiled softmax equals numpy's
        scores = fast.values @ classifier.scoring_weights[fast.ids] + classifier.scoring_intercept
        expected_probabilities = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
        single = classifier.probabilities(fast)
        np.testing.assert_allclose(single, expected_probabilities, rtol=0, atol=1e-13)
        all_counts.append(counts)
    # the batch path (TF-IDF and softmax in one compiled pass) equals the one-message path
    batch = classifier.probabilities_of_counts(all_counts)
    one_by_one = [classifier.probabilities(classifier.vectorize_counts(c)) for c in all_counts]
    np.testing.assert_allclose(batch, np.array(one_by_one), rtol=0, atol=1e-15)
    python = classifier.probabilities_of_counts([MappingProxyType(c) for c in all_counts[:300]])
    np.testing.assert_allclose(batch[:300], python, rtol=0, atol=1e-13)


def test_feature_counts_with_and_without_the_compiled_index() -> None:
    vocabulary = {"w:快递": 0, "b:快递|到": 1, "c:快": 2, "c:递到": 3, "c:哪": 4, "c:😭": 5}
    tokens, chunks = ["快递", "到", "哪", "了", "😭"], ["快递到哪了😭", "快"]
    fast = FeatureCounter(vocabulary).count(tokens, chunks)
    slow = FeatureCounter(MappingProxyType(vocabulary)).count(tokens, chunks)
    assert list(fast.items()) == list(slow.items())
    assert list(fast.items()) == [(0, 1), (1, 1), (2, 2), (4, 1), (5, 1), (3, 1)]
    assert FeatureCounter(vocabulary).count(tokens, chunks, bigrams=False) == {
        0: 1,
        2: 2,
        4: 1,
        5: 1,
        3: 1,
    }
    assert FeatureCounter({}).count(tokens, chunks) == {}
    assert FeatureCounter(vocabulary).count([], []) == {}


def test_the_compiled_feature_index_checks_its_arguments() -> None:
    from csbot.intents._native import FeatureIndex

    with pytest.raises(TypeError, match="str"):
        FeatureIndex({1: 2})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="negative"):
        FeatureIndex({"w:a": -1})
    index = FeatureIndex({"w:" + "长" * 5000: 0, "c:长": 1})
    assert index.size() == 2
    assert index.count(["长" * 5000], ["长长"], (1,), True) == {0: 1, 1: 2}
    with pytest.raises(TypeError, match="tokens"):
        index.count([b"x"], [], (1,), True)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="positive"):
        index.count([], ["a"], (0,), True)


def test_the_compiled_tfidf_checks_its_arguments() -> None:
    from csbot.intents._native import tfidf

    idf = np.array([1.0, 2.0, 3.0])
    ids, values = tfidf({2: 1, 0: 3}, idf)
    assert np.frombuffer(ids, dtype=np.intp).tolist() == [2, 0]
    expected = np.array([3.0, 1.0 + np.log(3.0)])
    np.testing.assert_allclose(np.frombuffer(values), expected / np.linalg.norm(expected))
    assert tfidf({}, idf) == (b"", b"")
    with pytest.raises(ValueError, match="feature ids"):
        tfidf({3: 1}, idf)
    with pytest.raises(ValueError, match="positive"):
        tfidf({0: 0}, idf)
    with pytest.raises(TypeError, match="float64"):
        tfidf({0: 1}, idf.astype(np.float32))
    with pytest.raises(TypeError):
        tfidf({0: 1}, [1.0])


def test_the_compiled_softmax_checks_its_arguments() -> None:
    from csbot.intents._native import softmax_rows

    weights, intercept = np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([0.5, 0.0])
    ids, values = np.array([1], dtype=np.intp), np.array([1.0])
    scores = np.array([0.5, 2.0])
    expected = np.exp(scores - 2.0) / np.exp(scores - 2.0).sum()
    rows = np.frombuffer(softmax_rows(weights, intercept, [ids, ids[:0]], [values, values[:0]]))
    np.testing.assert_allclose(rows[:2], expected)
    np.testing.assert_allclose(rows[2:], np.exp([0.0, -0.5]) / np.exp([0.0, -0.5]).sum())
    assert softmax_rows(weights, intercept, [], []) == b""
    with pytest.raises(ValueError, match="out of range"):
        softmax_rows(weights, intercept, [np.array([2], dtype=np.intp)], [values])
    with pytest.raises(TypeError, match="intp"):
        softmax_rows(weights, intercept, [np.array([1], dtype=np.int32)], [values])
    with pytest.raises(TypeError, match="2-d"):
        softmax_rows(intercept, intercept, [ids], [values])
    with pytest.raises(ValueError, match="per class"):
        softmax_rows(weights, np.array([0.0]), [ids], [values])
    with pytest.raises(ValueError, match="same length"):
        softmax_rows(weights, intercept, [ids], [])


def test_the_compiled_batch_softmax_checks_its_arguments() -> None:
    from csbot.intents._native import softmax_counts

    weights, intercept, idf = np.array([[1.0, 0.0], [0.0, 2.0]]), np.zeros(2), np.ones(2)
    rows = np.frombuffer(softmax_counts(weights, intercept, idf, [{1: 1}, {}]))
    np.testing.assert_allclose(rows[:2], np.exp([0.0, 2.0]) / np.exp([0.0, 2.0]).sum())
    np.testing.assert_allclose(rows[2:], [0.5, 0.5])
    with pytest.raises(ValueError, match="positive"):
        softmax_counts(weights, intercept, idf, [{2: 1}])
    with pytest.raises(TypeError, match="dict"):
        softmax_counts(weights, intercept, idf, [[(1, 1)]])
    with pytest.raises(ValueError, match="do not match"):
        softmax_counts(weights, intercept, np.ones(3), [{}])


def test_the_compiled_segmenter_checks_its_arguments() -> None:
    from csbot.intents._native import Segmenter

    tables = ([0.0] * 4, [0.0] * 16, ({}, {}, {}, {}), set())
    with pytest.raises(TypeError):
        Segmenter([], 1, *tables)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="total"):
        Segmenter({}, 0, *tables)
    with pytest.raises(ValueError, match="trans"):
        Segmenter({}, 1, [0.0] * 4, [0.0] * 3, ({}, {}, {}, {}), set())
    segmenter = Segmenter({"快递": 5, "快": 3, "递": 2}, 10, *tables)
    assert segmenter.cut("快递 到了") == ["快递", "到", "了"]
    assert segmenter.size() == 3
    segmenter.add({"到了": 4, "到": 0})  # a word, and a prefix only (frequency 0)
    assert segmenter.size() == 5
    assert segmenter.cut("快递 到了") == ["快递", "到了"]
    segmenter.add({"到了": 0})  # a new value for an old entry, as dict.update gives
    assert segmenter.size() == 5
    assert segmenter.cut("快递到了") == ["快递", "到", "了"]
    with pytest.raises(TypeError):
        segmenter.add([("到", 1)])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        segmenter.add({"到": "many"})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="str"):
        segmenter.cut(b"x")  # type: ignore[arg-type]


TEXTS = [
    "我的快递到哪了 三天没更新了",
    "拼多多仅退款运费险",
    "龘靐齉 生僻字",
    "abc 123 😭",
    "退貨運費險",
]


def _plain_tokens(text: str) -> list[str]:
    plain = jieba.Tokenizer()
    plain.load_userdict(str(USER_DICT))
    return [t for t in plain.lcut(text) if not t.isspace()]


def test_tokenizer_works_without_a_writable_cache(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    tokenizer = Tokenizer(cache_dir=blocked / "cache")
    for text in TEXTS:
        assert tokenizer.tokenize(normalize(text)) == _plain_tokens(normalize(text))


def test_a_corrupt_cache_is_rebuilt(tmp_path: Path) -> None:
    Tokenizer(cache_dir=tmp_path).tokenize("你好")
    (cache,) = tmp_path.glob("jieba-*.dict")
    cache.write_bytes(b"garbage")
    tokenizer = Tokenizer(cache_dir=tmp_path)
    for text in TEXTS:
        assert tokenizer.tokenize(normalize(text)) == _plain_tokens(normalize(text))
    assert cache.stat().st_size > 1_000_000


def test_threads_sharing_a_fresh_tokenizer_get_plain_jieba_tokens(tmp_path: Path) -> None:
    texts = [normalize(t) for t in load_data(default_data_dir()).dataset.texts[:800]]
    tokenizer = Tokenizer(cache_dir=tmp_path)
    results: dict[int, list[str]] = {}

    def work(offset: int) -> None:
        for i in range(offset, len(texts), 4):
            results[i] = tokenizer.tokenize(texts[i])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    plain = jieba.Tokenizer()
    plain.load_userdict(str(USER_DICT))
    expected = [[t for t in plain.lcut(text) if not t.isspace()] for text in texts]
    assert [results[i] for i in range(len(texts))] == expected


@pytest.mark.slow
def test_without_the_compiled_helpers_the_answers_are_the_same(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = load_data(default_data_dir()).dataset.texts[::15]
    compiled = [bot.reply(text) for text in texts]
    for module in (text_module, features_module, classifier_module, matching_module):
        monkeypatch.setattr(module, "native", None)
    plain = Bot.load()  # built now: Python tokenizer, counters and arithmetic
    assert not plain.featurizer.tokenizer.compiled
    assert plain.model.classifier.counter._index is None
    for text, expected in zip(texts, compiled, strict=True):
        reply = plain.reply(text)
        assert (reply.intent, reply.faq_id, reply.text) == (
            expected.intent,
            expected.faq_id,
            expected.text,
        ), text
        assert reply.confidence == pytest.approx(expected.confidence, abs=1e-9)
