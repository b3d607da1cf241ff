"""Terminal output: colour only on a terminal (NO_COLOR, TERM=dumb and --no-color turn it off), prompts, progress."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import typer

_STYLES: dict[str, dict[str, Any]] = {
    "ok": {"fg": "green"},
    "warn": {"fg": "yellow"},
    "error": {"fg": "red", "bold": True},
    "heading": {"bold": True},
    "dim": {"dim": True},
    "name": {"fg": "cyan"},
    "sql": {"fg": "blue"},
}


def color_enabled(stream: IO[str], *, no_color: bool = False, environ: dict[str, str] | None = None) -> bool:
    """Decide whether to colour ``stream``: never with NO_COLOR/--no-color/TERM=dumb, always with FORCE_COLOR."""
    env = os.environ if environ is None else environ
    if no_color or env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    if env.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Console:
    """Writes the CLI's output: results to stdout, diagnostics to stderr, each coloured only when it may be."""

    def __init__(self, *, no_color: bool = False) -> None:
        """Decide colour per stream now (the streams do not change during a command)."""
        self.out_color = color_enabled(sys.stdout, no_color=no_color)
        self.err_color = color_enabled(sys.stderr, no_color=no_color)

    def style(self, text: str, kind: str, *, err: bool = False) -> str:
        """Return ``text`` styled as ``kind`` when the target stream is coloured."""
        if (err and not self.err_color) or (not err and not self.out_color):
            return text
        return typer.style(text, **_STYLES[kind])

    def line(self, text: str = "", kind: str | None = None) -> None:
        """Print a line of output."""
        typer.echo(self.style(text, kind) if kind else text, color=self.out_color)

    def note(self, text: str) -> None:
        """Print a dimmed remark on stderr (hints, tracebacks)."""
        typer.echo(self.style(text, "dim", err=True), err=True, color=self.err_color)

    def heading(self, text: str) -> None:
        """Print a bold heading."""
        self.line(text, "heading")

    def ok(self, text: str) -> None:
        """Print a success line (✓)."""
        typer.echo(f"{self.style('✓', 'ok')} {text}", color=self.out_color)

    def item(self, mark: str, text: str, kind: str = "dim") -> None:
        """Print an indented list entry with a coloured mark."""
        typer.echo(f"  {self.style(mark, kind)} {text}", color=self.out_color)

    def warn(self, text: str) -> None:
        """Print a warning (⚠) on stderr."""
        typer.echo(f"{self.style('⚠', 'warn', err=True)} {text}", err=True, color=self.err_color)

    def error(self, text: str) -> None:
        """Print an error (✗) on stderr."""
        typer.echo(f"{self.style('✗ error:', 'error', err=True)} {text}", err=True, color=self.err_color)

    @contextmanager
    def step(self, text: str) -> Iterator[None]:
        """Show ``text…`` while a long step runs, then its outcome and duration on the same line."""
        typer.echo(f"  {text}…", nl=False, color=self.out_color)
        sys.stdout.flush()
        started = time.perf_counter()
        try:
            yield
        except BaseException:
            typer.echo(f" {self.style('FAILED', 'error')}", color=self.out_color)
            raise
        elapsed = time.perf_counter() - started
        typer.echo(f" {self.style('OK', 'ok')} {self.style(f'({elapsed:.2f}s)', 'dim')}", color=self.out_color)


def _isatty(stream: IO[str]) -> bool:
    """Return whether ``stream`` is a terminal."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def stdin_is_interactive() -> bool:
    """Return whether questions can be asked (stdin is a terminal)."""
    return _isatty(sys.stdin)


def ask_yes_no(question: str, *, default: bool = False, no_input: bool = False) -> bool:
    """Ask a yes/no question; without a terminal (or with --no-input) the answer is ``default``."""
    if no_input or not stdin_is_interactive():
        return default
    return typer.confirm(question, default=default)


def ask_text(question: str, *, no_input: bool = False) -> str | None:
    """Ask for a line of text, from a terminal or a pipe (``echo yes | ryx flush``); None at EOF or with --no-input."""
    if no_input:
        return None
    typer.echo(f"{question}: ", nl=False)
    line = sys.stdin.readline()
    if not line:
        typer.echo()
        return None
    return line.rstrip("\n")


__all__ = ["Console", "ask_text", "ask_yes_no", "color_enabled", "stdin_is_interactive"]
