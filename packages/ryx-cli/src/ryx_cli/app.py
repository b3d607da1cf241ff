"""The Typer application behind the `ryx` console script (wiring only; commands live in their modules)."""

import typer

import ryx_cli

app = typer.Typer(name="ryx", help="Ryx: migrations, inspection and shells for Ryx projects.", no_args_is_help=True)


@app.command()
def version(verbose: bool = typer.Option(False, "--verbose", "-v", help="Also show the engine's version.")) -> None:
    """Print the installed Ryx version."""
    import ryx
    import ryx_core

    typer.echo(f"ryx {ryx.__version__}")
    if verbose:
        typer.echo(f"ryx-core {ryx_core.__version__}, ryx-cli {ryx_cli.__version__}")


@app.callback()
def _root() -> None:
    """Ryx: migrations, inspection and shells for Ryx projects."""


def main() -> None:
    """Run the `ryx` command."""
    app()
