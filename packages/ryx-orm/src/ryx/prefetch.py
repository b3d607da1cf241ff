"""``prefetch_related``: relations of many objects loaded with one query per level, keys in chunks.

``posts__tags`` loads the posts of every author in one query (per chunk of keys under the backend's
bound-parameter limit), then the tags of every post in one more. Forward relations already loaded (by
select_related or an earlier level) are not fetched again. `Prefetch` customises a level with its own
QuerySet (filters, ordering, select_related) and ``to_attr``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ryx._core import core
from ryx.exceptions import FieldError
from ryx.fields.reverse import Hop
from ryx.query.chunks import chunk_size, chunks, unique
from ryx.query.expressions import Expression

if TYPE_CHECKING:
    from ryx.query.lookups import Scope
    from ryx.query.queryset import QuerySet

_KEY = "_prefetch_key"
#: Key of the instance ``__dict__`` entry holding ``prefetch_related`` results by accessor name.
PREFETCH_CACHE = "_prefetched"


class Prefetch:
    """A ``prefetch_related`` lookup with options: ``Prefetch("posts", queryset=Post.objects.filter(...))``.

    ``queryset`` (of the related model) filters, orders or select_related()s the prefetched objects;
    ``to_attr`` stores them in that attribute (a list, or the object for a single-valued relation) instead
    of the relation's own cache.
    """

    def __init__(self, lookup: str, queryset: QuerySet[Any] | None = None, to_attr: str | None = None) -> None:
        """Prefetch ``lookup`` (``"posts"``, ``"posts__tags"``)."""
        if not isinstance(lookup, str) or not lookup or "" in lookup.split("__"):
            raise TypeError(f"Prefetch() needs a relation path such as 'posts__tags', not {lookup!r}")
        if queryset is not None and type(queryset).__name__ not in ("QuerySet", "PrefetchedQuerySet"):
            from ryx.query.queryset import QuerySet

            if not isinstance(queryset, QuerySet):
                raise TypeError(f"Prefetch(queryset=...) takes a QuerySet, not {queryset!r}")
        if to_attr is not None and (not isinstance(to_attr, str) or not to_attr.isidentifier()):
            raise TypeError(f"Prefetch(to_attr=...) takes an attribute name, not {to_attr!r}")
        if queryset is not None and queryset._state.mode != "model":
            raise TypeError("Prefetch(queryset=...) must return model instances, not values()/values_list()")
        if queryset is not None and queryset._state.sliced:
            raise FieldError("Prefetch(queryset=...) cannot be sliced: it is filtered by the keys of the objects")
        self.lookup = lookup
        self.queryset = queryset
        self.to_attr = to_attr

    @property
    def parts(self) -> list[str]:
        """Return the relation names of the path."""
        return self.lookup.split("__")

    def __eq__(self, other: object) -> bool:
        """Compare lookup, queryset and to_attr."""
        if not isinstance(other, Prefetch):
            return NotImplemented
        return (self.lookup, self.queryset, self.to_attr) == (other.lookup, other.queryset, other.to_attr)

    def __hash__(self) -> int:
        """Hash the lookup."""
        return hash(self.lookup)

    def __repr__(self) -> str:
        """Return ``Prefetch('posts', to_attr='top')``-style text."""
        extra = f", to_attr={self.to_attr!r}" if self.to_attr else ""
        return f"Prefetch({self.lookup!r}{', queryset=...' if self.queryset is not None else ''}{extra})"


def normalize(model: type[Any], lookup: str | Prefetch) -> Prefetch:
    """Return ``lookup`` as a `Prefetch`, checking every step of its path against the models (FieldError)."""
    item = lookup if isinstance(lookup, Prefetch) else Prefetch(lookup)
    current = model
    for i, name in enumerate(item.parts):
        relation = _relation(current, name, item.lookup)
        current = _target(relation)
        if item.queryset is not None and i == len(item.parts) - 1 and item.queryset.model is not current:
            raise TypeError(
                f"Prefetch({item.lookup!r}, queryset=...) needs a QuerySet of {current.__name__}, "
                f"not of {item.queryset.model.__name__}"
            )
    return item


def _relation(model: type[Any], name: str, lookup: str) -> Any:
    """Return the relation behind the attribute ``name`` of ``model`` (FieldError listing the choices)."""
    meta = model._meta
    found = meta.accessor(name)
    if found is None:
        names = sorted(
            [f.name for f in meta.relation_fields]
            + list(meta.many_to_many)
            + [r.accessor_name for r in meta.related_objects if r.accessor_name]
        )
        raise FieldError(
            f"prefetch_related({lookup!r}): {model.__name__} has no relation {name!r}; "
            f"choices are: {', '.join(names) or '(none)'}"
        )
    return found


def _target(relation: Any) -> type[Any]:
    """Return the model a relation leads to (a reverse `Relation` leads to the model declaring the field)."""
    if hasattr(relation, "accessor_name"):
        return relation.related_model  # type: ignore[no-any-return]
    return relation.remote_model  # type: ignore[no-any-return]


async def prefetch_related_objects(instances: Sequence[Any], *lookups: str | Prefetch) -> None:
    """Load the relations ``lookups`` of ``instances`` (all of one model), one query per level and chunk."""
    objs = [o for o in instances if o is not None]
    if not objs:
        return
    model = type(objs[0])
    done: dict[str, list[Any]] = {}
    for lookup in lookups:
        item = normalize(model, lookup)
        level = objs
        path: list[str] = []
        for i, name in enumerate(item.parts):
            path.append(name)
            key = "__".join(path)
            last = i == len(item.parts) - 1
            if key in done and not (last and (item.queryset is not None or item.to_attr)):
                level = done[key]
                continue
            if not level:
                break
            level_model = type(level[0])
            relation = _relation(level_model, name, item.lookup)
            level = await _prefetch_one(level, relation, name, item if last else None)
            if not (last and item.to_attr):
                done[key] = level


async def _prefetch_one(objs: list[Any], relation: Any, name: str, item: Prefetch | None) -> list[Any]:
    """Load one relation of ``objs``; return the related objects (the next level)."""
    from ryx.fields.related import related_read_alias

    queryset = item.queryset if item is not None else None
    to_attr = item.to_attr if item is not None else None
    alias = related_read_alias(_target(relation), objs[0])
    if queryset is not None and queryset._state.using is not None:
        alias = queryset._state.using
    if hasattr(relation, "accessor_name"):  # reverse side of a ForeignKey / OneToOneField / ManyToManyField
        if relation.many_to_many:
            return await _many_to_many(objs, relation.field, True, name, queryset, to_attr, alias)
        if relation.multiple:
            return await _reverse_many(objs, relation, name, queryset, to_attr, alias)
        return await _reverse_one(objs, relation, queryset, to_attr, alias)
    if getattr(relation, "many_to_many", False):
        return await _many_to_many(objs, relation, False, name, queryset, to_attr, alias)
    return await _forward(objs, relation, queryset, to_attr, alias)


def _base(model: type[Any], queryset: QuerySet[Any] | None, alias: str | None) -> QuerySet[Any]:
    """Return the QuerySet a level starts from."""
    from ryx.query.queryset import QuerySet

    if queryset is not None:
        return queryset if queryset._state.using is not None else queryset.using(alias)
    return QuerySet(model, _using=alias)


async def _fetch(qs: QuerySet[Any], field: Any, keys: list[Any], alias: str | None) -> list[Any]:
    """Return the rows of ``qs`` whose ``field`` column is among ``keys``, one query per chunk.

    The keys come from rows already decoded to the field's type, so they are bound as they are (the
    condition is built directly: no per-key parsing of a ``field__in`` lookup).
    """
    column = core.Expr.col(field.column, qs.model._meta.table_name)
    to_db = field.to_db
    out: list[Any] = []
    for part in chunks(keys, chunk_size(alias)):
        values = [k if type(k) in (int, str) else to_db(k) for k in part]
        out.extend(await qs.filter(core.Cond.lookup(column, "in", values)))
    return out


async def _fetch_grouped(
    qs: QuerySet[Any], field: Any, keys: list[Any], alias: str | None, groups: dict[Any, tuple[list[Any], Any]]
) -> list[Any] | None:
    """`_fetch` with each row added to ``groups`` by the engine (see `QuerySet._fetch_grouped`), or None."""
    column = core.Expr.col(field.column, qs.model._meta.table_name)
    to_db = field.to_db
    out: list[Any] = []
    for part in chunks(keys, chunk_size(alias)):
        values = [k if type(k) in (int, str) else to_db(k) for k in part]
        rows = await qs.filter(core.Cond.lookup(column, "in", values))._fetch_grouped(
            field.attname, groups, field.cache_name
        )
        if rows is None:
            return None
        out.extend(rows)
    return out


async def _forward(
    objs: list[Any], field: Any, queryset: QuerySet[Any] | None, to_attr: str | None, alias: str | None
) -> list[Any]:
    """Load a ForeignKey/OneToOneField of ``objs``: one ``target IN (...)`` query (skipped if all are loaded)."""
    target = field.target_field.attname
    if queryset is None and to_attr is None and all(field.is_loaded(o) for o in objs):
        return unique_objects(o.__dict__.get(field.cache_name) for o in objs)
    keys = unique(o.__dict__.get(field.attname) for o in objs)
    rows = await _fetch(_base(field.remote_model, queryset, alias), field.target_field, keys, alias)
    found = {r.__dict__.get(target): r for r in rows}
    for obj in objs:
        value = found.get(obj.__dict__.get(field.attname))
        if to_attr is not None:
            setattr(obj, to_attr, value)
        elif value is not None or queryset is None:
            obj.__dict__[field.cache_name] = value
    return list(found.values())


async def _reverse_one(
    objs: list[Any], relation: Any, queryset: QuerySet[Any] | None, to_attr: str | None, alias: str | None
) -> list[Any]:
    """Load the reverse side of a OneToOneField: one ``fk IN (...)`` query."""
    field = relation.field
    keys = unique(o.__dict__.get(field.target_field.attname) for o in objs)
    rows = await _fetch(_base(relation.related_model, queryset, alias), field, keys, alias)
    found = {r.__dict__.get(field.attname): r for r in rows}
    for obj in objs:
        value = found.get(obj.__dict__.get(field.target_field.attname))
        if value is not None:
            value.__dict__[field.cache_name] = obj
        if to_attr is not None:
            setattr(obj, to_attr, value)
        else:
            obj.__dict__[f"_cache_{relation.accessor_name}"] = value
    return rows


async def _reverse_many(
    objs: list[Any], relation: Any, name: str, queryset: QuerySet[Any] | None, to_attr: str | None, alias: str | None
) -> list[Any]:
    """Load the reverse side of a ForeignKey (``author.posts``): one ``fk IN (...)`` query, grouped in Python."""
    field = relation.field
    target = field.target_field.attname
    keys = unique(o.__dict__.get(target) for o in objs)
    # key -> (the group's list, its parent): the first instance of each key is the parent rows link back to
    # (the same row may come as several instances: select_related makes one per row)
    groups: dict[Any, tuple[list[Any], Any]] = {}
    for obj in objs:
        key = obj.__dict__.get(target)
        if key not in groups:
            groups[key] = ([], obj)
    fk, cache = field.attname, field.cache_name
    qs = _base(relation.related_model, queryset, alias)
    rows = await _fetch_grouped(qs, field, keys, alias, groups)
    if rows is None:  # rows the engine could not group (see QuerySet._fetch_grouped): the same in Python
        rows = await _fetch(qs, field, keys, alias)
        get = groups.get
        for row in rows:  # one pass: group, and link each row back to its parent (post.author needs no query)
            d = row.__dict__
            group = get(d[fk])
            if group is not None:
                group[0].append(row)
                d[cache] = group[1]
    _assign(objs, target, {key: group[0] for key, group in groups.items()}, name, to_attr)
    return rows


def _assign(objs: list[Any], key: str, groups: dict[Any, list[Any]], name: str, to_attr: str | None) -> None:
    """Give each object the list of its group: the group's own list to its first instance, a copy to the others."""
    given: set[Any] = set()
    for obj in objs:
        d = obj.__dict__
        value = d.get(key)
        group = groups.get(value)
        if group is None:
            items: list[Any] = []
        elif value in given:
            items = list(group)
        else:
            given.add(value)
            items = group
        if to_attr is not None:
            setattr(obj, to_attr, items)
        else:
            # what related_managers.set_prefetched does, without a call per object
            cache = d.get(PREFETCH_CACHE)
            if cache is None:
                d[PREFETCH_CACHE] = {name: items}
            else:
                cache[name] = items


