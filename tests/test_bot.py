"""End-to-end replies of the bundled default model."""

import json

import pytest

import csbot
from csbot import Bot

CASES = [
    ("我的快递到哪了", "shipping"),
    ("买了三天了还不发货", "shipping"),
    ("退款什么时候到账啊", "refund"),
    ("不想要了 七天无理由能退吗", "refund"),
    ("优惠卷怎么用不了", "coupon"),
    ("收到的杯子裂了", "quality"),
    ("我的账号被盗了", "account_security"),
    ("地址填错了能改吗", "order_change"),
    ("怎么开发票", "invoice"),
    ("付款一直失败", "payment"),
    ("这件衣服有L码吗", "product_inquiry"),
    ("再不处理我就去12315投诉你们", "complaint"),
    ("转人工", "human_agent"),
    ("在吗", "greeting"),
    ("好的谢谢", "thanks"),
    ("今天天气怎么样", "out_of_scope"),
]


@pytest.mark.parametrize(("text", "intent"), CASES)
def test_bundled_model_understands_everyday_questions(bot: Bot, text: str, intent: str) -> None:
    assert bot.classify(text).intent == intent
    assert bot.reply(text).intent == intent


@pytest.mark.parametrize(
    ("text", "reason", "priority"),
    [
        ("转人工", "requested", "normal"),
        ("我要投诉你们 什么破店", "complaint", "high"),
        ("账号被盗了 有人用我的号下单", "urgent", "urgent"),
    ],
)
def test_reply_hands_off_when_the_intent_calls_for_a_person(
    bot: Bot, text: str, reason: str, priority: str
) -> None:
    handoff = bot.reply(text).handoff
    assert handoff is not None
    assert (handoff.reason, handoff.priority) == (reason, priority)
    assert handoff.summary


def test_urgent_reply_gives_safety_steps_before_the_handoff(bot: Bot) -> None:
    reply = bot.reply("有人打电话说是客服 让我把验证码告诉他 还要我转账")
    assert reply.intent == "account_security"
    assert "验证码" in reply.text and reply.handoff is not None


def test_routine_questions_are_answered_without_handoff(bot: Bot) -> None:
    reply = bot.reply("快递三天没更新了")
    assert (
        reply.handoff is None and reply.faq_id is not None and reply.faq_id.startswith("shipping_")
    )


def test_handoff_summary_masks_phone_and_order_numbers(bot: Bot) -> None:
    reply = bot.reply("转人工 我手机13812345678 订单号240312558712093")
    assert reply.handoff is not None
    summary = json.dumps(reply.handoff.summary.to_dict(), ensure_ascii=False)
    assert "13812345678" not in summary and "240312558712093" not in summary
    assert "138****5678" in summary and "****2093" in summary
    assert ("order_id", "****2093") in reply.handoff.summary.entities


def test_reply_renders_variables_and_defaults(bot: Bot) -> None:
    text = "我买的东西怎么还没发货"
    with_shop = bot.reply(text, shop_name="小满家居", ship_within="24小时")
    plain = bot.reply(text)
    assert "{" not in plain.text and "}" not in plain.text
    assert with_shop.faq_id == plain.faq_id
    if "本店" in plain.text:
        assert "小满家居" in with_shop.text


def test_reply_to_dict_is_json_safe_and_complete(bot: Bot) -> None:
    data = bot.reply("转人工").to_dict()
    again = json.loads(json.dumps(data, ensure_ascii=False))
    assert again == data
    assert set(data) == {
        "intent",
        "confidence",
        "text",
        "faq_id",
        "handoff",
        "alternatives",
        "truncated",
    }
    assert set(data["handoff"]) == {"reason", "priority", "queue", "summary"}
    assert set(data["handoff"]["summary"]) == {"text", "intents", "entities", "messages", "emotion"}


def test_replies_are_deterministic(bot: Bot) -> None:
    assert bot.reply("退款什么时候到") == bot.reply("退款什么时候到")


@pytest.mark.parametrize(
    "text", ["", "   ", "？？？", "😀😀", "\x00\x01", "a" * 50_000, "bad\ud800"]
)
def test_odd_input_gets_a_valid_reply(bot: Bot, text: str) -> None:
    reply = bot.reply(text)
    assert reply.text and reply.intent in bot.model.knowledge_base.intent_names
    json.dumps(reply.to_dict())


@pytest.mark.parametrize("value", [None, 42, b"bytes", ["list"]])
def test_non_str_text_raises_type_error_naming_the_argument(bot: Bot, value: object) -> None:
    with pytest.raises(TypeError, match="text must be str"):
        bot.reply(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="text must be str"):
        bot.classify(value)  # type: ignore[arg-type]


def test_alternatives_are_the_other_ranked_intents(bot: Bot) -> None:
    reply = bot.reply("退款什么时候到账")
    prediction = bot.classify("退款什么时候到账")
    assert reply.alternatives == tuple(r for r in prediction.ranking if r.intent != reply.intent)
    assert len(prediction.ranking) == 3


def test_default_bot_is_loaded_once() -> None:
    assert csbot.default_bot() is csbot.default_bot()
