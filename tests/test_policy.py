"""The conversation policy as a pure function, on the tiny knowledge base."""

from collections.abc import Sequence

import pytest

from csbot.entities import extract_entities
from csbot.responses.knowledge_base import FaqEntry, KnowledgeBase, load_knowledge_base
from csbot.responses.policy import Decision, Message, decide
from csbot.sessions import SessionState
from csbot.types import Prediction, ScoredIntent
from tests.conftest import TINY_DATA

KB: KnowledgeBase = load_knowledge_base(TINY_DATA / "faq.yaml")


def match(text: str, intent: str) -> FaqEntry | None:
    """Stands in for the TF-IDF matcher: the entry with a question inside the text."""
    for entry in KB.intent(intent).faqs:
        if any(q in text for q in entry.questions):
            return entry
    return None


def message(
    text: str, ranking: Sequence[tuple[str, float]], emotion: float = 0.0, below: bool = False
) -> Message:
    scored = tuple(ScoredIntent(i, c) for i, c in ranking)
    intent = "out_of_scope" if below else scored[0].intent
    prediction = Prediction(intent, scored[0].confidence, scored, below_threshold=below)
    return Message(text, text, text, prediction, dict(ranking), emotion, extract_entities(text))


def run(turns: Sequence[Message], state: SessionState | None = None) -> list[Decision]:
    decisions, state = [], state or SessionState()
    for turn in turns:
        decision = decide(turn, state, KB, match)
        decisions.append(decision)
        state = decision.state
    return decisions


SHIPPING = [("shipping", 0.9), ("refund", 0.05), ("out_of_scope", 0.05)]
CLOSE = [("shipping", 0.45), ("refund", 0.40), ("out_of_scope", 0.15)]
UNCLEAR = [("out_of_scope", 0.7), ("shipping", 0.2), ("refund", 0.1)]


def test_a_routine_question_is_answered_from_the_faq() -> None:
    (d,) = run([message("快递到哪了", SHIPPING)])
    assert (d.kind, d.faq_id, d.handoff) == ("answer", "shipping_where", None)


def test_asking_for_a_person_hands_off_as_requested() -> None:
    (d,) = run([message("转人工", [("human_agent", 0.95), ("shipping", 0.03), ("refund", 0.02)])])
    assert (d.kind, d.handoff, d.priority, d.queue) == ("handoff", "requested", "normal", "general")


def test_safety_keywords_are_urgent_whatever_the_intent() -> None:
    (d,) = run([message("快递到哪了 充电器冒烟了", SHIPPING)])
    assert (d.handoff, d.priority, d.queue) == ("urgent", "urgent", "after_sales")
    assert "停止使用" in d.template


def test_an_upset_customer_gets_an_apology_the_answer_and_a_high_priority_handoff() -> None:
    (d,) = run([message("快递到哪了 气死了", SHIPPING, emotion=0.8)])
    assert (d.handoff, d.priority, d.queue) == ("negative_emotion", "high", "logistics")
    assert d.prefix == KB.messages["calm"] and d.faq_id == "shipping_where"


def test_neutral_emotion_does_not_hand_off() -> None:
    (d,) = run([message("快递到哪了", SHIPPING, emotion=0.39)])
    assert d.handoff is None


def test_two_messages_not_understood_in_a_row_hand_off() -> None:
    first, second = run([message("asdf", UNCLEAR), message("qwer", UNCLEAR)])
    assert (first.kind, first.handoff) == ("fallback", None)
    assert (second.kind, second.handoff) == ("handoff", "low_confidence")


def test_an_understood_message_resets_the_fallback_count() -> None:
    decisions = run(
        [message("asdf", UNCLEAR), message("快递到哪了", SHIPPING), message("qwer", UNCLEAR)]
    )
    assert [d.handoff for d in decisions] == [None, None, None]


@pytest.mark.parametrize("answer", ["1", "第一个", "1.", "物流", "前者"])
def test_clarification_is_resolved_by_number_or_name(answer: str) -> None:
    ask, resolved = run([message("快递到哪了还是退款", CLOSE), message(answer, UNCLEAR)])
    assert ask.kind == "clarify"
    assert ask.values == {"option_1": "物流", "option_2": "退款"}
    assert (resolved.kind, resolved.intent, resolved.faq_id) == (
        "answer",
        "shipping",
        "shipping_where",
    )


