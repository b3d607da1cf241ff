"""Project settings: `[tool.ryx]` in pyproject.toml or `ryx.toml`, then the environment, then the command line."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ryx.connections import urls_from_env

from ryx_cli.errors import UsageError

CONFIG_FILE: Final = "ryx.toml"
PYPROJECT: Final = "pyproject.toml"
DEFAULT_ALIAS: Final = "default"
DEFAULT_MIGRATIONS: Final = "migrations"
DEFAULT_HISTORY_TABLE: Final = "ryx_migrations"
#: Every key of the `[tool.ryx]` table (or of ryx.toml), with what it holds.
CONFIG_KEYS: Final = {
    "models": "list of modules that define the models, e.g. ['blog.models']",
    "migrations": "directory of the migration files, relative to the config file (default 'migrations')",
    "databases": "table of alias = URL, e.g. {default = 'sqlite://db.sqlite3'}",
    "history_table": "name of the table that records applied migrations (default 'ryx_migrations')",
    "plugins": "list of extra plugin classes, e.g. ['my_pkg.cli:MyPlugin']",
    "pool": "options for ryx.setup(): max_connections, min_connections, connect_timeout, ...",
}
POOL_OPTIONS: Final = {
    "max_connections": int,
    "min_connections": int,
    "connect_timeout": float,
    "idle_timeout": float,
    "max_lifetime": float,
    "statement_cache_size": int,
    "sqlite_journal_mode": str,
    "sqlite_busy_timeout": float,
}
#: URL scheme -> the dialect name ryx_core compiles for.
DIALECTS: Final = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "mysql": "mysql",
    "mariadb": "mariadb",
    "sqlite": "sqlite",
}


@dataclass
class GlobalOptions:
    """The options every command accepts (before or after the command name); None means "not given"."""

    database_url: str | None = None
    urls: str | None = None
    database: str | None = None
    config: Path | None = None
    models: list[str] = field(default_factory=list)
    migrations: Path | None = None
    no_color: bool = False
    traceback: bool = False

    def merge(self, **given: Any) -> None:
        """Let values given after the command name override those given before it."""
        for name, value in given.items():
            if value is None or value is False or value == []:
                continue
            setattr(self, name, list(value) if isinstance(value, tuple | list) else value)


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to know about the project, resolved once."""

    root: Path
    config_file: Path | None
    databases: Mapping[str, str]
    alias: str
    models: tuple[str, ...]
    migrations_dir: Path
    history_table: str = DEFAULT_HISTORY_TABLE
    plugins: tuple[str, ...] = ()
    pool: Mapping[str, Any] = field(default_factory=dict)
    alias_given: bool = False

    @property
    def url(self) -> str:
        """Return the URL of the selected alias (UsageError saying how to configure one otherwise)."""
        return self.url_for(self.alias)

    def url_for(self, alias: str) -> str:
        """Return the URL of ``alias``."""
        try:
            return self.databases[alias]
        except KeyError:
            raise UsageError(no_database_message(alias, self.databases)) from None

    def dialect(self, alias: str | None = None) -> str:
        """Return the dialect of an alias's URL (``postgres``, ``mysql``, ``mariadb`` or ``sqlite``), offline."""
        return dialect_of(self.url_for(alias or self.alias))

    def require_models(self) -> tuple[str, ...]:
        """Return the model modules, or raise a UsageError saying where to list them."""
        if not self.models:
            where = self.config_file or f"{self.root / PYPROJECT} ([tool.ryx]) or {self.root / CONFIG_FILE}"
            raise UsageError(
                f"no model modules are configured: add models = ['yourapp.models'] to {where}, or pass --models MODULE"
            )
        return self.models


def no_database_message(alias: str, databases: Mapping[str, str]) -> str:
    """Say that ``alias`` has no URL and how to give one."""
    known = f" (configured aliases: {', '.join(sorted(databases))})" if databases else ""
    env = "RYX_DATABASE_URL" if alias == DEFAULT_ALIAS else f"RYX_DB_{alias.upper()}_URL"
    return (
        f"no database URL for the alias {alias!r}{known}: pass --database-url URL, set {env}, "
        f"or add databases = {{{alias} = 'sqlite://db.sqlite3'}} to [tool.ryx] in pyproject.toml or to ryx.toml"
    )


def dialect_of(url: str) -> str:
    """Return the ryx_core dialect of a database URL, read from its scheme."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    try:
        return DIALECTS[scheme]
    except KeyError:
        raise UsageError(
            f"cannot tell the database of {url!r}: a URL starts with postgres://, mysql://, mariadb:// or sqlite://"
        ) from None


# ---------------------------------------------------------------------------------------------- files


def find_config(start: Path) -> Path | None:
    """Return the nearest ryx.toml, or pyproject.toml with a [tool.ryx] table, in ``start`` or a parent."""
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_FILE
        if candidate.is_file():
            return candidate
        pyproject = directory / PYPROJECT
        if pyproject.is_file() and "ryx" in _read_toml(pyproject).get("tool", {}):
            return pyproject
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file (UsageError with the position when it is not valid TOML)."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot read the configuration file {path}: {exc.strerror}") from None


def load_config(path: Path) -> dict[str, Any]:
    """Return the Ryx table of a config file: [tool.ryx] of a pyproject.toml, the whole of any other file."""
    data = _read_toml(path)
    if path.name == PYPROJECT:
        table = data.get("tool", {}).get("ryx")
        if table is None:
            raise UsageError(f"{path} has no [tool.ryx] table; add one (see `ryx --help`) or use ryx.toml")
    else:
        table = data
    if not isinstance(table, dict):
        raise UsageError(f"the Ryx configuration in {path} must be a table")
    unknown = sorted(set(table) - set(CONFIG_KEYS))
    if unknown:
        valid = "; ".join(f"{k}: {v}" for k, v in CONFIG_KEYS.items())
        raise UsageError(f"{path}: unknown Ryx setting(s) {', '.join(unknown)}. Valid settings are {valid}")
    return table


def _string_list(value: Any, key: str, path: Path) -> tuple[str, ...]:
    """Check a list of non-empty strings (a single string is accepted as a list of one)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise UsageError(f"{path}: {key} must be a list of names, e.g. {key} = ['blog.models'], not {value!r}")
    return tuple(v.strip() for v in value)


