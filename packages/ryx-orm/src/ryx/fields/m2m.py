"""`ManyToManyField`: a relation stored in a through table, auto-created as a model or given as one."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

from ryx.exceptions import FieldError
from ryx.fields.base import Field
from ryx.fields.reverse import Hop

if TYPE_CHECKING:
    from typing import Self

    from ryx.descriptors import ManyToManyManager
    from ryx.fields.related import ForeignKey
    from ryx.models.base import Model

_M = TypeVar("_M", bound="Model")
_MODEL_NAME = re.compile(r"^(?:[\w]+\.)*[A-Z]\w*$")


class ManyToManyField(Field[Any], Generic[_M]):
    """A many-to-many relation: ``tags = ManyToManyField(Tag)`` gives ``post.tags`` and ``tag.post_set``.

    Without ``through`` the link table is an auto-created model (``Meta.auto_created``) with two
    ForeignKeys and a unique pair, named ``<model>_<field>`` (``db_table`` overrides it; a lowercase
    ``through="post_tags"`` names the table too, as in the original Ryx). ``through=Membership`` (a model
    or its name) uses your own model with extra fields; ``through_fields=("post", "tag")`` picks its two
    ForeignKeys when it has more than one to a side.
    """

    is_relation: ClassVar[bool] = True
    many_to_many: ClassVar[bool] = True
    one_to_one: ClassVar[bool] = False

    @overload
    def __init__(
        self: ManyToManyField[Any],
        to: str,
        *,
        through: Any = None,
        related_name: str | None = None,
        related_query_name: str | None = None,
        db_table: str | None = None,
        through_fields: tuple[str, str] | None = None,
        db_constraint: bool = True,
        blank: bool = False,
        help_text: str = "",
        verbose_name: str = "",
    ) -> None: ...

    @overload
    def __init__(
        self,
        to: type[_M],
        *,
        through: Any = None,
        related_name: str | None = None,
        related_query_name: str | None = None,
        db_table: str | None = None,
        through_fields: tuple[str, str] | None = None,
        db_constraint: bool = True,
        blank: bool = False,
        help_text: str = "",
        verbose_name: str = "",
    ) -> None: ...

    def __init__(
        self,
        to: type[_M] | str,
        *,
        through: Any = None,
        related_name: str | None = None,
        related_query_name: str | None = None,
        db_table: str | None = None,
        through_fields: tuple[str, str] | None = None,
        db_constraint: bool = True,
        blank: bool = False,
        help_text: str = "",
        verbose_name: str = "",
    ) -> None:
        """Relate to ``to`` (a model class, ``"self"`` or a model name) through an auto-created or given model."""
        from ryx.models.base import Model

        if isinstance(to, str):
            if not to:
                raise TypeError("ManyToManyField(to=...) needs a model class or a model name, not ''")
        elif not (isinstance(to, type) and issubclass(to, Model)):
            raise TypeError(f"ManyToManyField(to=...) needs a model class or a model name, not {to!r}")
        table = db_table
        through_ref: Any = None
        if isinstance(through, str):
            if not through:
                raise TypeError("ManyToManyField(through=...) needs a model, a model name or a table name")
            if _MODEL_NAME.match(through):
                through_ref = through
            else:
                table = table or through  # the original Ryx: through="post_tags" names the link table
        elif through is not None:
            if not (isinstance(through, type) and issubclass(through, Model)):
                raise TypeError(f"ManyToManyField(through=...) needs a model or a model name, not {through!r}")
            through_ref = through
        if table is not None and (not isinstance(table, str) or not table):
            raise TypeError(f"ManyToManyField(db_table=...) must be a non-empty str, not {table!r}")
        if table is not None and through_ref is not None:
            raise TypeError("ManyToManyField takes db_table or a through model, not both (the model names its table)")
        if through_fields is not None and (
            not isinstance(through_fields, tuple | list)
            or len(through_fields) != 2
            or not all(isinstance(n, str) and n for n in through_fields)
        ):
            raise TypeError(f"through_fields must be two field names (source, target), not {through_fields!r}")
        if through_fields is not None and through_ref is None:
            raise TypeError("through_fields needs a through model")
        super().__init__(blank=blank, help_text=help_text, verbose_name=verbose_name)
        self.to = to
        self.through = through_ref
        self.db_table = table
        self.through_fields = tuple(through_fields) if through_fields is not None else None
        self.related_name = related_name
        self.related_query_name = related_query_name
        self.db_constraint = bool(db_constraint)
        self._remote: type[Model] | None = None
        self._through: type[Model] | None = None
        self._keys: tuple[ForeignKey[Any], ForeignKey[Any]] | None = None

    # ------------------------------------------------------------------------------------------ binding

    def contribute_to_class(self, model: type[Model], name: str) -> None:
        """Bind as ``model.<name>`` (no column) and create the auto through model of a concrete model."""
        self.model = model
        self.name = name
        self.attname = name
        self.column = ""
        meta = model._meta
        if name in meta.fields or name in meta.many_to_many:
            raise FieldError(f"{model.__name__}.{name} clashes with another field")
        meta.many_to_many[name] = self
        setattr(model, name, self)

    def create_through(self) -> None:
        """Create the auto through model (called once the model class is complete and registered)."""
        if self.through is None and self._through is None and self.model is not None:
            self._through = _auto_through(self, self.model, self.name)

    def clone(self) -> Self:
        """Return an unbound copy (a concrete child of an abstract model gets its own through table)."""
        new = super().clone()
        new._remote = None
        new._through = None
        new._keys = None
        return new

    # ------------------------------------------------------------------------------------------ models

    @property
    def remote_model(self) -> type[Model]:
        """Return the related model class (resolving a name on first use)."""
        if self._remote is None:
            from ryx.models.base import registry

            if self.model is None:
                raise FieldError(f"{self!r} is not bound to a model yet")
            if isinstance(self.to, str):
                self._remote = self.model if self.to == "self" else registry.resolve(self.to, relative_to=self.model)
            else:
                self._remote = self.to
            registry.resolved(self)
        return self._remote

    @property
    def related_model(self) -> type[Model]:
        """Return the related model class."""
        return self.remote_model

    @property
    def through_model(self) -> type[Model]:
        """Return the model of the link table (auto-created or the ``through`` model)."""
        if self._through is None:
            from ryx.models.base import registry

            assert self.model is not None
            ref = self.through
            self._through = ref if not isinstance(ref, str) else registry.resolve(ref, relative_to=self.model)
        return self._through

    @property
    def auto_created_through(self) -> bool:
        """Return True when the through model was created by the field."""
        return self.through is None

    def through_keys(self) -> tuple[ForeignKey[Any], ForeignKey[Any]]:
        """Return the through model's ForeignKeys to the source model and to the target model."""
        if self._keys is None:
            self._keys = self._find_keys()
        return self._keys

    def _find_keys(self) -> tuple[ForeignKey[Any], ForeignKey[Any]]:
        """Find the two ForeignKeys of the through model (``through_fields`` when given)."""
        from ryx.fields.related import ForeignKey

        assert self.model is not None
        through = self.through_model
        source, target = self.model, self.remote_model
        fks = [f for f in through._meta.concrete_fields if isinstance(f, ForeignKey)]
        if self.through_fields is not None:
            picked = []
            for fname in self.through_fields:
                fld = through._meta.get_field(fname)
                if not isinstance(fld, ForeignKey):
                    raise FieldError(f"through_fields: {through.__name__}.{fname} is not a ForeignKey")
                picked.append(fld)
            return picked[0], picked[1]
        to_source = [f for f in fks if issubclass(source, f.remote_model)]
        to_target = [f for f in fks if issubclass(target, f.remote_model)]
        if source is target and len(to_source) == 2:
            return to_source[0], to_source[1]
        if len(to_source) != 1 or len(to_target) != 1 or (source is not target and to_source[0] is to_target[0]):
            raise FieldError(
                f"{through.__name__} (the through model of {source.__name__}.{self.name}) needs exactly one "
                f"ForeignKey to {source.__name__} and one to {target.__name__}; found "
                f"{[f.name for f in fks]}. Name them with through_fields=(source, target)."
            )
        return to_source[0], to_target[0]

    def hop(self) -> Hop:
        """Return the step of a path across this relation: into the through model, then along its key to the target."""
        to_source, to_target = self.through_keys()
        return Hop(self.through_model, to_source.target_field.column, to_source.column, True, True, to_target.name)

    # ------------------------------------------------------------------------------------------ descriptor

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(self, instance: Model, owner: type[Any]) -> ManyToManyManager[_M]: ...

    @overload
    def __get__(self, instance: object, owner: type[Any]) -> Self: ...

    def __get__(self, instance: Any, owner: type[Any]) -> Any:
        """Return the field on the class, the relation's manager on an instance."""
        if instance is None:
            return self
        from ryx.descriptors import ManyToManyManager

        return ManyToManyManager(instance, self, reverse=False)

    def __set__(self, instance: Model, value: Any) -> None:
        """Refuse direct assignment (it would need queries): use ``await obj.<name>.set(objs)``."""
        raise TypeError(
            f"direct assignment to {type(instance).__name__}.{self.name} is not allowed (it needs queries); "
            f"use `await obj.{self.name}.set([...])`"
        )

    def db_type(self) -> str:
        """Raise: a many-to-many relation has no column (its rows live in the through table)."""
        raise FieldError(f"{self!r} has no column: its rows live in {self.through_model._meta.table_name}")

    def deconstruct(self) -> dict[str, Any]:
        """Describe the relation for migrations: target, through model, tables."""
        return {
            "type": type(self).__name__,
            "to": self.remote_model._meta.label,
            "through": self.through_model._meta.label,
            "through_table": self.through_model._meta.table_name,
            "auto_created": self.auto_created_through,
        }

    def __repr__(self) -> str:
        """Return ``<ManyToManyField: Model.name>``."""
        if self.model is None:
            return f"<{type(self).__name__}>"
        return f"<{type(self).__name__}: {self.model.__name__}.{self.name}>"