def test_clarification_is_resolved_by_the_second_option() -> None:
    _, resolved = run([message("快递到哪了还是退款", CLOSE), message("第二个", UNCLEAR)])
    assert resolved.intent == "refund"


def test_a_new_full_question_replaces_the_clarification() -> None:
    _, d = run(
        [
            message("快递到哪了还是退款", CLOSE),
            message("转人工", [("human_agent", 0.9), ("shipping", 0.05), ("refund", 0.05)]),
        ]
    )
    assert d.handoff == "requested"


def test_a_question_about_one_option_is_answered_itself_not_the_earlier_one() -> None:
    """ "催一下发货" picks shipping; its own FAQ entry answers, not the entry matching the
    ambiguous message before it ("快递到哪了还是退款" -> shipping_where)."""
    sure = [("shipping", 0.9), ("refund", 0.05), ("out_of_scope", 0.05)]
    _, d = run([message("快递到哪了还是退款", CLOSE), message("催一下发货", sure)])
    assert (d.kind, d.intent, d.faq_id) == ("answer", "shipping", "shipping_not_shipped")


def test_an_unresolved_clarification_hands_off() -> None:
    _, d = run([message("快递到哪了还是退款", CLOSE), message("嗯嗯嗯", UNCLEAR)])
    assert (d.kind, d.handoff) == ("handoff", "clarification_failed")


def test_a_required_slot_is_asked_for_remembered_and_rendered() -> None:
    ask, answer = run([message("物流不动了", SHIPPING), message("订单号240312-558712093", UNCLEAR)])
    assert (ask.kind, ask.template) == ("ask_slot", KB.messages["ask_order_id"])
    assert ask.state.pending_slot is not None
    assert (answer.kind, answer.faq_id) == ("answer", "shipping_stuck")
    assert answer.state.entities["order_id"] == "240312-558712093"
    assert answer.state.pending_slot is None


def test_a_slot_given_in_the_question_or_by_the_service_is_not_asked_for() -> None:
    (d,) = run([message("物流不动了 订单号240312-558712093", SHIPPING)])
    assert d.kind == "answer"
    turn = message("物流不动了", SHIPPING)
    assert decide(turn, SessionState(), KB, match, frozenset({"order_id"})).kind == "answer"


def test_a_slot_remembered_from_earlier_in_the_session_is_used() -> None:
    decisions = run(
        [message("订单号240312-558712093 快递到哪了", SHIPPING), message("物流不动了", SHIPPING)]
    )
    assert decisions[1].kind == "answer"


def test_a_new_question_instead_of_the_slot_is_answered() -> None:
    _, d = run(
        [
            message("物流不动了", SHIPPING),
            message("转人工", [("human_agent", 0.9), ("shipping", 0.05), ("refund", 0.05)]),
        ]
    )
    assert d.handoff == "requested" and d.state.pending_slot is None


def test_state_keeps_turns_and_counts_upset_turns() -> None:
    decisions = run(
        [message("我电话13812345678", SHIPPING, emotion=0.9), message("快递到哪了", SHIPPING)]
    )
    state = decisions[-1].state
    assert [t.intent for t in state.turns] == ["shipping", "shipping"]
    assert state.negative_turns == 1


def test_an_answer_variant_uses_the_order_number_once_it_is_known() -> None:
    from csbot.responses.policy import choose_answer

    asks = "请把订单号发我，我帮您查"
    uses = "订单{order_id}我帮您查"
    uses_phone = "我打{phone}联系您"
    plain = "在订单详情里可以看到"
    options = [asks, uses, uses_phone, plain]
    for key in ("a", "b", "c", "d", "e"):
        assert choose_answer(options, key, {"order_id"}) == uses
        assert choose_answer(options, key, {"order_id", "shop_name"}) == uses
        assert choose_answer(options, key, set()) in {asks, plain}
        assert choose_answer(options, key, {"phone"}) == uses_phone
        assert choose_answer([uses], key, set()) == uses  # nothing else to choose
    # without slots in any variant the choice is the plain deterministic pick
    assert choose_answer([asks, plain], "k", {"order_id"}) in {asks, plain}
