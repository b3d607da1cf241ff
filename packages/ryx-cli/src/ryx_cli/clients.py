"""The command line of each database's own client (psql, mysql/mariadb, sqlite3), with no password in argv."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from ryx_cli.errors import CommandError, UsageError
from ryx_cli.settings import dialect_of

INSTALL_HINTS = {
    "postgres": "install the PostgreSQL client (psql), e.g. `apt install postgresql-client`",
    "mysql": "install the MySQL or MariaDB client (mysql or mariadb), e.g. `apt install mariadb-client`",
    "sqlite": "install the SQLite shell (sqlite3), e.g. `apt install sqlite3`",
}


@dataclass(frozen=True)
class ClientCall:
    """A client program, its arguments, and the environment variables it needs (the password goes there)."""

    argv: list[str]
    env: Mapping[str, str] = field(default_factory=dict)


def _find(*names: str, which: str) -> str:
    """Return the first of ``names`` found on PATH."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    raise CommandError(f"{' or '.join(names)} is not on PATH: {INSTALL_HINTS[which]}")


def client_call(url: str, *, command: str | None = None, extra: Sequence[str] = ()) -> ClientCall:
    """Return how to open the database of ``url`` in its client (running ``command`` alone when given)."""
    dialect = dialect_of(url)
    if dialect == "sqlite":
        return _sqlite(url, command, extra)
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    database = unquote(parts.path.lstrip("/")) or None
    if dialect == "postgres":
        argv = [_find("psql", which="postgres")]
        if parts.hostname:
            argv += ["--host", parts.hostname]
        if parts.port:
            argv += ["--port", str(parts.port)]
        if user:
            argv += ["--username", user]
        if database:
            argv += ["--dbname", database]
        if command is not None:
            argv += ["--command", command]
        env = {"PGPASSWORD": password} if password else {}
        if "sslmode" in query:
            env["PGSSLMODE"] = query["sslmode"]
        return ClientCall([*argv, *extra], env)
    argv = [_find("mariadb", "mysql", which="mysql")]
    if parts.hostname:
        argv += ["--host", parts.hostname]
    if parts.port:
        argv += ["--port", str(parts.port)]
    if "socket" in query:
        argv += ["--socket", query["socket"]]
    if user:
        argv += ["--user", user]
    if command is not None:
        argv += ["--execute", command]
    argv += list(extra)
    if database:
        argv.append(database)
    # The MySQL clients read the password from MYSQL_PWD, so it never shows in `ps`.
    return ClientCall(argv, {"MYSQL_PWD": password} if password else {})


def _sqlite(url: str, command: str | None, extra: Sequence[str]) -> ClientCall:
    """Return the sqlite3 call for a sqlite:// URL."""
    rest = url.split(":", 1)[1]
    path = rest.split("?", 1)[0]
    path = path[2:] if path.startswith("//") else path
    if path in ("", ":memory:"):
        raise UsageError("an in-memory SQLite database exists only inside its process; dbshell needs a file URL")
    argv = [_find("sqlite3", which="sqlite"), *extra, path]
    if command is not None:
        argv.append(command)
    return ClientCall(argv)


__all__ = ["ClientCall", "client_call"]
