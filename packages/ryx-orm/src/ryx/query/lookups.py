"""Strict parsing of ``field__transform__lookup`` paths against a model's fields, compiled to `ryx_core.Cond`."""

from __future__ import annotations

import contextlib
import datetime
import decimal
import uuid
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ryx._core import core
from ryx.exceptions import FieldError, QueryError, RyxError
from ryx.query.expressions import Expression
from ryx.query.paths import JoinSet, Split, apply_joins, follow, in_condition, related_aggregate
from ryx.query.q import Q

#: Lookups valid after a date/time transform (whose result is a number, a date or a time).
TRANSFORM_LOOKUPS = frozenset({"exact", "gt", "gte", "lt", "lte", "in", "range", "isnull"})
#: Lookups valid on a JSON key path (``data__a__b__gte``).
KEY_LOOKUPS = frozenset(
    {
        "exact", "iexact", "gt", "gte", "lt", "lte", "in", "range", "isnull",
        "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith", "regex", "iregex",
        "has_key", "has_keys", "has_any_keys", "has_any", "has_all", "contained_by",
    }
)  # fmt: skip
#: Lookups on a whole JSON document.
JSON_DOCUMENT_LOOKUPS = frozenset(
    {"exact", "isnull", "contains", "contained_by", "has_key", "has_keys", "has_any_keys", "has_any", "has_all"}
)
#: Spec names of lookups the engine spells differently.
LOOKUP_ALIASES = {"has_any": "has_any_keys", "has_all": "has_keys"}
#: Transforms allowed after ``__date`` (the others end a path).
_DATE_PARTS = frozenset(
    {"year", "month", "day", "week", "week_day", "iso_week_day", "iso_year", "quarter", "dow", "iso_week", "iso_dow"}
)
_TRANSFORM_HINTS = {"date": "date", "time": "time"}
#: Lookups whose value is a pattern (text), not a value of the field's type.
_PATTERN_LOOKUPS = frozenset(
    {"contains", "icontains", "startswith", "istartswith", "endswith", "iendswith", "regex", "iregex", "iexact"}
)
_LIST_LOOKUPS = frozenset({"in", "range", "has_keys", "has_any_keys"})
_BUILTIN = frozenset(core.list_lookups())
#: Lookups whose value `_prepare` treats specially (a bool, a list, a key name); no fast path for them.
_SPECIAL_VALUE_LOOKUPS = _LIST_LOOKUPS | {"isnull", "has_key"}
#: Exact types of the filter values that `_prepare` only passes through ``to_db`` (or ``str`` for patterns):
#: no Expression, QuerySet, None, list or model instance, whose handling depends on more than the type.
_SCALAR_TYPES = frozenset(
    {int, float, str, bool, bytes, decimal.Decimal, datetime.datetime, datetime.date, datetime.time,
     datetime.timedelta, uuid.UUID}
)  # fmt: skip
#: Types of the values `_bound_as_is` may find bound as they are.
_AS_IS_TYPES = frozenset({int, str, bool, bytes, float})
#: Entries a per-model cache keeps at most (keys come from code, but JSON paths or user input are unbounded).
_CACHE_LIMIT = 2048


def builtin_lookups() -> frozenset[str]:
    """Return the engine's built-in lookup names."""
    return _BUILTIN


def custom_lookups() -> frozenset[str]:
    """Return the lookups registered with `ryx.register_lookup` (valid on every field)."""
    return frozenset(core.available_lookups()) - _BUILTIN


def is_custom(lookup: str) -> bool:
    """Return True for a lookup registered with `ryx.register_lookup`."""
    return lookup not in _BUILTIN and lookup in core.available_lookups()


def _names(items: Iterable[str]) -> str:
    """Return a sorted, comma-separated list."""
    return ", ".join(sorted(items)) or "(none)"


# --------------------------------------------------------------------------------------- model description


class _PlainFilter:
    """A filter() keyword on a plain column with a lookup taking one value, resolved once per model."""

    __slots__ = ("column", "info", "lookup", "pure", "unchanged")

    def __init__(self, fi: FieldInfo, lookup: str) -> None:
        """Describe ``<fi>__<lookup>`` (``lookup`` already the engine's name)."""
        assert fi.column is not None
        self.info = fi
        self.column: core.Expr = fi.column
        self.lookup = lookup
        fld = fi.field
        kept = fld.kept_type() if fld.binds_stored() else None
        if lookup in _PATTERN_LOOKUPS and not fi.stores_json:
            unchanged: frozenset[type] = frozenset({str})  # a pattern is text: other values go through str()
            pure = _AS_IS_TYPES
        else:
            unchanged = frozenset({kept}) if kept is not None else frozenset()  # to_db returns these as they are
            pure = unchanged & _AS_IS_TYPES
        if lookup == "exact" and (getattr(fld, "primary_key", False) or getattr(fld, "unique", False)):
            # One row per value (get(pk=...)): values rarely come back soon enough for a memo entry to pay
            # for the memory it holds (measured: a memo over 1,000 keys is slower than compiling again).
            pure = frozenset()
        #: Types of the values bound as they are (the field's ``to_db`` is not called for them).
        self.unchanged = unchanged
        #: Types of the values whose bound value is a function of the value alone, equal values alike: ints,
        #: strs, bools, bytes and floats (but not -0.0/0.0, Decimal("1.0")/Decimal("1.00") or datetimes in two
        #: time zones, equal values bound differently), bound as they are or through str() for a pattern;
        #: none for the exact value of a unique column. `QuerySet.filter` memoizes only such filters.
        self.pure = pure


