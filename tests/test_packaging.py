"""The wheel carries everything a user needs: code, user dictionary, chat page, knowledge
base, training data and the default model, and answers from them outside a checkout."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.slow
def test_the_wheel_answers_from_its_bundled_model(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("csbot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "csbot/intents/userdict.txt",
        "csbot/static/chat.html",
        "csbot/py.typed",
        "csbot/_bundled/data/faq.yaml",
        "csbot/_bundled/models/model.joblib",
        "csbot/_bundled/models/model.json",
        "csbot/_bundled/data/training/shipping.yaml",
    ):
        assert needed in names
    assert not any(".previous" in name for name in names)
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    code = (
        f"import sys, warnings; sys.path.insert(0, {str(unpacked)!r})\n"
        "warnings.simplefilter('error')\n"
        "import csbot\n"
        f"assert csbot.__file__.startswith({str(unpacked)!r}), csbot.__file__\n"
        "print(csbot.Bot.load().reply('我的快递到哪了').intent)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "shipping"
