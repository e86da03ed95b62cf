from csbot import Bot


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
