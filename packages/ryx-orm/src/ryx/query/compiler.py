"""The immutable state of a QuerySet and its compilation to a `ryx_core.Query`."""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ryx._core import core
from ryx.exceptions import FieldError, NotSupportedError
from ryx.query.expressions import Expression, OrderBy
from ryx.query.lookups import Annotation, ModelInfo, Scope
from ryx.query.paths import Join, JoinSet, apply_joins

Mode = Literal["model", "dict", "tuple", "flat", "named"]

_DIALECTS = {"PostgreSQL": "postgres", "MySQL": "mysql", "SQLite": "sqlite"}


@dataclass(frozen=True, slots=True)
class OrderTerm:
    """One ORDER BY term: the expression, the annotation alias it names (if any) and the direction."""

    expr: core.Expr
    alias: str | None
    descending: bool

    def flipped(self) -> OrderTerm:
        """Return the term in the other direction."""
        return OrderTerm(self.expr, self.alias, not self.descending)


@dataclass(frozen=True, slots=True)
class Column:
    """One output column of values()/values_list(): its key, expression and decode hint."""

    key: str
    expr: core.Expr
    hint: str | None
    aggregate: bool


_new = object.__new__


class QueryState:
    """Everything a QuerySet describes; replaced, never mutated (`QuerySet` methods return clones).

    The slots are not part of the description (`replace` does not copy them): ``select`` and ``get_probe``
    cache the SELECT and the state and SELECT of `QuerySet.get` compiled from it, and ``shared`` says that
    the state is reused by the QuerySets built the same way (see `ryx.query.queryset`).
    """

    __slots__ = ("__dict__", "__weakref__", "get_probe", "select", "shared")

    info: ModelInfo
    using: str | None
    where: tuple[core.Cond, ...]
    having: tuple[core.Cond, ...]
    order: tuple[OrderTerm, ...] | None  # None: Meta.ordering
    reverse: bool
    limit: int | None
    offset: int | None
    distinct: bool
    annotations: Mapping[str, Annotation]
    columns: tuple[Column, ...] | None  # values()/values_list() output
    mode: Mode
    group: bool  # values() came before an aggregate annotation: GROUP BY the values columns
    for_update: tuple[bool, bool, tuple[str, ...]] | None
    empty: bool
    cache: tuple[float | None, str | None] | None
    schema: str | None
    loaded: tuple[str, ...] | None  # only()/defer(): the attnames selected (None: every field)
    joins: tuple[Join, ...]  # JOINs of paths across relations
    alias_count: int  # aliases numbered so far (joins and subqueries)
    crossed: bool  # a condition follows a relation (writes then go by primary key)
    related: tuple[str, ...]  # select_related() paths ("" alone: every forward relation)
    prefetch: tuple[Any, ...]  # prefetch_related() lookups (`Prefetch` objects)

    def __init__(self, info: ModelInfo, *, using: str | None = None, schema: str | None = None) -> None:
        """Describe every row of ``info``'s model."""
        self.info = info
        self.using = using
        self.where = ()
        self.having = ()
        self.order = None
        self.reverse = False
        self.limit = None
        self.offset = None
        self.distinct = False
        self.annotations = {}
        self.columns = None
        self.mode = "model"
        self.group = False
        self.for_update = None
        self.empty = False
        self.cache = None
        self.schema = schema
        self.loaded = None
        self.joins = ()
        self.alias_count = 0
        self.crossed = False
        self.related = ()
        self.prefetch = ()
        self.select: core.Query | None = None
        self.get_probe: tuple[QueryState, core.Query] | None = None
        self.shared = False

    @staticmethod
    def initial(info: ModelInfo, using: str | None = None, schema: str | None = None) -> QueryState:
        """Return the state of every row of ``info``'s model (shared: states are never mutated)."""
        state: QueryState | None = info.states.get((using, schema))
        if state is None:
            state = QueryState(info, using=using, schema=schema)
            if len(info.states) < 64:  # aliases and schemas are few; a bound all the same
                state.shared = True
                info.states[using, schema] = state
        return state

    def replace(self, **changes: Any) -> QueryState:
        """Return a copy with ``changes`` (names of the attributes above)."""
        new = _new(QueryState)
        attributes = self.__dict__.copy()  # a plain copy: faster than building a dict from both
        attributes.update(changes)
        new.__dict__ = attributes
        new.select = None
        new.get_probe = None
        new.shared = False
        return new

    @property
    def scope(self) -> Scope:
        """Return the name resolver of this state (new joins it makes are saved with `scope_changes`)."""
        return Scope(self.info, self.annotations, joins=JoinSet(self.joins, [self.alias_count]))

    def scope_changes(self, scope: Scope) -> dict[str, Any]:
        """Return the state changes that keep what resolving names on ``scope`` added (joins, aliases)."""
        return {
            "joins": scope.joins.items(),
            "alias_count": scope.joins.counter[0],
            "crossed": self.crossed or scope.joins.crossed,
        }

    @property
    def sliced(self) -> bool:
        """Return True when LIMIT or OFFSET is set."""
        return self.limit is not None or self.offset is not None

    @property
    def aggregated(self) -> bool:
        """Return True when the query groups rows (an aggregate annotation or a HAVING condition)."""
        if self.having:
            return True
        return bool(self.annotations) and any(a.aggregate for a in self.annotations.values())


