"""The reverse side of a relation (`Relation`), and the hops a query path takes across relations.

A ForeignKey ``Post.author`` gives ``Author`` a `Relation` (in ``Author._meta.related_objects``) with the
accessor ``author.posts`` (``related_name``, else ``post_set``) and the query name ``posts`` (``related_query_name``,
else ``related_name``, else ``post``). A OneToOneField gives a single-object accessor (``user.profile``); a
ManyToManyField gives a manager on both sides. `Hop` describes one JOIN a query path makes.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ryx.exceptions import FieldError

if TYPE_CHECKING:
    from ryx.models.base import Model


@dataclass(frozen=True, slots=True)
class Hop:
    """The step a query path takes across one relation: to ``target``, joining ``target_column`` to ``source_column``.

    ``multi`` is True when one source row may match several target rows (reverse FK, M2M); ``nullable``
    when it may match none. ``then`` names the ForeignKey of ``target`` the path goes on through (a
    many-to-many relation steps into its through model, then along that key to the other side).
    """

    target: Any
    source_column: str
    target_column: str
    multi: bool
    nullable: bool
    then: str | None = None


class Relation:
    """The reverse side of ``field`` (declared on ``related_model``, pointing at ``model``)."""

    def __init__(self, field: Any, related_model: type[Model], model: type[Model]) -> None:
        """Describe the reverse of ``field`` for the target ``model``."""
        self.field = field
        self.related_model = related_model
        self.model = model
        self.many_to_many: bool = bool(getattr(field, "many_to_many", False))
        self.multiple: bool = self.many_to_many or not getattr(field, "one_to_one", False)
        child = related_model.__name__.lower()
        name = _format(field.related_name, related_model)
        self.hidden = name is not None and name.endswith("+")
        if self.hidden:
            self.accessor_name: str | None = None
        elif name:
            self.accessor_name = name
        else:
            self.accessor_name = f"{child}_set" if self.multiple else child
        query = _format(field.related_query_name, related_model)
        if query:
            self.query_name: str | None = query
        elif self.hidden:
            self.query_name = None
        else:
            self.query_name = name or child

    @property
    def name(self) -> str:
        """Return the accessor name (or the query name of a hidden relation)."""
        return self.accessor_name or self.query_name or f"<hidden {self.related_model.__name__}.{self.field.name}>"

    def hop(self) -> Hop:
        """Return the step from ``model`` to ``related_model`` (into the through model for a many-to-many)."""
        field = self.field
        if self.many_to_many:
            to_source, to_target = field.through_keys()
            return Hop(field.through_model, to_target.target_field.column, to_target.column, True, True, to_source.name)
        return Hop(self.related_model, field.target_field.column, field.column, self.multiple, True)

    def __repr__(self) -> str:
        """Return ``<Relation Author.posts -> Post.author>``."""
        return f"<Relation {self.model.__name__}.{self.name} -> {self.related_model.__name__}.{self.field.name}>"


def _format(name: str | None, model: type[Model]) -> str | None:
    """Expand ``%(class)s`` and ``%(app_label)s`` in a related name (for fields of abstract models)."""
    if not name:
        return name
    if "%(" not in name:
        return name
    try:
        return name % {"class": model.__name__.lower(), "app_label": model._meta.app_label.lower()}
    except (KeyError, ValueError) as exc:
        raise FieldError(f"related_name {name!r} of {model.__name__}: only %(class)s and %(app_label)s expand") from exc


def _key(relation: Relation) -> tuple[str, str, str]:
    """Return what identifies a relation across re-definitions of its model: module, class and field name."""
    model = relation.related_model
    return (model.__module__, model.__qualname__, relation.field.name)


class Clash:
    """The accessor two relations would both install: reading it raises `FieldError` naming them."""

    def __init__(self, name: str, relations: list[Relation]) -> None:
        """Stand for ``name``, claimed by ``relations``."""
        self.name = name
        self.relations = relations

    def error(self) -> FieldError:
        """Return the error naming the clashing fields."""
        fields = " and ".join(f"{r.related_model.__name__}.{r.field.name}" for r in self.relations)
        return FieldError(
            f"{fields} both give {self.relations[0].model.__name__} the reverse name {self.name!r}; "
            f"set related_name (or related_query_name) on one of them"
        )

    def __get__(self, instance: object, owner: type[Any]) -> Any:
        """Raise the clash error."""
        raise self.error()


def install(relation: Relation) -> None:
    """Add ``relation`` to its target's ``_meta.related_objects`` and set its accessor on the target class."""
    from ryx.descriptors import accessor_for

    target = relation.model
    meta = target._meta
    source = relation.related_model
    key = _key(relation)
    # a model class defined again (same module and name) replaces the earlier one's relation
    meta.related_objects = [r for r in meta.related_objects if _key(r) != key]
    name = relation.accessor_name
    if name is not None:
        existing = inspect.getattr_static(target, name, None)
        other = getattr(existing, "relation", None)
        replaced = other is not None and _key(other) == key
        if isinstance(existing, Clash) or (other is not None and not replaced):
            # two relations give the target the same accessor: refused when it is used, not at definition
            first = existing.relations[0] if isinstance(existing, Clash) else other
            assert first is not None
            setattr(target, name, Clash(name, [first, relation]))
        elif existing is not None and not replaced:
            raise FieldError(
                f"{source.__name__}.{relation.field.name} would add the reverse accessor {target.__name__}.{name}, "
                f"which clashes with an existing attribute; give the field another related_name "
                f"(or related_name='+' for none)"
            )
        else:
            if name in {f.name for f in meta.concrete_fields} or name in meta.many_to_many:
                raise FieldError(
                    f"the reverse accessor {target.__name__}.{name} clashes with a field; set related_name"
                )
            setattr(target, name, accessor_for(relation))
    meta.related_objects.append(relation)
    meta.relations_changed()


__all__ = ["Clash", "Hop", "Relation", "install"]