def _databases(value: Any, path: Path, root: Path) -> dict[str, str]:
    """Check the databases table; relative SQLite paths are taken relative to the config file."""
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise UsageError(
            f"{path}: databases must be a table of alias = URL strings, e.g. {{default = 'sqlite://app.db'}}"
        )
    return {alias: anchor_sqlite(url, root) for alias, url in value.items()}


def anchor_sqlite(url: str, root: Path) -> str:
    """Make a relative ``sqlite://path`` absolute under ``root`` (so the command works from any directory)."""
    if not url.lower().startswith("sqlite://"):
        return url
    rest = url[len("sqlite://") :]
    path, sep, query = rest.partition("?")
    if not path or path.startswith(("/", ":memory:")) or Path(path).is_absolute():
        return url
    return f"sqlite://{root / path}{sep}{query}"


def _pool(value: Any, path: Path) -> dict[str, Any]:
    """Check the pool table against ryx.setup()'s options."""
    if not isinstance(value, dict):
        raise UsageError(f"{path}: pool must be a table, e.g. pool = {{max_connections = 10}}")
    out: dict[str, Any] = {}
    for key, raw in value.items():
        kind = POOL_OPTIONS.get(key)
        if kind is None:
            raise UsageError(f"{path}: unknown pool option {key!r}; valid options are {', '.join(POOL_OPTIONS)}")
        if kind is float and isinstance(raw, int | float) and not isinstance(raw, bool):
            out[key] = float(raw)
        elif isinstance(raw, kind) and not isinstance(raw, bool):
            out[key] = raw
        else:
            what = {int: "an integer", float: "a number", str: "a string"}[kind]
            raise UsageError(f"{path}: pool option {key} must be {what}, not {raw!r}")
    return out


# ---------------------------------------------------------------------------------------------- resolution


def parse_urls(text: str) -> dict[str, str]:
    """Parse ``--urls "a=url,b=url"``."""
    out: dict[str, str] = {}
    for part in text.split(","):
        alias, sep, url = part.partition("=")
        if not sep or not alias.strip() or not url.strip():
            raise UsageError(
                f"--urls takes alias=URL pairs separated by commas, e.g. default=sqlite://app.db; got {part!r}"
            )
        out[alias.strip()] = url.strip()
    return out


def resolve(options: GlobalOptions, *, cwd: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Combine the config file, the environment and the command line (each overrides the one before)."""
    here = (cwd or Path.cwd()).resolve()
    env = os.environ if environ is None else environ
    if options.config is not None:
        config_file: Path | None = (here / options.config).resolve()
        assert config_file is not None
        if not config_file.is_file():
            raise UsageError(f"the configuration file {config_file} does not exist; check --config")
    else:
        config_file = find_config(here)
    table = load_config(config_file) if config_file else {}
    root = config_file.parent if config_file else here
    source = config_file or root

    databases = _databases(table.get("databases", {}), source, root)
    databases.update(urls_from_env(env))
    if options.urls:
        databases.update(parse_urls(options.urls))
    alias = options.database or DEFAULT_ALIAS
    if options.database_url:
        if not options.database_url.strip():
            raise UsageError("--database-url got an empty URL")
        databases[alias] = options.database_url.strip()

    models = tuple(options.models) if options.models else _string_list(table.get("models", []), "models", source)
    if options.migrations is not None:
        migrations = (here / options.migrations).resolve()
    else:
        raw = table.get("migrations", DEFAULT_MIGRATIONS)
        if not isinstance(raw, str) or not raw.strip():
            raise UsageError(f"{source}: migrations must be a directory name, e.g. migrations = 'migrations'")
        migrations = (root / raw).resolve()
    history = table.get("history_table", DEFAULT_HISTORY_TABLE)
    if not isinstance(history, str) or not history.strip():
        raise UsageError(f"{source}: history_table must be a table name, e.g. history_table = 'ryx_migrations'")
    return Settings(
        root=root,
        history_table=history.strip(),
        config_file=config_file,
        databases=databases,
        alias=alias,
        models=models,
        migrations_dir=migrations,
        plugins=_string_list(table.get("plugins", []), "plugins", source),
        pool=_pool(table.get("pool", {}), source),
        alias_given=options.database is not None,
    )


def configured_plugins(options: GlobalOptions, *, cwd: Path | None = None) -> tuple[Sequence[str], Path | None]:
    """Return the plugin classes named in the config file and the project root they import from.

    Nothing when the config cannot be read: the command itself reports that error.
    """
    try:
        settings = resolve(options, cwd=cwd, environ={})
    except UsageError:
        return (), None
    return settings.plugins, settings.root


__all__ = [
    "CONFIG_KEYS",
    "GlobalOptions",
    "Settings",
    "anchor_sqlite",
    "dialect_of",
    "find_config",
    "load_config",
    "parse_urls",
    "resolve",
]