# ------------------------------------------------------------------------------------------------ ordering


def order_term(scope: Scope, term: Any) -> OrderTerm:
    """Resolve one order_by() argument: ``"f"``, ``"-f"``, ``"t.c"``, an annotation, F(...), ``F(...).desc()``."""
    if isinstance(term, OrderBy):
        return OrderTerm(term.expression.resolve(scope), _alias_of(scope, term.expression), term.descending)
    if isinstance(term, Expression):
        return OrderTerm(term.resolve(scope), _alias_of(scope, term), False)
    if not isinstance(term, str) or term in ("", "-"):
        raise FieldError(f"order_by() takes field names ('views', '-views'), F() or F().desc(), not {term!r}")
    if term == "?":
        raise FieldError("random ordering ('?') is not supported; order by a column")
    descending = term.startswith("-")
    name = term[1:] if descending else term
    if name.startswith("+"):
        name = name[1:]
    ref = scope.reference(name)
    return OrderTerm(ref.expr, name if name in scope.annotations else None, descending)


def plain_order_terms(info: ModelInfo, fields: tuple[Any, ...]) -> tuple[OrderTerm, ...] | None:
    """Return the terms of order_by() names already resolved on the model's own columns, else None.

    The same terms `order_term` gives on a scope without annotations; any other argument (an expression,
    a path across a relation, a name not resolved yet, an invalid one) gives None and takes that path.
    """
    refs = info.refs
    terms: list[OrderTerm] = []
    for term in fields:
        if type(term) is not str:
            return None
        descending = term.startswith("-")
        name = term[1:] if descending else term
        if name.startswith("+"):
            name = name[1:]
        ref = refs.get(name)
        if ref is None:
            return None
        terms.append(OrderTerm(ref.expr, None, descending))
    return tuple(terms)


def _alias_of(scope: Scope, expression: Expression) -> str | None:
    """Return the annotation name an ``F()`` refers to, if any."""
    name = getattr(expression, "name", None)
    return name if isinstance(name, str) and name in scope.annotations else None


def default_order(info: ModelInfo) -> tuple[OrderTerm, ...]:
    """Return (and cache) the model's ``Meta.ordering`` as terms."""
    cached: tuple[OrderTerm, ...] | None = info.order_cache
    if cached is None:
        scope = Scope(info)
        try:
            cached = tuple(order_term(scope, term) for term in info.ordering)
        except FieldError as exc:
            raise FieldError(f"{info.name}.Meta.ordering: {exc}") from exc
        if scope.joins.crossed:
            raise FieldError(
                f"{info.name}.Meta.ordering follows a relation ({list(info.ordering)}); order by the model's own "
                f"fields there, and across relations with order_by()"
            )
        info.order_cache = cached
    return cached