class FieldInfo:
    """What path parsing needs to know about one field, computed once."""

    __slots__ = (
        "column",
        "field",
        "json",
        "lookups",
        "name",
        "null",
        "pk_names",
        "relation",
        "stores_json",
        "transforms",
    )

    def __init__(self, fld: Any, table: str) -> None:
        """Describe ``fld`` of a model stored in ``table``."""
        self.field = fld
        self.name: str = fld.name
        column = getattr(fld, "column", None)
        self.column = core.Expr.col(column, table) if column and not getattr(fld, "many_to_many", False) else None
        self.relation = bool(
            getattr(fld, "is_relation", False)
            or getattr(fld, "many_to_many", False)
            or getattr(fld, "related_model", None) is not None
        )
        self.json = bool(getattr(fld, "allows_key_paths", False))
        self.stores_json = getattr(fld, "decode_hint", None) == "json"
        self.null = bool(getattr(fld, "null", False))
        declared = getattr(fld, "builtin_lookups", None) or getattr(fld, "SUPPORTED_LOOKUPS", None)
        self.lookups: frozenset[str] = frozenset(declared) if declared else _BUILTIN
        self.transforms: frozenset[str] = frozenset(getattr(fld, "transforms", ()) or ())
        self.pk_names: frozenset[str] = _target_pk_names(fld) if self.relation else frozenset()

    def allows(self, lookup: str) -> bool:
        """Return True if ``field__<lookup>`` is valid (custom lookups are valid on every field)."""
        return lookup in self.lookups or is_custom(lookup)


