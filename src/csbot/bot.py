"""The Bot: load a model, classify messages and reply to them."""

from __future__ import annotations

import functools
import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from csbot.conversation_log import EventSink, RatingEvent, ReplyEvent
from csbot.entities import extract_entities
from csbot.errors import ModelVersionWarning
from csbot.intents.classifier import SparseVector
from csbot.intents.features import Analysis, Featurizer
from csbot.intents.text import SURROGATES, fold
from csbot.model import Model
from csbot.persist import RETRAIN_HINT, load_model
from csbot.privacy import mask_pii
from csbot.resources import default_data_dir, default_model_dir
from csbot.responses.emotion import emotion_score, repeats
from csbot.responses.handoff import handoff_for
from csbot.responses.knowledge_base import FaqEntry
from csbot.responses.policy import Matcher, Message, decide
from csbot.responses.render import render
from csbot.sessions import InMemorySessionStore, SessionState, SessionStore
from csbot.types import Prediction, Reply

_log = logging.getLogger("csbot")

MAX_TEXT_CHARS = 2000  # longer messages are cut (and the reply says so)


class Bot:
    """Answers customer messages with one trained model. Safe to share between threads."""

    def __init__(
        self,
        model: Model,
        *,
        sessions: SessionStore | None = None,
        log: EventSink | None = None,
        featurizer: Featurizer | None = None,
    ) -> None:
        self.model = model
        self.sessions: SessionStore = sessions if sessions is not None else InMemorySessionStore()
        self.log = log  # where replies and ratings are recorded (opt-in), e.g. SQLiteLog
        # the model's lexicon, whatever featurizer (tokenizer) is passed to share
        self.featurizer = (featurizer or Featurizer()).with_lexicon(model.lexicon)

    @classmethod
    def load(
        cls,
        path: str | Path | None = None,
        *,
        sessions: SessionStore | None = None,
        log: EventSink | None = None,
    ) -> Bot:
        """Load the model directory at `path`, or the bundled default model; conversation
        state goes to `sessions` (default: in memory, 30-minute TTL).

        Raises ModelError when the directory is missing, incompatible or tampered with.
        """
        if path is None:
            directory = default_model_dir()
            model, metadata = load_model(directory)
            _warn_if_stale(metadata.get("data_sha256"), directory)
        else:
            model, _ = load_model(Path(path))
        return cls(model, sessions=sessions, log=log)

    def classify(self, text: str) -> Prediction:
        """The intent of a message, its confidence and the top-3 ranking."""
        _require_str(text, "text")
        classifier = self.model.classifier
        return classifier.predict(self._vector(self.featurizer.analyze(text[:MAX_TEXT_CHARS])))

    def classify_many(self, texts: Sequence[str]) -> list[Prediction]:
        """`classify` for a batch: one matrix product for all messages."""
        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of str, not a single str")
        for i, text in enumerate(texts):
            _require_str(text, f"texts[{i}]")
        classifier = self.model.classifier
        analyze, counter = self.featurizer.analyze, classifier.counter
        counts = [analyze(t[:MAX_TEXT_CHARS]).counts(counter) for t in texts]
        if not counts:
            return []
        return classifier.decide_many(classifier.probabilities_of_counts(counts))

    def reply(self, text: str, *, session_id: str | None = None, **variables: object) -> Reply:
        """Answer a message within its conversation: an FAQ answer, a question back (which
        intent was meant, or an order number), or a hand-off to a human agent.

        `session_id` keeps the conversation's state in the bot's session store; without
        it every message stands alone. `variables` (shop_name, order_id, ...) fill the
        answer templates; what the customer said (e.g. an order number) takes precedence.
        """
        _require_str(text, "text")
        if session_id is not None:
            _require_str(session_id, "session_id")
        truncated = len(text) > MAX_TEXT_CHARS
        text = SURROGATES.sub("\ufffd", text[:MAX_TEXT_CHARS])
        model = self.model
        kb = model.knowledge_base
        folded = fold(text)  # once for the features, the anger cues and the emotion model
        analysis = self.featurizer.analyze(folded)
        counter = model.classifier.counter
        counts = analysis.counts(counter)
        vector = model.classifier.vectorize_counts(counts)
        probabilities = model.classifier.probabilities(vector).tolist()
        prediction = model.classifier.decide(probabilities)
        state = (self.sessions.get(session_id) if session_id else None) or SessionState()
        masked = mask_pii(text)
        # the same message again counts as one more irritated turn (Turn.text is masked too)
        again = int(bool(state.turns) and repeats(masked, state.turns[-1].text))
        message = Message(
            text=text,
            masked=masked,
            normalized=analysis.normalized,
            prediction=prediction,
            probabilities=dict(zip(model.classifier.classes, probabilities, strict=True)),
            emotion=emotion_score(
                folded,
                model.negative_probability(folded, analysis.tokens),
                state.negative_turns + again,
            ),
            entities=extract_entities(text),
        )
        given = frozenset(k for k, v in variables.items() if v is not None and str(v).strip())
        decision = decide(message, state, kb, self._matcher(vector, text), given)
        if session_id is not None:
            self.sessions.put(session_id, decision.state)
        values = {**variables, **decision.state.entities, **decision.values}
        handoff = handoff_for(decision, kb)
        if self.log is not None:
            now = time.time()
            self.log.record(
                ReplyEvent(
                    now,
                    session_id,
                    message.masked,
                    decision.intent,
                    decision.confidence,
                    decision.faq_id,
                    handoff.reason if handoff else None,
                    message.emotion,
                )
            )
            if decision.rating is not None and session_id is not None:
                self.log.record(RatingEvent(now, session_id, decision.rating))
        _log.info(
            "reply session=%s intent=%s confidence=%.3f faq=%s handoff=%s text=%s",
            session_id,
            decision.intent,
            decision.confidence,
            decision.faq_id,
            handoff.reason if handoff else None,
            message.masked,
        )
        return Reply(
            intent=decision.intent,
            confidence=decision.confidence,
            # The policy's own messages (prefix, suffix) may use variables too.
            text=render(
                decision.prefix + decision.template + decision.suffix, values, kb.variables
            ),
            faq_id=decision.faq_id,
            handoff=handoff,
            alternatives=tuple(r for r in prediction.ranking if r.intent != decision.intent),
            truncated=truncated,
        )

    def end_conversation(self, session_id: str) -> str | None:
        """The embedding service reports that a conversation went quiet after an answer:
        the rating question to send the customer (their next message is read as the
        rating), or None when there is no such conversation or ratings are off."""
        _require_str(session_id, "session_id")
        kb = self.model.knowledge_base
        state = self.sessions.get(session_id)
        if state is None or not state.turns or not kb.settings["ask_rating"]:
            return None
        self.sessions.put(session_id, replace(state, awaiting_rating=True))
        return render(kb.messages["ask_rating"], {}, kb.variables)

    def _vector(self, analysis: Analysis) -> SparseVector:
        classifier = self.model.classifier
        return classifier.vectorize_counts(analysis.counts(classifier.counter))

    def _matcher(self, vector: SparseVector, text: str) -> Matcher:
        """FAQ lookup for the policy, on content features (`Analysis.content_features`):
        from the message's own `vector` when it asks about `text`."""
        model = self.model
        classifier = model.classifier
        threshold = model.knowledge_base.settings["faq_match_threshold"]

        def match(query: str, intent: str) -> FaqEntry | None:
            content = (
                classifier.content_part(vector)
                if query == text
                else classifier.vectorize_counts(
                    self.featurizer.analyze(query).counts(classifier.counter, content=True)
                )
            )
            faq_id, score = model.faq_index.best_match(content, intent)
            return model.knowledge_base.faq(faq_id) if faq_id and score >= threshold else None

        return match


@functools.cache
def default_bot() -> Bot:
    """The bot with the bundled default model, loaded once per process on first use."""
    return Bot.load()


def _require_str(value: object, name: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be str, not {type(value).__name__}")


def _warn_if_stale(data_sha256: object, model_dir: Path) -> None:
    """Warn when the bundled data no longer matches what the default model was trained on."""
    from csbot.datadir import data_fingerprint

    data_dir = default_data_dir()
    if (data_dir / "faq.yaml").is_file() and data_fingerprint(data_dir) != data_sha256:
        warnings.warn(
            f"{model_dir} was trained on other data than {data_dir} holds now; {RETRAIN_HINT}",
            ModelVersionWarning,
            stacklevel=3,
        )
