"""Build the hand-off signal a human agent receives."""

from __future__ import annotations

from csbot.privacy import mask_pii
from csbot.responses.knowledge_base import IntentSpec
from csbot.types import Handoff, Prediction

SUMMARY_TEXT_CHARS = 120


def handoff_for(spec: IntentSpec, text: str, prediction: Prediction) -> Handoff | None:
    """The hand-off an intent configures (`handoff:` in faq.yaml), or None."""
    if spec.handoff is None:
        return None
    said = mask_pii(" ".join(text.split()))[:SUMMARY_TEXT_CHARS]
    summary = f"客户诉求：{spec.name}（置信度{prediction.confidence:.2f}）；客户原话：「{said}」"
    return Handoff(reason=spec.handoff, priority=spec.priority, queue=spec.queue, summary=summary)
