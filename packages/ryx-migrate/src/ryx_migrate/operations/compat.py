"""`CreateTable` and `CreateIndex`, the operation names of the original API (spec §16.2), over the new ones."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ryx_migrate.compat import ColumnState
from ryx_migrate.errors import StateError
from ryx_migrate.operations.models import AddIndex, CreateModel
from ryx_migrate.state import FieldState, IndexState

if TYPE_CHECKING:
    from ryx_migrate.schema import SchemaEditor
    from ryx_migrate.state import ProjectState

_INTEGER_KEYS = ("INTEGER", "BIGINT", "SMALLINT")


def _field(column: ColumnState) -> FieldState:
    """Return the field state of a column (an integer primary key is auto-increment, as in the original)."""
    auto = column.primary_key and column.db_type.upper() in _INTEGER_KEYS
    return FieldState(
        field_type="Column",
        column=column.name,
        db_type=column.db_type,
        null=column.nullable and not column.primary_key,
        primary_key=column.primary_key,
        auto_increment=auto,
        unique=column.unique and not column.primary_key,
        default=column.default,
    )


class CreateTable(CreateModel):
    """Create a table from `ColumnState` columns (the model is named after ``model`` or the table)."""

    serialized = ("table", "columns", "schema")

    def __init__(self, table: str, columns: Iterable[ColumnState], schema: str = "", model: Any = None) -> None:
        """Create ``table`` with ``columns``."""
        self.columns = list(columns)
        self.model = model
        name = model.__name__ if isinstance(model, type) else table
        super().__init__(name, [(c.name, _field(c)) for c in self.columns], table=table, schema=schema)

    def deconstruct(self) -> dict[str, Any]:
        """Return the original keyword arguments."""
        out: dict[str, Any] = {"table": self.table, "columns": self.columns}
        if self.schema:
            out["schema"] = self.schema
        return out


class CreateIndex(AddIndex):
    """Create an index on a table, by column names."""

    serialized = ("table", "name", "fields", "unique", "schema")

    def __init__(
        self, table: str, name: str, fields: Sequence[str], unique: bool = False, schema: str = "", model: Any = None
    ) -> None:
        """Index ``fields`` (columns) of ``table``."""
        self.table = table
        self.schema = schema
        self.model = model
        self.columns = list(fields)
        self.unique = unique
        super().__init__(table, IndexState(name, tuple(fields), unique))
        self.name = name

    def deconstruct(self) -> dict[str, Any]:
        """Return the original keyword arguments."""
        out: dict[str, Any] = {"table": self.table, "name": self.name, "fields": self.columns}
        if self.unique:
            out["unique"] = True
        if self.schema:
            out["schema"] = self.schema
        return out

    def _resolve(self, app_label: str, state: ProjectState) -> None:
        """Find the model of the table and turn columns into field names."""
        model = state.find_table(self.table, self.schema)
        if model is None:
            raise StateError(f"CreateIndex: no model uses the table {self.table!r} in the migration state")
        by_column = {f.column: n for n, f in model.fields.items()}
        missing = [c for c in self.columns if c not in by_column and c not in model.fields]
        if missing:
            raise StateError(f"CreateIndex: {self.table} has no column(s) {', '.join(missing)}")
        self.model_name = model.name
        fields = tuple(by_column.get(c, c) for c in self.columns)
        self.index = IndexState(self.name, fields, self.unique)

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Add the index to the table's model."""
        self._resolve(app_label, state)
        super().state_forwards(app_label, state)

    def database_forwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Create the index."""
        self._resolve(app_label, from_state)
        super().database_forwards(app_label, editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Drop the index."""
        self._resolve(app_label, to_state)
        super().database_backwards(app_label, editor, from_state, to_state)


__all__ = ["CreateIndex", "CreateTable"]
