"""`Options` (a model's ``_meta``), built from its ``class Meta``, plus `Index` and `Constraint`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from ryx.exceptions import FieldError

if TYPE_CHECKING:
    from ryx.fields.base import Field
    from ryx.fields.related import ForeignKey
    from ryx.fields.reverse import Relation
    from ryx.fields.scalar import _DateBase
    from ryx.models.base import Model
    from ryx.models.manager import Manager


def default_table_name(class_name: str) -> str:
    """Return the table name of spec §3.2: snake_case, then ``es`` after s/x/z/ch/sh, else ``s``.

    ``BlogPost`` gives ``blog_posts``, ``Box`` ``boxes``, ``HTTPRequest`` ``http_requests`` and
    ``Category`` ``categorys`` (there is no y → ies rule).
    """
    snake = re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", class_name).lower()
    return snake + ("es" if snake.endswith(("s", "x", "z", "ch", "sh")) else "s")


class Index:
    """An index over ``fields`` named ``name`` (``Meta.indexes``)."""

    def __init__(self, *, fields: Sequence[str], name: str, unique: bool = False) -> None:
        """Index the columns of ``fields`` (names, attnames or columns)."""
        if isinstance(fields, str) or not isinstance(fields, Sequence) or not fields:
            raise TypeError(f"Index(fields=...) needs a non-empty list of field names, not {fields!r}")
        if not all(isinstance(f, str) and f for f in fields):
            raise TypeError(f"Index(fields=...) entries must be field names, got {fields!r}")
        if not isinstance(name, str) or not name:
            raise TypeError(f"Index(name=...) must be a non-empty str, not {name!r}")
        self.fields = list(fields)
        self.name = name
        self.unique = bool(unique)

    def __repr__(self) -> str:
        """Return the constructor form."""
        return f"Index(fields={self.fields!r}, name={self.name!r}, unique={self.unique!r})"

    def __eq__(self, other: object) -> bool:
        """Compare fields, name and uniqueness."""
        if not isinstance(other, Index):
            return NotImplemented
        return (self.fields, self.name, self.unique) == (other.fields, other.name, other.unique)

    def __hash__(self) -> int:
        """Hash like `__eq__` compares."""
        return hash((tuple(self.fields), self.name, self.unique))


class Constraint:
    """A CHECK constraint: ``check`` is SQL written by the developer (never user input), ``name`` its name."""

    def __init__(self, *, check: str, name: str) -> None:
        """Check ``check`` on every row."""
        if not isinstance(check, str) or not check.strip():
            raise TypeError(f"Constraint(check=...) must be a non-empty SQL str, not {check!r}")
        if not isinstance(name, str) or not name:
            raise TypeError(f"Constraint(name=...) must be a non-empty str, not {name!r}")
        self.check = check
        self.name = name

    def __repr__(self) -> str:
        """Return the constructor form."""
        return f"Constraint(check={self.check!r}, name={self.name!r})"

    def __eq__(self, other: object) -> bool:
        """Compare check and name."""
        if not isinstance(other, Constraint):
            return NotImplemented
        return (self.check, self.name) == (other.check, other.name)

    def __hash__(self) -> int:
        """Hash like `__eq__` compares."""
        return hash((self.check, self.name))


#: Meta options a child of an abstract model inherits when it declares no Meta of its own.
INHERITED_OPTIONS: Final = (
    "app_label",
    "database",
    "schema",
    "ordering",
    "unique_together",
    "index_together",
    "indexes",
    "constraints",
    "managed",
)
#: Every option ``class Meta`` may set.
META_OPTIONS: Final = (
    "table_name",
    "db_table",
    "abstract",
    "auto_created",
    *INHERITED_OPTIONS,
    "verbose_name",
    "verbose_name_plural",
)


def _str_or_empty(value: Any, option: str) -> str:
    """Check an optional string option (None means empty)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"Meta.{option} must be a str, not {value!r}")
    return value


def _name_groups(value: Any, option: str) -> list[tuple[str, ...]]:
    """Normalise ``unique_together``/``index_together``: a list of tuples of names (one tuple is accepted)."""
    if not value:
        return []
    if not isinstance(value, list | tuple):
        raise TypeError(f"Meta.{option} must be a list of tuples of field names, not {value!r}")
    groups = [value] if all(isinstance(v, str) for v in value) else list(value)
    out = []
    for group in groups:
        if not isinstance(group, list | tuple) or not group or not all(isinstance(v, str) for v in group):
            raise TypeError(f"Meta.{option} entries must be tuples of field names, got {group!r}")
        out.append(tuple(group))
    return out


