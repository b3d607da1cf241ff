"""The schema editor: turns state changes into the statements of one dialect (from ``ryx_core.ddl_*``).

It runs nothing: it collects `Statement`, `PythonStep` and `DynamicStep` actions that the executor runs on one
connection, inside the migration's transaction, and that ``sqlmigrate`` prints. SQLite changes ALTER TABLE
cannot express rebuild the table as SQLite documents (create ``new__t``, copy, drop, rename, recreate the
indexes); the executor turns foreign keys off around the whole run and checks them after each migration.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ryx_core

from ryx_migrate.dialects import Dialect, normalize_dialect, quote
from ryx_migrate.state import CheckState, FieldState, IndexState, ModelState

if TYPE_CHECKING:
    from ryx_migrate.context import MigrationContext

#: ``on_delete`` of a model field → the SQL action (PROTECT is enforced by the database as RESTRICT).
ON_DELETE_SQL = {
    "CASCADE": "CASCADE",
    "SET_NULL": "SET NULL",
    "SET_DEFAULT": "SET DEFAULT",
    "PROTECT": "RESTRICT",
    "RESTRICT": "RESTRICT",
    "DO_NOTHING": "NO ACTION",
}


@dataclass(frozen=True)
class Statement:
    """One SQL statement with its bound parameters."""

    sql: str
    params: tuple[Any, ...] = ()

    def render(self) -> str:
        """Return the SQL, with the parameters in a trailing comment when there are any."""
        return f"{self.sql}; -- params: {list(self.params)!r}" if self.params else f"{self.sql};"


@dataclass(frozen=True)
class PythonStep:
    """An async callable run inside the migration's transaction (RunPython)."""

    func: Callable[[MigrationContext], Awaitable[Any]]
    description: str

    def render(self) -> str:
        """Return a comment naming the callable."""
        return f"-- RunPython: {self.description} (Python code, no SQL)"


@dataclass(frozen=True)
class DynamicStep:
    """Statements that depend on names only the live database knows (a foreign key to drop, for instance)."""

    resolve: Callable[[MigrationContext], Awaitable[list[Statement]]]
    offline: tuple[Statement, ...]
    description: str

    def render(self) -> str:
        """Return the statements it runs when the database uses the names ryx-migrate gives."""
        return "\n".join([f"-- {self.description}", *(s.render() for s in self.offline)])


Action = Statement | PythonStep | DynamicStep


def column_spec(f: FieldState) -> dict[str, Any]:
    """Return the ``ryx_core.ddl_*`` column dict of a field state."""
    spec: dict[str, Any] = {
        "name": f.column,
        "type": f.db_type,
        "null": f.null,
        "primary_key": f.primary_key,
        "auto_increment": f.auto_increment and f.primary_key,
        "unique": f.unique and not f.primary_key,
    }
    if f.default is not None:
        spec["default"] = f.default
    return spec


