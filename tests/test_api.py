import csbot


def test_public_api_is_pinned() -> None:
    assert sorted(csbot.__all__) == [
        "Bot",
        "CsbotError",
        "DataError",
        "Handoff",
        "ModelError",
        "ModelVersionWarning",
        "Prediction",
        "Reply",
        "ScoredIntent",
        "__version__",
        "default_bot",
        "mask_pii",
    ]


def test_errors_subclass_builtins() -> None:
    assert issubclass(csbot.DataError, ValueError) and issubclass(csbot.DataError, csbot.CsbotError)
    assert issubclass(csbot.ModelError, ValueError)