def _auto_through(field: ManyToManyField[Any], model: type[Model], name: str) -> type[Model]:
    """Create the link model of ``model.<name>``: two CASCADE ForeignKeys and a unique pair."""
    from ryx.fields.related import ForeignKey
    from ryx.models.base import Model as Base

    to = field.to
    target_name = model.__name__ if to == "self" else (to if isinstance(to, str) else to.__name__)
    target_lower = target_name.rpartition(".")[2].lower()
    source_lower = model.__name__.lower()
    if source_lower == target_lower:
        source_key, target_key = f"from_{source_lower}", f"to_{target_lower}"
    else:
        source_key, target_key = source_lower, target_lower
    class_name = f"{model.__name__}_{name}"
    options = model._meta
    meta_attrs: dict[str, Any] = {
        "table_name": field.db_table or f"{source_lower}_{name}",
        "auto_created": True,
        "unique_together": [(source_key, target_key)],
        "app_label": options.app_label,
    }
    if options.database:
        meta_attrs["database"] = options.database
    if options.schema:
        meta_attrs["schema"] = options.schema
    hidden = f"{class_name}+"
    attrs: dict[str, Any] = {
        "__module__": model.__module__,
        "__qualname__": f"{model.__qualname__}_{name}",
        "Meta": type("Meta", (), meta_attrs),
        source_key: ForeignKey(model, on_delete="CASCADE", related_name=hidden, db_constraint=field.db_constraint),
        target_key: ForeignKey(
            model if to == "self" else to, on_delete="CASCADE", related_name=hidden, db_constraint=field.db_constraint
        ),
    }
    through: type[Model] = type(class_name, (Base,), attrs)
    through._meta.auto_created_for = (model, name)
    return through


__all__ = ["ManyToManyField"]
