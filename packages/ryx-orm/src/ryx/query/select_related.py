"""``select_related``: single-valued relations loaded by JOIN in the same query, split back into objects.

Every column of a related model is selected under its own alias and read by position, so no two columns
clash; a LEFT JOIN that finds no row (nullable relation, or anything nested under one) gives None.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
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


#: Parsed trees by model and paths: every select_related() call checks its paths, and so does every new plan.
#: A tree that parsed stays valid (relations are only ever added to a model), and nodes are immutable.
_parsed: weakref.WeakKeyDictionary[type[Any], dict[tuple[str, ...], tuple[Node, ...]]] = weakref.WeakKeyDictionary()


def parse(model: type[Any], paths: Sequence[str]) -> tuple[Node, ...]:
    """Check the ``select_related`` paths of ``model`` and return them as a tree (FieldError otherwise)."""
    key = tuple(paths)
    if not all(type(path) is str for path in key):
        return _parse(model, key)  # raises the TypeError naming the bad path
    known = _parsed.get(model)
    if known is None:
        known = _parsed[model] = {}
    nodes = known.get(key)
    if nodes is None:
        nodes = known[key] = _parse(model, key)
    return nodes


def _parse(model: type[Any], paths: Sequence[str]) -> tuple[Node, ...]:
    """Parse the paths (see `parse`)."""
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
        self._label = ", ".join(node.name for node in nodes)
        # generated row loops, by (row offset, db is None) and by the shape of the hydrated model's row
        self._splitters: dict[tuple[int, bool], Callable[[Any, Sequence[Sequence[Any]], str | None], Any]] = {}
        self._hydrators: dict[tuple[Any, ...], Callable[[Any, Sequence[Sequence[Any]], str | None], Any]] = {}
        self._intos: dict[tuple[Any, ...], core.Into] = {}

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
        key = (offset, db is None)
        fill = self._splitters.get(key)
        if fill is None:
            fill = self._splitters[key] = self._compile(offset, db is not None)
        fill(objs, rows, db)

    def hydrator(
        self, model: type[Any], attnames: Sequence[str], names: Sequence[str], db: str | None
    ) -> Callable[[Sequence[Sequence[Any]]], list[Any]]:
        """Return a function turning whole rows into ``model`` instances with their related objects attached.

        The row holds ``attnames`` (the model's loaded columns), then the annotations ``names``, then this
        plan's columns; the same as building the instances and calling `split`, in one generated loop.
        """
        key = (model, tuple(attnames), tuple(names), db is None)
        build = self._hydrators.get(key)
        if build is None:
            build = self._hydrators[key] = self._compile(0, db is not None, model, (*attnames, *names))
        return lambda rows: build(None, rows, db)

    def into(self, model: type[Any], attnames: Sequence[str], names: Sequence[str], db: str) -> core.Into:
        """Return the engine's ``into=`` building what `hydrator` builds, the related objects included.

        The row holds ``attnames`` and the annotations ``names`` of ``model``, then the nodes' columns depth
        first, as `_add` selected them; each node's object goes into its parent's ``__dict__`` (None when its
        primary key column is NULL: no related row, and nothing below it either).
        """
        key = (model, tuple(attnames), tuple(names), db)
        into = self._intos.get(key)
        if into is not None:
            return into
        extra = {"_state_db": db}
        joined: list[tuple[int, str, core.Into, int, int, str | None]] = []
        start = len(attnames) + len(names)

        def add(node: Node, parent: int) -> None:
            nonlocal start
            width, pk_index = self._widths[id(node)]
            forward = node.relation is None
            key_name = node.field.cache_name if forward else f"_cache_{node.relation.accessor_name}"
            back = None if forward else node.relation.field.cache_name
            sub = core.Into(node.model, model_info(node.model).attnames[:width], extra)
            joined.append((parent, key_name, sub, start, start + pk_index, back))
            start += width
            index = len(joined)
            for child in node.children:
                add(child, index)

        for node in self.nodes:
            add(node, 0)
        into = core.Into(model, (*attnames, *names), extra, joined=joined)
        if len(self._intos) < 64:
            self._intos[key] = into
        return into

    def _compile(
        self, offset: int, with_db: bool, model: type[Any] | None = None, attnames: Sequence[str] = ()
    ) -> Callable[[Any, Sequence[Sequence[Any]], str | None], Any]:
        """Generate the loop over the rows (one straight-line body per row, no call per object or column).

        This runs for every row of every select_related query: the per-row cost of building objects with
        ``dict.update(zip(...))`` and a loop per relation was several times that of reading the row.
        Without ``model`` the loop attaches to the given parents; with it, it also builds them and returns them.
        """
        env: dict[str, Any] = {"new": object.__new__}
        lines: list[str] = []
        db_item = "'_state_db': db, " if with_db else ""

        def literal(names: Sequence[str], start: int, extra: str = "") -> str:
            items = "".join(f"{name!r}: row[{start + i}], " for i, name in enumerate(names))
            return "{" + items + db_item + extra + "}"

        def emit(node: Node, parent: str, start: int, depth: int) -> int:
            """Write the code of ``node`` (and its children) under ``parent``; return the next column."""
            width, pk_index = self._widths[id(node)]
            pad = "    " * depth
            forward = node.relation is None
            cache = node.field.cache_name if forward else f"_cache_{node.relation.accessor_name}"
            back = "" if forward else f"{node.relation.field.cache_name!r}: {parent}, "
            obj, cls = f"o{depth}", f"m{len(env)}"
            env[cls] = node.model
            attnames = model_info(node.model).attnames[:width]
            lines.append(f"{pad}if row[{start + pk_index}] is None:")
            lines.append(f"{pad}    {parent}.__dict__[{cache!r}] = None")
            lines.append(f"{pad}else:")
            lines.append(f"{pad}    {obj} = new({cls})")
            lines.append(f"{pad}    {obj}.__dict__ = {literal(attnames, start, back)}")
            lines.append(f"{pad}    {parent}.__dict__[{cache!r}] = {obj}")
            end = start + width
            for child in node.children:
                end = emit(child, obj, end, depth + 1)
            return end

        if model is None:
            lines.append("def fill(parents, rows, db):")
            lines.append("    for p, row in zip(parents, rows, strict=True):")
            start = offset
        else:
            env["model"] = model
            lines.append("def fill(parents, rows, db):")
            lines.append("    out = []")
            lines.append("    append = out.append")
            lines.append("    for row in rows:")
            lines.append("        p = new(model)")
            lines.append(f"        p.__dict__ = {literal(attnames, 0)}")
            lines.append("        append(p)")
            start = len(attnames)
        body = len(lines)
        for node in self.nodes:
            start = emit(node, "p", start, 2)
        if len(lines) == body:
            lines.append("        pass")
        if model is not None:
            lines.append("    return out")
        code = compile("\n".join(lines), f"<select_related {self._label}>", "exec")
        exec(code, env)  # the text is built from identifiers of our own models only, quoted with repr()
        return env["fill"]  # type: ignore[no-any-return]


__all__ = ["Node", "Plan", "all_forward", "parse"]
