import json
import warnings
from pathlib import Path

import pytest

from csbot import Bot, ModelError, ModelVersionWarning
from csbot.intents.training import TrainingResult
from csbot.persist import ARTIFACT_FILE, METADATA_FILE, load_model, save_model


@pytest.fixture
def model_dir(tiny_trained: tuple[TrainingResult, Path], tmp_path: Path) -> Path:
    result, _ = tiny_trained
    save_model(result.model, tmp_path, result.metadata)
    return tmp_path


def test_saved_model_loads_and_answers_alike(model_dir: Path, tiny_bot: Bot) -> None:
    bot = Bot.load(model_dir)
    for text in ("退款什么时候到账", "转人工", "今天天气怎么样"):
        assert bot.reply(text) == tiny_bot.reply(text)


def test_metadata_records_versions_hashes_threshold_and_metrics(model_dir: Path) -> None:
    metadata = json.loads((model_dir / METADATA_FILE).read_text(encoding="utf-8"))
    assert {"csbot", "jieba", "scikit-learn", "numpy"} <= metadata["versions"].keys()
    assert len(metadata["data_sha256"]) == 64 and len(metadata["artifact_sha256"]) == 64
    assert 0 < metadata["threshold"] < 1
    assert 0 <= metadata["cross_validation"]["macro_f1"] <= 1


def test_tampered_artifact_is_refused_before_unpickling(model_dir: Path) -> None:
    artifact = model_dir / ARTIFACT_FILE
    data = bytearray(artifact.read_bytes())
    data[len(data) // 2] ^= 0xFF
    artifact.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match"):
        load_model(model_dir)


def test_tampered_metadata_hash_is_refused(model_dir: Path) -> None:
    path = model_dir / METADATA_FILE
    metadata = json.loads(path.read_text(encoding="utf-8"))
    metadata["artifact_sha256"] = "0" * 64
    path.write_text(json.dumps(metadata), encoding="utf-8")
    with pytest.raises(ModelError, match="tampered"):
        load_model(model_dir)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "JSON object"),
        ('{"format_version": 1}', "artifact_sha256"),
    ],
)
def test_broken_metadata_gives_a_clear_error(model_dir: Path, content: str, words: str) -> None:
    (model_dir / METADATA_FILE).write_text(content, encoding="utf-8")
    with pytest.raises(ModelError, match=words):
        load_model(model_dir)


def test_other_format_version_says_how_to_fix(model_dir: Path) -> None:
    path = model_dir / METADATA_FILE
    metadata = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(metadata | {"format_version": 99}), encoding="utf-8")
    with pytest.raises(ModelError, match="csbot train"):
        load_model(model_dir)


def test_missing_directory_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no model metadata"):
        Bot.load(tmp_path / "nowhere")


def test_model_from_other_jieba_version_warns(model_dir: Path) -> None:
    path = model_dir / METADATA_FILE
    metadata = json.loads(path.read_text(encoding="utf-8"))
    metadata["versions"]["jieba"] = "0.01"
    path.write_text(json.dumps(metadata), encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_model(model_dir)
    assert any(
        issubclass(w.category, ModelVersionWarning) and "csbot train" in str(w.message)
        for w in caught
    )


def test_failed_save_leaves_the_previous_model(
    model_dir: Path, tiny_trained: tuple[TrainingResult, Path]
) -> None:
    before = (model_dir / ARTIFACT_FILE).read_bytes()
    result, _ = tiny_trained
    with pytest.raises(TypeError):
        save_model(result.model, model_dir, {"unserializable": object()})
    assert (model_dir / ARTIFACT_FILE).read_bytes() == before
    assert sorted(p.name for p in model_dir.iterdir()) == [ARTIFACT_FILE, METADATA_FILE]
    load_model(model_dir)
