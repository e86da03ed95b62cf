"""Hatch build hook: compiles csbot's optional C helpers (src/csbot/intents/_native.c:
jieba's cut, feature counting, TF-IDF, softmax, FAQ scores).

The extension only makes answering faster: its results are those of the Python code.
Without a C compiler the build goes on without it and csbot runs that Python code.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = "src/csbot/intents/_native.c"
MODULE = "csbot.intents._native"


def compile_extension(root: Path, build_dir: Path) -> Path:
    """Build the extension with setuptools' compiler support; returns the built file."""
    from setuptools import Distribution, Extension
    from setuptools.command.build_ext import build_ext

    # No fused multiply-add or reordering: scores must be jieba's floats, bit for bit.
    flags = [] if sys.platform == "win32" else ["-O2", "-ffp-contract=off", "-fno-fast-math"]
    extension = Extension(MODULE, [str(root / SOURCE)], extra_compile_args=flags)
    command = build_ext(Distribution({"name": "csbot", "ext_modules": [extension]}))
    command.build_lib = str(build_dir / "lib")
    command.build_temp = str(build_dir / "temp")
    command.ensure_finalized()
    command.run()
    return Path(command.get_ext_fullpath(MODULE))


class NativeBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        build_dir = root / "build" / "native"
        try:
            built = compile_extension(root, build_dir)
        except Exception as error:  # no compiler, no headers: the Python code does the work
            self.app.display_warning(
                f"csbot: the C helpers were not built ({error}); their Python code does the work"
            )
            return
        if version == "editable":  # the package is imported from src/: put it there
            target = root / "src" / "csbot" / "intents" / built.name
            # Replaced, not overwritten: a running process may have the old file mapped.
            staging = target.with_name(f".{built.name}.tmp")
            shutil.copy2(built, staging)
            os.replace(staging, target)
            return
        build_data["force_include"][str(built)] = f"csbot/intents/{built.name}"
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