class ModelInfo:
    """What queries need to know about a model, computed once per model class."""

    def __init__(self, model: type[Any]) -> None:
        """Read ``model._meta``."""
        meta = model._meta
        self.model = model
        self.name: str = model.__name__
        self.table: str = meta.table_name
        self.schema: str | None = getattr(meta, "schema", None) or None
        self.fields: tuple[Any, ...] = tuple(meta.concrete_fields)
        self.attnames: tuple[str, ...] = tuple(f.attname for f in self.fields)
        self.columns: tuple[core.Expr, ...] = tuple(core.Expr.col(f.column, self.table) for f in self.fields)
        self.hints: list[Any] = [getattr(f, "decode_hint", None) for f in self.fields]
        self.pk_field: Any = meta.pk_field
        if self.pk_field is None:
            raise QueryError(f"{self.name} has no primary key")
        self.pk_column: str = self.pk_field.column
        self.pk_expr = core.Expr.col(self.pk_column, self.table)
        self.ordering: tuple[str, ...] = tuple(getattr(meta, "ordering", None) or ())
        self.base = core.Query(self.table, schema=self.schema)
        self.select = self.base.select(*self.columns)
        self.order_cache: Any = None  # Meta.ordering compiled by the compiler, on first use
        self._by_column = {f.column: f for f in self.fields}
        self._infos: dict[str, FieldInfo] = {}
        self._plain: dict[str, tuple[FieldInfo, str] | None] = {}
        self._filters: dict[str, _PlainFilter] = {}
        #: `Scope.reference` results of paths on the model's own columns (no join, no annotation).
        self.refs: dict[str, Ref] = {}
        #: `ryx.query.aggregates` results of plain aggregates over the model's own columns.
        self.aggregates: dict[Any, tuple[core.Expr, str | None]] = {}
        #: The ``into=`` argument of the engine's fetch of whole instances, per alias name.
        self.into: dict[str | None, core.Into] = {}
        #: The states of a QuerySet of every row per (alias, schema), shared by new QuerySets (never mutated).
        self.states: dict[tuple[str | None, str | None], Any] = {}
        #: `get()` by exact values of plain columns: per (dialect, keywords), the SELECT's text, its parameters
        #: and where the values go in them (see `QuerySet.get`).
        self.key_gets: dict[tuple[str, tuple[str, ...]], tuple[str, list[Any], tuple[int, ...]] | None] = {}

    def get_field(self, name: str) -> Any:
        """Return the field called ``name`` (name, attname or ``pk``), or raise `FieldError` listing the choices."""
        try:
            fld = self.model._meta.get_field(name)
        except (FieldError, KeyError, LookupError, TypeError):
            fld = None
        if fld is None:
            raise FieldError(
                f"Cannot resolve keyword {name!r} into a field of {self.name}. Choices are: {self.choices()}"
            )
        return fld

    def field_info(self, name: str) -> FieldInfo:
        """Return the `FieldInfo` of the field called ``name`` (FieldError listing the choices otherwise)."""
        info = self._infos.get(name)
        if info is None:
            info = self._infos[name] = FieldInfo(self.get_field(name), self.table)
        return info

    def plain_lookup(self, key: str) -> tuple[FieldInfo, str] | None:
        """Return ``(field, lookup)`` when ``key`` is ``field`` or ``field__<built-in lookup>`` on a plain column.

        Plain: a concrete, non-relation, non-JSON field, and a lookup that is not a transform. Most filters
        are of this form; resolving them once per model and key skips the general path walk. Anything else
        (relations, transforms, JSON keys, custom lookups, unknown names) gives None and takes that walk.
        """
        try:
            return self._plain[key]
        except KeyError:
            pass
        found: tuple[FieldInfo, str] | None = None
        name, sep, lookup = key.partition("__")
        if name and "__" not in lookup and "." not in key:
            try:
                fi = self.field_info(name)
            except FieldError:
                fi = None
            lookup = lookup if sep else "exact"
            if (
                fi is not None
                and fi.column is not None
                and not fi.relation
                and not fi.json
                and lookup in fi.lookups
                and lookup not in fi.transforms
            ):
                found = (fi, lookup)
        if len(self._plain) >= _CACHE_LIMIT:
            self._plain.clear()
        self._plain[key] = found
        return found

    def key_values(self, kwargs: Mapping[str, Any]) -> tuple[list[_PlainFilter], list[Any]] | None:
        """Return the filters and bound values of exact lookups of scalar values on plain columns, else None.

        What a `get` by key may run as SQL kept per model (`key_gets`): every keyword an exact lookup on a plain
        column, every value a scalar (not None), sent through the field's ``to_db`` as `plain_conditions` does.
        """
        found: list[_PlainFilter] = []
        values: list[Any] = []
        filters = self._filters
        for key, value in kwargs.items():
            kind = type(value)
            if kind not in _SCALAR_TYPES or value is None:
                return None
            plain = filters.get(key) or self._plain_filter(key)
            if plain is None or plain.lookup != "exact":
                return None
            prepared = value if kind in plain.unchanged else _db_value(self.name, plain.info, plain.lookup, value, key)
            if prepared is None:
                return None
            found.append(plain)
            values.append(prepared)
        return found, values

    def plain_conditions(self, kwargs: Mapping[str, Any]) -> tuple[tuple[core.Cond, ...], bool] | None:
        """Compile filter() keywords that are all plain lookups with scalar values, else return None.

        The same conditions as `Scope.conditions` gives for them (values through the field's ``to_db``),
        without building a Scope: a plain column is never joined, grouped with others or an aggregate. The
        flag says whether every value is bound as it is (see `_PlainFilter`), so that the conditions are a
        function of the keys and values alone, which `QuerySet.filter` may memoize.
        """
        conds: list[core.Cond] = []
        pure = True
        filters = self._filters
        for key, value in kwargs.items():
            kind = type(value)
            if kind not in _SCALAR_TYPES:
                return None
            plain = filters.get(key)
            if plain is None:
                plain = self._plain_filter(key)
                if plain is None:
                    return None
            prepared = value if kind in plain.unchanged else _db_value(self.name, plain.info, plain.lookup, value, key)
            conds.append(_lookup_cond(plain.column, plain.lookup, prepared, value, key))
            if pure and (kind not in plain.pure or (kind is float and not (value == value and value != 0.0))):
                pure = False  # -0.0 equals 0.0 and NaN nothing: neither may stand for another float
        return tuple(conds), pure

    def _plain_filter(self, key: str) -> _PlainFilter | None:
        """Return (and keep) the `_PlainFilter` of a filter() keyword, or None when it is not a plain one."""
        found = self.plain_lookup(key)
        if found is None:
            return None
        fi, lookup = found
        lookup = LOOKUP_ALIASES.get(lookup, lookup)
        if lookup in _SPECIAL_VALUE_LOOKUPS:
            return None
        plain = _PlainFilter(fi, lookup)
        if len(self._filters) >= _CACHE_LIMIT:
            self._filters.clear()
        self._filters[key] = plain
        return plain

    def remember_ref(self, path: str, ref: Ref) -> None:
        """Keep the resolution of a path on the model's own columns (see `Scope.reference`)."""
        if len(self.refs) >= _CACHE_LIMIT:
            self.refs.clear()
        self.refs[path] = ref

    def remember_aggregate(self, key: Any, compiled: tuple[core.Expr, str | None]) -> None:
        """Keep a built-in aggregate over the model's own columns (see `Aggregate.plain`)."""
        if len(self.aggregates) >= _CACHE_LIMIT:
            self.aggregates.clear()
        self.aggregates[key] = compiled

    def field_by_column(self, column: str) -> Any:
        """Return the field stored in ``column``, or None."""
        return self._by_column.get(column)

    def choices(self, extra: Iterable[str] = ()) -> str:
        """Return the names a path may start with."""
        names = {"pk", *extra}
        for f in self.fields:
            names.add(f.name)
            names.add(f.attname)
        with contextlib.suppress(FieldError, AttributeError):
            names.update(self.model._meta.relation_names())
        return _names(names)