class SchemaEditor:
    """Collect the actions that change a schema, for one dialect (and one alias when routing matters)."""

    def __init__(
        self,
        dialect: str,
        *,
        alias: str | None = None,
        default_schema: str = "",
        allow_model: Callable[[ModelState], bool] | None = None,
    ) -> None:
        """Build statements for ``dialect``; ``allow_model`` says which models live on this alias."""
        self.dialect: Dialect = normalize_dialect(dialect)
        self.alias = alias
        self.default_schema = default_schema
        self._allow_model = allow_model
        self.actions: list[Action] = []

    # ------------------------------------------------------------------------------------------ routing

    def allows(self, model: ModelState) -> bool:
        """Return whether the model's table lives on this editor's alias."""
        return True if self._allow_model is None else self._allow_model(model)

    def allows_database(self, database: str | None) -> bool:
        """Return whether RunSQL/RunPython pinned to ``database`` (None: every alias) runs here."""
        return database is None or self.alias is None or database == self.alias

    # ------------------------------------------------------------------------------------------ helpers

    @property
    def sqlite(self) -> bool:
        """Return whether the dialect is SQLite."""
        return self.dialect == "sqlite"

    def schema_of(self, model: ModelState) -> str | None:
        """Return the schema to qualify the table with (PostgreSQL only)."""
        if self.dialect != "postgres":
            return None
        return model.schema or self.default_schema or None

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        """Add a statement."""
        self.actions.append(Statement(sql, tuple(params)))

    def extend(self, statements: list[str]) -> None:
        """Add statements without parameters."""
        self.actions.extend(Statement(s) for s in statements)

    def run_python(self, func: Callable[[MigrationContext], Awaitable[Any]], description: str) -> None:
        """Add a Python step."""
        self.actions.append(PythonStep(func, description))

    def fk_name(self, model: ModelState, f: FieldState) -> str:
        """Return the name of a field's FOREIGN KEY constraint."""
        return ryx_core.ddl_constraint_name(
            model.table,
            [f.column],
            kind="foreign_key",
            ref_table=f.to_table,
            ref_columns=[f.to_column or "id"],
            dialect=self.dialect,
        )

    def fk_spec(self, model: ModelState, f: FieldState) -> dict[str, Any]:
        """Return the ``ryx_core.ddl_*`` foreign-key dict of a relation field."""
        return {
            "columns": [f.column],
            "ref_table": f.to_table,
            "ref_columns": [f.to_column or "id"],
            "on_delete": ON_DELETE_SQL.get(f.on_delete or "CASCADE", "CASCADE"),
            "name": self.fk_name(model, f),
        }

    def _index_statements(self, model: ModelState) -> list[str]:
        """Return the CREATE INDEX statements of a model (Meta indexes and ``db_index`` fields)."""
        out: list[str] = []
        for index in model.indexes:
            out += self._create_index(model, index)
        for name, f in model.fields.items():
            if f.db_index and not f.unique and not f.primary_key:
                out += ryx_core.ddl_create_index(
                    model.table,
                    model.field_index_name(name),
                    [f.column],
                    dialect=self.dialect,
                    schema=self.schema_of(model),
                )
        return out

    def _create_index(self, model: ModelState, index: IndexState) -> list[str]:
        """Return the statements creating one index."""
        return ryx_core.ddl_create_index(
            model.table,
            index.name,
            model.columns_of(index.fields),
            unique=index.unique,
            dialect=self.dialect,
            schema=self.schema_of(model),
        )

    def create_table_statements(self, model: ModelState, *, table: str | None = None) -> list[str]:
        """Return the CREATE TABLE of a model (under another name for a SQLite rebuild)."""
        schema = self.schema_of(model)
        fks = [self.fk_spec(model, f) for f in model.fields.values() if f.has_fk_constraint]
        return ryx_core.ddl_create_table(
            table or model.table,
            [column_spec(f) for f in model.fields.values()],
            dialect=self.dialect,
            schema=schema,
            uniques=[(None, model.columns_of(group)) for group in model.unique_together],
            checks=[(c.name, c.check) for c in model.constraints],
            foreign_keys=fks,
            create_schema=schema is not None,
        )

    # ------------------------------------------------------------------------------------------ models

    def create_model(self, model: ModelState) -> None:
        """Create a model's table with its keys, constraints and indexes."""
        self.extend(self.create_table_statements(model))
        self.extend(self._index_statements(model))

    def delete_model(self, model: ModelState) -> None:
        """Drop a model's table (its indexes and constraints go with it)."""
        self.extend(ryx_core.ddl_drop_table(model.table, dialect=self.dialect, schema=self.schema_of(model)))

    def rename_table(self, old: ModelState, new: ModelState) -> None:
        """Rename a model's table."""
        self.extend(ryx_core.ddl_rename_table(old.table, new.table, dialect=self.dialect, schema=self.schema_of(old)))

    # ------------------------------------------------------------------------------------------ fields

    def add_field(self, before: ModelState, after: ModelState, name: str) -> None:
        """Add a field's column (SQLite: rebuild when ADD COLUMN cannot carry the column's constraints)."""
        f = after.get_field(name)
        if self.sqlite and (f.unique or f.primary_key or f.has_fk_constraint or (not f.null and f.default is None)):
            self.rebuild(before, after)
            return
        schema = self.schema_of(after)
        self.extend(ryx_core.ddl_add_column(after.table, column_spec(f), dialect=self.dialect, schema=schema))
        if f.has_fk_constraint:
            self.extend(
                ryx_core.ddl_add_foreign_key(after.table, self.fk_spec(after, f), dialect=self.dialect, schema=schema)
            )
        if f.db_index and not f.unique:
            self.extend(
                ryx_core.ddl_create_index(
                    after.table, after.field_index_name(name), [f.column], dialect=self.dialect, schema=schema
                )
            )

    def remove_field(self, before: ModelState, after: ModelState, name: str) -> None:
        """Drop a field's column (with its foreign key first; SQLite rebuilds the table)."""
        if self.sqlite:
            self.rebuild(before, after)
            return
        f = before.get_field(name)
        if f.has_fk_constraint:
            self.drop_foreign_key(before, f)
        self.extend(
            ryx_core.ddl_drop_column(before.table, f.column, dialect=self.dialect, schema=self.schema_of(before))
        )

    def alter_field(self, before: ModelState, after: ModelState, old_name: str, new_name: str) -> None:
        """Change a field's column: type, null, default, unique, index and foreign key (SQLite: rebuild)."""
        if self.sqlite:
            self.rebuild(before, after, renamed={new_name: old_name})
            return
        old, new = before.get_field(old_name), after.get_field(new_name)
        schema = self.schema_of(after)
        fk_changes = (old.to_table, old.to_column, old.on_delete, old.has_fk_constraint) != (
            new.to_table,
            new.to_column,
            new.on_delete,
            new.has_fk_constraint,
        )
        if old.has_fk_constraint and (fk_changes or old.db_type != new.db_type):
            self.drop_foreign_key(before, old)
        if old.db_index and not old.unique and (not new.db_index or new.unique):
            self.extend(
                ryx_core.ddl_drop_index(
                    before.table, before.field_index_name(old_name), dialect=self.dialect, schema=schema
                )
            )
        if old.null and not new.null and new.default is not None:
            sql, params = (
                ryx_core.Query(after.table, schema=schema)
                .filter(ryx_core.Cond.lookup(old.column, "isnull", True))
                .update_sql({old.column: new.default}, self.dialect)
            )
            self.execute(sql, tuple(params))
        old_spec, new_spec = column_spec(old), column_spec(new)
        if old_spec != new_spec:
            self.extend(ryx_core.ddl_alter_column(after.table, old_spec, new_spec, dialect=self.dialect, schema=schema))
        if new.has_fk_constraint and (fk_changes or old.db_type != new.db_type or not old.has_fk_constraint):
            self.extend(
                ryx_core.ddl_add_foreign_key(after.table, self.fk_spec(after, new), dialect=self.dialect, schema=schema)
            )
        if new.db_index and not new.unique and (not old.db_index or old.unique):
            self.extend(
                ryx_core.ddl_create_index(
                    after.table, after.field_index_name(new_name), [new.column], dialect=self.dialect, schema=schema
                )
            )

    def rename_field(self, before: ModelState, after: ModelState, old_name: str, new_name: str) -> None:
        """Rename a field's column (nothing to do when the column name stays)."""
        old, new = before.get_field(old_name), after.get_field(new_name)
        if old.column == new.column:
            return
        self.extend(
            ryx_core.ddl_rename_column(
                after.table, old.column, new.column, dialect=self.dialect, schema=self.schema_of(after)
            )
        )

    def drop_foreign_key(self, model: ModelState, f: FieldState) -> None:
        """Drop the FOREIGN KEY of a column, looked up by column in the live database (its name may differ)."""
        name = self.fk_name(model, f)
        schema = self.schema_of(model)
        dialect = self.dialect
        table = model.table

        async def resolve(ctx: MigrationContext) -> list[Statement]:
            from ryx_migrate.introspect import foreign_key_names

            names = await foreign_key_names(ctx, table, f.column, schema=schema)
            return [
                Statement(sql)
                for fk in names
                for sql in ryx_core.ddl_drop_constraint(table, fk, kind="foreign_key", dialect=dialect, schema=schema)
            ]

        offline = ryx_core.ddl_drop_constraint(table, name, kind="foreign_key", dialect=dialect, schema=schema)
        self.actions.append(
            DynamicStep(resolve, tuple(Statement(s) for s in offline), f"drop the foreign key of {table}.{f.column}")
        )

    # ------------------------------------------------------------------------------------------ indexes and constraints

    def add_index(self, model: ModelState, index: IndexState) -> None:
        """Create an index."""
        self.extend(self._create_index(model, index))

    def remove_index(self, model: ModelState, index: IndexState) -> None:
        """Drop an index."""
        self.extend(
            ryx_core.ddl_drop_index(model.table, index.name, dialect=self.dialect, schema=self.schema_of(model))
        )

    def alter_unique_together(self, before: ModelState, after: ModelState) -> None:
        """Drop the groups that went away and add the new ones (SQLite: rebuild)."""
        if self.sqlite:
            self.rebuild(before, after)
            return
        schema = self.schema_of(after)
        for group in before.unique_together:
            if group not in after.unique_together:
                name = ryx_core.ddl_constraint_name(
                    before.table, before.columns_of(group), kind="unique", dialect=self.dialect
                )
                self.extend(
                    ryx_core.ddl_drop_constraint(before.table, name, kind="unique", dialect=self.dialect, schema=schema)
                )
        for group in after.unique_together:
            if group not in before.unique_together:
                self.extend(
                    ryx_core.ddl_add_unique(
                        after.table, None, after.columns_of(group), dialect=self.dialect, schema=schema
                    )
                )

    def add_constraint(self, before: ModelState, after: ModelState, constraint: CheckState) -> None:
        """Add a CHECK constraint (SQLite: rebuild)."""
        if self.sqlite:
            self.rebuild(before, after)
            return
        self.extend(
            ryx_core.ddl_add_check(
                after.table, constraint.name, constraint.check, dialect=self.dialect, schema=self.schema_of(after)
            )
        )

    def remove_constraint(self, before: ModelState, after: ModelState, constraint: CheckState) -> None:
        """Drop a CHECK constraint (SQLite: rebuild)."""
        if self.sqlite:
            self.rebuild(before, after)
            return
        self.extend(
            ryx_core.ddl_drop_constraint(
                before.table, constraint.name, kind="check", dialect=self.dialect, schema=self.schema_of(before)
            )
        )

    # ------------------------------------------------------------------------------------------ SQLite rebuild

    def rebuild(self, before: ModelState, after: ModelState, *, renamed: Mapping[str, str] | None = None) -> None:
        """Rebuild a SQLite table to ``after``'s definition, keeping its rows (SQLite's documented procedure).

        ``renamed`` maps new field names to old ones. Columns new in ``after`` take their default; a column
        that becomes NOT NULL takes its default where it was NULL.
        """
        renamed = dict(renamed or {})
        temp = f"new__{after.table}"
        targets: list[str] = []
        sources: list[str] = []
        params: list[Any] = []
        for name, f in after.fields.items():
            old_name = renamed.get(name, name)
            old = before.fields.get(old_name)
            if old is None:
                continue
            targets.append(quote(f.column, "sqlite"))
            source = quote(old.column, "sqlite")
            if old.null and not f.null and f.default is not None:
                source = f"COALESCE({source}, ?)"
                params.append(f.default)
            sources.append(source)
        self.extend(self.create_table_statements(after, table=temp))
        if targets:
            self.execute(
                f"INSERT INTO {quote(temp, 'sqlite')} ({', '.join(targets)}) "
                f"SELECT {', '.join(sources)} FROM {quote(before.table, 'sqlite')}",
                tuple(params),
            )
        self.extend(ryx_core.ddl_drop_table(before.table, dialect="sqlite", if_exists=False))
        self.extend(ryx_core.ddl_rename_table(temp, after.table, dialect="sqlite"))
        self.extend(self._index_statements(after))


__all__ = ["ON_DELETE_SQL", "Action", "DynamicStep", "PythonStep", "SchemaEditor", "Statement", "column_spec"]
