"""A throw-away Ryx project for the CLI tests: a models package with a unique name, a ryx.toml, ways to run `ryx`.

Table names in model sources are written ``{p}_name``; `Project.write_models` replaces ``{p}`` with a prefix unique
to the test, so concurrent runs on the shared servers never touch each other's tables.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ryx_core
from ryx.models.base import registry
from ryx_cli.app import build_app
from typer.testing import CliRunner, Result

CLEANUP_ALIAS = "__cli_test__"

#: The models every project starts with (``{p}`` is the table prefix).
LIBRARY = """
import ryx


class Author(ryx.Model):
    name = ryx.CharField(max_length=100, unique=True)

    class Meta:
        table_name = "{p}_authors"


class Book(ryx.Model):
    title = ryx.CharField(max_length=200)
    pages = ryx.IntField(default=0)
    author = ryx.ForeignKey(Author, on_delete="CASCADE", related_name="books")

    class Meta:
        table_name = "{p}_books"
"""


def ryx_script() -> str:
    """Return the path of the installed `ryx` console script (next to this interpreter)."""
    script = Path(sys.executable).with_name("ryx")
    assert script.exists(), f"the ryx console script is not installed next to {sys.executable}"
    return str(script)


@dataclass
class Project:
    """A project directory: ``<package>/models.py``, ryx.toml, and the database at ``url``."""

    root: Path
    url: str
    backend: str
    package: str
    prefix: str

    @classmethod
    def create(cls, root: Path, url: str, backend: str) -> Project:
        """Lay out an empty project whose config points at ``url``."""
        tag = uuid.uuid4().hex[:8]
        proj = cls(root=root, url=url, backend=backend, package=f"cliapp_{tag}", prefix=f"cli{tag}")
        (root / proj.package).mkdir(parents=True)
        (root / proj.package / "__init__.py").write_text("")
        proj.write_config()
        proj.write_models(LIBRARY)
        return proj

    # ------------------------------------------------------------------------------------------ files

    def write_config(self, extra: str = "", *, name: str = "ryx.toml") -> Path:
        """Write the config file (``extra`` is appended TOML)."""
        path = self.root / name
        header = "[tool.ryx]\n" if name == "pyproject.toml" else ""
        path.write_text(
            f'{header}models = ["{self.package}.models"]\n'
            f'migrations = "migrations"\n'
            f'history_table = "{self.prefix}_history"\n'
            f'databases = {{default = "{self.url}"}}\n{extra}'
        )
        return path

    def write_models(self, source: str, module: str = "models") -> Path:
        """Write ``<package>/<module>.py`` (``{p}`` in the source becomes the table prefix)."""
        path = self.root / self.package / f"{module}.py"
        path.write_text(source.replace("{p}", self.prefix))
        return path

    @property
    def migrations(self) -> Path:
        """Return the migrations directory."""
        return self.root / "migrations"

    def migration_files(self) -> list[str]:
        """Return the names of the migration files, sorted."""
        if not self.migrations.is_dir():
            return []
        return sorted(p.stem for p in self.migrations.glob("[0-9]*.py"))

    # ------------------------------------------------------------------------------------------ running

    def forget_models(self) -> None:
        """Drop the package's modules and models from this process (an in-process run re-imports them)."""
        for name in [m for m in sys.modules if m == self.package or m.startswith(self.package + ".")]:
            del sys.modules[name]
        for model in list(registry):
            if model.__module__.startswith(self.package):
                registry.unregister(model)

    def invoke(self, *args: str, input: str | None = None, env: Mapping[str, str] | None = None) -> Result:
        """Run ``ryx ARGS`` in-process with Typer's CliRunner (the models are imported afresh)."""
        self.forget_models()
        argv = list(args)
        return CliRunner().invoke(build_app(argv), argv, input=input, env=dict(env or {}), catch_exceptions=False)

    def run(
        self, *args: str, script: bool = False, input: str | None = None, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run ``python -m ryx ARGS`` (or the ``ryx`` script) as a subprocess in the project directory."""
        command = [ryx_script()] if script else [sys.executable, "-m", "ryx"]
        clean = {k: v for k, v in os.environ.items() if not k.startswith("RYX_DB") and k != "RYX_DATABASE_URL"}
        return subprocess.run(
            [*command, *args],
            cwd=self.root,
            env={**clean, "NO_COLOR": "1", **(env or {})},
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    # ------------------------------------------------------------------------------------------ database

    def _connect(self) -> None:
        ryx_core.setup_sync({CLEANUP_ALIAS: self.url}, min_connections=1, max_connections=1)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run SQL on the project's database from the test (its own pool) and return the rows as tuples."""
        self._connect()
        try:
            rows = ryx_core.fetch_all_sync(sql, list(params), alias=CLEANUP_ALIAS, as_tuples=True)
            return [tuple(r) for r in rows]
        finally:
            ryx_core.close_sync(CLEANUP_ALIAS)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement on the project's database from the test."""
        self._connect()
        try:
            return ryx_core.execute_sync(sql, list(params), alias=CLEANUP_ALIAS)
        finally:
            ryx_core.close_sync(CLEANUP_ALIAS)

    def dialect(self) -> str:
        """Return the ryx_core DDL dialect of the server (MariaDB is told apart from MySQL)."""
        if self.backend != "mysql":
            return self.backend
        version = str(self.query("SELECT VERSION()")[0][0])
        return "mariadb" if "mariadb" in version.lower() else "mysql"

    def create_table(
        self, name: str, columns: Sequence[Mapping[str, Any]], foreign_keys: Sequence[Mapping[str, Any]] = ()
    ) -> str:
        """Create a table by hand (``{p}`` in names is the prefix): an ``id`` key plus ``columns``; return its name."""
        table = name.replace("{p}", self.prefix)
        cols = [{"name": "id", "type": "BIGINT", "primary_key": True, "auto_increment": True, "null": False}]
        cols += [dict(c) for c in columns]
        fks = [{**fk, "ref_table": str(fk["ref_table"]).replace("{p}", self.prefix)} for fk in foreign_keys]
        for sql in ryx_core.ddl_create_table(table, cols, dialect=self.dialect(), foreign_keys=fks):  # type: ignore[arg-type]
            self.execute(sql)
        return table

    def create_library(self) -> None:
        """Create the tables of `LIBRARY` by hand (for commands that need tables but not migrations)."""
        self.create_table("{p}_authors", [{"name": "name", "type": "VARCHAR(100)", "null": False, "unique": True}])
        self.create_table(
            "{p}_books",
            [
                {"name": "title", "type": "VARCHAR(200)", "null": False},
                {"name": "pages", "type": "INTEGER", "null": False},
                {"name": "author_id", "type": "BIGINT", "null": False},
            ],
            [{"columns": ["author_id"], "ref_table": "{p}_authors", "ref_columns": ["id"], "on_delete": "CASCADE"}],
        )

    def quote(self, name: str) -> str:
        """Quote an identifier for the backend."""
        if self.backend == "mysql":
            return "`" + name.replace("`", "``") + "`"
        return '"' + name.replace('"', '""') + '"'

    def tables(self) -> list[str]:
        """Return this project's tables (those with its prefix) that exist."""
        like = self.prefix + "%"
        if self.backend == "postgres":
            sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE $1"
        elif self.backend == "mysql":
            sql = (
                "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE ?"
            )
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ?"
        return sorted(str(r[0]) for r in self.query(sql, [like]))

    def count(self, table: str) -> int:
        """Return the number of rows of one of the project's tables (``{p}`` is replaced)."""
        name = table.replace("{p}", self.prefix)
        return int(self.query(f"SELECT COUNT(*) FROM {self.quote(name)}")[0][0])

    def drop_tables(self) -> None:
        """Drop the project's tables (children before parents: retry until none is left)."""
        if self.backend == "sqlite":
            return
        for _ in range(5):
            left = self.tables()
            if not left:
                return
            for name in left:
                cascade = " CASCADE" if self.backend == "postgres" else ""
                try:
                    self.execute(f"DROP TABLE IF EXISTS {self.quote(name)}{cascade}")
                except ryx_core.DatabaseError:
                    continue  # still referenced by a table dropped later in this round


__all__ = ["LIBRARY", "Project", "ryx_script"]
