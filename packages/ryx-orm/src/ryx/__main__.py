"""`python -m ryx`: the `ryx` command, provided by the ryx-cli package (imported only when run)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> None:
    """Run the `ryx` command line, or explain how to install it when ryx-cli is missing."""
    try:
        from ryx_cli.app import main as cli_main
    except ModuleNotFoundError as exc:
        if exc.name not in ("ryx_cli", "ryx_cli.app", "typer"):
            raise
        sys.stderr.write(
            f"error: the `ryx` command needs the ryx-cli package ({exc.name} is not installed): "
            "pip install ryx-cli (or the ryx meta-package, which installs everything)\n"
        )
        raise SystemExit(1) from None
    cli_main(argv)


if __name__ == "__main__":
    main()
