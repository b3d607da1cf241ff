"""Query paths across relations: JOINs for single-valued steps, subqueries for multi-valued ones.

``post__author__name`` follows ForeignKeys with (aliased) JOINs: INNER while every step so far is a
non-nullable key with a constraint, LEFT otherwise. A multi-valued step (reverse ForeignKey,
many-to-many) in a filter becomes ``<key> IN (SELECT ... FROM <related> WHERE ...)``, and the conditions of
one filter() call on the same relation go into the same subquery, so they hold for the same related row
(as in Django). Aggregates across a multi-valued step are correlated subqueries, so several of them never
multiply each other's rows. Ordering and values() across a multi-valued step join it (one row per related
row, as in Django).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ryx._core import core
from ryx.exceptions import FieldError

if TYPE_CHECKING:
    from ryx.fields.reverse import Hop
    from ryx.query.lookups import Scope

Mode = Literal["filter", "join"]


@dataclass(frozen=True, slots=True)
class Join:
    """One JOIN of a query: ``<kind> JOIN <table> AS <alias> ON <alias>.<target> = <source alias>.<source>``."""

    key: str
    alias: str
    table: str
    schema: str | None
    source_alias: str
    source_column: str
    target_column: str
    left: bool


class JoinSet:
    """The joins of one query, added while its paths are resolved (the same path reuses its join)."""

    def __init__(self, joins: tuple[Join, ...] = (), counter: list[int] | None = None) -> None:
        """Start from ``joins``; ``counter`` numbers new aliases (shared with the subqueries of the statement)."""
        self._joins = {j.key: j for j in joins}
        self.counter = counter if counter is not None else [0]
        self.crossed = False

    def new_alias(self, prefix: str) -> str:
        """Return an alias unused in the statement (``_j1``, ``_s2``...), deterministic for the same query."""
        self.counter[0] += 1
        return f"{prefix}{self.counter[0]}"

    def add(self, scope: Scope, hop: Hop, *, left: bool) -> Join:
        """Return the join of ``hop`` from ``scope`` (created on first use)."""
        info = hop.target._meta
        key = f"{scope.alias}.{hop.source_column}>{info.table_name}.{hop.target_column}"
        join = self._joins.get(key)
        if join is None:
            join = Join(
                key,
                self.new_alias("_j"),
                info.table_name,
                info.schema or None,
                scope.alias,
                hop.source_column,
                hop.target_column,
                left,
            )
            self._joins[key] = join
        elif left and not join.left:
            join = Join(*[getattr(join, f) for f in Join.__slots__[:-1]], left=True)  # type: ignore[misc]
            self._joins[key] = join
        self.crossed = True
        return join

    def child(self) -> JoinSet:
        """Return the join set of a subquery (its own joins, the statement's alias counter)."""
        return JoinSet((), self.counter)

    def items(self) -> tuple[Join, ...]:
        """Return the joins in the order they were added."""
        return tuple(self._joins.values())

    def copy(self) -> JoinSet:
        """Return an independent copy (to resolve a path without keeping its joins)."""
        new = JoinSet(self.items(), [self.counter[0]])
        new.crossed = self.crossed
        return new


def apply_joins(query: core.Query, joins: tuple[Join, ...]) -> core.Query:
    """Add the joins to a query."""
    for j in joins:
        query = query.join(
            j.table,
            (f"{j.source_alias}.{j.source_column}", f"{j.alias}.{j.target_column}"),
            kind="left" if j.left else "inner",
            alias=j.alias,
            schema=j.schema,
        )
    return query


@dataclass(slots=True)
class Split:
    """A path that reaches a multi-valued relation: the scope before it, the step, and the path after it."""

    scope: Scope
    hop: Hop
    prefix: str
    rest: list[str]


def _is_field(model: Any, name: str) -> bool:
    """Return True when ``name`` is a field, a relation or ``pk`` of ``model``."""
    meta = model._meta
    if name == "pk" or name in meta.many_to_many:
        return True
    try:
        meta.get_field(name)
    except (FieldError, LookupError):
        return meta.relation(name) is not None
    return True


def follow(scope: Scope, parts: list[str], mode: Mode) -> tuple[Scope, list[str]] | Split:
    """Walk the relations a path starts with; return the scope reached and the rest of the path.

    In ``filter`` mode a multi-valued step stops the walk with a `Split`; in ``join`` mode it is joined.
    A ForeignKey followed by nothing, its key (``pk``/``id``) or a lookup stays on its own column.
    """
    done: list[str] = []
    while parts:
        name = parts[0]
        if not done and name in scope.annotations:
            break
        rel = scope.info.model._meta.relation(name)
        if rel is None:
            break
        rest = parts[1:]
        hop = rel.hop()
        # the model where the rest of the path continues (through a many-to-many's link model)
        land = hop.target if hop.then is None else hop.target._meta.get_field(hop.then).remote_model
        if not getattr(rel, "many_to_many", False) and hasattr(rel, "attname"):  # a forward ForeignKey
            if not rest or not _is_field(land, rest[0]):
                break  # a lookup on the key column (or an unknown name, reported by the column logic)
            if rest[0] in scope.info.field_info(name).pk_names and (len(rest) == 1 or not _is_field(land, rest[1])):
                break  # author__id, author__pk__in: the key column itself, no join
        elif (not rest or not _is_field(land, rest[0])) and hop.then is None:
            rest = ["pk", *rest]  # posts, posts__in=[...], profile__isnull: the related row's key
        if hop.then is not None:
            rest = [hop.then, *rest]
        done.append(name)
        if hop.multi and mode == "filter":
            return Split(scope, hop, "__".join(done), rest)
        scope = scope.joined(hop)
        parts = rest
    return scope, parts


def in_condition(scope: Scope, split: Split, items: list[tuple[str, Any]], negated: bool) -> core.Cond:
    """Return ``<key> IN (SELECT <fk> FROM <related> WHERE <items>)`` for conditions on one multi-valued relation.

    ``relation__isnull=True`` becomes ``NOT (<key> IN (SELECT <fk> ...))``.
    """
    from ryx.query.lookups import Scope, model_info

    hop = split.hop
    outer = split.scope.column(hop.source_column)
    sub = Scope(model_info(hop.target), alias=split.scope.joins.new_alias("_s"), joins=split.scope.joins.child())
    split.scope.joins.crossed = True
    inner_key = sub.column(hop.target_column)
    isnull: bool | None = None
    conds: list[core.Cond] = []
    plain: dict[str, Any] = {}
    for rest_key, value in items:
        if rest_key in ("pk__isnull", f"{hop.then}__isnull") and isinstance(value, bool):
            isnull = value if isnull is None else isnull and value
            continue
        plain[rest_key] = value
    if plain:
        where, having = sub.conditions((), plain, negated=False)
        if having:
            raise FieldError(f"{split.prefix!r}: a condition across a relation cannot use an aggregate annotation")
        conds.extend(where)
    query = sub.query().select(inner_key).filter(core.Cond.lookup(inner_key, "isnull", False), *conds)
    cond = core.Cond.lookup(outer, "in", query)
    if isnull is True:
        cond = ~cond
    if negated and split.scope.nullable:
        cond = cond & core.Cond.lookup(outer, "isnull", False)
    return cond


def related_aggregate(
    scope: Scope, split: Split, build: Callable[[Scope, str], core.Expr], rows: Callable[[core.Expr], core.Query] | None
) -> core.Expr:
    """Return an aggregate across a multi-valued relation as a subquery.

    ``build(sub_scope, rest_path)`` compiles the aggregate inside the subquery. Without ``rows`` the subquery
    is correlated to the outer row (``annotate``); with ``rows`` (``aggregate()``) it covers the related rows
    of every row ``rows(key)`` selects.
    """
    from ryx.query.lookups import Scope, model_info

    hop = split.hop
    outer = split.scope.column(hop.source_column)
    sub = Scope(model_info(hop.target), alias=split.scope.joins.new_alias("_s"), joins=split.scope.joins.child())
    sub.flatten = True  # one subquery aggregates the whole rest of the path (joined), not nested subqueries
    split.scope.joins.crossed = True
    expr = build(sub, "__".join(split.rest))
    inner_key = sub.column(hop.target_column)
    link = (
        core.Cond.lookup(inner_key, "exact", outer) if rows is None else core.Cond.lookup(inner_key, "in", rows(outer))
    )
    return core.Expr.subquery(sub.query().select(expr).filter(link))


__all__ = ["Join", "JoinSet", "Split", "apply_joins", "follow", "in_condition", "related_aggregate"]
