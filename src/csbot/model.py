"""A trained model: the intent classifier, the knowledge base and its FAQ index."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from csbot.intents.classifier import LinearModel
from csbot.intents.lexicon import Lexicon
from csbot.responses.emotion import emotion_counts
from csbot.responses.knowledge_base import KnowledgeBase, knowledge_base_from_dict
from csbot.responses.matching import FaqIndex

# Bump when the feature extraction or the state layout changes: older files must be retrained.
FORMAT_VERSION = 5


@dataclass(frozen=True)
class Model:
    """Everything needed to answer messages, made of plain values only."""

    classifier: LinearModel
    knowledge_base: KnowledgeBase
    faq_index: FaqIndex
    emotion: LinearModel | None = None  # negative vs neutral; None: lexicon only
    lexicon: Lexicon | None = None  # word categories the classifier's `g:` features use

    def to_state(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "classifier": self.classifier.to_state(),
            "knowledge_base": self.knowledge_base.to_dict(),
            "faq_index": self.faq_index.to_state(),
            "emotion": self.emotion.to_state() if self.emotion else None,
            "lexicon": self.lexicon.to_state() if self.lexicon else None,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Model:
        """Rebuild from `to_state()`; raise ValueError/KeyError/TypeError on a bad layout."""
        if state.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"format version {state.get('format_version')!r}, expected {FORMAT_VERSION}"
            )
        model = cls(
            LinearModel.from_state(state["classifier"]),
            knowledge_base_from_dict(state["knowledge_base"]),
            FaqIndex.from_state(state["faq_index"]),
            LinearModel.from_state(state["emotion"]) if state.get("emotion") else None,
            Lexicon.from_state(state["lexicon"]) if state.get("lexicon") else None,
        )
        if set(model.classifier.classes) != set(model.knowledge_base.intent_names):
            raise ValueError("classifier intents differ from the knowledge base's")
        if model.emotion is not None and model.emotion.classes != ("negative", "neutral"):
            raise ValueError("the emotion model must have the classes negative and neutral")
        return model

    def negative_probability(self, text: str, tokens: list[str]) -> float:
        """The emotion model's probability that the customer is upset (0 without one)."""
        if self.emotion is None:
            return 0.0
        counts = emotion_counts(self.emotion.counter, text, tokens)
        return float(self.emotion.probabilities_of_counts([counts])[0, 0])
