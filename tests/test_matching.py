import numpy as np
import pytest

from csbot import Bot
from csbot.datadir import load_data
from csbot.resources import default_data_dir
from csbot.responses import matching


def test_best_faq_is_chosen_within_the_intent(tiny_bot: Bot) -> None:
    model = tiny_bot.model
    vector = model.classifier.vectorize(tiny_bot.featurizer("快递到哪了 帮我查一下物流"))
    assert model.faq_index.best_match(vector, "shipping")[0] == "shipping_where"
    faq_id, score = model.faq_index.best_match(vector, "refund")
    assert faq_id in {None, "refund_progress"} and score < 0.2


def test_intent_without_faqs_and_empty_vector_match_nothing(tiny_bot: Bot) -> None:
    model = tiny_bot.model
    vector = model.classifier.vectorize(tiny_bot.featurizer("转人工"))
    assert model.faq_index.best_match(vector, "human_agent") == (None, 0.0)
    empty = model.classifier.vectorize([])
    assert model.faq_index.best_match(empty, "shipping") == (None, 0.0)


def test_reply_uses_faq_answer_and_renders_variables(tiny_bot: Bot) -> None:
    reply = tiny_bot.reply("怎么还没发货啊", order_id="订单1234")
    assert reply.intent == "shipping" and reply.faq_id == "shipping_not_shipped"
    assert "订单1234" in reply.text and "{" not in reply.text
    default = tiny_bot.reply("怎么还没发货啊")
    assert "您的订单" in default.text


@pytest.mark.slow
def test_compiled_faq_match_equals_numpy(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    model = bot.model
    texts = load_data(default_data_dir()).dataset.texts[::3]
    vectors = [model.classifier.vectorize(bot.featurizer(t)) for t in texts]
    intents = [*model.faq_index.intent_rows, "no_such_intent"]
    compiled = [[model.faq_index.best_match(v, i) for i in intents] for v in vectors]
    monkeypatch.setattr(matching, "native", None)
    plain = [[model.faq_index.best_match(v, i) for i in intents] for v in vectors]
    for got, want in zip(compiled, plain, strict=True):
        assert [g[0] for g in got] == [w[0] for w in want]
        assert [g[1] for g in got] == pytest.approx([w[1] for w in want], abs=1e-12)


def test_the_compiled_faq_match_checks_its_arguments() -> None:
    from csbot.intents._native import best_row

    keys, weights = np.array([0 * 3 + 1, 1 * 3 + 0, 1 * 3 + 2]), np.array([0.5, 0.25, 1.0])
    ids, values = np.array([0, 1], dtype=np.intp), np.array([1.0, 2.0])
    assert best_row(keys, weights, 3, 0, 3, ids, values) == (2, 2.0)  # row 2: 1.0 * 2.0
    assert best_row(keys, weights, 3, 1, 2, ids, values) == (0, 0.5)
    assert best_row(keys, weights, 3, 0, 1, ids[:1], values[:1]) is None
    with pytest.raises(ValueError, match="start"):
        best_row(keys, weights, 3, 2, 1, ids, values)
    with pytest.raises(TypeError, match="keys"):
        best_row(keys.astype(np.float64), weights, 3, 0, 3, ids, values)
    with pytest.raises(ValueError, match="length"):
        best_row(keys, weights[:2], 3, 0, 3, ids, values)
