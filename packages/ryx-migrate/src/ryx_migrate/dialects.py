"""Which SQL dialect an alias speaks, and identifier quoting for the few statements no ddl_* function builds."""

from __future__ import annotations

from typing import Final, Literal

import ryx_core

from ryx_migrate.errors import MigrationError

Dialect = Literal["postgres", "mysql", "mariadb", "sqlite"]
DIALECTS: Final[tuple[Dialect, ...]] = ("postgres", "mysql", "mariadb", "sqlite")
_NAMES: Final[dict[str, Dialect]] = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "mysql": "mysql",
    "mariadb": "mariadb",
    "sqlite": "sqlite",
}


def normalize_dialect(name: str) -> Dialect:
    """Return the canonical dialect name of ``name``; MigrationError listing the valid ones otherwise."""
    try:
        return _NAMES[str(name).lower()]
    except KeyError:
        raise MigrationError(f"unknown SQL dialect {name!r}; use one of: {', '.join(DIALECTS)}") from None


def dialect_of(alias: str | None = None) -> Dialect:
    """Return the dialect of a connected alias (MariaDB is told apart from MySQL by its version string)."""
    backend = ryx_core.get_backend(alias)
    if backend == "PostgreSQL":
        return "postgres"
    if backend == "SQLite":
        return "sqlite"
    return "mariadb" if "mariadb" in ryx_core.server_version(alias).lower() else "mysql"


def detect_backend(url: str) -> Literal["postgres", "mysql", "sqlite"]:
    """Return the backend of a database URL: ``sqlite*``, ``mysql*``/``mariadb*``, otherwise ``postgres``."""
    lowered = url.lower()
    if lowered.startswith("sqlite"):
        return "sqlite"
    if lowered.startswith(("mysql", "mariadb")):
        return "mysql"
    return "postgres"


def quote(name: str, dialect: str) -> str:
    """Quote an identifier (backticks on MySQL/MariaDB, double quotes elsewhere)."""
    if dialect in ("mysql", "mariadb"):
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


def is_mysql(dialect: str) -> bool:
    """Return whether the dialect is MySQL or MariaDB."""
    return dialect in ("mysql", "mariadb")


__all__ = ["DIALECTS", "Dialect", "detect_backend", "dialect_of", "is_mysql", "normalize_dialect", "quote"]
