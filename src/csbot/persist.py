"""Save and load a model directory: `model.joblib` (plain values) and `model.json`
(metadata). Metadata is read and the artifact's SHA-256 checked before anything is
unpickled, because loading a joblib file can run code."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import joblib

from csbot._version import __version__
from csbot.errors import ModelError, ModelVersionWarning
from csbot.model import FORMAT_VERSION, Model

ARTIFACT_FILE = "model.joblib"
METADATA_FILE = "model.json"
MAX_METADATA_BYTES = 1_000_000
RETRAIN_HINT = "run `csbot train` to rebuild it"


def previous_dir(directory: Path) -> Path:
    """Where the model a newer one replaced is kept for `csbot rollback`: beside the model
    directory (`models` -> `.models.previous`), so that it is never packaged with it."""
    return directory.parent / f".{directory.name}.previous"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """Versions that shape a model's features and numbers; recorded in its metadata."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {"csbot": __version__}
    for name in ("jieba", "numpy", "scikit-learn"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "unknown"
    return versions


def save_model(model: Model, directory: Path, metadata: dict[str, Any]) -> dict[str, Any]:
    """Write the artifact and its metadata atomically (temporary files, then rename), so
    a failure leaves the previous model in place. Returns the metadata written."""
    directory.mkdir(parents=True, exist_ok=True)
    artifact = directory / ARTIFACT_FILE
    fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=".model-", suffix=".joblib")
    os.close(fd)
    tmp = Path(tmp_name)
    meta_tmp = directory / f".{METADATA_FILE}.tmp"
    try:
        joblib.dump(model.to_state(), tmp, compress=3)
        tmp.chmod(0o644)  # mkstemp creates 0600; a model is meant to be read by services
        metadata = {
            **metadata,
            "format_version": FORMAT_VERSION,
            "artifact": ARTIFACT_FILE,
            "artifact_sha256": sha256_file(tmp),
            "artifact_bytes": tmp.stat().st_size,
        }
        meta_tmp.write_text(
            json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        os.replace(tmp, artifact)
        os.replace(meta_tmp, directory / METADATA_FILE)
    finally:
        tmp.unlink(missing_ok=True)
        meta_tmp.unlink(missing_ok=True)
    return metadata


def read_metadata(directory: Path) -> dict[str, Any]:
    """The metadata of a model directory, checked for the fields loading relies on."""
    path = directory / METADATA_FILE
    if not path.is_file():
        raise ModelError(
            f"{path}: no model metadata here; {RETRAIN_HINT} or name another directory"
        )
    if path.stat().st_size > MAX_METADATA_BYTES:
        raise ModelError(f"{path}: metadata file is implausibly large")
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: metadata is not valid JSON ({exc}); {RETRAIN_HINT}") from None
    if not isinstance(metadata, dict):
        raise ModelError(f"{path}: metadata must be a JSON object; {RETRAIN_HINT}")
    for field, kind in (("format_version", int), ("artifact_sha256", str), ("artifact", str)):
        if not isinstance(metadata.get(field), kind):
            raise ModelError(
                f"{path}: field '{field}' is missing or not a {kind.__name__}; {RETRAIN_HINT}"
            )
    if metadata["format_version"] != FORMAT_VERSION:
        raise ModelError(
            f"{path}: model format {metadata['format_version']}, this csbot reads format "
            f"{FORMAT_VERSION}; {RETRAIN_HINT}"
        )
    if metadata["artifact"] != ARTIFACT_FILE:
        raise ModelError(f"{path}: field 'artifact' must be '{ARTIFACT_FILE}'")
    return metadata


def load_model(directory: Path) -> tuple[Model, dict[str, Any]]:
    """Load a model directory after checking its artifact against the metadata's hash."""
    directory = Path(directory)
    metadata = read_metadata(directory)
    artifact = directory / ARTIFACT_FILE
    if not artifact.is_file():
        raise ModelError(f"{artifact}: model file missing; {RETRAIN_HINT}")
    actual = sha256_file(artifact)
    if actual != metadata["artifact_sha256"]:
        raise ModelError(
            f"{artifact}: SHA-256 {actual[:16]}... does not match {METADATA_FILE} "
            f"({metadata['artifact_sha256'][:16]}...); refusing to load a file that may have "
            f"been tampered with; {RETRAIN_HINT}"
        )
    try:
        state = joblib.load(artifact)
        model = Model.from_state(state)
    except Exception as exc:  # a corrupt file can fail in many ways; all mean the same
        raise ModelError(
            f"{artifact}: cannot read the model ({type(exc).__name__}: {exc}); {RETRAIN_HINT}"
        ) from None
    _warn_on_version_drift(metadata, directory)
    return model, metadata


def _warn_on_version_drift(metadata: dict[str, Any], directory: Path) -> None:
    built = metadata.get("versions", {})
    if not isinstance(built, dict):
        return
    now = library_versions()
    for name in ("jieba", "csbot"):
        if name in built and built[name] != now[name]:
            warnings.warn(
                f"{directory}: model built with {name} {built[name]}, this is {name} {now[name]}; "
                f"answers may differ: {RETRAIN_HINT}",
                ModelVersionWarning,
                stacklevel=3,
            )


def keep_as_previous(directory: Path) -> bool:
    """Copy the model in `directory` (if any) to its `previous_dir`, replacing the one kept
    there; returns whether there was a model to keep."""
    if not (directory / METADATA_FILE).is_file() or not (directory / ARTIFACT_FILE).is_file():
        return False
    previous = previous_dir(directory)
    previous.mkdir(exist_ok=True)
    for name in (ARTIFACT_FILE, METADATA_FILE):
        tmp = previous / f".{name}.tmp"
        shutil.copyfile(directory / name, tmp)
        os.replace(tmp, previous / name)
    return True


def rollback(directory: Path) -> dict[str, Any]:
    """Swap the current model of `directory` with the one kept in its `previous_dir` (so a
    second rollback undoes the first); checks the previous model's hash first."""
    previous = previous_dir(directory)
    if not (previous / METADATA_FILE).is_file():
        raise ModelError(f"{previous}: no previous model to roll back to")
    metadata = read_metadata(previous)
    if sha256_file(previous / ARTIFACT_FILE) != metadata["artifact_sha256"]:
        raise ModelError(
            f"{previous / ARTIFACT_FILE}: does not match its metadata; not rolled back"
        )
    swap = directory / ".rollback"
    swap.mkdir(exist_ok=True)
    for name in (ARTIFACT_FILE, METADATA_FILE):
        if (directory / name).exists():
            os.replace(directory / name, swap / name)
        os.replace(previous / name, directory / name)
        if (swap / name).exists():
            os.replace(swap / name, previous / name)
    swap.rmdir()
    return metadata
