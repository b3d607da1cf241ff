"""Running a command: the global options on every command, one event loop, and one mapping of errors to exit codes."""

from __future__ import annotations

import asyncio
import functools
import inspect
import traceback
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from ryx.exceptions import ConfigurationError, RyxError
from ryx.models.base import Model

from ryx_cli.errors import EXIT_FAILURE, EXIT_USAGE, CommandError
from ryx_cli.output import Console
from ryx_cli.project import load_models
from ryx_cli.settings import GlobalOptions, Settings, resolve

F = TypeVar("F", bound=Callable[..., Any])

# The global options, accepted before the command name (`ryx -u URL migrate`) and after it (`ryx migrate --url URL`).
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        "--url",
        metavar="URL",
        help="URL of the selected alias (default 'default'); overrides the config file and RYX_DATABASE_URL.",
        show_default=False,
    ),
]
UrlsOption = Annotated[
    str | None,
    typer.Option(
        "--urls",
        metavar="ALIAS=URL,...",
        help="Several aliases at once: 'default=URL,replica=URL'.",
        show_default=False,
    ),
]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database", "--db", metavar="ALIAS", help="The alias to work on (default: 'default').", show_default=False
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="The config file (ryx.toml, or a pyproject.toml with [tool.ryx]); default: the nearest one.",
        show_default=False,
    ),
]
ModelsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--models", metavar="MODULE", help="A module that defines models (repeatable); replaces `models` of the config."
    ),
]
MigrationsOption = Annotated[
    Path | None,
    typer.Option(
        "--migrations", "--dir", metavar="DIR", help="The migrations directory; replaces `migrations` of the config."
    ),
]
NoColorOption = Annotated[bool, typer.Option("--no-color", help="No colours (NO_COLOR=1 does the same).")]
TracebackOption = Annotated[bool, typer.Option("--traceback", help="Show the full traceback of an error.")]

_GLOBAL_PARAMS = {
    "database_url": DatabaseUrlOption,
    "urls": UrlsOption,
    "database": DatabaseOption,
    "config": ConfigOption,
    "models": ModelsOption,
    "migrations": MigrationsOption,
    "no_color": NoColorOption,
    "traceback": TracebackOption,
}


_CURRENT: ContextVar[GlobalOptions | None] = ContextVar("ryx_cli_options", default=None)


def global_options(ctx: typer.Context) -> GlobalOptions:
    """Return the global options of an invocation (kept on its root context, created on first use)."""
    root = ctx.find_root()
    if not isinstance(root.obj, GlobalOptions):
        root.obj = GlobalOptions()
    _CURRENT.set(root.obj)
    return root.obj


def with_global_options(func: F) -> F:
    """Add the global options to a command's signature, folding them into the invocation's GlobalOptions."""
    # Typer reads the annotations off the signature: resolve the postponed ones of ``func`` here.
    signature = inspect.signature(func, eval_str=True)
    extra = [inspect.Parameter("_ryx_ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)]
    extra += [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=False if name in ("no_color", "traceback") else None,
            annotation=annotation,
        )
        for name, annotation in _GLOBAL_PARAMS.items()
    ]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx: typer.Context = kwargs.pop("_ryx_ctx")
        given = {name: kwargs.pop(name, None) for name in _GLOBAL_PARAMS}
        global_options(ctx).merge(**given)
        return func(*args, **kwargs)

    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), *extra]
    )
    wrapper.__annotations__ = {
        **{p.name: p.annotation for p in signature.parameters.values()},
        "_ryx_ctx": typer.Context,
        **_GLOBAL_PARAMS,
    }
    return wrapper  # type: ignore[return-value]


@dataclass
class Invocation:
    """What a command body gets: the options, the console, and the settings and models on first use."""

    options: GlobalOptions
    console: Console
    _settings: Settings | None = None
    _models: list[type[Model]] | None = field(default=None)

    @property
    def settings(self) -> Settings:
        """Return the resolved settings (config file, environment, command line)."""
        if self._settings is None:
            self._settings = resolve(self.options)
        return self._settings

    @property
    def models(self) -> list[type[Model]]:
        """Return the project's model classes, imported from the configured modules."""
        if self._models is None:
            self._models = load_models(self.settings)
        return self._models


Body = Callable[[Invocation], Coroutine[Any, Any, int | None]]


def run(body: Body) -> None:
    """Run an async command body on a fresh event loop and turn its outcome into the process exit code."""
    run_blocking(lambda inv: asyncio.run(body(inv)))


def run_blocking(body: Callable[[Invocation], int | None]) -> None:
    """Run a command body and turn its outcome (a code, or an exception) into the process exit code."""
    options = _CURRENT.get() or GlobalOptions()
    console = Console(no_color=options.no_color)
    invocation = Invocation(options, console)
    try:
        code = body(invocation)
    except CommandError as exc:
        _report(console, options, exc, str(exc))
        code = exc.exit_code
    except ConfigurationError as exc:
        _report(console, options, exc, str(exc))
        code = EXIT_USAGE
    except RyxError as exc:
        _report(console, options, exc, f"{type(exc).__name__}: {exc}")
        code = EXIT_FAILURE
    except KeyboardInterrupt:
        console.error("aborted")
        code = EXIT_FAILURE
    except (typer.Exit, typer.Abort):
        raise
    except Exception as exc:
        _report(console, options, exc, f"{type(exc).__name__}: {exc}", hint=True)
        code = EXIT_FAILURE
    if code:
        raise typer.Exit(code)


def _report(console: Console, options: GlobalOptions, exc: BaseException, message: str, *, hint: bool = False) -> None:
    """Print an error, with the traceback under --traceback."""
    if options.traceback:
        console.note("".join(traceback.format_exception(exc)).rstrip())
    console.error(message)
    if hint and not options.traceback:
        console.note("  (run with --traceback to see where it happened)")


__all__ = ["Invocation", "global_options", "run", "run_blocking", "with_global_options"]
