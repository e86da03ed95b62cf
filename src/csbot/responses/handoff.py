"""Build the hand-off signal a human agent receives: why, how urgent, which team, and a
summary of the conversation with personal data masked."""

from __future__ import annotations

from csbot.privacy import mask_entity
from csbot.responses.knowledge_base import KnowledgeBase
from csbot.responses.policy import NOT_BUSINESS, Decision
from csbot.types import Handoff, HandoffReason, HandoffSummary

SUMMARY_MESSAGES = 5
QUOTE_CHARS = 60
REASON_TEXT: dict[HandoffReason, str] = {
    "requested": "客户要求转人工",
    "urgent": "紧急，请立即处理",
    "complaint": "客户投诉",
    "negative_emotion": "客户情绪激动",
    "low_confidence": "机器人连续未能理解客户",
    "clarification_failed": "澄清后仍未明确客户诉求",
}
ENTITY_TEXT = {
    "order_id": "订单号",
    "tracking_no": "运单号",
    "phone": "手机",
    "id_card": "身份证",
    "amount": "金额",
    "date": "日期",
}


def handoff_for(decision: Decision, kb: KnowledgeBase) -> Handoff | None:
    """The hand-off a decision calls for, or None."""
    if decision.handoff is None:
        return None
    state = decision.state
    intents = tuple(dict.fromkeys(t.intent for t in state.turns if t.intent not in NOT_BUSINESS))
    entities = tuple((kind, mask_entity(kind, value)) for kind, value in state.entities.items())
    messages = tuple(t.text for t in state.turns[-SUMMARY_MESSAGES:])
    emotion = state.turns[-1].emotion if state.turns else 0.0
    parts = [REASON_TEXT[decision.handoff]]
    if intents:
        parts.append("诉求：" + "、".join(kb.intent(i).title for i in intents))
    if entities:
        parts.append("，".join(f"{ENTITY_TEXT.get(k, k)}{v}" for k, v in entities))
    parts.append(f"情绪{emotion:.2f}")
    if messages:
        parts.append(f"最近一句：「{messages[-1][:QUOTE_CHARS]}」")
    summary = HandoffSummary("；".join(parts), intents, entities, messages, emotion)
    return Handoff(decision.handoff, decision.priority, decision.queue, summary)