_infos: weakref.WeakKeyDictionary[type[Any], ModelInfo] = weakref.WeakKeyDictionary()


def model_info(model: type[Any]) -> ModelInfo:
    """Return the cached `ModelInfo` of ``model``."""
    info = _infos.get(model)
    if info is None:
        info = _infos[model] = ModelInfo(model)
    return info


# -------------------------------------------------------------------------------------------- resolution


@dataclass(frozen=True, slots=True)
class Annotation:
    """A named expression added by `annotate()`, compiled once."""

    name: str
    expression: Expression
    expr: core.Expr
    hint: str | None
    aggregate: bool


@dataclass(frozen=True, slots=True)
class Ref:
    """A compiled reference: the expression, its decode hint, and the field when it is a plain column."""

    expr: core.Expr
    hint: str | None
    aggregate: bool = False
    field: Any = None


@dataclass(slots=True)
class _Lhs:
    """The left-hand side of a condition while its path is parsed."""

    expr: core.Expr
    info: FieldInfo | None  # None for an annotation
    kind: str  # "column", "transform", "key", "annotation"
    transforms: list[str] = field(default_factory=list)
    base: core.Expr | None = None  # the column itself
    nullable: bool = False  # reached through a join that may find no row


class Scope:
    """Resolve names of one model (and the QuerySet's annotations) to engine expressions and conditions."""

    __slots__ = ("alias", "annotations", "flatten", "info", "joins", "nullable", "rows")

    def __init__(
        self,
        info: ModelInfo,
        annotations: Mapping[str, Annotation] | None = None,
        *,
        alias: str | None = None,
        joins: JoinSet | None = None,
        nullable: bool = False,
    ) -> None:
        """Resolve against ``info`` (as ``alias``, default its table) and ``annotations``; add joins to ``joins``."""
        self.info = info
        self.annotations: Mapping[str, Annotation] = annotations or {}
        self.alias: str = alias or info.table
        self.joins = joins if joins is not None else JoinSet()
        self.nullable = nullable
        #: In `QuerySet.aggregate`: the rows an aggregate across a relation covers (``rows(key) -> Query``).
        self.rows: Callable[[core.Expr], core.Query] | None = None
        #: Inside the subquery of an aggregate across a relation: further multi-valued steps are joined.
        self.flatten = False

    # ------------------------------------------------------------------------------------------ relations

    def column(self, column: str) -> core.Expr:
        """Return ``<alias>.<column>``."""
        return core.Expr.col(column, self.alias)

    def _col(self, fi: FieldInfo) -> core.Expr | None:
        """Return the column of a field, qualified with this scope's alias (None for a many-to-many)."""
        if fi.column is None or self.alias == self.info.table:
            return fi.column
        return core.Expr.col(fi.field.column, self.alias)

    def joined(self, hop: Any) -> Scope:
        """Return the scope of the model ``hop`` leads to, joined from this one."""
        left = self.nullable or hop.nullable or hop.multi
        join = self.joins.add(self, hop, left=left)
        return Scope(model_info(hop.target), alias=join.alias, joins=self.joins, nullable=join.left)

    def query(self) -> core.Query:
        """Return ``SELECT ... FROM <table> [AS alias]`` with this scope's joins (the base of a subquery)."""
        info = self.info
        alias = None if self.alias == info.table else self.alias
        return apply_joins(core.Query(info.table, schema=info.schema, alias=alias), self.joins.items())

    def probe(self) -> Scope:
        """Return a copy whose joins are discarded (to resolve a path for its type only)."""
        copy = Scope(self.info, self.annotations, alias=self.alias, joins=self.joins.copy(), nullable=self.nullable)
        copy.rows = self.rows
        copy.flatten = self.flatten
        return copy

    def split_of(self, path: str) -> Split | None:
        """Return the `Split` of a path that reaches a multi-valued relation (reverse FK, M2M), else None."""
        if self.flatten or not isinstance(path, str) or not path or ("." in path and "__" not in path):
            return None
        if path not in self.annotations and self.info.plain_lookup(path) is not None:
            return None
        parts = self._split(path)
        if parts[0] in self.annotations:
            return None
        found = follow(self, parts, "filter")
        return found if isinstance(found, Split) else None

    def related_aggregate(self, split: Split, build: Callable[[Scope, str], core.Expr]) -> core.Expr:
        """Compile an aggregate across a multi-valued relation to a subquery (see `ryx.query.paths`)."""
        return related_aggregate(self, split, build, self.rows)

    # ------------------------------------------------------------------------------------------- helpers

    def _head(self, name: str, path: str) -> FieldInfo:
        """Return the field a path starts with."""
        try:
            return self.info.field_info(name)
        except FieldError:
            where = "" if path == name else f" (in {path!r})"
            raise FieldError(
                f"Cannot resolve keyword {name!r} into a field of {self.info.name}{where}. "
                f"Choices are: {self.info.choices(self.annotations)}"
            ) from None

    def _relation_error(self, fi: FieldInfo, path: str, part: str) -> FieldError:
        """Return the error for a part after a relation that is neither a field of the related model nor a lookup."""
        remote = getattr(fi.field, "remote_model", None)
        if remote is None:
            return FieldError(f"{path!r}: {self.info.name}.{fi.name} cannot be followed by {part!r}")
        return FieldError(
            f"Cannot resolve {part!r} in {path!r}: it is neither a field of {remote.__name__} (the target of "
            f"{self.info.name}.{fi.name}) nor a lookup of the key. Fields of {remote.__name__}: "
            f"{model_info(remote).choices()}; lookups: {_names(fi.lookups)}"
        )

    def _dotted(self, path: str) -> Any:
        """Return the field for ``"table.column"`` on this model's table, or raise."""
        table, _, column = path.partition(".")
        fld = self.info.field_by_column(column) if table == self.info.table else None
        if fld is None:
            raise FieldError(
                f"Cannot resolve {path!r}: this query selects from {self.info.table!r} only, whose columns are "
                f"{_names(f.column for f in self.info.fields)}"
            )
        return fld

    @staticmethod
    def _split(path: str) -> list[str]:
        """Split a path on ``__``, refusing empty parts."""
        parts = path.split("__")
        if "" in parts:
            raise FieldError(f"malformed path {path!r}: an empty part between '__'")
        return parts

    def _walk(self, fi: FieldInfo, rest: list[str], path: str, *, final_lookup: bool) -> _Lhs:
        """Consume the transforms (or the JSON keys) after a field; with ``final_lookup`` leave a last part alone."""
        if fi.column is None:
            raise self._relation_error(fi, path, rest[0] if rest else fi.name)
        if fi.relation and rest and rest[0] in fi.pk_names:
            rest = rest[1:]  # author__pk / author__id: the key column itself, no join needed
        column = self._col(fi)
        assert column is not None
        lhs = _Lhs(column, fi, "column", base=column, nullable=self.nullable)
        if not rest:
            return lhs
        if fi.json:
            keys = rest[1:] if len(rest) >= 2 and rest[0] in ("key", "key_text") else rest
            lhs.expr = lhs.expr.key(*keys)
            lhs.kind = "key"
            return lhs
        for i, part in enumerate(rest):
            previous = lhs.transforms[-1] if lhs.transforms else None
            allowed = fi.transforms if previous is None else (_DATE_PARTS if previous == "date" else frozenset())
            if part in allowed:
                lhs.expr = lhs.expr.transform(part)
                lhs.kind = "transform"
                lhs.transforms.append(part)
                continue
            if final_lookup and i == len(rest) - 1:
                break
            if fi.relation and previous is None and not fi.allows(part):
                raise self._relation_error(fi, path, part)
            raise self._unknown(fi, part, path, previous, final_lookup=final_lookup)
        return lhs

    def _unknown(self, fi: FieldInfo, part: str, path: str, previous: str | None, *, final_lookup: bool) -> FieldError:
        """Return the error for a part that is neither a transform nor a lookup of the field."""
        custom = custom_lookups()
        if previous is not None:
            if final_lookup and part in TRANSFORM_LOOKUPS | custom:
                return FieldError(f"{path!r}: the lookup {part!r} must come last")
            after = _DATE_PARTS if previous == "date" else frozenset()
            return FieldError(
                f"Unsupported lookup {part!r} after the transform {previous!r} in {path!r}. "
                f"Valid lookups: {_names(TRANSFORM_LOOKUPS | custom)}"
                + (f"; valid transforms: {_names(after)}" if after else "")
            )
        lookups = fi.lookups | custom
        if final_lookup and part in lookups:
            return FieldError(f"{path!r}: the lookup {part!r} must come last")
        where = f"{self.info.name}.{fi.name} ({type(fi.field).__name__})"
        return FieldError(
            f"Unsupported lookup {part!r} for {where} in {path!r}. Valid lookups: {_names(lookups)}"
            + (f"; valid transforms: {_names(fi.transforms)}" if fi.transforms else "")
        )

    # --------------------------------------------------------------------------------- references (F, order)

    def reference(self, path: str) -> Ref:
        """Resolve ``field``, ``pk``, ``table.col``, an annotation, ``field__transform`` or a JSON key path."""
        # A path on the model's own columns resolves the same way on every root scope without annotations
        # (it adds no join), so it is resolved once per model.
        cacheable = not self.annotations and self.alias == self.info.table
        if cacheable:
            ref = self.info.refs.get(path)
            if ref is not None:
                return ref
        if "." in path and "__" not in path:
            fld = self._dotted(path)
            ref = Ref(core.Expr.col(fld.column, self.info.table), getattr(fld, "decode_hint", None), field=fld)
        else:
            parts = self._split(path)
            head, rest = parts[0], parts[1:]
            ann = self.annotations.get(head)
            if ann is not None:
                if rest:
                    raise FieldError(f"{path!r}: the annotation {head!r} takes no transform or key")
                return Ref(ann.expr, ann.hint, ann.aggregate)
            scope, parts = follow(self, parts, "join")  # type: ignore[misc]
            ref = scope._reference_local(parts, path)
            cacheable = cacheable and scope is self  # no relation followed, so no join added
        if cacheable:
            self.info.remember_ref(path, ref)
        return ref

    def _reference_local(self, parts: list[str], path: str) -> Ref:
        """Resolve a path on this scope's own model (relations already followed)."""
        head, rest = parts[0], parts[1:]
        fi = self._head(head, path)
        lhs = self._walk(fi, rest, path, final_lookup=False)
        if lhs.kind == "column":
            return Ref(lhs.expr, getattr(fi.field, "decode_hint", None), field=fi.field)
        if lhs.kind == "transform":
            return Ref(lhs.expr, _TRANSFORM_HINTS.get(lhs.transforms[-1], "int"))
        return Ref(lhs.expr, None)

    # ----------------------------------------------------------------------------------------- conditions

    def condition(self, key: str, value: Any, *, negated: bool = False) -> tuple[core.Cond, bool]:
        """Compile ``key=value`` (``field__transform__lookup``) to a condition; also say if it is an aggregate.

        With ``negated`` (inside exclude() or ~Q) a nullable column also gets ``IS NOT NULL``, so that
        ``exclude(x=1)`` keeps the rows where x is NULL, as in Django.
        """
        if not isinstance(key, str) or not key:
            raise FieldError(f"a filter keyword must be a non-empty str, not {key!r}")
        if "." in key and "__" not in key:
            return self.condition(self._dotted(key).attname, value, negated=negated)
        plain = self.info.plain_lookup(key) if key.partition("__")[0] not in self.annotations else None
        if plain is not None:
            fi, lookup = plain
            column = self._col(fi)
            assert column is not None
            lhs = _Lhs(column, fi, "column", base=column, nullable=self.nullable)
            return self._leaf(lhs, lookup, value, key, negated), False
        parts = self._split(key)
        head, rest = parts[0], parts[1:]
        ann = self.annotations.get(head)
        if ann is not None:
            lookup = rest[0] if rest else "exact"
            if len(rest) > 1 or (lookup not in _BUILTIN and not is_custom(lookup)):
                raise FieldError(
                    f"Unsupported lookup {'__'.join(rest)!r} on the annotation {head!r}. "
                    f"Valid lookups: {_names(_BUILTIN | custom_lookups())}"
                )
            lhs = _Lhs(ann.expr, None, "annotation")
            return self._leaf(lhs, lookup, value, key, negated), ann.aggregate
        found = follow(self, parts, "filter")
        if isinstance(found, Split):
            return in_condition(self, found, [("__".join(found.rest), value)], negated), False
        scope, parts = found
        return scope._condition_local(parts, key, value, negated), False

    def _condition_local(self, parts: list[str], key: str, value: Any, negated: bool) -> core.Cond:
        """Compile a condition on this scope's own model (relations already followed)."""
        head, rest = parts[0], parts[1:]
        fi = self._head(head, key)
        if fi.relation:
            if rest and rest[0] in fi.pk_names:
                rest = rest[1:]
            if rest and (len(rest) > 1 or not fi.allows(rest[0])):
                raise self._relation_error(fi, key, rest[0])
        if fi.json and rest:
            lhs, lookup = self._json_condition(fi, rest)
        else:
            lhs = self._walk(fi, rest, key, final_lookup=True)
            remaining = rest[len(lhs.transforms) :]
            lookup = remaining[0] if remaining else "exact"
            valid = (lookup in TRANSFORM_LOOKUPS or is_custom(lookup)) if lhs.transforms else fi.allows(lookup)
            if len(remaining) > 1 or not valid:
                previous = lhs.transforms[-1] if lhs.transforms else None
                raise self._unknown(fi, remaining[0], key, previous, final_lookup=True)
        return self._leaf(lhs, lookup, value, key, negated)

    def _json_condition(self, fi: FieldInfo, rest: list[str]) -> tuple[_Lhs, str]:
        """Split the parts after a JSON field into a key path and a lookup."""
        column = self._col(fi)
        assert column is not None
        if len(rest) == 1 and (rest[0] in JSON_DOCUMENT_LOOKUPS or fi.allows(rest[0])):
            return _Lhs(column, fi, "column", base=column, nullable=self.nullable), rest[0]
        keys = rest[1:] if len(rest) >= 2 and rest[0] in ("key", "key_text") else list(rest)
        lookup = "exact"
        if len(keys) >= 2 and (keys[-1] in KEY_LOOKUPS or is_custom(keys[-1])):
            keys, lookup = keys[:-1], keys[-1]
        return _Lhs(column.key(*keys), fi, "key", base=column, nullable=self.nullable), lookup

    def _leaf(self, lhs: _Lhs, lookup: str, value: Any, key: str, negated: bool) -> core.Cond:
        """Build one lookup condition with its value converted for the database."""
        lookup = LOOKUP_ALIASES.get(lookup, lookup)
        cond = _lookup_cond(lhs.expr, lookup, self._prepare(lhs, lookup, value, key), value, key)
        fi = lhs.info
        if negated and lookup != "isnull" and value is not None and fi is not None and lhs.base is not None:
            if lhs.kind == "key":
                cond = cond & core.Cond.lookup(lhs.expr, "isnull", False)
            elif fi.null or lhs.nullable:
                cond = cond & core.Cond.lookup(lhs.base, "isnull", False)
        return cond

    def _prepare(self, lhs: _Lhs, lookup: str, value: Any, key: str) -> Any:
        """Convert a filter value: ``to_db`` of the field, element-wise for in/range, expressions compiled."""
        if type(value) in _SCALAR_TYPES and lookup not in _SPECIAL_VALUE_LOOKUPS:
            return self._scalar(lhs, lookup, value, key)  # what the checks below come to for such a value
        if isinstance(value, Expression):
            return value.resolve(self)
        if _is_queryset(value):
            raise QueryError(
                f"{key!r} got a QuerySet: subqueries are not supported yet; pass a list of values "
                f"(for example `await qs.values_list('pk', flat=True)`)"
            )
        if lookup == "isnull":
            if not isinstance(value, bool):
                raise QueryError(f"{key!r} needs True or False, not {value!r}")
            return value
        if value is None:
            if lookup in ("exact", "iexact"):
                return None
            raise QueryError(f"{key!r}: None is only a valid value for exact, iexact and isnull (use __isnull=True)")
        if lookup in _LIST_LOOKUPS:
            if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
                raise QueryError(f"{key!r} needs a list or tuple of values, not {value!r}")
            items = list(value)
            if lookup == "range" and len(items) != 2:
                raise QueryError(f"{key!r} needs exactly two values (low, high), not {len(items)}")
            if lookup in ("has_keys", "has_any_keys"):
                return [str(item) for item in items]
            return [self._scalar(lhs, lookup, item, key) for item in items]
        if lookup == "has_key":
            return str(value)
        return self._scalar(lhs, lookup, value, key)

    def _scalar(self, lhs: _Lhs, lookup: str, value: Any, key: str) -> Any:
        """Convert one value."""
        if isinstance(value, Expression):
            return value.resolve(self)
        if value is None:
            return None
        if lhs.kind == "key":
            return core.Json(value) if isinstance(value, dict | list) else value
        fi = lhs.info
        if lhs.kind != "column" or fi is None:
            return value
        return _db_value(self.info.name, fi, lookup, value, key)

    def q(self, q: Q | core.Cond, *, negated: bool = False) -> tuple[core.Cond, bool]:
        """Compile a Q tree (or pass a `ryx_core.Cond` through); also say if it refers to an aggregate."""
        if isinstance(q, core.Cond):
            return q, False
        if not isinstance(q, Q):
            raise TypeError(f"filter() positional arguments must be Q objects, not {q!r}; pass lookups as keywords")
        inner_negated = negated != q.negated
        conds: list[core.Cond] = []
        aggregate = False
        children = _flatten_and(q) if q.connector == "AND" else list(q.children)
        leaves = [c for c in children if isinstance(c, tuple)]
        if q.connector == "AND" and leaves:
            compiled = self._and_items(leaves, inner_negated)
        else:
            compiled = [self.condition(k, v, negated=inner_negated) for k, v in leaves]
        for cond, agg in compiled:
            conds.append(cond)
            aggregate = aggregate or agg
        for child in children:
            if not isinstance(child, tuple):
                cond, agg = self.q(child, negated=inner_negated)
                conds.append(cond)
                aggregate = aggregate or agg
        if not conds:
            combined = core.Cond.true()
        elif len(conds) == 1:
            combined = conds[0]
        else:
            combined = core.Cond.all(*conds) if q.connector == "AND" else core.Cond.any(*conds)
        return (~combined if q.negated else combined), aggregate

    def conditions(
        self, args: Iterable[Q | core.Cond], kwargs: Mapping[str, Any], *, negated: bool
    ) -> tuple[list[core.Cond], list[core.Cond]]:
        """Compile filter()/exclude() arguments into (WHERE conditions, HAVING conditions).

        Keyword conditions on the same multi-valued relation share one subquery (the same related row).
        """
        where: list[core.Cond] = []
        having: list[core.Cond] = []
        for arg in args:
            cond, agg = self.q(arg, negated=negated)
            (having if agg else where).append(cond)
        for cond, agg in self._and_items(list(kwargs.items()), negated):
            (having if agg else where).append(cond)
        return where, having

    def _and_items(self, items: list[tuple[str, Any]], negated: bool) -> list[tuple[core.Cond, bool]]:
        """Compile ANDed ``key=value`` items, grouping those on the same multi-valued relation."""
        out: list[tuple[core.Cond, bool] | tuple[str, str]] = []
        groups: dict[str, tuple[Split, list[tuple[str, Any]]]] = {}
        for key, value in items:
            split = self.split_of(key) if isinstance(key, str) else None
            if split is None:
                out.append(self.condition(key, value, negated=negated))
                continue
            group = f"{split.scope.alias}.{split.prefix}"
            if group not in groups:
                groups[group] = (split, [])
                out.append(("group", group))
            groups[group][1].append(("__".join(split.rest), value))
        result: list[tuple[core.Cond, bool]] = []
        for item in out:
            if isinstance(item[0], str):
                split, leaves = groups[item[1]]
                result.append((in_condition(self, split, leaves, negated), False))
            else:
                result.append(item)
        return result


