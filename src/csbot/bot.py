"""The Bot: load a model, classify messages and reply to them."""

from __future__ import annotations

import functools
import warnings
import zlib
from pathlib import Path

from csbot.errors import ModelVersionWarning
from csbot.intents.features import Featurizer
from csbot.model import Model
from csbot.persist import RETRAIN_HINT, load_model
from csbot.resources import default_data_dir, default_model_dir
from csbot.responses.handoff import handoff_for
from csbot.responses.render import render
from csbot.types import Prediction, Reply

MAX_TEXT_CHARS = 2000


class Bot:
    """Answers customer messages with one trained model. Safe to share between threads."""

    def __init__(self, model: Model, *, featurizer: Featurizer | None = None) -> None:
        self.model = model
        self.featurizer = featurizer or Featurizer()

    @classmethod
    def load(cls, path: str | Path | None = None) -> Bot:
        """Load the model directory at `path`, or the bundled default model.

        Raises ModelError when the directory is missing, incompatible or tampered with.
        """
        if path is None:
            directory = default_model_dir()
            model, metadata = load_model(directory)
            _warn_if_stale(metadata.get("data_sha256"), directory)
        else:
            model, _ = load_model(Path(path))
        return cls(model)

    def classify(self, text: str) -> Prediction:
        """The intent of a message, its confidence and the top-3 ranking."""
        _require_str(text, "text")
        classifier = self.model.classifier
        return classifier.predict(classifier.vectorize(self.featurizer(text[:MAX_TEXT_CHARS])))

    def reply(self, text: str, *, session_id: str | None = None, **variables: object) -> Reply:
        """Answer a message: the best FAQ answer of its intent (or the intent's default
        answer), rendered with `variables` (e.g. shop_name, order_id); a hand-off when the
        intent calls for a human. `session_id` is accepted for conversation state."""
        _require_str(text, "text")
        if session_id is not None:
            _require_str(session_id, "session_id")
        text = text[:MAX_TEXT_CHARS]
        model = self.model
        vector = model.classifier.vectorize(self.featurizer(text))
        prediction = model.classifier.predict(vector)
        spec = model.knowledge_base.intent(prediction.intent)
        faq_id, score = model.faq_index.best_match(vector, spec.name)
        if faq_id is not None and score >= model.knowledge_base.settings["faq_match_threshold"]:
            answers = model.knowledge_base.faq(faq_id).answers
        else:
            faq_id, answers = None, spec.default_answers
        answer = answers[zlib.crc32(text.encode("utf-8", "replace")) % len(answers)]
        return Reply(
            intent=prediction.intent,
            confidence=prediction.confidence,
            text=render(answer, variables, model.knowledge_base.variables),
            faq_id=faq_id,
            handoff=handoff_for(spec, text, prediction),
            alternatives=tuple(r for r in prediction.ranking if r.intent != prediction.intent),
        )


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
