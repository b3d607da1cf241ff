"""`ryx shell`: an async Python console with Ryx set up and the project's models in the namespace."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Annotated, Any

import ryx
import typer

from ryx_cli.errors import CommandError
from ryx_cli.project import pool_options
from ryx_cli.repl import displayhook, interact, run_source
from ryx_cli.runner import Invocation, run, run_blocking, with_global_options
from ryx_cli.settings import Settings

NAME = "shell"
#: Names every shell starts with, besides the models.
HELPERS = ("Q", "F", "Count", "Sum", "Avg", "Min", "Max", "transaction")


def namespace(models: list[type[ryx.Model]]) -> dict[str, Any]:
    """Return the shell's starting namespace: ryx, its query helpers and every model by class name."""
    ns: dict[str, Any] = {"__name__": "__console__", "__builtins__": __builtins__, "ryx": ryx}
    ns.update({name: getattr(ryx, name) for name in HELPERS})
    for model in models:
        ns[model.__name__] = model
    return ns


async def _connect(settings: Settings) -> bool:
    """Open the configured pools; False when no database is configured."""
    if not settings.databases:
        return False
    await ryx.setup(dict(settings.databases), **pool_options(settings))
    return True


@with_global_options
def command(
    source: Annotated[
        str | None,
        typer.Option(
            "--command", "-c", "--query", "-q", metavar="CODE", help="Run this code (await allowed), print the result."
        ),
    ] = None,
    ipython: Annotated[bool, typer.Option("--ipython", help="Use IPython (must be installed).")] = False,
) -> None:
    """Open an async Python console: top-level await, Ryx set up, the models in the namespace.

    With --command, run the code instead (``ryx shell -c "await Post.objects.count()"``) and print the
    value of its last expression.
    """
    if source is not None:

        async def body(inv: Invocation) -> int:
            ns = namespace(inv.models if inv.settings.models else [])
            connected = await _connect(inv.settings)
            try:
                displayhook(await run_source(source, ns))
            finally:
                if connected:
                    await ryx.close()
            return 0

        run(body)
        return

    def interactive(inv: Invocation) -> int:
        settings = inv.settings
        models = inv.models if settings.models else []
        ns = namespace(models)
        banner = _banner(models, settings)
        if ipython:
            _ipython(ns, banner, settings)
            return 0
        connected = False

        async def start() -> None:
            nonlocal connected
            connected = await _connect(settings)
            if not connected:
                inv.console.warn("no database is configured: call `await ryx.setup(url)` before querying")

        async def stop() -> None:
            if connected:
                await ryx.close()

        # The console owns its event loop (the prompt runs in a thread), so this body is not a coroutine.
        interact(ns, banner, on_start=start, on_exit=stop)
        return 0

    run_blocking(interactive)


def _banner(models: list[type[ryx.Model]], settings: Settings) -> str:
    """Return the text shown when the console starts."""
    names = ", ".join(m.__name__ for m in models) or "none (set models = [...] in the config)"
    dbs = ", ".join(sorted(settings.databases)) or "none"
    return (
        f"Ryx {ryx.__version__} shell, Python {sys.version.split()[0]}. Top-level `await` works.\n"
        f"Models: {names}\nAlso: ryx, {', '.join(HELPERS)}. Databases: {dbs}. Exit with Ctrl-D or exit()."
    )


def _ipython(ns: dict[str, Any], banner: str, settings: Settings) -> None:
    """Start IPython with the namespace (its autoawait runs the awaits)."""
    if importlib.util.find_spec("IPython") is None:
        raise CommandError("--ipython needs IPython: pip install ipython (or drop --ipython for the built-in console)")
    # Imported by name: IPython is optional and has no type information here.
    start_ipython = importlib.import_module("IPython").start_ipython
    config = importlib.import_module("traitlets.config").Config()
    config.TerminalInteractiveShell.banner2 = banner + "\n"
    config.InteractiveShell.autoawait = True
    config.InteractiveShell.loop_runner = "asyncio"
    if settings.databases:
        ryx.setup_sync(dict(settings.databases), **pool_options(settings))
    try:
        start_ipython(argv=[], user_ns=ns, config=config)
    finally:
        if settings.databases:
            ryx.close_sync()
