"""`ryx version`: the installed versions (with -v, of every package and of the Rust engine)."""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Annotated

import typer

from ryx_cli.runner import Invocation, run, with_global_options

NAME = "version"
PACKAGES = ("ryx-orm", "ryx-core", "ryx-migrate", "ryx-cli")


def _installed(distribution: str) -> str:
    """Return the installed version of a distribution, or 'not installed'."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


@with_global_options
def command(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Every package, the Rust engine and Python.")
    ] = False,
) -> None:
    """Print the version of Ryx (-v: of each package and of the Rust engine)."""

    async def body(inv: Invocation) -> int:
        import ryx
        import ryx_core

        inv.console.line(f"ryx {ryx.__version__}")
        if verbose:
            for name in PACKAGES:
                inv.console.item("·", f"{name} {_installed(name)}")
            inv.console.item("·", f"Rust core (ryx_core extension) {ryx_core.__version__}")
            inv.console.item("·", f"Python {platform.python_version()} ({platform.python_implementation()})")
        return 0

    run(body)
