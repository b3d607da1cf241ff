"""Aggregates for `annotate()` and `aggregate()`: `Count`, `Sum`, `Avg`, `Min`, `Max` and `RawAgg`."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ryx._core import core
from ryx.exceptions import QueryError
from ryx.query.expressions import Expression, F

if TYPE_CHECKING:
    from ryx.query.lookups import ModelInfo, Scope

_Func = Literal["count", "sum", "avg", "min", "max"]


class Aggregate(Expression):
    """An SQL aggregate over a field (by name, ``"pk"`` or ``"table.col"``) or an expression.

    ``distinct=True`` aggregates distinct values; ``default`` replaces the NULL an aggregate of no rows gives
    (``Sum("views", default=0)``). ``output_field`` is accepted for compatibility and unused.
    """

    function: ClassVar[_Func]

    def __init__(
        self, field: str | Expression, *, distinct: bool = False, output_field: Any = "", default: Any = None
    ) -> None:
        """Aggregate ``field``."""
        if not isinstance(field, str | Expression) or field == "":
            raise TypeError(f"{type(self).__name__}() needs a field name or an expression, not {field!r}")
        if not isinstance(distinct, bool):
            raise TypeError(f"{type(self).__name__}(distinct=...) must be a bool, not {distinct!r}")
        if field == "*" and distinct:
            raise QueryError(f"{type(self).__name__}('*', distinct=True) means nothing: name the field to count")
        self.field = field
        self.distinct = distinct
        self.output_field = output_field
        self.default = default

    @property
    def source(self) -> Expression | None:
        """Return the aggregated expression (None for ``*``)."""
        if self.field == "*":
            return None
        return F(self.field) if isinstance(self.field, str) else self.field

    def default_alias(self) -> str:
        """Return the name `aggregate()` gives a positional aggregate (``views__sum``)."""
        if self.field == "*":
            return self.function
        if isinstance(self.field, str):
            return f"{self.field.replace('.', '_')}__{self.function}"
        raise TypeError(f"{self!r} aggregates an expression: give it a name, as in aggregate(total={self!r})")

    def _split(self, scope: Scope) -> Any:
        """Return the `Split` when the field crosses a multi-valued relation (reverse FK, M2M), else None."""
        if not isinstance(self.field, str) or self.field == "*":
            return None
        return scope.split_of(self.field)

    def _inside(self, field: str) -> Aggregate:
        """Return this aggregate over ``field`` (its path inside the related model)."""
        clone = copy.copy(self)
        clone.field = field
        return clone

    def resolve(self, scope: Scope) -> core.Expr:
        """Compile to ``FUNC([DISTINCT] arg)`` (wrapped in COALESCE when a default is set).

        Across a multi-valued relation (``Count("posts")``, ``Sum("posts__views")``) it is a subquery over
        the related rows, correlated to each row in annotate(), so several of them never multiply rows.
        """
        split = self._split(scope)
        if split is not None:
            return scope.related_aggregate(split, lambda sub, rest: self._inside(rest).resolve(sub))
        source = self.source
        if source is not None and source.is_aggregate(scope):
            raise QueryError(f"cannot compute {self!r}: {source!r} is already an aggregate")
        arg = None if source is None else source.resolve(scope)
        expr = core.Expr.agg(self.function, arg, distinct=self.distinct)
        if self.default is not None:
            expr = core.Expr.func("coalesce", expr, self.default)
        return expr

    def is_aggregate(self, scope: Scope) -> bool:
        """Return True, except across a relation in annotate() (a per-row subquery, which needs no GROUP BY)."""
        return not (scope.rows is None and self._split(scope.probe()) is not None)

    def output_hint(self, scope: Scope) -> str | None:
        """Return the hint of the aggregated field (aggregates of no rows are None unless a default is set)."""
        source = self.source
        return None if source is None else source.output_hint(scope.probe())

    def plain(self, info: ModelInfo) -> tuple[core.Expr, str | None] | None:
        """Return the compiled aggregate and its hint when it is a built-in one over the model's own columns.

        Such an aggregate compiles the same way on every scope without annotations, so it is compiled once per
        model; None for anything else (an expression, a default, a path across a relation, a subclass).
        """
        if type(self) not in _BUILTIN or not isinstance(self.field, str) or self.default is not None:
            return None
        key = (type(self), self.field, self.distinct)
        found = info.aggregates.get(key)
        if found is None:
            from ryx.query.lookups import Scope

            scope = Scope(info)  # a root scope of its own: whatever a path across a relation adds stays there
            if self._split(scope) is not None:
                return None
            found = (self.resolve(scope), self.output_hint(scope))
            if scope.joins.crossed or scope.joins.items():
                return None
            info.remember_aggregate(key, found)
        return found

    def __repr__(self) -> str:
        """Return ``Sum('views')``-style text."""
        args = [repr(self.field)]
        if self.distinct:
            args.append("distinct=True")
        if self.default is not None:
            args.append(f"default={self.default!r}")
        return f"{type(self).__name__}({', '.join(args)})"


_Agg = Aggregate


class Count(Aggregate):
    """``COUNT(*)``, ``COUNT(field)`` or ``COUNT(DISTINCT field)``; an int, 0 for no rows."""

    function = "count"

    def __init__(self, field: str | Expression = "*", distinct: bool = False, **kwargs: Any) -> None:
        """Count rows (``"*"``) or the non-NULL values of ``field``."""
        super().__init__(field, distinct=distinct, **kwargs)

    def output_hint(self, scope: Scope) -> str | None:
        """Return ``int``."""
        return "int"


class Sum(Aggregate):
    """``SUM([DISTINCT] field)``: the field's type (int, Decimal or float); None for no rows."""

    function = "sum"

    def output_hint(self, scope: Scope) -> str | None:
        """Return the numeric hint of the summed field (booleans sum to an int)."""
        hint = super().output_hint(scope)
        if hint == "bool":
            return "int"
        return hint if hint in ("int", "float", "decimal") else None


