"""Database-side expressions: `F` column references, `Value`, arithmetic and ordering terms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from ryx._core import core

if TYPE_CHECKING:
    from ryx.query.lookups import Scope

_Op = Literal["+", "-", "*", "/", "%"]
_NUMERIC_HINTS = frozenset({"int", "float", "decimal"})


class Expression:
    """Base of everything that compiles to a `ryx_core.Expr`: combine with + - * / % and unary minus."""

    def resolve(self, scope: Scope) -> core.Expr:
        """Compile against the model of ``scope``."""
        raise NotImplementedError

    def output_hint(self, scope: Scope) -> str | None:
        """Return the decode hint of the result (None: let the engine decide)."""
        return None

    def is_aggregate(self, scope: Scope) -> bool:
        """Return True if the expression holds an aggregate (it then belongs in HAVING, not WHERE)."""
        return False

    def _combine(self, other: Any, op: _Op, reverse: bool) -> CombinedExpression:
        """Return ``self <op> other`` (or ``other <op> self``)."""
        rhs = other if isinstance(other, Expression) else Value(other)
        return CombinedExpression(rhs, op, self) if reverse else CombinedExpression(self, op, rhs)

    def __add__(self, other: Any) -> CombinedExpression:
        """Return ``self + other``."""
        return self._combine(other, "+", False)

    def __radd__(self, other: Any) -> CombinedExpression:
        """Return ``other + self``."""
        return self._combine(other, "+", True)

    def __sub__(self, other: Any) -> CombinedExpression:
        """Return ``self - other``."""
        return self._combine(other, "-", False)

    def __rsub__(self, other: Any) -> CombinedExpression:
        """Return ``other - self``."""
        return self._combine(other, "-", True)

    def __mul__(self, other: Any) -> CombinedExpression:
        """Return ``self * other``."""
        return self._combine(other, "*", False)

    def __rmul__(self, other: Any) -> CombinedExpression:
        """Return ``other * self``."""
        return self._combine(other, "*", True)

    def __truediv__(self, other: Any) -> CombinedExpression:
        """Return ``self / other`` (integer division on integer columns, as the database does it)."""
        return self._combine(other, "/", False)

    def __rtruediv__(self, other: Any) -> CombinedExpression:
        """Return ``other / self``."""
        return self._combine(other, "/", True)

    def __mod__(self, other: Any) -> CombinedExpression:
        """Return ``self % other``."""
        return self._combine(other, "%", False)

    def __rmod__(self, other: Any) -> CombinedExpression:
        """Return ``other % self``."""
        return self._combine(other, "%", True)

    def __neg__(self) -> Negated:
        """Return ``-self``."""
        return Negated(self)

    def __pos__(self) -> Expression:
        """Return self."""
        return self

    def asc(self) -> OrderBy:
        """Return an ascending ordering term for `QuerySet.order_by`."""
        return OrderBy(self, descending=False)

    def desc(self) -> OrderBy:
        """Return a descending ordering term for `QuerySet.order_by`."""
        return OrderBy(self, descending=True)


class F(Expression):
    """A reference to a field of the model (``F("views")``), an annotation, or a transform (``F("created__year")``)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        """Refer to the field, annotation or ``field__transform`` path ``name``."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"F() needs a field name, not {name!r}")
        self.name = name

    def resolve(self, scope: Scope) -> core.Expr:
        """Compile to the qualified column (or the annotation's expression)."""
        return scope.reference(self.name).expr

    def output_hint(self, scope: Scope) -> str | None:
        """Return the hint of the referenced field or annotation."""
        return scope.reference(self.name).hint

    def is_aggregate(self, scope: Scope) -> bool:
        """Return True when the reference names an aggregate annotation."""
        return scope.reference(self.name).aggregate

    def __repr__(self) -> str:
        """Return ``F('name')``."""
        return f"F({self.name!r})"

    def __eq__(self, other: object) -> bool:
        """Return True for an F of the same name."""
        return isinstance(other, F) and other.name == self.name

    def __hash__(self) -> int:
        """Hash by name."""
        return hash(("F", self.name))


class Value(Expression):
    """A literal value bound as a parameter (``Value(1)``); plain Python values in expressions become one."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        """Wrap ``value``."""
        if isinstance(value, Expression):
            raise TypeError(f"Value() wraps a Python value, not the expression {value!r}")
        self.value = value

    def resolve(self, scope: Scope) -> core.Expr:
        """Compile to a bound value."""
        return core.Expr.value(self.value)

    def output_hint(self, scope: Scope) -> str | None:
        """Return the hint matching the Python type of the value."""
        if isinstance(self.value, bool):
            return "bool"
        if isinstance(self.value, int):
            return "int"
        if isinstance(self.value, float):
            return "float"
        return None

    def __repr__(self) -> str:
        """Return ``Value(...)``."""
        return f"Value({self.value!r})"


class CombinedExpression(Expression):
    """Two expressions combined by an arithmetic operator."""

    __slots__ = ("lhs", "op", "rhs")

    def __init__(self, lhs: Expression, op: _Op, rhs: Expression) -> None:
        """Combine ``lhs <op> rhs``."""
        self.lhs, self.op, self.rhs = lhs, op, rhs

    def is_aggregate(self, scope: Scope) -> bool:
        """Return True if either side holds an aggregate."""
        return self.lhs.is_aggregate(scope) or self.rhs.is_aggregate(scope)

    def resolve(self, scope: Scope) -> core.Expr:
        """Compile both sides and the operator."""
        left, right = self.lhs.resolve(scope), self.rhs.resolve(scope)
        if self.op == "+":
            return left + right
        if self.op == "-":
            return left - right
        if self.op == "*":
            return left * right
        if self.op == "/":
            return left / right
        return left % right

    def output_hint(self, scope: Scope) -> str | None:
        """Return the common numeric hint of both sides (none for a division, whose type varies by backend)."""
        if self.op == "/":
            return None
        left, right = self.lhs.output_hint(scope), self.rhs.output_hint(scope)
        if left == right and left in _NUMERIC_HINTS:
            return left
        if {left, right} == {"int", "float"}:
            return "float"
        if {left, right} == {"int", "decimal"}:
            return "decimal"
        return None

    def __repr__(self) -> str:
        """Return ``(lhs op rhs)``."""
        return f"({self.lhs!r} {self.op} {self.rhs!r})"


class Negated(Expression):
    """The arithmetic negation of an expression (``-F("x")``)."""

    __slots__ = ("expression",)

    def __init__(self, expression: Expression) -> None:
        """Negate ``expression``."""
        self.expression = expression

    def is_aggregate(self, scope: Scope) -> bool:
        """Return True if the operand holds an aggregate."""
        return self.expression.is_aggregate(scope)

    def resolve(self, scope: Scope) -> core.Expr:
        """Compile to ``-expr``."""
        return -self.expression.resolve(scope)

    def output_hint(self, scope: Scope) -> str | None:
        """Return the operand's hint."""
        return self.expression.output_hint(scope)

    def __repr__(self) -> str:
        """Return ``-expr``."""
        return f"-{self.expression!r}"


class OrderBy:
    """An ordering term: an expression and a direction (``F("views").desc()``)."""

    __slots__ = ("descending", "expression")

    def __init__(self, expression: Expression, *, descending: bool = False) -> None:
        """Order by ``expression``, descending when asked."""
        if not isinstance(expression, Expression):
            raise TypeError(f"OrderBy() needs an expression such as F('name'), not {expression!r}")
        self.expression = expression
        self.descending = descending

    def reversed(self) -> OrderBy:
        """Return the same term in the other direction."""
        return OrderBy(self.expression, descending=not self.descending)

    def __repr__(self) -> str:
        """Return ``expr.asc()`` or ``expr.desc()``."""
        return f"{self.expression!r}.{'desc' if self.descending else 'asc'}()"


__all__ = ["CombinedExpression", "Expression", "F", "Negated", "OrderBy", "Value"]
