"""``select_related``: single-valued relations loaded by JOIN in the same query, split back into objects.

Every column of a related model is selected under its own alias and read by position, so no two columns
clash; a LEFT JOIN that finds no row (nullable relation, or anything nested under one) gives None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ryx._core import core
from ryx.exceptions import FieldError
from ryx.query.lookups import Scope, model_info


@dataclass(frozen=True, slots=True)
class Node:
    """One relation to load: forward ForeignKey/OneToOneField (``field``) or reverse one-to-one (``relation``)."""

    name: str
    model: type[Any]
    field: Any
    relation: Any
    children: tuple[Node, ...]

    def attach(self, parent: Any, obj: Any) -> None:
        """Keep ``obj`` (or None) as the loaded relation of ``parent`` (and the reverse link on ``obj``)."""
        if self.relation is None:
            parent.__dict__[self.field.cache_name] = obj
            return
        parent.__dict__[f"_cache_{self.relation.accessor_name}"] = obj
        if obj is not None:
            obj.__dict__[self.relation.field.cache_name] = parent


def parse(model: type[Any], paths: Sequence[str]) -> tuple[Node, ...]:
    """Check the ``select_related`` paths of ``model`` and return them as a tree (FieldError otherwise)."""
    tree: dict[str, Any] = {}
    for path in paths:
        if not isinstance(path, str) or not path:
            raise TypeError(f"select_related() takes relation names ('author', 'author__country'), not {path!r}")
        level = tree
        for name in path.split("__"):
            level = level.setdefault(name, {})
    return _nodes(model, tree, "")


def _nodes(model: type[Any], tree: dict[str, Any], prefix: str) -> tuple[Node, ...]:
    """Return the nodes of one level of the tree."""
    out = []
    meta = model._meta
    for name, sub in tree.items():
        path = f"{prefix}{name}"
        target = meta.accessor(name) if name not in meta.many_to_many else meta.many_to_many[name]
        if target is None:
            choices = sorted(
                [f.name for f in meta.relation_fields]
                + [r.accessor_name for r in meta.related_objects if r.accessor_name and not r.multiple]
            )
            raise FieldError(
                f"select_related({path!r}): {model.__name__} has no single-valued relation {name!r}; "
                f"choices are: {', '.join(choices) or '(none)'}"
            )
        if getattr(target, "many_to_many", False) or getattr(target, "multiple", False):
            raise FieldError(
                f"select_related({path!r}): {model.__name__}.{name} is multi-valued (reverse ForeignKey or "
                f"many-to-many); load it with prefetch_related({path!r})"
            )
        if hasattr(target, "attname"):  # forward ForeignKey / OneToOneField
            node_model = target.remote_model
            node = Node(name, node_model, target, None, _nodes(node_model, sub, f"{path}__"))
        else:  # reverse one-to-one
            node_model = target.related_model
            node = Node(name, node_model, target.field, target, _nodes(node_model, sub, f"{path}__"))
        out.append(node)
    return tuple(out)


def all_forward(model: type[Any]) -> tuple[Node, ...]:
    """Return the nodes of ``select_related()`` without arguments: every forward relation, one level deep."""
    return parse(model, [f.name for f in model._meta.relation_fields])


class Plan:
    """The extra joins and columns of a select_related query, and how to split its rows."""

    def __init__(self, scope: Scope, nodes: tuple[Node, ...]) -> None:
        """Join every node from ``scope`` and list its columns."""
        self.nodes = nodes
        self.exprs: dict[str, core.Expr] = {}
        self.hints: list[Any] = []
        self._widths: dict[int, tuple[int, int]] = {}
        for node in nodes:
            self._add(scope, node)
        self.joins = scope.joins.items()

    def _add(self, scope: Scope, node: Node) -> None:
        """Join ``node`` (reverse one-to-one from the other side) and select its columns."""
        hop = node.field.hop() if node.relation is None else node.relation.hop()
        sub = scope.joined(hop)
        info = model_info(node.model)
        for i, fld in enumerate(info.fields):
            self.exprs[f"{sub.alias}_{i}"] = core.Expr.col(fld.column, sub.alias)
        self.hints.extend(info.hints)
        self._widths[id(node)] = (len(info.fields), info.fields.index(info.pk_field))
        for child in node.children:
            self._add(sub, child)

    def split(self, objs: list[Any], rows: Sequence[Sequence[Any]], offset: int, db: str | None) -> None:
        """Build the related objects from the columns after ``offset`` and attach them to ``objs``."""
        for node in self.nodes:
            offset = self._fill(node, objs, rows, offset, db)

    def _fill(self, node: Node, parents: list[Any], rows: Sequence[Sequence[Any]], offset: int, db: str | None) -> int:
        """Attach ``node``'s objects to ``parents``; return the offset after its columns (and its children's)."""
        width, pk_index = self._widths[id(node)]
        end = offset + width
        model = node.model
        attnames = model._meta.concrete_attnames
        new = object.__new__
        forward = node.relation is None
        cache = node.field.cache_name if forward else f"_cache_{node.relation.accessor_name}"
        back = None if forward else node.relation.field.cache_name
        children: list[Any] = []
        append = children.append
        # one loop, no per-row method call: this runs for every row of every select_related query
        for parent, row in zip(parents, rows, strict=True):
            if parent is None:
                append(None)
                continue
            if row[offset + pk_index] is None:
                parent.__dict__[cache] = None
                append(None)
                continue
            obj = new(model)
            d = obj.__dict__
            d.update(zip(attnames, row[offset:end], strict=False))
            if db is not None:
                d["_state_db"] = db
            parent.__dict__[cache] = obj
            if back is not None:
                d[back] = parent
            append(obj)
        for child in node.children:
            end = self._fill(child, children, rows, end, db)
        return end


__all__ = ["Node", "Plan", "all_forward", "parse"]
