"""The DDL API of spec §16.3 (`detect_backend`, `DDLGenerator`, `generate_schema_ddl`) over ``ryx_core.ddl_*``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import ryx_core

from ryx_migrate.compat import ColumnState, TableState
from ryx_migrate.dialects import detect_backend, normalize_dialect
from ryx_migrate.operations.compat import CreateTable
from ryx_migrate.schema import SchemaEditor, column_spec
from ryx_migrate.state import FieldState, IndexState, ModelState, project_state_from_models


def _model(table: TableState | ModelState) -> ModelState:
    """Return a model state for a table state (or the model state itself)."""
    if isinstance(table, ModelState):
        return table
    return CreateTable(table.name, list(table.columns.values()), schema=table.schema).model_state("")


def _field(col: ColumnState | FieldState) -> FieldState:
    """Return a field state for a column state (or the field state itself)."""
    if isinstance(col, FieldState):
        return col
    return CreateTable("_", [col]).fields[0][1]


class DDLGenerator:
    """Statements for one backend (and PostgreSQL schema), each method returning the statements to run."""

    def __init__(self, backend: str = "postgres", schema: str = "") -> None:
        """Generate for ``backend`` (``postgres``, ``mysql``, ``mariadb``, ``sqlite``)."""
        self.backend = normalize_dialect(backend)
        self.schema = schema

    def _editor(self) -> SchemaEditor:
        return SchemaEditor(self.backend, default_schema=self.schema)

    def _schema(self, schema: str = "") -> str | None:
        return (schema or self.schema or None) if self.backend == "postgres" else None

    def create_schema(self, name: str) -> list[str]:
        """``CREATE SCHEMA IF NOT EXISTS`` on PostgreSQL; nothing elsewhere."""
        if self.backend != "postgres":
            return []
        statements = ryx_core.ddl_create_table(
            "_", [{"name": "x", "type": "TEXT"}], dialect="postgres", schema=name, create_schema=True
        )
        return statements[:1]  # the CREATE SCHEMA IF NOT EXISTS the DDL layer puts first

    def create_table(self, table_state: TableState | ModelState) -> list[str]:
        """CREATE TABLE with keys, uniques, checks, foreign keys, then its indexes."""
        editor = self._editor()
        editor.create_model(_model(table_state))
        return [a.render().rstrip(";") for a in editor.actions]

    def add_column(self, table: str, col: ColumnState | FieldState) -> list[str]:
        """ALTER TABLE ... ADD COLUMN."""
        return ryx_core.ddl_add_column(table, column_spec(_field(col)), dialect=self.backend, schema=self._schema())

    def alter_column(self, table: str, old: ColumnState | FieldState, new: ColumnState | FieldState) -> list[str]:
        """Change a column (NotSupportedError on SQLite, which rebuilds tables: use migrations)."""
        return ryx_core.ddl_alter_column(
            table, column_spec(_field(old)), column_spec(_field(new)), dialect=self.backend, schema=self._schema()
        )

    def drop_column(self, table: str, name: str) -> list[str]:
        """ALTER TABLE ... DROP COLUMN."""
        return ryx_core.ddl_drop_column(table, name, dialect=self.backend, schema=self._schema())

    def drop_table(self, table: str) -> list[str]:
        """DROP TABLE IF EXISTS."""
        return ryx_core.ddl_drop_table(table, dialect=self.backend, schema=self._schema())

    def create_index(self, table: str, index: Any) -> list[str]:
        """CREATE INDEX from an object with ``name``, ``fields`` (columns) and ``unique``."""
        return self.create_index_from_fields(table, list(index.fields), index.name, bool(getattr(index, "unique", 0)))

    def create_index_from_fields(self, table: str, fields: Sequence[str], name: str, unique: bool = False) -> list[str]:
        """CREATE [UNIQUE] INDEX over columns."""
        return ryx_core.ddl_create_index(
            table, name, list(fields), unique=unique, dialect=self.backend, schema=self._schema()
        )

    def drop_index(self, name: str, table: str = "") -> list[str]:
        """DROP INDEX (MySQL needs the table)."""
        return ryx_core.ddl_drop_index(table, name, dialect=self.backend, schema=self._schema())

    def add_constraint(self, table: str, constraint: Any) -> list[str]:
        """ADD CONSTRAINT ... CHECK (NotSupportedError on SQLite)."""
        return ryx_core.ddl_add_check(
            table, constraint.name, constraint.check, dialect=self.backend, schema=self._schema()
        )

    def add_foreign_key(
        self,
        table: str,
        col: str,
        ref_table: str,
        ref_col: str,
        on_delete: str = "CASCADE",
        constraint_name: str | None = None,
    ) -> list[str]:
        """ADD CONSTRAINT ... FOREIGN KEY (NotSupportedError on SQLite)."""
        fk = {
            "columns": [col],
            "ref_table": ref_table,
            "ref_columns": [ref_col],
            "on_delete": on_delete,
            "name": constraint_name,
        }
        return ryx_core.ddl_add_foreign_key(table, fk, dialect=self.backend, schema=self._schema())


def generate_schema_ddl(
    models: Iterable[Any], backend: str = "postgres", include_indexes: bool = True, include_constraints: bool = True
) -> list[str]:
    """Return the statements creating the models' tables (in foreign-key order), indexes and constraints."""
    from ryx_migrate.autodetect import Autodetector
    from ryx_migrate.state import ProjectState

    state = project_state_from_models(models)
    created, deferred = Autodetector([])._create_models("", ProjectState(), state)
    editor = SchemaEditor(backend)
    current = ProjectState()
    for op in [*created, *deferred]:
        after = current.clone()
        name = str(getattr(op, "name", None) or getattr(op, "model_name", ""))
        app = next((k[0] for k in state.models if k[1] == name.lower()), "")
        op.state_forwards(app, after)
        model = after.get_model(app, name)
        if not include_indexes:
            model.indexes = []
            model.fields = {n: f.replace(db_index=False) for n, f in model.fields.items()}
        if not include_constraints:
            model.constraints = []
        op.database_forwards(app, editor, current, after)
        current = after
    return [a.render().rstrip(";") for a in editor.actions]


__all__ = ["DDLGenerator", "IndexState", "detect_backend", "generate_schema_ddl"]