def _db_value(model_name: str, fi: FieldInfo, lookup: str, value: Any, key: str) -> Any:
    """Convert one value compared with the column of ``fi``: ``str`` for a pattern, else the field's ``to_db``."""
    if lookup in _PATTERN_LOOKUPS and not fi.stores_json:
        return value if isinstance(value, str) else str(value)
    if fi.relation:
        value = _related_pk(value, key)
    try:
        return fi.field.to_db(value)
    except RyxError:
        raise
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise QueryError(
            f"invalid value {value!r} for {model_name}.{fi.name} ({type(fi.field).__name__}) in {key!r}: {exc}"
        ) from exc


def _lookup_cond(lhs: core.Expr, lookup: str, prepared: Any, value: Any, key: str) -> core.Cond:
    """Return the engine's condition, its refusal of a value reported as a QueryError naming the keyword."""
    try:
        return core.Cond.lookup(lhs, lookup, prepared)
    except FieldError:
        raise
    except (TypeError, ValueError) as exc:
        raise QueryError(f"invalid value {value!r} for the lookup {key!r}: {exc}") from exc


def _flatten_and(q: Q) -> list[Any]:
    """Return the children of an AND Q with nested plain AND Qs inlined (``Q(a) & Q(b)`` is one AND group)."""
    out: list[Any] = []
    for child in q.children:
        if isinstance(child, Q) and child.connector == "AND" and not child.negated:
            out.extend(_flatten_and(child))
        else:
            out.append(child)
    return out


