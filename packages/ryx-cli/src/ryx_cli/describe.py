"""How the CLI shows migration operations and paths: a mark per kind of change and paths relative to the project."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ryx_cli.output import Console


def mark(operation: Any) -> tuple[str, str]:
    """Return the mark and its style for an operation: + creates, - removes, ~ changes, * anything else."""
    kind = type(operation).__name__
    if kind.startswith(("Create", "Add")):
        return "+", "ok"
    if kind.startswith(("Delete", "Remove", "Drop")):
        return "-", "error"
    if kind.startswith(("Alter", "Rename")):
        return "~", "warn"
    return "*", "name"


def describe(operation: Any) -> str:
    """Return an operation's one-line description."""
    text = operation.describe() if hasattr(operation, "describe") else type(operation).__name__
    return str(text)


def show_operations(console: Console, operations: list[Any], indent: str = "  ") -> None:
    """Print one line per operation with its mark."""
    for op in operations:
        sign, style = mark(op)
        console.line(f"{indent}{console.style(sign, style)} {describe(op)}")


def shown_path(path: Path) -> str:
    """Return ``path`` relative to the working directory when it is below it."""
    try:
        return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


def app_title(app_label: str) -> str:
    """Return how an app is named in output (the unnamed app is the project)."""
    return f"app {app_label!r}" if app_label else "the project"


__all__ = ["app_title", "describe", "mark", "show_operations", "shown_path"]