class _Column(Expression):
    """An already compiled expression (the through table's key, selected beside the prefetched rows)."""

    def __init__(self, expr: core.Expr, hint: str | None) -> None:
        """Wrap ``expr``."""
        self.expr = expr
        self.hint = hint

    def resolve(self, scope: Scope) -> core.Expr:
        """Return the expression."""
        return self.expr

    def output_hint(self, scope: Scope) -> str | None:
        """Return the hint of the key."""
        return self.hint


async def _many_to_many(
    objs: list[Any],
    field: Any,
    reverse: bool,
    name: str,
    queryset: QuerySet[Any] | None,
    to_attr: str | None,
    alias: str | None,
) -> list[Any]:
    """Load a many-to-many relation: one query of the targets JOINed to the through table (key beside each row)."""
    from ryx.query.lookups import Annotation

    to_source, to_target = field.through_keys()
    if reverse:
        to_source, to_target = to_target, to_source
    model = to_target.remote_model
    source_attname = to_source.target_field.attname
    keys = unique(o.__dict__.get(source_attname) for o in objs)
    qs = _base(model, queryset, alias)
    st = qs._state
    scope = st.scope
    hop = Hop(field.through_model, to_target.target_field.column, to_target.column, True, False)
    join = scope.joins.add(scope, hop, left=False)
    key_expr = core.Expr.col(to_source.column, join.alias)
    hint = to_source.decode_hint
    annotations = {**st.annotations, _KEY: Annotation(_KEY, _Column(key_expr, hint), key_expr, hint, False)}
    groups: dict[Any, list[Any]] = defaultdict(list)
    rows: list[Any] = []
    for part in chunks(keys, chunk_size(alias)):
        cond = core.Cond.lookup(key_expr, "in", [to_source.to_db(k) for k in part])
        state = st.replace(annotations=annotations, where=(*st.where, cond), **st.scope_changes(scope))
        for row in await qs._run(state, _select(state)):
            groups[row.__dict__.pop(_KEY)].append(row)
            rows.append(row)
    _assign(objs, source_attname, groups, name, to_attr)
    return rows


def _select(state: Any) -> core.Query:
    """Compile a state (late import: the compiler imports this module's users)."""
    from ryx.query.compiler import select_query

    return select_query(state)


def unique_objects(objs: Iterable[Any]) -> list[Any]:
    """Return the objects without None and without repeating the same instance."""
    seen: set[int] = set()
    out = []
    for obj in objs:
        if obj is not None and id(obj) not in seen:
            seen.add(id(obj))
            out.append(obj)
    return out


__all__ = ["Prefetch", "normalize", "prefetch_related_objects"]
