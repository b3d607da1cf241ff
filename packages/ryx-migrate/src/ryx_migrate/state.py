"""The project state: what the schema looks like after a sequence of migrations, built without a database."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ryx_migrate.errors import StateError
from ryx_migrate.names import index_name

#: Python values a column default may take in a migration file (written as literals by the DDL layer).
LITERAL_DEFAULTS = (bool, int, float, str, decimal.Decimal)


@dataclass(frozen=True)
class FieldState:
    """One column of a model: its generic type and options, and the foreign key it carries."""

    field_type: str = field(default="Field", compare=False)
    column: str = ""
    db_type: str = "TEXT"
    null: bool = False
    primary_key: bool = False
    auto_increment: bool = False
    unique: bool = False
    db_index: bool = False
    #: A literal written as the column's DEFAULT (None: no default).
    default: Any = None
    #: The related model's label (``app.Name`` or ``Name``) when the column is a foreign key.
    to: str | None = None
    to_table: str | None = None
    to_column: str | None = None
    on_delete: str | None = None
    db_constraint: bool = True

    @property
    def is_relation(self) -> bool:
        """Return whether the column refers to another table."""
        return self.to_table is not None

    @property
    def has_fk_constraint(self) -> bool:
        """Return whether the column gets a FOREIGN KEY constraint."""
        return self.to_table is not None and self.db_constraint

    def replace(self, **changes: Any) -> FieldState:
        """Return a copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)

    def definition(self) -> tuple[Any, ...]:
        """Return what a rename keeps: everything but the column name."""
        return (
            self.db_type,
            self.null,
            self.primary_key,
            self.auto_increment,
            self.unique,
            self.db_index,
            self.default,
            self.to_table,
            self.to_column,
            self.on_delete,
            self.db_constraint,
        )


@dataclass(frozen=True)
class IndexState:
    """An index over fields (by field name) with its name."""

    name: str
    fields: tuple[str, ...]
    unique: bool = False

    def replace(self, **changes: Any) -> IndexState:
        """Return a copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class CheckState:
    """A named CHECK constraint (SQL written by the developer)."""

    name: str
    check: str


@dataclass
class ModelState:
    """A model as migrations see it: table, fields in column order, indexes and constraints."""

    app_label: str
    name: str
    table: str
    fields: dict[str, FieldState] = field(default_factory=dict)
    schema: str = ""
    indexes: list[IndexState] = field(default_factory=list)
    unique_together: list[tuple[str, ...]] = field(default_factory=list)
    constraints: list[CheckState] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        """Return ``(app_label, lower-case name)``, the model's key in a `ProjectState`."""
        return (self.app_label, self.name.lower())

    @property
    def label(self) -> str:
        """Return ``app_label.Name`` (``Name`` without an app label)."""
        return f"{self.app_label}.{self.name}" if self.app_label else self.name

    def clone(self) -> ModelState:
        """Return a copy that can be changed without touching this one (field states are immutable)."""
        return dataclasses.replace(
            self,
            fields=dict(self.fields),
            indexes=list(self.indexes),
            unique_together=list(self.unique_together),
            constraints=list(self.constraints),
        )

    def get_field(self, name: str) -> FieldState:
        """Return the field called ``name``; StateError naming the fields otherwise."""
        try:
            return self.fields[name]
        except KeyError:
            raise StateError(
                f"model {self.label} has no field {name!r} in the migration state (fields: "
                f"{', '.join(self.fields) or 'none'}); check the migration's operations"
            ) from None

    @property
    def pk_field(self) -> tuple[str, FieldState] | None:
        """Return ``(name, field)`` of the primary key, or None."""
        return next(((n, f) for n, f in self.fields.items() if f.primary_key), None)

    def columns_of(self, names: Iterable[str]) -> list[str]:
        """Return the column names of fields given by name."""
        return [self.get_field(n).column for n in names]

    def field_index_name(self, name: str) -> str:
        """Return the name of the index a ``db_index=True`` field gets."""
        return index_name(self.table, [self.get_field(name).column], "idx")


@dataclass
class ProjectState:
    """Every model state, keyed by ``(app_label, lower-case model name)``."""

    models: dict[tuple[str, str], ModelState] = field(default_factory=dict)

    def clone(self) -> ProjectState:
        """Return a deep-enough copy (model states are copied, field states shared)."""
        return ProjectState({k: m.clone() for k, m in self.models.items()})

    def __iter__(self) -> Iterator[ModelState]:
        """Iterate over the model states in key order."""
        return iter([self.models[k] for k in sorted(self.models)])

    def __len__(self) -> int:
        """Return the number of models."""
        return len(self.models)

    def __eq__(self, other: object) -> bool:
        """Compare the models."""
        if not isinstance(other, ProjectState):
            return NotImplemented
        return self.models == other.models

    def add_model(self, model: ModelState) -> None:
        """Add a model; StateError when its name or table is taken."""
        if model.key in self.models:
            raise StateError(f"model {model.label} already exists in the migration state")
        clash = self.find_table(model.table, model.schema)
        if clash is not None:
            raise StateError(f"models {clash.label} and {model.label} both use the table {model.table!r}")
        self.models[model.key] = model

    def remove_model(self, app_label: str, name: str) -> ModelState:
        """Remove and return a model."""
        model = self.get_model(app_label, name)
        del self.models[model.key]
        return model

    def get_model(self, app_label: str, name: str) -> ModelState:
        """Return a model state; StateError listing the known models otherwise."""
        try:
            return self.models[(app_label, name.lower())]
        except KeyError:
            known = ", ".join(m.label for m in self) or "none"
            label = f"{app_label}.{name}" if app_label else name
            raise StateError(
                f"no model {label} in the migration state (known: {known}); a migration refers to a model "
                f"that an earlier migration did not create"
            ) from None

    def find_table(self, table: str, schema: str = "") -> ModelState | None:
        """Return the model using ``table`` (in ``schema``), or None."""
        return next((m for m in self.models.values() if m.table == table and m.schema == schema), None)

    def find_label(self, label: str) -> ModelState | None:
        """Return the model whose label is ``label`` (``app.Name`` or ``Name``), or None."""
        return next((m for m in self.models.values() if m.label.lower() == label.lower()), None)

    def app_labels(self) -> list[str]:
        """Return the app labels present, sorted."""
        return sorted({k[0] for k in self.models})


