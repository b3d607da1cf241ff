"""``on_delete`` in Python, like Django's Collector: find what a delete reaches, refuse or apply, in one transaction.

The rules run the same way on every backend, whatever foreign keys the database has: CASCADE deletes the
rows pointing at the deleted ones (with their signals and hooks), SET_NULL/SET_DEFAULT update them, PROTECT
and RESTRICT refuse the whole delete (`ProtectedError`/`RestrictedError`, nothing deleted), DO_NOTHING
leaves them (the database's own constraint then decides).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ryx import signals
from ryx.exceptions import ProtectedError, RestrictedError
from ryx.query.chunks import chunk_size, chunks, unique

if TYPE_CHECKING:
    from ryx.fields.reverse import Relation
    from ryx.models.base import Model
    from ryx.query.queryset import QuerySet

_HOOKS = ("before_delete", "after_delete")


def has_dependents(model: type[Model]) -> bool:
    """Return True when deleting ``model`` rows may reach other rows (a relation with an action)."""
    return any(rel.field.on_delete != "DO_NOTHING" for rel in _relations(model))


def _relations(model: type[Model]) -> list[Relation]:
    """Return the ForeignKey relations pointing at ``model`` (many-to-many links go through their model's FKs)."""
    return [rel for rel in model._meta.related_objects if not rel.many_to_many]


def _overrides_hooks(model: type[Model]) -> bool:
    """Return True when the model overrides a delete hook (its rows must then be loaded)."""
    from ryx.models.base import Model as Base

    return any(getattr(model, hook) is not getattr(Base, hook) for hook in _HOOKS)


def _can_fast_delete(model: type[Model]) -> bool:
    """Return True when rows of ``model`` can be deleted by a condition, without loading them."""
    return (
        not has_dependents(model)
        and not _overrides_hooks(model)
        and not signals.pre_delete.has_listeners(model)
        and not signals.post_delete.has_listeners(model)
    )


class Collector:
    """Everything one delete reaches, gathered before anything is written."""

    def __init__(self, alias: str | None) -> None:
        """Collect on the alias ``alias``."""
        self.alias = alias
        self.batches: list[tuple[type[Model], list[Model]]] = []
        self.seen: dict[type[Model], set[Any]] = {}
        self.fast: list[QuerySet[Any]] = []
        self.updates: list[tuple[QuerySet[Any], str, Any]] = []
        self.protected: list[Model] = []
        self.restricted: list[Model] = []

    def _qs(self, model: type[Model]) -> QuerySet[Any]:
        """Return a QuerySet of ``model`` on the collector's alias."""
        from ryx.query.queryset import QuerySet

        return QuerySet(model, _using=self.alias)

    async def collect(self, model: type[Model], objs: Sequence[Model], *, root: bool = False) -> None:
        """Add ``objs`` (instances of ``model``) and, following ``on_delete``, what points at them."""
        seen = self.seen.setdefault(model, set())
        new = [o for o in objs if o.pk not in seen]
        if not new:
            return
        seen.update(o.pk for o in new)
        if not root:
            self.batches.append((model, new))
        for rel in _relations(model):
            await self._follow(rel, new)

    async def _follow(self, rel: Relation, objs: Sequence[Model]) -> None:
        """Apply ``rel.field.on_delete`` to the rows of ``rel`` pointing at ``objs``."""
        field = rel.field
        action = field.on_delete
        if action == "DO_NOTHING":
            return
        keys = unique(o.__dict__.get(field.target_field.attname) for o in objs)
        child = rel.related_model
        for part in chunks(keys, chunk_size(self.alias)):
            qs = self._qs(child).filter(**{f"{field.attname}__in": list(part)})
            if action == "CASCADE":
                if _can_fast_delete(child):
                    self.fast.append(qs)
                else:
                    await self.collect(child, await qs)
            elif action == "PROTECT":
                self.protected.extend(await qs)
            elif action == "RESTRICT":
                self.restricted.extend(await qs)
            elif action == "SET_NULL":
                self.updates.append((qs, field.attname, None))
            elif action == "SET_DEFAULT":
                self.updates.append((qs, field.attname, field.get_default()))

    def check(self, roots: Sequence[Model] = ()) -> None:
        """Raise `ProtectedError`/`RestrictedError` when a reference forbids the delete (nothing is written)."""
        if self.protected:
            objs = self.protected
            raise ProtectedError(
                f"Cannot delete: {len(objs)} object(s) refer to it with on_delete=PROTECT: {_describe(objs)}. "
                f"Delete or re-point them first.",
                list(objs),
            )
        deleted = {(type(o), o.pk) for _, batch in self.batches for o in batch}
        deleted.update((type(o), o.pk) for o in roots)
        blocking = [o for o in self.restricted if (type(o), o.pk) not in deleted]
        if blocking:
            raise RestrictedError(
                f"Cannot delete: {len(blocking)} object(s) refer to it with on_delete=RESTRICT and are not deleted "
                f"by a cascade: {_describe(blocking)}. Delete or re-point them first.",
                blocking,
            )

    async def apply(self) -> dict[type[Model], int]:
        """Run the updates and the deletes (children first), with signals and hooks; return rows per model."""
        counts: dict[type[Model], int] = {}
        for qs, attname, value in self.updates:
            await qs.update(**{attname: value})
        for qs in self.fast:
            n = await qs._delete_rows()
            counts[qs.model] = counts.get(qs.model, 0) + n
        for model, batch in self.batches:
            for obj in batch:
                await obj.before_delete()
                await signals.pre_delete.send(model, instance=obj)
        for model, batch in reversed(self.batches):
            pk = model._meta.pk_field
            assert pk is not None
            for part in chunks([o.pk for o in batch], chunk_size(self.alias)):
                n = await self._qs(model).filter(**{f"{pk.attname}__in": list(part)})._delete_rows()
                counts[model] = counts.get(model, 0) + n
        for model, batch in self.batches:
            pk = model._meta.pk_field
            assert pk is not None
            for obj in batch:
                obj.__dict__[pk.attname] = None
                obj._state.adding = True
                await obj.after_delete()
                await signals.post_delete.send(model, instance=obj)
        return counts


def _describe(objs: Sequence[Model]) -> str:
    """Return a short list of objects for an error message."""
    shown = ", ".join(repr(o) for o in objs[:10])
    return shown + (f" and {len(objs) - 10} more" if len(objs) > 10 else "")


__all__ = ["Collector", "has_dependents"]
