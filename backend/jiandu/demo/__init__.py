"""The demo city of 包头市, deterministic, for `make run` and the tests."""
