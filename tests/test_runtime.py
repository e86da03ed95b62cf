"""The runtime model: plain arrays that answer exactly as the trained sklearn model would,
without importing scikit-learn or SciPy."""

import random
import subprocess
import sys

import jieba
import numpy as np
import pytest

from csbot import Bot
from csbot.datadir import load_data
from csbot.intents.features import Featurizer
from csbot.intents.text import USER_DICT, Tokenizer, normalize
from csbot.intents.training import TrainingConfig, fit_classifier
from csbot.resources import default_data_dir


def test_answering_does_not_import_sklearn_or_scipy() -> None:
    code = (
        "import sys, csbot\n"
        "bot = csbot.Bot.load()\n"
        "bot.reply('我的快递到哪了', session_id='s'); bot.classify_many(['退款', '发票'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))\n"
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
    fitted = fit_classifier(features, dataset.labels, TrainingConfig())
    probe = features + [featurize(t) for t in _generated_messages(dataset.texts, 1000)]
    expected = fitted.estimator.predict_proba(fitted.vectorizer.transform(probe))
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
def test_tokens_are_identical_to_plain_jieba_with_our_user_dictionary() -> None:
    plain = jieba.Tokenizer()
    plain.load_userdict(str(USER_DICT))
    ours = Tokenizer()
    for text in load_data(default_data_dir()).dataset.texts:
        normalized = normalize(text)
        assert ours.tokenize(normalized) == [t for t in plain.lcut(normalized) if not t.isspace()]