class Avg(Aggregate):
    """``AVG([DISTINCT] field)``: a float (a Decimal for a DecimalField); None for no rows."""

    function = "avg"

    def output_hint(self, scope: Scope) -> str | None:
        """Return ``decimal`` for a decimal field, else ``float``."""
        return "decimal" if super().output_hint(scope) == "decimal" else "float"


class Min(Aggregate):
    """``MIN(field)``: the field's type; None for no rows."""

    function = "min"


class Max(Aggregate):
    """``MAX(field)``: the field's type; None for no rows."""

    function = "max"


class RawAgg(Expression):
    """An aggregate written in SQL (``RawAgg("SUM(views * ?)", "weighted", params=[2])``).

    The text is inserted as written (it is SQL you wrote, not a value): bind every value through
    ``params`` with ``?`` placeholders. The keyword name given in `annotate`/`aggregate` wins over ``alias``.
    """

    def __init__(self, sql: str, alias: str = "", *, params: Sequence[Any] | None = None) -> None:
        """Use ``sql`` with ``?`` placeholders bound to ``params``."""
        if not isinstance(sql, str) or not sql.strip():
            raise TypeError(f"RawAgg() needs SQL text, not {sql!r}")
        self.sql = sql
        self.alias = alias
        self.params = list(params) if params is not None else []

    def default_alias(self) -> str:
        """Return ``alias`` (required when the aggregate is passed positionally)."""
        if not self.alias:
            raise TypeError(f"{self!r} has no alias: pass RawAgg(sql, alias) or use aggregate(name=RawAgg(sql))")
        return self.alias

    def resolve(self, scope: Scope) -> core.Expr:
        """Compile to the raw SQL with its parameters."""
        return core.Expr.raw(self.sql, self.params)

    def is_aggregate(self, scope: Scope) -> bool:
        """Return True."""
        return True

    def __repr__(self) -> str:
        """Return ``RawAgg('sql', 'alias')``."""
        return f"RawAgg({self.sql!r}, {self.alias!r})"


_BUILTIN = frozenset({Count, Sum, Avg, Min, Max})

__all__ = ["Aggregate", "Avg", "Count", "Max", "Min", "RawAgg", "Sum"]