def _target_pk_names(fld: Any) -> frozenset[str]:
    """Return the names that mean "the key itself" after a relation: ``pk`` and the target's pk name."""
    names = {"pk"}
    try:
        target = getattr(fld, "target_field", None)
    except RyxError:  # the related model is not defined yet
        target = None
    if target is not None:
        names.update({target.name, target.attname})
    return frozenset(names)


def _related_pk(value: Any, key: str) -> Any:
    """Refuse an unsaved model instance given to a relation filter (other values pass unchanged)."""
    if getattr(value, "_meta", None) is not None and not isinstance(value, type) and getattr(value, "pk", 0) is None:
        raise QueryError(f"{key!r} got an unsaved {type(value).__name__} instance (its pk is None): save it first")
    return value


def _is_queryset(value: Any) -> bool:
    """Return True for a QuerySet (without importing its module)."""
    return any(cls.__name__ == "QuerySet" for cls in type(value).__mro__)


__all__ = [
    "JSON_DOCUMENT_LOOKUPS",
    "KEY_LOOKUPS",
    "LOOKUP_ALIASES",
    "TRANSFORM_LOOKUPS",
    "Annotation",
    "FieldInfo",
    "ModelInfo",
    "Ref",
    "Scope",
    "builtin_lookups",
    "custom_lookups",
    "is_custom",
    "model_info",
]
