"""The table-and-column state types of the original API (spec §16.1), kept for code written against them."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ryx_migrate.state import ProjectState


@dataclass
class ColumnState:
    """A column: name, generic type, nullability, key and uniqueness (``default`` is not compared)."""

    name: str
    db_type: str
    nullable: bool = True
    primary_key: bool = False
    unique: bool = False
    default: Any = None
    _table: TableState | None = field(default=None, repr=False, compare=False)

    def __eq__(self, other: object) -> bool:
        """Compare name, type (case-insensitive), nullability, key and uniqueness."""
        if not isinstance(other, ColumnState):
            return NotImplemented
        mine = (self.name, self.db_type.upper(), self.nullable, self.primary_key, self.unique)
        theirs = (other.name, other.db_type.upper(), other.nullable, other.primary_key, other.unique)
        return mine == theirs

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    @property
    def table(self) -> TableState | None:
        """Return the table the column belongs to."""
        return self._table

    def set_table_state(self, table_state: TableState) -> None:
        """Attach the column to its table."""
        self._table = table_state

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "db_type": self.db_type,
            "nullable": self.nullable,
            "primary_key": self.primary_key,
            "unique": self.unique,
            "default": self.default,
        }


@dataclass
class TableState:
    """A table: name, schema and columns by name."""

    name: str
    schema: str = ""
    columns: dict[str, ColumnState] = field(default_factory=dict)

    def add_column(self, col: ColumnState) -> None:
        """Add (or replace) a column."""
        col.set_table_state(self)
        self.columns[col.name] = col

    def has_column(self, name: str) -> bool:
        """Return whether the table has the column."""
        return name in self.columns


@dataclass
class SchemaState:
    """Tables by name; ``to_json``/``from_json`` read and write the original JSON form."""

    tables: dict[str, TableState] = field(default_factory=dict)

    def add_table(self, table: TableState) -> None:
        """Add (or replace) a table."""
        self.tables[table.name] = table

    def has_table(self, name: str) -> bool:
        """Return whether the table exists."""
        return name in self.tables

    def to_json(self) -> str:
        """Return ``{table: {"_schema": s, "columns": {col: {...}}}}`` as JSON text."""
        data = {
            name: {"_schema": t.schema, "columns": {c: col.to_dict() for c, col in t.columns.items()}}
            for name, t in sorted(self.tables.items())
        }
        return json.dumps(data, sort_keys=True, default=str)

    @classmethod
    def from_json(cls, raw: str) -> SchemaState:
        """Read the JSON form (the flat ``{table: {col: {...}}}`` form too)."""
        state = cls()
        for name, body in json.loads(raw).items():
            nested = isinstance(body, dict) and "columns" in body
            table = TableState(name, schema=body.get("_schema", "") if nested else "")
            for col, info in (body["columns"] if nested else body).items():
                table.add_column(
                    ColumnState(
                        col,
                        info["db_type"],
                        nullable=info.get("nullable", True),
                        primary_key=info.get("primary_key", False),
                        unique=info.get("unique", False),
                        default=info.get("default"),
                    )
                )
            state.add_table(table)
        return state

    @classmethod
    def from_project(cls, project: ProjectState) -> SchemaState:
        """Return the table view of a `ProjectState`."""
        state = cls()
        for model in project:
            table = TableState(model.table, schema=model.schema)
            for f in model.fields.values():
                table.add_column(
                    ColumnState(f.column, f.db_type, f.null, f.primary_key, f.unique or f.primary_key, f.default)
                )
            state.add_table(table)
        return state


class ChangeKind(enum.Enum):
    """The kinds of `SchemaChange`."""

    CREATE_SCHEMA = "create_schema"
    CREATE_TABLE = "create_table"
    DROP_TABLE = "drop_table"
    ADD_COLUMN = "add_column"
    DROP_COLUMN = "drop_column"
    ALTER_COLUMN = "alter_column"
    ADD_INDEX = "add_index"
    DROP_INDEX = "drop_index"


@dataclass
class SchemaChange:
    """One difference between two `SchemaState` values; ``str()`` is the description."""

    kind: ChangeKind
    table: str
    schema: str = ""
    column: str | None = None
    old_state: ColumnState | None = None
    new_state: ColumnState | None = None
    description: str = ""

    def __str__(self) -> str:
        """Return the description."""
        return self.description


def diff_states(current: SchemaState, target: SchemaState) -> list[SchemaChange]:
    """Return the changes turning ``current`` into ``target`` (drops included), in a stable order."""
    changes: list[SchemaChange] = []
    known_schemas = {t.schema for t in current.tables.values()}
    for schema in sorted({t.schema for t in target.tables.values()} - known_schemas - {""}):
        changes.append(SchemaChange(ChangeKind.CREATE_SCHEMA, "", schema, description=f"Create schema {schema}"))
    for name, table in sorted(target.tables.items()):
        old = current.tables.get(name)
        if old is None:
            changes.append(SchemaChange(ChangeKind.CREATE_TABLE, name, table.schema, description=f"Create {name}"))
            continue
        for col, new_col in table.columns.items():
            old_col = old.columns.get(col)
            if old_col is None:
                changes.append(
                    SchemaChange(ChangeKind.ADD_COLUMN, name, table.schema, col, None, new_col, f"Add {name}.{col}")
                )
            elif old_col != new_col:
                changes.append(
                    SchemaChange(
                        ChangeKind.ALTER_COLUMN, name, table.schema, col, old_col, new_col, f"Alter {name}.{col}"
                    )
                )
        for col in old.columns:
            if col not in table.columns:
                changes.append(
                    SchemaChange(
                        ChangeKind.DROP_COLUMN, name, old.schema, col, old.columns[col], None, f"Drop {name}.{col}"
                    )
                )
    for name, table in sorted(current.tables.items()):
        if name not in target.tables:
            changes.append(SchemaChange(ChangeKind.DROP_TABLE, name, table.schema, description=f"Drop {name}"))
    return changes


__all__ = ["ChangeKind", "ColumnState", "SchemaChange", "SchemaState", "TableState", "diff_states"]
