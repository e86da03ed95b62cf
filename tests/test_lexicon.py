"""The word-category lexicon: reading and checking it, finding its words in messages, and
what its features do for the classifier."""

from pathlib import Path

import numpy as np
import pytest

from csbot import Bot
from csbot.datadir import data_fingerprint, validate_data
from csbot.intents.features import FeatureCounter, Featurizer
from csbot.intents.lexicon import Lexicon, read_lexicon
from csbot.intents.training import train
from csbot.model import Model
from csbot.resources import default_data_dir

NO_MINIMUMS: dict[str, int] = {}
LOGISTICS = ("快递", "物流", "包裹", "发货", "顺丰", "韵达", "圆通", "申通")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_words_are_normalized_and_may_have_several_categories(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "lexicon.yaml",
        "appliance:\n  - 燃气灶\n  - ＴＣＬ\nsports_outdoor:\n  - 跑步机\nfitness:\n  - 跑步机\n",
    )
    lexicon, problems = read_lexicon(path)
    assert problems == []
    assert lexicon.words == {
        "tcl": ("appliance",),
        "燃气灶": ("appliance",),
        "跑步机": ("fitness", "sports_outdoor"),
    }
    assert lexicon.categories == ("appliance", "fitness", "sports_outdoor")


def test_lexicon_errors_name_file_line_and_field(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "lexicon.yaml",
        "appliance:\n  - 冰箱\n  - 灶\n  - 42\n  - 冰箱\n  - 电 饭 煲\n"
        "Bad Name:\n  - 足球\nempty: []\n",
    )
    lexicon, problems = read_lexicon(path)
    messages = [str(p) for p in problems]
    assert any(
        "lexicon.yaml:3: error" in m and "appliance[1]" in m and "2 to 8" in m for m in messages
    )
    assert any("lexicon.yaml:4: error" in m and "appliance[2]" in m for m in messages)
    assert any("lexicon.yaml:5: warning" in m and "twice" in m for m in messages)
    assert any("lexicon.yaml:6: error" in m and "one word" in m for m in messages)
    assert any("lexicon.yaml:8: error" in m and "'Bad Name'" in m for m in messages)
    assert any("lexicon.yaml:9: error" in m and "'empty'" in m for m in messages)
    assert lexicon.words == {"冰箱": ("appliance",)}


def test_a_malformed_lexicon_file_stops_validation_with_its_line(tiny_data: Path) -> None:
    _write(tiny_data / "lexicon.yaml", "appliance:\n  - 冰箱\n  - [unclosed\n")
    data, problems = validate_data(tiny_data, NO_MINIMUMS)
    assert data is None
    assert any("lexicon.yaml:" in str(p) and p.severity == "error" for p in problems)


def test_the_lexicon_is_part_of_the_data_fingerprint(tiny_data: Path) -> None:
    before = data_fingerprint(tiny_data)
    _write(tiny_data / "lexicon.yaml", "appliance:\n  - 冰箱\n")
    assert data_fingerprint(tiny_data) != before


def test_every_occurrence_is_found_overlapping_ones_included() -> None:
    lexicon = Lexicon(
        {"扫地机": ("appliance",), "扫地机器人": ("appliance",), "詹姆斯": ("sports",)}
    )
    assert lexicon.find(["扫地机器人坏了", "詹姆斯", "詹姆斯退役了吗"]) == [
        "appliance",
        "appliance",
        "sports",
        "sports",
    ]
    assert lexicon.find(["", "扫地"]) == []
    assert Lexicon({}).find(["扫地机"]) == []


def test_compiled_and_python_lookups_find_the_same_categories(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lexicon, _ = read_lexicon(default_data_dir() / "lexicon.yaml")
    featurize = Featurizer()
    texts = [featurize.analyze(t).normalized for t in _sample_texts()]
    compiled = [lexicon.find(t.split(" ")) for t in texts]
    monkeypatch.setattr("csbot.intents.features.native", None)
    plain = Lexicon(dict(lexicon.words))
    assert plain._counter._index is None  # the Python path really is taken
    assert [plain.find(t.split(" ")) for t in texts] == compiled
    assert sum(map(len, compiled)) > len(texts) // 2  # the sample does mention lexicon words


def _sample_texts() -> list[str]:
    from csbot.datadir import load_data

    return load_data(default_data_dir()).dataset.texts[::7]


def test_categories_become_features_and_are_counted_like_the_strings() -> None:
    lexicon = Lexicon({"燃气灶": ("appliance",), "打不着火": ("defect",)})
    analysis = Featurizer(lexicon=lexicon).analyze("燃气灶打不着火 燃气灶")
    assert analysis.categories == ["appliance", "appliance", "defect"]
    features = analysis.features
    assert features[-3:] == ["g:appliance", "g:appliance", "g:defect"]
    assert "g:appliance" not in analysis.content_features
    vocabulary = {f: i for i, f in enumerate(dict.fromkeys(features))}
    counts = analysis.counts(FeatureCounter(vocabulary))
    assert counts[vocabulary["g:appliance"]] == 2 and counts[vocabulary["g:defect"]] == 1


def test_the_trained_model_keeps_its_lexicon_and_the_bot_uses_it(
    tiny_data: Path, tiny_bot: Bot
) -> None:
    """The tiny data names one courier (顺丰); with a lexicon of logistics words, the model learns
    the category and answers for couriers no utterance names, which it cannot without one."""
    _write(tiny_data / "lexicon.yaml", "logistics:\n" + "".join(f"  - {w}\n" for w in LOGISTICS))
    result = train(tiny_data, minimums=NO_MINIMUMS)
    assert "g:logistics" in result.model.classifier.vocabulary
    restored = Model.from_state(result.model.to_state())
    assert restored.lexicon == result.model.lexicon
    bot = Bot(restored, featurizer=Featurizer())  # another featurizer: the model's lexicon wins
    assert bot.featurizer.lexicon == result.model.lexicon
    for message in ("韵达呢", "圆通还是申通"):
        assert bot.featurizer.analyze(message).categories, message
        with_lexicon, without = bot.classify(message), tiny_bot.classify(message)
        assert with_lexicon.intent == "shipping", message
        shipping = dict((s.intent, s.confidence) for s in without.ranking).get("shipping", 0.0)
        assert with_lexicon.confidence > shipping + 0.2, message


def test_the_content_part_of_a_vector_equals_vectorizing_the_content(bot: Bot) -> None:
    """What the FAQ lookup uses: the classifier's vector without the start/end marks and the
    categories, normalized again, is the vector of the content features' counts."""
    classifier = bot.model.classifier
    counter = classifier.counter
    for text in [*_sample_texts(), "", "在吗", "😀", "https://x.cn 燃气灶 打不着火 詹姆斯"]:
        analysis = bot.featurizer.analyze(text)
        got = classifier.content_part(classifier.vectorize_counts(analysis.counts(counter)))
        expected = classifier.vectorize_counts(analysis.counts(counter, content=True))
        assert got.ids.tolist() == expected.ids.tolist(), text
        np.testing.assert_allclose(got.values, expected.values, rtol=1e-12, atol=0)
