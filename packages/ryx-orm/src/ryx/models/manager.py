"""`Manager`: the entry point of a model's queries (``Post.objects``), delegating to `QuerySet`."""

from __future__ import annotations

import copy
import functools
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

if TYPE_CHECKING:
    from typing import Self

    from ryx.models.base import Model
    from ryx.prefetch import Prefetch
    from ryx.query.lookups import ModelInfo
    from ryx.query.queryset import QuerySet

M = TypeVar("M", bound="Model")
_MM = TypeVar("_MM", bound="Model")


@functools.cache
def _QuerySet() -> type[QuerySet[Any]]:
    """Return the QuerySet class (imported on first use, as the query package needs the models package)."""
    from ryx.query.queryset import QuerySet

    return QuerySet


class Manager(Generic[M]):
    """Query entry point of a model: ``Post.objects.filter(...)`` is ``QuerySet(Post).filter(...)``.

    Subclass it and override `get_queryset` for a custom manager; every manager declared in a model's
    class body is bound to that model.
    """

    #: True for the ``objects`` manager added to a model that declares none (not inherited by children).
    auto_created: bool = False

    def __init__(self, alias: str | None = None, schema: str | None = None) -> None:
        """Create a manager; ``alias`` and ``schema`` apply to every query it starts."""
        if alias is not None and (not isinstance(alias, str) or not alias):
            raise TypeError(f"Manager(alias=...) must be a non-empty str or None, not {alias!r}")
        if schema is not None and not isinstance(schema, str):
            raise TypeError(f"Manager(schema=...) must be a str or None, not {schema!r}")
        self.model: type[M] | None = None
        self.name: str | None = None
        self.alias = alias
        self.schema_name = schema or None
        self._info: ModelInfo | None = None  # the model's query description, kept for the next queries

    # ------------------------------------------------------------------------------------------ binding

    def contribute_to_class(self, model: type[Model], name: str) -> None:
        """Bind the manager to ``model`` as attribute ``name``."""
        self.model = model  # type: ignore[assignment]
        self.name = name
        model._meta.managers[name] = self
        setattr(model, name, self)

    def _copy(self, **changes: Any) -> Self:
        """Return a copy with some attributes changed (used by ``using``/``schema`` and inheritance)."""
        new = copy.copy(self)
        new.__dict__.update(changes)
        return new

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(self, instance: object, owner: type[Any]) -> Self: ...

    def __get__(self, instance: object | None, owner: type[Any]) -> Self:
        """Return the manager on the class; managers are not reachable from instances."""
        if instance is not None:
            raise AttributeError(
                f"Manager isn't accessible via {owner.__name__} instances; use {owner.__name__}.{self.name}"
            )
        if owner is not self.model and self.model is not None:
            meta = getattr(owner, "_meta", None)
            if meta is not None and meta.managers.get(self.name) is not self:  # found on a parent only
                raise AttributeError(f"{owner.__name__} has no manager {self.name!r}")
        return self

    def __repr__(self) -> str:
        """Return ``<Manager for Model>``."""
        target = self.model.__name__ if self.model is not None else "no model"
        return f"<{type(self).__name__} for {target}>"

    # ------------------------------------------------------------------------------------------ querysets

    def _bound_model(self) -> type[M]:
        """Return the model, refusing an unbound manager or an abstract model."""
        model = self.model
        if model is None:
            raise AttributeError(f"{type(self).__name__} is not bound to a model; declare it in a model's class body")
        if model._meta.abstract:
            raise AttributeError(f"Manager isn't available; {model.__name__} is abstract")
        return model

    def get_queryset(self) -> QuerySet[M]:
        """Return a fresh QuerySet of the model (override it in a custom manager)."""
        model = self._bound_model()
        info = self._info
        if info is None or info.model is not model:  # first query, or a copy bound to another model
            from ryx.query.lookups import model_info

            info = self._info = model_info(model)
        return _QuerySet()._start(model, info, self.alias, self.schema_name)

    def using(self, alias: str) -> Self:
        """Return a copy of this manager whose queries run on ``alias``."""
        if not isinstance(alias, str) or not alias:
            raise TypeError(f"using() needs an alias (a non-empty str), not {alias!r}")
        return self._copy(alias=alias)

    def schema(self, schema: str) -> Self:
        """Return a copy of this manager whose queries use the PostgreSQL schema ``schema``."""
        if not isinstance(schema, str):
            raise TypeError(f"schema() needs a str, not {schema!r}")
        return self._copy(schema_name=schema or None)

    def all(self) -> QuerySet[M]:
        """Return every row (a lazy QuerySet)."""
        return self.get_queryset().all()

    def filter(self, *args: Any, **kwargs: Any) -> QuerySet[M]:
        """Return the rows matching the conditions."""
        return self.get_queryset().filter(*args, **kwargs)

    def exclude(self, *args: Any, **kwargs: Any) -> QuerySet[M]:
        """Return the rows not matching the conditions."""
        return self.get_queryset().exclude(*args, **kwargs)

    def order_by(self, *fields: Any) -> QuerySet[M]:
        """Return every row, ordered."""
        return self.get_queryset().order_by(*fields)

    def order_by_distance(self, field: str, vector: Sequence[float], operator: str = "<->") -> QuerySet[M]:
        """Return every row ordered by pgvector distance to ``vector`` (see `QuerySet.order_by_distance`)."""
        return self.get_queryset().order_by_distance(field, vector, operator)

    def nearest_neighbors(self, field: str, vector: Sequence[float], k: int = 10, operator: str = "<->") -> QuerySet[M]:
        """Return the ``k`` rows nearest to ``vector`` (see `QuerySet.nearest_neighbors`)."""
        return self.get_queryset().nearest_neighbors(field, vector, k, operator)

    def clear_ordering(self) -> QuerySet[M]:
        """Return every row in no particular order (``Meta.ordering`` dropped)."""
        return self.get_queryset().clear_ordering()

    def reverse(self) -> QuerySet[M]:
        """Return every row in the reverse of the default ordering."""
        return self.get_queryset().reverse()

    def limit(self, n: int | None) -> QuerySet[M]:
        """Return at most ``n`` rows (LIMIT)."""
        return self.get_queryset().limit(n)

    def offset(self, n: int | None) -> QuerySet[M]:
        """Return the rows after the first ``n`` (OFFSET)."""
        return self.get_queryset().offset(n)

    def annotate(self, *args: Any, **kwargs: Any) -> QuerySet[M]:
        """Return every row with computed values."""
        return self.get_queryset().annotate(*args, **kwargs)

    def values(self, *fields: str, **expressions: Any) -> QuerySet[dict[str, Any]]:
        """Return dicts instead of instances."""
        return self.get_queryset().values(*fields, **expressions)

    def values_list(self, *fields: str, flat: bool = False, named: bool = False) -> QuerySet[Any]:
        """Return tuples (or flat values, or named tuples) instead of instances."""
        return self.get_queryset().values_list(*fields, flat=flat, named=named)

    def only(self, *fields: str) -> QuerySet[M]:
        """Return instances with only these fields (and the primary key) loaded."""
        return self.get_queryset().only(*fields)

    def defer(self, *fields: str | None) -> QuerySet[M]:
        """Return instances without these fields loaded."""
        return self.get_queryset().defer(*fields)

    def distinct(self, *fields: str) -> QuerySet[M]:
        """Return distinct rows."""
        return self.get_queryset().distinct(*fields)

    def select_related(self, *fields: str) -> QuerySet[M]:
        """Return rows with the related objects of these relations loaded in the same query."""
        return self.get_queryset().select_related(*fields)

    def prefetch_related(self, *lookups: str | Prefetch | None) -> QuerySet[M]:
        """Return rows with the related objects of these relations loaded by extra queries."""
        return self.get_queryset().prefetch_related(*lookups)

    def join(self, *args: Any, **kwargs: Any) -> QuerySet[M]:
        """Return rows of an explicit join (see `QuerySet.join`)."""
        return self.get_queryset().join(*args, **kwargs)

    def none(self) -> QuerySet[M]:
        """Return an empty QuerySet that never queries."""
        return self.get_queryset().none()

    def select_for_update(
        self, *, nowait: bool = False, skip_locked: bool = False, of: Sequence[str] = ()
    ) -> QuerySet[M]:
        """Return rows locked until the end of the transaction."""
        return self.get_queryset().select_for_update(nowait=nowait, skip_locked=skip_locked, of=of)

    def cache(self, *, ttl: int | None = None, key: str | None = None) -> QuerySet[M]:
        """Return a QuerySet whose results go through the query cache."""
        return self.get_queryset().cache(ttl=ttl, key=key)

    def stream(self, *, chunk_size: int = 100, keyset: str | None = None, as_dict: bool = False) -> AsyncIterator[Any]:
        """Stream the rows in chunks instead of loading them all."""
        return self.get_queryset().stream(chunk_size=chunk_size, keyset=keyset, as_dict=as_dict)

    # ------------------------------------------------------------------------------------------ terminal (async)

    async def get(self, *args: Any, **kwargs: Any) -> M:
        """Return the single matching row (``Model.DoesNotExist`` / ``Model.MultipleObjectsReturned``)."""
        return await self.get_queryset().get(*args, **kwargs)

    async def first(self) -> M | None:
        """Return the first row (by the default ordering, else the primary key), or None."""
        return await self.get_queryset().first()

    async def last(self) -> M | None:
        """Return the last row (by the default ordering, else the primary key), or None."""
        return await self.get_queryset().last()

    async def exists(self) -> bool:
        """Return whether the table has a row."""
        return await self.get_queryset().exists()

    async def count(self) -> int:
        """Return the number of rows."""
        return await self.get_queryset().count()

    async def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Return aggregates over every row (``{"total": Sum("views")}``...)."""
        return await self.get_queryset().aggregate(*args, **kwargs)

    async def create(self, **kwargs: Any) -> M:
        """Build an instance from ``kwargs``, save it, and return it."""
        return await self.get_queryset().create(**kwargs)

    async def get_or_create(self, defaults: dict[str, Any] | None = None, **kwargs: Any) -> tuple[M, bool]:
        """Return ``(obj, created)``: the matching row, or a new one from ``kwargs`` and ``defaults``."""
        return await self.get_queryset().get_or_create(defaults=defaults, **kwargs)

    async def update_or_create(self, defaults: dict[str, Any] | None = None, **kwargs: Any) -> tuple[M, bool]:
        """Return ``(obj, created)``: the matching row updated with ``defaults``, or a new one."""
        return await self.get_queryset().update_or_create(defaults=defaults, **kwargs)

    async def bulk_create(self, instances: Iterable[M], **kwargs: Any) -> list[M]:
        """Insert many instances in few statements; return them with their primary keys."""
        return await self.get_queryset().bulk_create(instances, **kwargs)

    async def bulk_update(self, instances: Iterable[M], fields: Sequence[str], **kwargs: Any) -> int:
        """Update ``fields`` of many instances in few statements; return the number of rows."""
        return await self.get_queryset().bulk_update(instances, fields, **kwargs)

    async def bulk_delete(self, instances: Iterable[M] | None = None, **kwargs: Any) -> int:
        """Delete the given instances (every row when None); return the number of rows."""
        if instances is None:
            return await self.get_queryset().delete()
        from ryx.bulk import bulk_delete

        kwargs.setdefault("using", self.alias)
        return await bulk_delete(self._bound_model(), instances, **kwargs)

    async def in_bulk(self, id_list: Iterable[Any] | None = None, **kwargs: Any) -> dict[Any, M]:
        """Return ``{key: obj}`` for the rows whose keys are in ``id_list``."""
        return await self.get_queryset().in_bulk(id_list, **kwargs)

    async def update(self, **kwargs: Any) -> int:
        """Update every row; return the number of rows."""
        return await self.get_queryset().update(**kwargs)

    async def delete(self) -> int:
        """Delete every row; return the number of rows."""
        return await self.get_queryset().delete()


class ManagerDescriptor(Generic[M]):
    """Typing helper: ``Model.objects`` seen from a subclass is a ``Manager`` of that subclass."""

    @overload
    def __get__(self, instance: None, owner: type[_MM]) -> Manager[_MM]: ...

    @overload
    def __get__(self, instance: object, owner: type[_MM]) -> Manager[_MM]: ...

    def __get__(self, instance: object | None, owner: type[_MM]) -> Manager[_MM]:
        """Return the manager bound to ``owner``."""
        raise NotImplementedError  # never installed: the metaclass binds real managers


__all__ = ["Manager", "ManagerDescriptor"]
