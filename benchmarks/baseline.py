"""The usual way to build this, for comparison: a jieba tokenizer inside an sklearn
Pipeline of TfidfVectorizer and LogisticRegression, pickled with joblib. Module-level so
that the pickled pipeline can be loaded in another process."""

from __future__ import annotations

import jieba

USER_DICT = None  # set by the benchmark to csbot's user dictionary, as a fair comparison


def jieba_tokenize(text: str) -> list[str]:
    return [t for t in jieba.lcut(text) if not t.isspace()]