# ------------------------------------------------------------------------------------------------ from models


def db_default(model_field: Any) -> Any:
    """Return the literal DEFAULT a field's column gets (None for no default, callables, non-literals)."""
    if not model_field.has_default():
        return None
    value = model_field.default
    if callable(value) or value is None:
        return None
    try:
        value = model_field.to_db(value)
    except Exception:  # a default the field cannot convert is the model's problem, not the schema's
        return None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return None  # rendered differently per backend and time zone: keep it in Python only
    return value if isinstance(value, LITERAL_DEFAULTS) else None


def field_state(model_field: Any) -> FieldState:
    """Return the `FieldState` of a bound ryx field (from its ``deconstruct()``)."""
    info = model_field.deconstruct()
    relation = {}
    if info.get("to_table"):
        relation = {
            "to": info.get("to"),
            "to_table": info["to_table"],
            "to_column": info.get("to_column"),
            "on_delete": str(info.get("on_delete") or "CASCADE").upper(),
            "db_constraint": bool(info.get("db_constraint", True)),
        }
    primary_key = bool(info.get("primary_key"))
    return FieldState(
        field_type=str(info.get("type") or type(model_field).__name__),
        column=str(info.get("column") or model_field.column),
        db_type=str(info.get("db_type") or model_field.db_type()),
        null=bool(info.get("null")) and not primary_key,
        primary_key=primary_key,
        auto_increment=bool(info.get("auto_increment")),
        unique=bool(info.get("unique")) and not primary_key,
        db_index=bool(info.get("db_index")) and not primary_key and not info.get("unique"),
        default=db_default(model_field),
        **relation,
    )


def _field_name(model: Any, name: str) -> str:
    """Return the field name (not attname or column) a Meta option refers to."""
    for f in model._meta.concrete_fields:
        if name in (f.name, f.attname, f.column):
            return str(f.name)
    return str(model._meta.get_field(name).name)


def model_state(model: Any) -> ModelState:
    """Return the `ModelState` of a concrete model class."""
    meta = model._meta
    fields = {f.name: field_state(f) for f in meta.concrete_fields}
    indexes = [
        IndexState(index.name, tuple(_field_name(model, n) for n in index.fields), index.unique)
        for index in meta.indexes
    ]
    for group in meta.index_together:
        names = tuple(_field_name(model, n) for n in group)
        indexes.append(IndexState(index_name(meta.table_name, [fields[n].column for n in names], "idx"), names))
    return ModelState(
        app_label=meta.app_label,
        name=meta.object_name,
        table=meta.table_name,
        schema=meta.schema,
        fields=fields,
        indexes=sorted(indexes, key=lambda i: i.name),
        unique_together=sorted({tuple(_field_name(model, n) for n in g) for g in meta.unique_together}),
        constraints=sorted((CheckState(c.name, c.check) for c in meta.constraints), key=lambda c: c.name),
    )


def _through_models(model: Any) -> list[Any]:
    """Return the automatically created (or given) through models of a model's many-to-many fields."""
    out = []
    for m2m in getattr(model._meta, "many_to_many", {}).values():
        through = getattr(m2m, "through_model", None)  # resolves a name or builds the automatic link model
        if not isinstance(through, type):
            through = getattr(m2m, "through", None)
        if isinstance(through, type) and hasattr(through, "_meta"):
            out.append(through)
    return out


def migratable_models(models: Iterable[Any]) -> list[Any]:
    """Return the concrete, managed models among ``models`` plus the M2M through models they reach."""
    seen: dict[int, Any] = {}
    pending = list(models)
    while pending:
        model = pending.pop(0)
        meta = getattr(model, "_meta", None)
        if meta is None:
            raise TypeError(f"{model!r} is not a ryx model class")
        if id(model) in seen or meta.abstract or not meta.managed:
            continue
        seen[id(model)] = model
        pending.extend(_through_models(model))
    return list(seen.values())


def project_state_from_models(models: Iterable[Any]) -> ProjectState:
    """Build the project state of model classes (abstract and ``managed=False`` models are left out)."""
    state = ProjectState()
    for model in migratable_models(models):
        state.add_model(model_state(model))
    return state


from ryx_migrate.compat import (  # noqa: E402  (the compat types build on the classes above)
    ChangeKind,
    ColumnState,
    SchemaChange,
    SchemaState,
    TableState,
    diff_states,
)

__all__ = [
    "ChangeKind",
    "CheckState",
    "ColumnState",
    "FieldState",
    "IndexState",
    "ModelState",
    "ProjectState",
    "SchemaChange",
    "SchemaState",
    "TableState",
    "diff_states",
    "field_state",
    "migratable_models",
    "model_state",
    "project_state_from_models",
]