def effective_order(state: QueryState, *, for_first: bool = False) -> tuple[OrderTerm, ...]:
    """Return the ORDER BY terms: explicit, else Meta.ordering (not for grouped or DISTINCT values), reversed."""
    if state.order is not None:
        terms = state.order
    elif state.mode != "model" and (state.group or state.distinct or state.aggregated):
        terms = ()
    else:
        terms = default_order(state.info)
    if not terms and for_first:
        terms = (OrderTerm(state.info.pk_expr, None, False),)
    if state.reverse:
        terms = tuple(t.flipped() for t in terms)
    return terms


def is_ordered(state: QueryState) -> bool:
    """Return True when the query has an ordering (explicit or Meta.ordering)."""
    return bool(effective_order(state))


def _apply_order(q: core.Query, terms: tuple[OrderTerm, ...], *, aliases: frozenset[str] = frozenset()) -> core.Query:
    """Add ORDER BY terms; an annotation is named by its alias when the select list has it."""
    for term in terms:
        if term.alias is not None and term.alias in aliases:
            q = q.order_by(("-" if term.descending else "") + term.alias)
        elif term.descending:
            q = q.order_by_desc(term.expr)
        else:
            q = q.order_by(term.expr)
    return q


# ------------------------------------------------------------------------------------------------ compiling


def _base(state: QueryState) -> core.Query:
    """Return the empty query on the model's table (in the schema chosen by `QuerySet.schema()` if any)."""
    info = state.info
    if state.schema is None or state.schema == info.schema:
        return apply_joins(info.base, state.joins)
    return apply_joins(core.Query(info.table, schema=state.schema or None), state.joins)


def output_aliases(columns: tuple[Column, ...]) -> dict[str, core.Expr]:
    """Return select aliases for values() columns (the key when it is a plain identifier)."""
    out: dict[str, core.Expr] = {}
    for i, column in enumerate(columns):
        alias = column.key if column.key.isidentifier() and len(column.key) <= 48 else f"_c{i}"
        if alias in out:
            alias = f"_c{i}"
        out[alias] = column.expr
    return out


_plans: weakref.WeakKeyDictionary[QueryState, Any] = weakref.WeakKeyDictionary()
_shared_plans: dict[tuple[Any, ...], Any] = {}


def related_plan(state: QueryState) -> Any:
    """Return the `ryx.query.select_related.Plan` of a model-mode state with select_related(), else None."""
    if not state.related or state.mode != "model":
        return None
    plan = _plans.get(state)
    if plan is None:
        # plans only depend on these: queries built the same way share one (it is immutable)
        key = (state.info.model, state.related, state.joins, state.alias_count)
        plan = _shared_plans.get(key)
        if plan is None:
            from ryx.query.select_related import Plan, all_forward, parse

            model = state.info.model
            paths = [p for p in state.related if p]
            nodes = parse(model, paths) if paths else ()
            if "" in state.related:
                nodes = (*nodes, *(n for n in all_forward(model) if n.name not in {m.name for m in nodes}))
            plan = Plan(state.scope, nodes)
            if len(_shared_plans) > 512:
                _shared_plans.clear()
            _shared_plans[key] = plan
        _plans[state] = plan
    return plan


