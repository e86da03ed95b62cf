"""csbot's compiled helpers (`_native.c`: jieba's cut, feature counting, TF-IDF weights),
or None where the package was installed without a C compiler: every caller then runs the
Python code that gives the same results, only slower."""

from __future__ import annotations

from types import ModuleType

native: ModuleType | None
try:
    from csbot.intents import _native as native
except ImportError:  # pragma: no cover - installed without a C compiler
    native = None
