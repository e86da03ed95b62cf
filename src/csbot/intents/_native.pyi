from collections.abc import Sequence

class Segmenter:
    def __init__(
        self,
        freq: dict[str, int],
        total: float,
        start: Sequence[float],
        trans: Sequence[float],
        emit: tuple[dict[str, float], dict[str, float], dict[str, float], dict[str, float]],
        force_split: set[str],
    ) -> None: ...
    def cut(self, text: str) -> list[str]: ...

class FeatureIndex:
    def __init__(self, vocabulary: dict[str, int]) -> None: ...
    def count(
        self, tokens: list[str], chunks: list[str], sizes: tuple[int, ...], bigrams: bool
    ) -> dict[int, int]: ...
    def size(self) -> int: ...

def tfidf(counts: dict[int, int], idf: object) -> tuple[bytes, bytes]: ...
def softmax_rows(
    weights: object, intercept: object, ids: list[object], values: list[object]
) -> bytes: ...
def best_row(
    keys: object, weights: object, n_rows: int, start: int, end: int, ids: object, values: object
) -> tuple[int, float] | None: ...
