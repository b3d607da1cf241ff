"""The query layer's static types: typing_query.py passes ``mypy --strict`` (``QuerySet[M]``, ``await qs``...)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ryx import CharField, Model, QuerySet

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


class Thing(Model):
    name = CharField(max_length=5)


def test_typing_file_passes_mypy_strict() -> None:
    api = pytest.importorskip("mypy.api", reason="mypy is not installed")
    config = ROOT / "pyproject.toml"
    args = ["--strict", "--no-incremental", "--warn-unused-ignores", str(HERE / "typing_query.py")]
    if config.exists():
        args = ["--config-file", str(config), *args]
    stdout, stderr, status = api.run(args)
    assert status == 0, stdout + stderr


def test_querysets_are_generic_at_runtime() -> None:
    alias = QuerySet[Thing]
    assert alias.__origin__ is QuerySet  # type: ignore[attr-defined]
    assert isinstance(Thing.objects.all(), QuerySet)