def select_query(state: QueryState, *, ordered: bool = True, for_first: bool = False) -> core.Query:
    """Compile the SELECT of a QuerySet (without ORDER BY when not ``ordered``)."""
    info = state.info
    aliases: frozenset[str] = frozenset()
    plan = related_plan(state) if state.related else None
    if plan is not None:
        aliases = frozenset(state.annotations)
        q = apply_joins(_base(state.replace(joins=())), plan.joins).select(
            *model_columns(state), **{a.name: a.expr for a in state.annotations.values()}, **plan.exprs
        )
    elif state.mode == "model":
        if state.annotations:
            aliases = frozenset(state.annotations)
        if state.annotations or state.loaded is not None:
            q = _base(state).select(*model_columns(state), **{a.name: a.expr for a in state.annotations.values()})
        elif (state.schema is None or state.schema == info.schema) and not state.joins:
            q = info.select
        else:
            q = _base(state).select(*info.columns)
    else:
        assert state.columns is not None
        selected = output_aliases(state.columns)
        aliases = frozenset(selected) & frozenset(state.annotations)
        q = _base(state).select(**selected)
    if state.empty:
        q = q.filter(core.Cond.false())
    if state.where:
        q = q.filter(*state.where)
    if state.aggregated:
        if state.mode != "model" and state.group:
            assert state.columns is not None
            q = q.group_by(*[c.expr for c in state.columns if not c.aggregate])
        else:
            q = q.group_by(*info.columns)
    if state.having:
        q = q.having(*state.having)
    if ordered:
        q = _apply_order(q, effective_order(state, for_first=for_first), aliases=aliases)
    if state.distinct:
        q = q.distinct()
    if state.limit is not None:
        q = q.limit(state.limit)
    if state.offset is not None:
        q = q.offset(state.offset)
    if state.for_update is not None:
        nowait, skip_locked, of = state.for_update
        q = q.for_update(nowait=nowait, skip_locked=skip_locked, of=list(of))
    return q


def write_query(state: QueryState, operation: str) -> tuple[core.Query, str | None]:
    """Compile the query an UPDATE or DELETE works on, and the pk column it needs when sliced."""
    if state.aggregated:
        raise NotSupportedError(
            f"{operation}() cannot run on a query with aggregate annotations or HAVING conditions; "
            f"filter on columns instead"
        )
    if state.crossed:
        raise NotSupportedError(f"{operation}() of a query across relations runs by primary key (internal error)")
    q = _base(state)
    if state.empty:
        q = q.filter(core.Cond.false())
    if state.where:
        q = q.filter(*state.where)
    if not state.sliced:
        return q, None
    q = _apply_order(q, effective_order(state))
    if state.limit is not None:
        q = q.limit(state.limit)
    if state.offset is not None:
        q = q.offset(state.offset)
    return q, state.info.pk_column


def model_columns(state: QueryState) -> tuple[core.Expr, ...]:
    """Return the model columns a model-mode query selects (all, or those left by only()/defer())."""
    info = state.info
    if state.loaded is None:
        return info.columns
    return tuple(info.columns[info.attnames.index(a)] for a in state.loaded)


def output_hints(state: QueryState) -> list[Any]:
    """Return the decode hints of the select list, in order."""
    if state.mode == "model":
        info = state.info
        hints = info.hints if state.loaded is None else [info.hints[info.attnames.index(a)] for a in state.loaded]
        plan = related_plan(state)
        if not state.annotations and plan is None:
            return hints
        return [*hints, *(a.hint for a in state.annotations.values()), *(plan.hints if plan is not None else ())]
    assert state.columns is not None
    return [c.hint for c in state.columns]


def dialect_of(alias: str | None) -> str:
    """Return the ``ryx_core`` dialect name of an alias (``sqlite`` when no database is set up)."""
    try:
        return _DIALECTS.get(core.get_backend(alias), "sqlite")
    except core.RyxError:
        return "sqlite"


__all__ = [
    "Column",
    "Mode",
    "OrderTerm",
    "QueryState",
    "default_order",
    "dialect_of",
    "effective_order",
    "is_ordered",
    "order_term",
    "output_aliases",
    "plain_order_terms",
    "output_hints",
    "related_plan",
    "select_query",
    "write_query",
]
