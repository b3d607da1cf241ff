"""The original Ryx helpers for loading relations, on top of `select_related` and `prefetch_related`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from ryx.prefetch import Prefetch, prefetch_related_objects
from ryx.query.queryset import QuerySet

_T = TypeVar("_T")


async def apply_select_related(qs: QuerySet[_T], fields: Iterable[str]) -> list[_T]:
    """Run ``qs`` with ``fields`` loaded by JOIN (``qs.select_related(*fields)``) and return its objects."""
    if isinstance(fields, str):
        fields = [fields]
    return await qs.select_related(*fields)


async def apply_prefetch_related(instances: Sequence[_T], field_names: Iterable[str | Prefetch]) -> Sequence[_T]:
    """Load the relations ``field_names`` of ``instances`` (one query per relation level); return them."""
    if isinstance(field_names, str):
        field_names = [field_names]
    await prefetch_related_objects(list(instances), *field_names)
    return instances


def resolve_model(to: Any, source_model: type[Any]) -> type[Any]:
    """Return the model ``to`` names (a class, ``"self"`` or a name) for ``source_model`` (FieldError if unknown)."""
    from ryx.models.base import Model, registry

    if isinstance(to, type) and issubclass(to, Model):
        return to
    if not isinstance(to, str):
        raise TypeError(f"a relation target is a model class or a model name, not {to!r}")
    return source_model if to == "self" else registry.resolve(to, relative_to=source_model)


_resolve_model = resolve_model

__all__ = ["Prefetch", "apply_prefetch_related", "apply_select_related", "prefetch_related_objects", "resolve_model"]
