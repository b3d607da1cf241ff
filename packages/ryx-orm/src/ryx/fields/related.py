"""`ForeignKey` and `OneToOneField`: the ``<name>_id`` column, the forward accessor, and explicit loading."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, TypeVar, Unpack, overload

from ryx.exceptions import FieldError, RyxError
from ryx.fields.base import ORDERED_LOOKUPS, Field, FieldOptions
from ryx.fields.reverse import Hop

if TYPE_CHECKING:
    from typing import Self

    from ryx.models.base import Model

_M = TypeVar("_M", bound="Model")

ON_DELETE_CHOICES: Final = ("CASCADE", "SET_NULL", "PROTECT", "RESTRICT", "SET_DEFAULT", "DO_NOTHING")


class RelatedObjectNotLoaded(RyxError):
    """A relation (``post.author``, ``user.profile``) was read before it was loaded or assigned.

    Load it with ``select_related``/``prefetch_related`` on the query, or explicitly with
    ``await obj.fetch_related("author")`` (or ``await Post.author.fetch(obj)``).
    """


def related_read_alias(model: type[Model], instance: Model) -> str | None:
    """Return the alias a relation of ``instance`` reads from: router > ``Meta.database`` > the instance's database."""
    from ryx import router

    return router.read_alias(model, None, instance=instance) or instance._state.db