class Options:
    """A model's metadata (``Model._meta``): table, routing, ordering, indexes, and its fields in column order."""

    def __init__(self, meta: type | None, model_name: str, *, parent: Options | None = None) -> None:
        """Read ``class Meta`` (``parent``: the abstract base whose options a child without Meta inherits)."""
        own = dict(vars(meta)) if meta is not None else {}
        unknown = sorted(k for k in own if not k.startswith("_") and k not in META_OPTIONS)
        if unknown:
            raise TypeError(
                f"class Meta of {model_name} has unknown option(s) {', '.join(unknown)}; "
                f"valid options: {', '.join(META_OPTIONS)}"
            )

        def option(name: str, default: Any) -> Any:
            if meta is not None and hasattr(meta, name):
                return getattr(meta, name)  # a Meta may subclass an abstract parent's Meta
            if parent is not None and name in INHERITED_OPTIONS:
                return getattr(parent, name)
            return default

        table = own.get("table_name", own.get("db_table"))
        self.object_name = model_name
        self.model_name = model_name.lower()
        self.table_name: str = _str_or_empty(table, "table_name") or default_table_name(model_name)
        self.abstract = bool(own.get("abstract", False))
        #: True for the link model a ManyToManyField creates (migrations treat it as an ordinary model).
        self.auto_created = bool(own.get("auto_created", False))
        #: ``(model, field name)`` of the ManyToManyField that created this link model, else None.
        self.auto_created_for: tuple[type[Model], str] | None = None
        self.app_label: str = _str_or_empty(option("app_label", ""), "app_label")
        database = option("database", None)
        if database is not None and (not isinstance(database, str) or not database):
            raise TypeError(f"Meta.database must be an alias (a non-empty str) or None, not {database!r}")
        self.database: str | None = database
        self.schema: str = _str_or_empty(option("schema", ""), "schema")
        ordering = option("ordering", [])
        if isinstance(ordering, str) or not isinstance(ordering, list | tuple):
            raise TypeError(f"Meta.ordering must be a list of field names, not {ordering!r}")
        if not all(isinstance(o, str) and o.lstrip("-") for o in ordering):
            raise TypeError(f"Meta.ordering entries must be 'field' or '-field', got {ordering!r}")
        self.ordering: list[str] = list(ordering)
        self.unique_together = _name_groups(option("unique_together", []), "unique_together")
        self.index_together = _name_groups(option("index_together", []), "index_together")
        indexes = list(option("indexes", []) or [])
        if not all(isinstance(i, Index) for i in indexes):
            raise TypeError(f"Meta.indexes must be a list of Index(...), got {indexes!r}")
        self.indexes: list[Index] = indexes
        constraints = list(option("constraints", []) or [])
        if not all(isinstance(c, Constraint) for c in constraints):
            raise TypeError(f"Meta.constraints must be a list of Constraint(...), got {constraints!r}")
        self.constraints: list[Constraint] = constraints
        self.managed = bool(option("managed", True))
        self.verbose_name: str = own.get("verbose_name") or model_name
        self.verbose_name_plural: str = own.get("verbose_name_plural") or f"{self.verbose_name}s"
        self.meta = meta

        self.model: type[Model] | None = None
        self.fields: dict[str, Field[Any]] = {}
        self.many_to_many: dict[str, Any] = {}
        #: The reverse sides of the relations pointing at this model (`ryx.fields.reverse.Relation`).
        self.related_objects: list[Relation] = []
        self._relations: dict[str, Any] | None = None
        self.managers: dict[str, Manager[Any]] = {}
        self.default_manager: Manager[Any] | None = None
        self.pk_field: Field[Any] | None = None
        self.concrete_fields: tuple[Field[Any], ...] = ()
        self.concrete_attnames: tuple[str, ...] = ()
        self.concrete_columns: tuple[str, ...] = ()
        self.auto_time_fields: tuple[_DateBase[Any], ...] = ()
        self.relation_fields: tuple[ForeignKey[Any], ...] = ()
        self._by_name: dict[str, Field[Any]] = {}
        self._hints: tuple[str | None, ...] | None = None
        #: How ``Model(**kwargs)`` fills the fields and writes bind them (`ryx.models.base.ValuePlan`), made on
        #: first use.
        self.value_plan: Any = None

    # ------------------------------------------------------------------------------------------ fields

    def add_field(self, field: Field[Any]) -> None:
        """Add a bound field (the primary key goes first) and refresh the derived tuples."""
        attname, name, column = field.attname, field.name, field.column
        assert attname, "bind the field first"
        for other in self.fields.values():
            if other.name in (name, attname) or other.attname in (name, attname):
                raise FieldError(f"{self.object_name}.{name} clashes with the field {other.name!r}")
            if other.column == column:
                raise FieldError(f"{self.object_name}.{name} uses the column {column!r} of {other.name!r} too")
        if field.primary_key:
            if self.pk_field is not None:
                raise FieldError(
                    f"{self.object_name} has two primary keys: {self.pk_field.name!r} and {name!r}; keep one"
                )
            self.pk_field = field
            self.fields = {attname: field, **self.fields}
        else:
            self.fields[attname] = field
        self._refresh()

    def _refresh(self) -> None:
        """Recompute the tuples the query layer reads on every row."""
        self.concrete_fields = tuple(self.fields.values())
        self.concrete_attnames = tuple(f.attname for f in self.concrete_fields)
        self.concrete_columns = tuple(f.column for f in self.concrete_fields)
        from ryx.fields.related import ForeignKey
        from ryx.fields.scalar import _DateBase

        self.auto_time_fields = tuple(
            f for f in self.concrete_fields if isinstance(f, _DateBase) and (f.auto_now or f.auto_now_add)
        )
        self.relation_fields = tuple(f for f in self.concrete_fields if isinstance(f, ForeignKey))
        self._relations = None
        by_name: dict[str, Field[Any]] = {}
        for f in self.concrete_fields:
            by_name[f.attname] = f
            by_name[f.name] = f
        if self.pk_field is not None:
            by_name["pk"] = self.pk_field
        self._by_name = by_name
        self._hints = None
        self.value_plan = None

    def conversions_changed(self) -> None:
        """Forget what was derived from the fields' conversions (a relation's target was just resolved)."""
        self.value_plan = None

    @property
    def field_names(self) -> list[str]:
        """Return the attnames of the fields, in column order."""
        return list(self.concrete_attnames)

    @property
    def column_names(self) -> list[str]:
        """Return the column names, in column order."""
        return list(self.concrete_columns)

    @property
    def pk(self) -> Field[Any] | None:
        """Return the primary-key field (alias of ``pk_field``)."""
        return self.pk_field

    @property
    def label(self) -> str:
        """Return ``app_label.Name`` (just ``Name`` without an app label)."""
        return f"{self.app_label}.{self.object_name}" if self.app_label else self.object_name

    def get_field(self, name: str) -> Field[Any]:
        """Return the field called ``name`` (a name, an attname such as ``author_id``, or ``"pk"``).

        Raise `ryx.exceptions.FieldError` listing the valid names otherwise.
        """
        try:
            return self._by_name[name]
        except (KeyError, TypeError):
            choices = sorted(set(self._by_name))
            raise FieldError(f"{self.object_name} has no field {name!r}; choices are: {', '.join(choices)}") from None

    # ------------------------------------------------------------------------------------------ relations

    def relations_changed(self) -> None:
        """Forget the relation index (a reverse relation was added)."""
        self._relations = None

    def relation(self, name: str) -> Any:
        """Return what a query path step ``name`` follows (None when ``name`` is no relation of this model).

        That is a ForeignKey/OneToOneField, a ManyToManyField, or a reverse `Relation` (by its query name).
        """
        index = self._relations
        if index is None:
            from ryx.fields.reverse import Clash

            index = {}
            for rel in self.related_objects:
                if rel.query_name is not None:
                    previous = index.get(rel.query_name)
                    if previous is None:
                        index[rel.query_name] = rel
                    else:  # ambiguous: the path names two relations
                        claimed = previous.relations if isinstance(previous, Clash) else [previous]
                        index[rel.query_name] = Clash(rel.query_name, [*claimed, rel])
            for f in self.relation_fields:
                index[f.name] = f
            index.update(self.many_to_many)
            self._relations = index
        found = index.get(name)
        if found is not None and type(found).__name__ == "Clash":
            raise found.error()
        return found

    def relation_names(self) -> list[str]:
        """Return the names a query path can follow from this model (forward, many-to-many and reverse)."""
        self.relation("")
        assert self._relations is not None
        return sorted(self._relations)

    def accessor(self, name: str) -> Any:
        """Return the relation whose instance attribute is ``name`` (forward field, M2M, or reverse accessor)."""
        for rel in self.related_objects:
            if rel.accessor_name == name:
                return rel
        fld = self.many_to_many.get(name)
        if fld is not None:
            return fld
        for f in self.relation_fields:
            if f.name == name:
                return f
        return None

    @property
    def decode_hints(self) -> tuple[str | None, ...]:
        """Return the `ryx_core` decode hints of the concrete fields, in column order (computed once)."""
        if self._hints is None:
            self._hints = tuple(f.decode_hint for f in self.concrete_fields)
        return self._hints

    def check_references(self) -> None:
        """Check that indexes and unique/index_together name fields of this model (FieldError otherwise)."""
        groups = [*self.unique_together, *self.index_together, *(tuple(i.fields) for i in self.indexes)]
        columns = set(self.concrete_columns)
        for group in groups:
            for name in group:
                if name not in self._by_name and name not in columns:
                    self.get_field(name)  # raises with the choices

    def __repr__(self) -> str:
        """Return ``<Options for Name>``."""
        return f"<Options for {self.object_name}>"


__all__ = ["Constraint", "Index", "Options", "default_table_name"]
