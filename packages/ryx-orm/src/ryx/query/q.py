"""`Q` objects: filter conditions combined with ``&`` (AND), ``|`` (OR) and ``~`` (NOT)."""

from __future__ import annotations

from typing import Any, Literal

from ryx._core import core

_Connector = Literal["AND", "OR"]


class Q:
    """A condition tree: ``Q(a=1) | ~Q(b__gte=2)``; several kwargs (or Q arguments) in one Q are ANDed.

    A Q is only a description: it is checked against the model's fields when a QuerySet uses it, where an
    unknown field or lookup raises `FieldError`.
    """

    AND: _Connector = "AND"
    OR: _Connector = "OR"

    __slots__ = ("children", "connector", "negated")

    def __init__(self, *args: Q | core.Cond, _connector: _Connector = "AND", _negated: bool = False, **kwargs: Any):
        """Build ``arg1 AND arg2 AND key1=value1 AND ...``."""
        for arg in args:
            if not isinstance(arg, Q | core.Cond):
                raise TypeError(f"Q() positional arguments must be Q objects, not {arg!r}; pass lookups as keywords")
        if _connector not in ("AND", "OR"):
            raise ValueError(f"Q connector must be 'AND' or 'OR', not {_connector!r}")
        self.children: list[Q | core.Cond | tuple[str, Any]] = [*args, *kwargs.items()]
        self.connector: _Connector = _connector
        self.negated = _negated

    def _combine(self, other: object, connector: _Connector) -> Q:
        """Return ``self <connector> other``."""
        if not isinstance(other, Q):
            raise TypeError(f"a Q combines with another Q, not with {other!r}")
        if not other.children:
            return self.copy()
        if not self.children:
            return other.copy()
        return Q(self, other, _connector=connector)

    def __and__(self, other: Q) -> Q:
        """Return ``self AND other``."""
        return self._combine(other, "AND")

    def __or__(self, other: Q) -> Q:
        """Return ``self OR other``."""
        return self._combine(other, "OR")

    def __invert__(self) -> Q:
        """Return ``NOT self``."""
        q = self.copy()
        q.negated = not self.negated
        return q

    def copy(self) -> Q:
        """Return a shallow copy."""
        q = Q(_connector=self.connector, _negated=self.negated)
        q.children = list(self.children)
        return q

    def __bool__(self) -> bool:
        """Return True unless the Q is empty."""
        return bool(self.children)

    def __eq__(self, other: object) -> bool:
        """Return True for the same tree."""
        if not isinstance(other, Q):
            return NotImplemented
        return (self.connector, self.negated, self.children) == (other.connector, other.negated, other.children)

    __hash__ = None  # type: ignore[assignment]

    def to_q_node(self) -> dict[str, Any]:
        """Serialise to the original Ryx dict format (``{"type": "and"|"or"|"not"|"leaf", ...}``)."""
        children = [_node(child) for child in self.children]
        node: dict[str, Any]
        if len(children) == 1 and not isinstance(self.children[0], core.Cond):
            node = children[0]
        else:
            node = {"type": self.connector.lower(), "children": children}
        if self.negated:
            if node["type"] == "leaf" and not node["negated"]:
                return {**node, "negated": True}
            return {"type": "not", "children": [node]}
        return node

    def __repr__(self) -> str:
        """Return ``Q(a=1)``, ``(Q(a=1) | Q(b=2))`` or ``~Q(a=1)``."""
        leaves = [c for c in self.children if isinstance(c, tuple)]
        if len(leaves) == len(self.children):
            text = "Q(" + ", ".join(f"{k}={v!r}" for k, v in leaves) + ")"
        else:
            sep = " & " if self.connector == "AND" else " | "
            parts = [repr(c) if not isinstance(c, tuple) else f"Q({c[0]}={c[1]!r})" for c in self.children]
            text = "(" + sep.join(parts) + ")"
        return f"~{text}" if self.negated else text


def _split_key(key: str) -> tuple[str, str]:
    """Split ``field__lookup`` by the last registered lookup name (``exact`` when there is none)."""
    parts = key.split("__")
    names = set(core.available_lookups())
    if len(parts) > 1 and parts[-1] in names:
        return "__".join(parts[:-1]), parts[-1]
    return key, "exact"


def _node(child: Q | core.Cond | tuple[str, Any]) -> dict[str, Any]:
    """Serialise one child of a Q."""
    if isinstance(child, Q):
        return child.to_q_node()
    if isinstance(child, core.Cond):
        return {"type": "cond", "cond": child}
    field, lookup = _split_key(child[0])
    return {"type": "leaf", "field": field, "lookup": lookup, "value": child[1], "negated": False}


__all__ = ["Q"]