class ForeignKey(Field[_M], Generic[_M]):
    """A many-to-one relation, stored in the column ``<name>_id`` (or ``db_column``).

    ``post.author_id`` is the raw key. ``post.author = author`` (an instance) sets the key and keeps the
    object; ``post.author = 7`` sets the key; ``post.author = None`` clears both. Reading ``post.author``
    returns the assigned (or select_related-loaded) object, None when the key is None, and otherwise raises
    `RelatedObjectNotLoaded`: it never returns a hollow object.
    """

    SUPPORTED_LOOKUPS = ORDERED_LOOKUPS
    is_relation: ClassVar[bool] = True
    many_to_many: ClassVar[bool] = False
    #: True for OneToOneField: the reverse side is a single object (``user.profile``), not a manager.
    one_to_one: ClassVar[bool] = False
    #: Whether the column is unique unless ``unique=`` says otherwise (True for OneToOneField).
    unique_by_default: ClassVar[bool] = False

    @overload
    def __init__(
        self: ForeignKey[Any],
        to: str,
        *,
        on_delete: str = "CASCADE",
        related_name: str | None = None,
        related_query_name: str | None = None,
        db_constraint: bool = True,
        to_field: str | None = None,
        **kwargs: Unpack[FieldOptions],
    ) -> None: ...

    @overload
    def __init__(
        self,
        to: type[_M],
        *,
        on_delete: str = "CASCADE",
        related_name: str | None = None,
        related_query_name: str | None = None,
        db_constraint: bool = True,
        to_field: str | None = None,
        **kwargs: Unpack[FieldOptions],
    ) -> None: ...

    def __init__(
        self,
        to: type[_M] | str,
        *,
        on_delete: str = "CASCADE",
        related_name: str | None = None,
        related_query_name: str | None = None,
        db_constraint: bool = True,
        to_field: str | None = None,
        **kwargs: Unpack[FieldOptions],
    ) -> None:
        """Relate to ``to``: a model class, ``"self"``, a model name or ``"app_label.Name"`` (resolved lazily)."""
        from ryx.models.base import Model

        if isinstance(to, str):
            if not to:
                raise TypeError("ForeignKey(to=...) needs a model class or a model name, not ''")
        elif not (isinstance(to, type) and issubclass(to, Model)):
            raise TypeError(f"ForeignKey(to=...) needs a model class or a model name, not {to!r}")
        action = on_delete.upper() if isinstance(on_delete, str) else on_delete
        if action not in ON_DELETE_CHOICES:
            raise ValueError(f"on_delete must be one of {', '.join(ON_DELETE_CHOICES)}, not {on_delete!r}")
        if action == "SET_NULL" and not kwargs.get("null", False):
            raise ValueError("on_delete='SET_NULL' needs null=True on the ForeignKey")
        if action == "SET_DEFAULT" and "default" not in kwargs:
            raise ValueError("on_delete='SET_DEFAULT' needs a default on the ForeignKey")
        kwargs.setdefault("unique", self.unique_by_default)
        super().__init__(**kwargs)
        self.to = to
        self.on_delete = action
        self.related_name = related_name
        self.related_query_name = related_query_name
        self.db_constraint = bool(db_constraint)
        self.to_field = to_field
        self._remote: type[Model] | None = None

    # ------------------------------------------------------------------------------------------ binding

    def get_attname(self, name: str) -> str:
        """Return ``<name>_id``."""
        return f"{name}_id"

    @property
    def cache_name(self) -> str:
        """Return the instance ``__dict__`` key holding the loaded related object."""
        return f"_cache_{self.name}"

    def clone(self) -> Self:
        """Return an unbound copy (``"self"`` then points at the model the copy is bound to)."""
        new = super().clone()
        new._remote = None
        return new

    # ------------------------------------------------------------------------------------------ target

    @property
    def remote_model(self) -> type[Model]:
        """Return the related model class, resolving a name on first use."""
        if self._remote is None:
            from ryx.models.base import registry

            self._remote = self._resolve()
            registry.resolved(self)
            if self.model is not None:
                self.model._meta.conversions_changed()  # the key's conversion is known now
        return self._remote

    def _resolve(self) -> type[Model]:
        """Find the model ``to`` names."""
        from ryx.models.base import registry

        if not isinstance(self.to, str):
            return self.to
        if self.model is None:
            raise FieldError(f"{self!r} is not bound to a model yet; its target {self.to!r} cannot be resolved")
        if self.to == "self":
            return self.model
        return registry.resolve(self.to, relative_to=self.model)

    @property
    def related_model(self) -> type[Model]:
        """Return the related model class (alias of `remote_model`)."""
        return self.remote_model

    def hop(self) -> Hop:
        """Return the step a query path takes across this relation (to the related row, if any)."""
        # without a constraint a key may point at no row: such a join must not drop the row
        return Hop(self.remote_model, self.column, self.target_field.column, False, self.null or not self.db_constraint)

    @property
    def target_field(self) -> Field[Any]:
        """Return the field of the related model the key refers to (its primary key unless ``to_field``)."""
        remote = self.remote_model
        if self.to_field is None:
            pk = remote._meta.pk_field
            if pk is None:
                raise FieldError(f"{remote.__name__} has no primary key, so {self!r} cannot refer to it")
            return pk
        return remote._meta.get_field(self.to_field)

    @property
    def decode_hint(self) -> str | None:  # type: ignore[override]
        """Return the target field's decode hint."""
        return self.target_field.decode_hint

    def db_type(self) -> str:
        """Return the target field's type (``INTEGER`` for an auto primary key, ``UUID``...)."""
        return self.target_field.db_type()

    def deconstruct(self) -> dict[str, Any]:
        """Add the relation: target table and column, ``on_delete``, ``db_constraint``."""
        remote = self.remote_model
        return {
            **super().deconstruct(),
            "to": remote._meta.label,
            "to_table": remote._meta.table_name,
            "to_column": self.target_field.column,
            "on_delete": self.on_delete,
            "db_constraint": self.db_constraint,
        }

    # ------------------------------------------------------------------------------------------ conversion

    def to_python(self, value: Any) -> Any:
        """Convert a key (or an instance of the related model, giving its key) with the target field."""
        from ryx.models.base import Model

        if value is None:
            return None
        if isinstance(value, Model):
            value = self._key_of(value)
        return self.target_field.to_python(value)

    def to_db(self, value: Any) -> Any:
        """Return the key to bind (an instance gives its key)."""
        if value is None:
            return None
        return self.target_field.to_db(self.to_python(value))

    def kept_type(self) -> type | None:
        """Return the target field's (None while a target given by name is unresolved: resolving has effects)."""
        target = self._known_target()
        return None if target is None else target.kept_type()

    def binds_stored(self) -> bool:
        """Return the target field's answer (False while a target given by name is unresolved)."""
        target = self._known_target()
        return target is not None and target.binds_stored()

    def _known_target(self) -> Field[Any] | None:
        """Return the target field if it is known without resolving a model name, else None."""
        if self._remote is None and isinstance(self.to, str) and self.to != "self":
            return None
        try:
            return self.target_field
        except FieldError:
            return None

    def _key_of(self, obj: Model) -> Any:
        """Return the value of the referenced field of ``obj``, checking its type."""
        remote = self.remote_model
        if not isinstance(obj, remote):
            raise TypeError(
                f"{self.model.__name__ if self.model else '?'}.{self.name} must be a {remote.__name__} instance, "
                f"a key or None, not a {type(obj).__name__}"
            )
        return obj.__dict__.get(self.target_field.attname)

    # ------------------------------------------------------------------------------------------ descriptor

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(self, instance: Model, owner: type[Any]) -> _M: ...

    @overload
    def __get__(self, instance: object, owner: type[Any]) -> Self: ...

    def __get__(self, instance: Any, owner: type[Any]) -> Any:
        """Return the field on the class; on an instance, the loaded related object (or None)."""
        if instance is None:
            return self
        state = instance.__dict__
        key = state.get(self.attname)
        cached = state.get(self.cache_name)
        if cached is not None and (key is None or cached.__dict__.get(self.target_field.attname) == key):
            return cached  # assigned (maybe saved since) or loaded
        if key is None:
            return None
        owner_name = type(instance).__name__
        raise RelatedObjectNotLoaded(
            f"{owner_name}.{self.name} is not loaded ({owner_name}.{self.attname} = {key!r}). Load it with "
            f"the query (`.select_related({self.name!r})` or `.prefetch_related({self.name!r})`), or explicitly "
            f"with `await obj.fetch_related({self.name!r})` (or `await {owner_name}.{self.name}.fetch(obj)`); "
            f"`obj.{self.attname}` is the key and needs no query."
        )

    def is_loaded(self, instance: Model) -> bool:
        """Return True when reading the relation on ``instance`` needs no query (loaded, assigned or a None key)."""
        state = instance.__dict__
        key = state.get(self.attname)
        if key is None:
            return True
        cached = state.get(self.cache_name)
        return cached is not None and cached.__dict__.get(self.target_field.attname) == key

    async def fetch(self, instance: Model) -> _M | None:
        """Load the related object of ``instance`` (one query unless it is loaded), keep it, and return it.

        ``await Post.author.fetch(post)`` returns the Author (None when the key is None); afterwards
        ``post.author`` reads it without a query. Raise ``Author.DoesNotExist`` when the row is gone.
        """
        if self.is_loaded(instance):
            return self.__get__(instance, type(instance))
        from ryx.query.queryset import QuerySet

        remote = self.remote_model
        key = instance.__dict__[self.attname]
        qs: QuerySet[Any] = QuerySet(remote, _using=related_read_alias(remote, instance))
        obj = await qs.get(**{self.target_field.attname: key})
        instance.__dict__[self.cache_name] = obj
        return obj  # type: ignore[no-any-return]

    def __set__(self, instance: Model, value: Any) -> None:
        """Assign an instance (key + cached object), a key (cache dropped unless it matches) or None."""
        from ryx.models.base import Model

        state = instance.__dict__
        if value is None:
            state[self.attname] = None
            state.pop(self.cache_name, None)
        elif isinstance(value, Model):
            state[self.attname] = self.to_python(value)
            state[self.cache_name] = value
        else:
            key = self.to_python(value)
            state[self.attname] = key
            cached = state.get(self.cache_name)
            if cached is not None and cached.__dict__.get(self.target_field.attname) != key:
                del state[self.cache_name]

    def __delete__(self, instance: Model) -> None:
        """Clear the key and the cached object."""
        instance.__dict__[self.attname] = None
        instance.__dict__.pop(self.cache_name, None)


class OneToOneField(ForeignKey[_M]):
    """A one-to-one relation: a ForeignKey whose column is unique (``unique`` is True unless given).

    The reverse side is a single object (``user.profile``), read with the same rules as the forward side.
    """

    unique_by_default = True
    one_to_one = True


#: The forward accessor class of the original API (``ryx.descriptors.ForwardDescriptor``): the field itself.
ForwardDescriptor = ForeignKey


__all__ = [
    "ON_DELETE_CHOICES",
    "ForeignKey",
    "ForwardDescriptor",
    "OneToOneField",
    "RelatedObjectNotLoaded",
    "related_read_alias",
]
