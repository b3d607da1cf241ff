"""Managers of the multi-valued sides of relations: ``author.posts`` (reverse FK) and ``post.tags`` (M2M).

They build ordinary QuerySets (so every query runs on the task's transaction, is counted and is bound),
serve ``prefetch_related`` results without a query, and write through the QuerySet/bulk paths.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ryx import strict
from ryx._core import core
from ryx.exceptions import QueryError
from ryx.prefetch import PREFETCH_CACHE
from ryx.query.queryset import QuerySet
from ryx.transaction import transaction as atomic

if TYPE_CHECKING:
    from ryx.fields.m2m import ManyToManyField
    from ryx.fields.related import ForeignKey
    from ryx.models.base import Model

M = TypeVar("M", bound="Model")
_T = TypeVar("_T")


def prefetched(instance: Any, name: str) -> list[Any] | None:
    """Return the prefetched objects of ``instance.<name>``, or None when they were not prefetched."""
    cache = instance.__dict__.get(PREFETCH_CACHE)
    return None if cache is None else cache.get(name)


def set_prefetched(instance: Any, name: str, objs: list[Any]) -> None:
    """Keep ``objs`` as the prefetched content of ``instance.<name>``."""
    instance.__dict__.setdefault(PREFETCH_CACHE, {})[name] = objs


def forget_prefetched(instance: Any, name: str) -> None:
    """Drop the prefetched content of ``instance.<name>`` (after a write through the manager)."""
    cache = instance.__dict__.get(PREFETCH_CACHE)
    if cache is not None:
        cache.pop(name, None)


class PrefetchedQuerySet(QuerySet[_T]):
    """``manager.all()`` after ``prefetch_related``: awaiting it, iterating, count/exists/first/last need no query.

    Refining it (filter, order_by...) gives an ordinary QuerySet, which queries.
    """

    def __init__(self, qs: QuerySet[_T], result: list[_T]) -> None:
        """Wrap ``qs`` whose result is already known."""
        self.model = qs.model
        self._state = qs._state
        self._query = None
        self._result = result

    def _clone(self, **changes: Any) -> Any:
        """Return an ordinary QuerySet (a refined query is run by the database)."""
        qs: QuerySet[Any] = object.__new__(QuerySet)
        qs.model = self.model
        qs._state = self._state.replace(**changes) if changes else self._state
        qs._query = None
        return qs

    def __await__(self) -> Generator[Any, None, list[_T]]:
        """Return the prefetched objects."""

        async def result() -> list[_T]:
            return list(self._result)

        return result().__await__()

    def __aiter__(self) -> AsyncIterator[_T]:
        """Iterate over the prefetched objects."""

        async def items() -> AsyncIterator[_T]:
            for obj in list(self._result):
                yield obj

        return items()

    async def count(self) -> int:
        """Return the number of prefetched objects."""
        return len(self._result)

    async def exists(self) -> bool:
        """Return True when an object was prefetched."""
        return bool(self._result)

    async def first(self) -> _T | None:
        """Return the first prefetched object (in the prefetch query's order)."""
        return self._result[0] if self._result else None

    async def last(self) -> _T | None:
        """Return the last prefetched object (in the prefetch query's order)."""
        return self._result[-1] if self._result else None


class RelatedManager(Generic[M]):
    """Common part of the relation managers: reading through QuerySets, ``await mgr``, ``async for``."""

    #: The model of the objects the manager returns.
    model: type[M]

    def __init__(self, instance: Model, model: type[M], name: str) -> None:
        """Manage ``instance.<name>``, whose objects are ``model`` rows."""
        self.instance = instance
        self.model = model
        self.name = name

    # ------------------------------------------------------------------------------------------ plumbing

    def _key(self) -> Any:
        """Return the instance's value the relation joins on (its key); refuse an unsaved instance."""
        raise NotImplementedError

    def _condition(self) -> core.Cond | dict[str, Any]:
        """Return the condition selecting the related rows."""
        raise NotImplementedError

    @property
    def _alias(self) -> str | None:
        """Return the alias the instance came from (None: the model's routing)."""
        from ryx import router

        return router.read_alias(self.model, None, instance=self.instance) or self.instance._state.db

    def _base(self) -> QuerySet[M]:
        """Return the related rows as a QuerySet (no strict-mode check: used by writes too)."""
        qs: QuerySet[M] = QuerySet(self.model, _using=self._alias)
        cond = self._condition()
        return qs.filter(**cond) if isinstance(cond, dict) else qs.filter(cond)

    def _read(self) -> QuerySet[M]:
        """Return the QuerySet of a read that needs a query (refused in strict mode)."""
        strict.check(
            self.instance,
            self.name,
            f"Add .prefetch_related({self.name!r}) to the query that loaded it, or call "
            f"`await obj.fetch_related({self.name!r})` first.",
        )
        return self._base()

    def _cached(self) -> list[M] | None:
        """Return the prefetched objects, if any."""
        return prefetched(self.instance, self.name)

    def _changed(self) -> None:
        """Forget prefetched objects after a write."""
        forget_prefetched(self.instance, self.name)

    # ------------------------------------------------------------------------------------------ reading

    def get_queryset(self) -> QuerySet[M]:
        """Return the related objects (the prefetched ones when ``prefetch_related`` loaded them)."""
        cached = self._cached()
        if cached is not None:
            return PrefetchedQuerySet(self._base(), cached)
        return self._read()

    def all(self) -> QuerySet[M]:
        """Return every related object."""
        return self.get_queryset()

    def __await__(self) -> Generator[Any, None, list[M]]:
        """``await mgr`` gives the list of related objects."""
        return self.get_queryset().__await__()

    def __aiter__(self) -> AsyncIterator[M]:
        """``async for obj in mgr`` iterates over the related objects."""
        return self.get_queryset().__aiter__()

    def filter(self, *args: Any, **kwargs: Any) -> QuerySet[M]:
        """Return the related objects matching the conditions."""
        return self._read().filter(*args, **kwargs)

    def exclude(self, *args: Any, **kwargs: Any) -> QuerySet[M]:
        """Return the related objects not matching the conditions."""
        return self._read().exclude(*args, **kwargs)

    def order_by(self, *fields: Any) -> QuerySet[M]:
        """Return the related objects, ordered."""
        return self._read().order_by(*fields)

    def annotate(self, *args: Any, **kwargs: Any) -> QuerySet[M]:
        """Return the related objects with computed values."""
        return self._read().annotate(*args, **kwargs)

    def values(self, *fields: str, **expressions: Any) -> QuerySet[Any]:
        """Return the related rows as dicts."""
        return self._read().values(*fields, **expressions)

    def values_list(self, *fields: str, flat: bool = False, named: bool = False) -> QuerySet[Any]:
        """Return the related rows as tuples (or flat values)."""
        return self._read().values_list(*fields, flat=flat, named=named)

    def distinct(self) -> QuerySet[M]:
        """Return distinct related objects."""
        return self._read().distinct()

    def select_related(self, *fields: str) -> QuerySet[M]:
        """Return the related objects with their own forward relations joined."""
        return self._read().select_related(*fields)

    def prefetch_related(self, *lookups: Any) -> QuerySet[M]:
        """Return the related objects with their own relations prefetched."""
        return self._read().prefetch_related(*lookups)

    def none(self) -> QuerySet[M]:
        """Return an empty QuerySet."""
        return self._base().none()

    async def count(self) -> int:
        """Return the number of related objects."""
        cached = self._cached()
        return len(cached) if cached is not None else await self._read().count()

    async def exists(self) -> bool:
        """Return True when there is a related object."""
        cached = self._cached()
        return bool(cached) if cached is not None else await self._read().exists()

    async def first(self) -> M | None:
        """Return the first related object (by ordering, else pk), or None."""
        return await self.get_queryset().first()

    async def last(self) -> M | None:
        """Return the last related object (by ordering, else pk), or None."""
        return await self.get_queryset().last()

    async def get(self, *args: Any, **kwargs: Any) -> M:
        """Return the one related object matching the conditions."""
        return await self._read().get(*args, **kwargs)

    async def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Return aggregates over the related objects."""
        return await self._read().aggregate(*args, **kwargs)

    async def in_bulk(self, id_list: Iterable[Any] | None = None, **kwargs: Any) -> dict[Any, M]:
        """Return ``{key: obj}`` of related objects."""
        return await self._read().in_bulk(id_list, **kwargs)

    async def delete(self) -> int:
        """Delete the related objects (with their ``on_delete`` effects) and return how many rows went."""
        self._changed()
        return await self._base().delete()

    async def update(self, **kwargs: Any) -> int:
        """Update the related objects; return the number of rows changed."""
        self._changed()
        return await self._base().update(**kwargs)

    def __repr__(self) -> str:
        """Return ``<ReverseFKManager Author(pk=1).posts>``."""
        return f"<{type(self).__name__} {type(self.instance).__name__}(pk={self.instance.pk!r}).{self.name}>"


def _saved_key(instance: Model, attname: str, name: str) -> Any:
    """Return ``instance.<attname>``, refusing an unsaved instance."""
    key = instance.__dict__.get(attname)
    if key is None or instance._state.adding:
        raise QueryError(
            f"{type(instance).__name__} must be saved before its relation {name!r} is used (it has no key yet)"
        )
    return key


class ReverseFKManager(RelatedManager[M]):
    """``author.posts``: the rows of the model whose ForeignKey points at ``author``."""

    def __init__(self, instance: Model, field: ForeignKey[Any], name: str) -> None:
        """Manage the rows of ``field.model`` pointing at ``instance``."""
        assert field.model is not None
        super().__init__(instance, field.model, name)  # type: ignore[arg-type]
        self.field = field

    def _key(self) -> Any:
        """Return the referenced value of the instance (its pk unless ``to_field``)."""
        return _saved_key(self.instance, self.field.target_field.attname, self.name)

    def _condition(self) -> dict[str, Any]:
        """Return ``{fk attname: key}``."""
        return {self.field.attname: self._key()}

    def _check(self, objs: Iterable[Any]) -> list[Any]:
        """Return the objects after checking they are instances of the managed model."""
        out = list(objs)
        for obj in out:
            if not isinstance(obj, self.model):
                raise TypeError(f"{self.name}.add/remove() takes {self.model.__name__} instances, not {obj!r}")
        return out

    def _attach(self, obj: Any, key: Any) -> None:
        """Point ``obj``'s ForeignKey at the instance in memory."""
        obj.__dict__[self.field.attname] = key
        obj.__dict__[self.field.cache_name] = self.instance

    async def create(self, **kwargs: Any) -> M:
        """Create a related object pointing at the instance."""
        key = self._key()
        if self.field.name in kwargs or self.field.attname in kwargs:
            raise TypeError(f"{self.name}.create() sets {self.field.name} itself; leave it out")
        self._changed()
        obj = await QuerySet(self.model, _using=self._alias).create(**{self.field.name: self.instance, **kwargs})
        obj.__dict__[self.field.attname] = key
        return obj

    async def get_or_create(self, defaults: Mapping[str, Any] | None = None, **kwargs: Any) -> tuple[M, bool]:
        """Return ``(obj, created)`` among the related objects, creating it pointing at the instance."""
        self._key()
        self._changed()
        return await self._base().get_or_create(defaults=defaults, **{self.field.name: self.instance, **kwargs})

    async def update_or_create(self, defaults: Mapping[str, Any] | None = None, **kwargs: Any) -> tuple[M, bool]:
        """Update the matching related object, or create it pointing at the instance."""
        self._key()
        self._changed()
        return await self._base().update_or_create(defaults=defaults, **{self.field.name: self.instance, **kwargs})

    async def add(self, *objs: M, bulk: bool = True) -> None:
        """Point ``objs`` at the instance: one UPDATE (``bulk``; they must be saved) or a save() each."""
        key = self._key()
        items = self._check(objs)
        if not items:
            return
        self._changed()
        if bulk:
            unsaved = [o for o in items if o.pk is None or o._state.adding]
            if unsaved:
                raise QueryError(
                    f"{self.name}.add() got an unsaved {self.model.__name__} ({unsaved[0]!r}): save it first, "
                    f"or use add(..., bulk=False), which saves it"
                )
            pk = self.model._meta.pk_field
            assert pk is not None
            await (
                QuerySet(self.model, _using=self._alias)
                .filter(**{f"{pk.attname}__in": [o.pk for o in items]})
                .update(**{self.field.attname: key})
            )
            for obj in items:
                self._attach(obj, key)
            return
        async with atomic(self._alias):
            for obj in items:
                self._attach(obj, key)
                if obj._state.adding or obj.pk is None:
                    await obj.save(using=self._alias)
                else:
                    await obj.save(update_fields=[self.field.attname], using=self._alias)

    def _nullable(self, operation: str) -> None:
        """Refuse remove()/clear() on a ForeignKey that cannot be NULL."""
        if not self.field.null:
            raise QueryError(
                f"{self.name}.{operation}() would set {self.model.__name__}.{self.field.name} to NULL, but the field "
                f"is not nullable (null=False): delete the objects instead, or point them at another object"
            )

    async def remove(self, *objs: M, bulk: bool = True) -> None:
        """Set the ForeignKey of ``objs`` to NULL (nullable ForeignKeys only); they must point at the instance."""
        self._nullable("remove")
        key = self._key()
        items = self._check(objs)
        for obj in items:
            if obj.__dict__.get(self.field.attname) != key:
                raise self.model.DoesNotExist(f"{obj!r} is not related to {self.instance!r} through {self.name}")
        if not items:
            return
        self._changed()
        pk = self.model._meta.pk_field
        assert pk is not None
        qs = self._base().filter(**{f"{pk.attname}__in": [o.pk for o in items]})
        await qs.update(**{self.field.attname: None})
        for obj in items:
            obj.__dict__[self.field.attname] = None
            obj.__dict__.pop(self.field.cache_name, None)

    async def clear(self, bulk: bool = True) -> None:
        """Set the ForeignKey of every related object to NULL (nullable ForeignKeys only)."""
        self._nullable("clear")
        self._key()
        self._changed()
        await self._base().update(**{self.field.attname: None})

    async def set(self, objs: Iterable[M], *, bulk: bool = True, clear: bool = False) -> None:
        """Make ``objs`` the related objects: add the missing ones and (nullable FK) remove the others."""
        items = self._check(objs)
        self._key()
        async with atomic(self._alias):
            if not self.field.null:
                await self.add(*items, bulk=bulk)
                return
            if clear:
                await self.clear()
                await self.add(*items, bulk=bulk)
                return
            pk = self.model._meta.pk_field
            assert pk is not None
            current = set(await self._base().values_list(pk.attname, flat=True))
            wanted = {o.pk for o in items if o.pk is not None}
            stale = current - wanted
            if stale:
                self._changed()
                await self._base().filter(**{f"{pk.attname}__in": list(stale)}).update(**{self.field.attname: None})
            await self.add(*[o for o in items if o.pk is None or o.pk not in current], bulk=bulk)


class ManyToManyManager(RelatedManager[M]):
    """``post.tags`` / ``tag.post_set``: the rows linked to the instance through the through model."""

    def __init__(self, instance: Model, field: ManyToManyField[Any], *, reverse: bool, name: str | None = None) -> None:
        """Manage the objects linked to ``instance`` by ``field`` (from the target side when ``reverse``)."""
        to_source, to_target = field.through_keys()
        if reverse:
            to_source, to_target = to_target, to_source
        model = to_target.remote_model
        super().__init__(instance, model, name or field.name)  # type: ignore[arg-type]
        self.field = field
        self.reverse = reverse
        self.through = field.through_model
        self.source_key = to_source
        self.target_key = to_target

    def _key(self) -> Any:
        """Return the instance's value stored in the through table."""
        return _saved_key(self.instance, self.source_key.target_field.attname, self.name)

    def _link_query(self, key: Any) -> core.Query:
        """Return ``SELECT <target key> FROM <through> WHERE <source key> = key``."""
        meta = self.through._meta
        table = meta.table_name
        return (
            core.Query(table, schema=meta.schema or None)
            .select(core.Expr.col(self.target_key.column, table))
            .filter(core.Cond.lookup(core.Expr.col(self.source_key.column, table), "exact", self.source_key.to_db(key)))
        )

    def _condition(self) -> core.Cond:
        """Return ``<target column> IN (SELECT ... FROM <through> WHERE <source key> = key)``."""
        target = self.target_key.target_field
        table = self.model._meta.table_name
        return core.Cond.lookup(core.Expr.col(target.column, table), "in", self._link_query(self._key()))

    def _values(self, objs: Iterable[Any], operation: str) -> list[Any]:
        """Return the values stored in the through table for ``objs`` (instances or keys)."""
        target = self.target_key.target_field
        out: list[Any] = []
        for obj in objs:
            if isinstance(obj, self.model):
                value = obj.__dict__.get(target.attname)
                if value is None or obj._state.adding:
                    raise QueryError(f"{self.name}.{operation}() got an unsaved {self.model.__name__}: save it first")
            elif getattr(obj, "_meta", None) is not None:
                raise TypeError(f"{self.name}.{operation}() takes {self.model.__name__} instances or keys, not {obj!r}")
            else:
                value = target.to_python(obj)
                if value is None:
                    raise QueryError(f"{self.name}.{operation}() got None; give objects or keys")
            out.append(value)
        return list(dict.fromkeys(out))

    def _links(self) -> QuerySet[Any]:
        """Return the through rows of the instance."""
        return QuerySet(self.through, _using=self._alias).filter(**{self.source_key.attname: self._key()})

    async def add(self, *objs: Any, through_defaults: Mapping[str, Any] | None = None) -> None:
        """Link ``objs`` (instances or keys) to the instance; links that exist already are left alone.

        On a custom through model, ``through_defaults`` gives the values of its other fields.
        """
        key = self._key()
        values = self._values(objs, "add")
        if not values:
            return
        self._changed()
        defaults = dict(through_defaults or {})
        for name, value in list(defaults.items()):
            if callable(value):
                defaults[name] = value()
        async with atomic(self._alias):
            existing = set(
                await self._links()
                .filter(**{f"{self.target_key.attname}__in": values})
                .values_list(self.target_key.attname, flat=True)
            )
            rows = [
                self.through(**{self.source_key.attname: key, self.target_key.attname: v, **defaults})
                for v in values
                if v not in existing
            ]
            if rows:
                # the auto-created link table has a unique pair: a link another task added meanwhile is no error
                conflicts = self.field.auto_created_through
                await QuerySet(self.through, _using=self._alias).bulk_create(rows, ignore_conflicts=conflicts)

    async def remove(self, *objs: Any) -> None:
        """Unlink ``objs`` (instances or keys) from the instance."""
        values = self._values(objs, "remove")
        if not values:
            return
        self._changed()
        await self._links().filter(**{f"{self.target_key.attname}__in": values}).delete()

    async def clear(self) -> None:
        """Unlink every object from the instance."""
        self._changed()
        await self._links().delete()

    async def set(
        self, objs: Iterable[Any], *, clear: bool = False, through_defaults: Mapping[str, Any] | None = None
    ) -> None:
        """Make ``objs`` exactly the linked objects (in one transaction): unlink the others, link the new ones."""
        values = self._values(objs, "set")
        self._key()
        self._changed()
        async with atomic(self._alias):
            if clear:
                await self.clear()
                await self.add(*values, through_defaults=through_defaults)
                return
            current = set(await self._links().values_list(self.target_key.attname, flat=True))
            stale = [v for v in current if v not in set(values)]
            if stale:
                await self._links().filter(**{f"{self.target_key.attname}__in": stale}).delete()
            new = [v for v in values if v not in current]
            if new:
                await self.add(*new, through_defaults=through_defaults)

    async def create(self, *, through_defaults: Mapping[str, Any] | None = None, **kwargs: Any) -> M:
        """Create an object and link it to the instance, in one transaction."""
        self._key()
        async with atomic(self._alias):
            obj = await QuerySet(self.model, _using=self._alias).create(**kwargs)
            await self.add(obj, through_defaults=through_defaults)
        return obj

    async def get_or_create(
        self, defaults: Mapping[str, Any] | None = None, *, through_defaults: Mapping[str, Any] | None = None, **kw: Any
    ) -> tuple[M, bool]:
        """Return ``(obj, created)`` among the linked objects, creating and linking it when missing."""
        async with atomic(self._alias):
            try:
                return await self._base().get(**kw), False
            except self.model.DoesNotExist:
                obj = await self.create(through_defaults=through_defaults, **{**kw, **(defaults or {})})
                return obj, True


__all__ = [
    "PREFETCH_CACHE",
    "ManyToManyManager",
    "PrefetchedQuerySet",
    "RelatedManager",
    "ReverseFKManager",
    "forget_prefetched",
    "prefetched",
    "set_prefetched",
]
