"""`ryx dbshell`: the database's own client (psql, mysql/mariadb, sqlite3) on the selected alias."""

from __future__ import annotations

import os
import subprocess
from typing import Annotated

import typer

from ryx_cli.clients import client_call
from ryx_cli.runner import Invocation, run_blocking, with_global_options

NAME = "dbshell"


@with_global_options
def command(
    sql: Annotated[
        str | None,
        typer.Option("--command", "-c", metavar="SQL", help="Run this SQL and exit instead of opening the shell."),
    ] = None,
    extra: Annotated[
        list[str] | None, typer.Argument(metavar="[-- CLIENT ARGS]", help="More arguments for the client, after --.")
    ] = None,
) -> None:
    """Open the database's own command-line client on the selected alias (--database).

    The password travels in the client's environment (PGPASSWORD, MYSQL_PWD), never on its command line.
    The exit code is the client's.
    """

    def body(inv: Invocation) -> int:
        call = client_call(inv.settings.url, command=sql, extra=extra or ())
        return subprocess.run(call.argv, env={**os.environ, **call.env}, check=False).returncode

    run_blocking(body)
