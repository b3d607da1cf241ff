"""Accessors of the reverse sides of relations: ``author.posts``, ``user.profile``, ``tag.post_set``.

The forward side of a ForeignKey/OneToOneField is the field itself (`ForwardDescriptor`), and the forward
side of a ManyToManyField too; `accessor_for` builds the reverse accessor a `Relation` installs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ryx.fields.related import ForwardDescriptor, RelatedObjectNotLoaded, related_read_alias
from ryx.related_managers import ManyToManyManager, ReverseFKManager

if TYPE_CHECKING:
    from ryx.fields.reverse import Relation
    from ryx.models.base import Model

_MISSING = object()


class ReverseFKDescriptor:
    """``author.posts``: a `ReverseFKManager` over the rows whose ForeignKey points at the instance."""

    def __init__(self, relation: Relation) -> None:
        """Serve the reverse side of ``relation``."""
        self.relation = relation

    def __get__(self, instance: Model | None, owner: type[Any]) -> Any:
        """Return the descriptor on the class, a manager on an instance."""
        if instance is None:
            return self
        return ReverseFKManager(instance, self.relation.field, self.relation.name)

    def __set__(self, instance: Model, value: Any) -> None:
        """Refuse assignment (it needs queries): use ``await obj.<name>.set([...])``."""
        raise TypeError(
            f"direct assignment to the reverse side {type(instance).__name__}.{self.relation.name} is not allowed; "
            f"use `await obj.{self.relation.name}.set([...])`"
        )


class ManyToManyDescriptor:
    """``tag.post_set``: the reverse side of a ManyToManyField, a `ManyToManyManager`."""

    def __init__(self, relation: Relation) -> None:
        """Serve the reverse side of ``relation``."""
        self.relation = relation

    def __get__(self, instance: Model | None, owner: type[Any]) -> Any:
        """Return the descriptor on the class, a manager on an instance."""
        if instance is None:
            return self
        return ManyToManyManager(instance, self.relation.field, reverse=True, name=self.relation.name)

    def __set__(self, instance: Model, value: Any) -> None:
        """Refuse assignment (it needs queries): use ``await obj.<name>.set([...])``."""
        raise TypeError(
            f"direct assignment to {type(instance).__name__}.{self.relation.name} is not allowed; "
            f"use `await obj.{self.relation.name}.set([...])`"
        )


class ReverseOneToOneDescriptor:
    """``user.profile``: the one row whose OneToOneField points at the instance, with the forward side's rules.

    It reads what ``select_related``/``prefetch_related``/`fetch` loaded (None when there is no such row);
    reading it before raises `RelatedObjectNotLoaded`.
    """

    def __init__(self, relation: Relation) -> None:
        """Serve the reverse side of ``relation``."""
        self.relation = relation

    @property
    def cache_name(self) -> str:
        """Return the instance ``__dict__`` key of the loaded object."""
        return f"_cache_{self.relation.name}"

    def is_loaded(self, instance: Model) -> bool:
        """Return True when reading needs no query."""
        return self.cache_name in instance.__dict__

    def __get__(self, instance: Model | None, owner: type[Any]) -> Any:
        """Return the descriptor on the class; on an instance, the loaded object (or None)."""
        if instance is None:
            return self
        value = instance.__dict__.get(self.cache_name, _MISSING)
        if value is not _MISSING:
            return value
        owner_name = type(instance).__name__
        name = self.relation.name
        raise RelatedObjectNotLoaded(
            f"{owner_name}.{name} is not loaded. Load it with the query (`.select_related({name!r})` or "
            f"`.prefetch_related({name!r})`), or explicitly with `await obj.fetch_related({name!r})` "
            f"(or `await {owner_name}.{name}.fetch(obj)`)."
        )

    def __set__(self, instance: Model, value: Any) -> None:
        """Keep ``value`` as the loaded object and point its OneToOneField at the instance (no query)."""
        field = self.relation.field
        if value is not None:
            if not isinstance(value, self.relation.related_model):
                raise TypeError(
                    f"{type(instance).__name__}.{self.relation.name} must be a "
                    f"{self.relation.related_model.__name__} or None, not {value!r}"
                )
            field.__set__(value, instance)
        instance.__dict__[self.cache_name] = value

    async def fetch(self, instance: Model) -> Any:
        """Load the object (one query unless loaded), keep it and return it (None when there is none)."""
        if self.is_loaded(instance):
            return instance.__dict__[self.cache_name]
        from ryx.query.queryset import QuerySet

        field = self.relation.field
        model = self.relation.related_model
        key = instance.__dict__.get(field.target_field.attname)
        obj = None
        if key is not None:
            qs: QuerySet[Any] = QuerySet(model, _using=related_read_alias(model, instance))
            obj = await qs.filter(**{field.attname: key}).first()
        if obj is not None:
            obj.__dict__[field.cache_name] = instance
        instance.__dict__[self.cache_name] = obj
        return obj


def accessor_for(relation: Relation) -> Any:
    """Return the accessor ``relation`` installs on its target model."""
    if relation.many_to_many:
        return ManyToManyDescriptor(relation)
    if relation.multiple:
        return ReverseFKDescriptor(relation)
    return ReverseOneToOneDescriptor(relation)


__all__ = [
    "ForwardDescriptor",
    "ManyToManyDescriptor",
    "ManyToManyManager",
    "ReverseFKDescriptor",
    "ReverseFKManager",
    "ReverseOneToOneDescriptor",
    "accessor_for",
]
