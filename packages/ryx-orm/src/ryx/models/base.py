"""`Model`, its metaclass, `ModelState` and the registry of model classes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, cast

from ryx import exceptions, execution, router, signals
from ryx._core import core
from ryx.exceptions import FieldError
from ryx.fields.base import Field
from ryx.fields.files import delete_files, saving_files
from ryx.fields.related import ForeignKey
from ryx.fields.scalar import AutoField
from ryx.models.manager import Manager
from ryx.models.options import Options
from ryx.models.plan import ValuePlan, compile_init
from ryx.transaction import current_tx

if TYPE_CHECKING:
    from typing import Self

    from ryx.models.manager import ManagerDescriptor

_new = object.__new__


class ModelState:
    """Per-instance bookkeeping: ``adding`` (not saved yet: the next save INSERTs) and ``db`` (its alias).

    ``converted`` is True while every field value went through its field's ``to_python`` (instances built by
    ``Model(...)``; assignments convert too), so writes bind the values of fields whose ``to_db`` would return
    them unchanged without converting them again. Rows from the database are not converted.
    """

    __slots__ = ("adding", "converted", "db")

    def __init__(self, adding: bool = True, db: str | None = None, converted: bool = False) -> None:
        """Create the state of a new (``adding``) or loaded instance."""
        self.adding = adding
        self.db = db
        self.converted = converted

    def __setstate__(self, state: Any) -> None:
        """Restore a pickled state (one pickled before ``converted`` existed counts as not converted)."""
        self.converted = False
        slots = state[1] if isinstance(state, tuple) else state
        for name, value in (slots or {}).items():
            setattr(self, name, value)

    def __repr__(self) -> str:
        """Return ``ModelState(adding=..., db=...)``."""
        return f"ModelState(adding={self.adding!r}, db={self.db!r})"


class _LazyState:
    """The ``_state`` of instances built by `Model._from_db`, created on first access (rows skip the cost)."""

    def __get__(self, instance: Model | None, owner: type[Any]) -> Any:
        """Create, store and return a loaded instance's state."""
        if instance is None:
            return self
        d = instance.__dict__
        state = ModelState(False, d.pop("_state_db", None))
        d["_state"] = state
        return state


class ModelRegistry:
    """Every concrete model class, found by name, by ``app_label.Name`` or by ``module.Name``."""

    def __init__(self) -> None:
        """Create an empty registry."""
        self._models: dict[tuple[str, str], type[Model]] = {}
        self._pending: list[Any] = []

    def add_relations(self, model: type[Model]) -> None:
        """Queue the relation fields of ``model`` whose reverse side is installed once their target exists."""
        self._pending.extend(model._meta.relation_fields)
        self._pending.extend(model._meta.many_to_many.values())
        self.resolve_pending()

    def resolve_pending(self) -> None:
        """Install the reverse side of every queued relation whose target model is now defined.

        A bare model name is only matched in the module of the declaring model here (a model of the same name
        elsewhere may be defined first); other modules are searched when the relation is first used.
        """
        waiting: list[Any] = []
        ready: list[Any] = []
        for field in self._pending:
            (ready if self._defined(field) else waiting).append(field)
        self._pending = waiting
        for field in ready:
            self._install(field)

    def _defined(self, field: Any) -> bool:
        """Return True when the target of ``field`` can be resolved without guessing across modules."""
        to = field.to
        if not isinstance(to, str) or to == "self":
            return True
        if "." not in to:
            return (field.model.__module__, to) in self._models
        try:
            self.resolve(to, relative_to=field.model)
        except LookupError:
            return False
        return True

    def _install(self, field: Any) -> None:
        """Install the reverse side of ``field`` (unless its model was replaced by a newer class)."""
        from ryx.fields.reverse import Relation, install

        model = field.model
        if model is not None and self._models.get((model.__module__, model.__name__)) in (model, None):
            install(Relation(field, model, field.remote_model))

    def resolved(self, field: Any) -> None:
        """Install the reverse side of a queued relation whose target was just resolved on first use."""
        if field in self._pending:
            self._pending.remove(field)
            self._install(field)

    def pending(self) -> list[str]:
        """Return ``Model.field -> 'Target'`` for relations whose target model is not defined yet."""
        return [f"{f.model.__name__}.{f.name} -> {f.to!r}" for f in self._pending if f.model is not None]

    def register(self, model: type[Model]) -> None:
        """Add ``model`` (a later class with the same module and name replaces the earlier one)."""
        self._models[(model.__module__, model.__name__)] = model

    def unregister(self, model: type[Model]) -> None:
        """Remove ``model`` if it is registered."""
        key = (model.__module__, model.__name__)
        if self._models.get(key) is model:
            del self._models[key]

    def __iter__(self) -> Iterator[type[Model]]:
        """Iterate over the registered models."""
        return iter(list(self._models.values()))

    def __len__(self) -> int:
        """Return the number of registered models."""
        return len(self._models)

    def __contains__(self, model: object) -> bool:
        """Return whether ``model`` is registered."""
        return model in self._models.values()

    def get(self, name: str, default: type[Model] | None = None) -> type[Model] | None:
        """Return the model called ``name`` (``Name``, ``app_label.Name`` or ``module.Name``), or ``default``."""
        try:
            return self.resolve(name)
        except LookupError:
            return default

    def resolve(self, name: str, *, relative_to: type[Model] | None = None) -> type[Model]:
        """Return the model ``name`` refers to, preferring ``relative_to``'s module for a bare name.

        Raise `ryx.exceptions.FieldError` (a LookupError too) when none or several models match.
        """
        candidates: list[type[Model]]
        if "." in name:
            prefix, _, short = name.rpartition(".")
            candidates = [
                m for (module, n), m in self._models.items() if n == short and prefix in (m._meta.app_label, module)
            ]
        else:
            if relative_to is not None:
                local = self._models.get((relative_to.__module__, name))
                if local is not None:
                    return local
            candidates = [m for (_, n), m in self._models.items() if n == name]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise _NotFound(
                f"no model named {name!r}; define it (or import its module) first, or check the spelling "
                f"(known: {', '.join(sorted({m._meta.label for m in self._models.values()})) or 'none'})"
            )
        labels = ", ".join(f"{m.__module__}.{m.__name__}" for m in candidates)
        raise _NotFound(f"several models are named {name!r} ({labels}); write 'app_label.Name' or 'module.Name'")


class _NotFound(FieldError, LookupError):
    """No model (or several) matches a name."""


registry = ModelRegistry()


def _utc_now() -> dt.datetime:
    """Return the current time, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class ModelMetaclass(type):
    """Build ``_meta``, bind fields and managers, add the implicit ``id`` and the per-model exceptions."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any) -> ModelMetaclass:
        """Create a model class (the root `Model` itself is created as is)."""
        if not any(isinstance(base, ModelMetaclass) for base in bases):
            return super().__new__(mcs, name, bases, namespace, **kwargs)

        meta = namespace.pop("Meta", None)
        declared_fields: dict[str, Field[Any]] = {}
        declared_managers: dict[str, Manager[Any]] = {}
        removed: set[str] = set()
        for key, value in list(namespace.items()):
            if isinstance(value, Field):
                declared_fields[key] = namespace.pop(key)
            elif isinstance(value, Manager):
                declared_managers[key] = namespace.pop(key)
            elif value is None and not key.startswith("__"):
                removed.add(key)  # `field = None` drops an inherited field
        reserved = _reserved_names()
        for key in (*declared_fields, *declared_managers):
            if key in reserved or "__" in key or key == "pk":
                raise FieldError(
                    f"{name}.{key}: the name clashes with a Model attribute or the lookup syntax; rename it"
                )

        parents = [cast("type[Model]", b) for b in bases if isinstance(b, ModelMetaclass) and "_meta" in b.__dict__]
        abstract_parent = next((p._meta for p in parents if p._meta.abstract), None)
        opts = Options(meta, name, parent=abstract_parent if meta is None else None)
        if opts.abstract and meta is not None:
            namespace["Meta"] = meta  # children may write `class Meta(Base.Meta)`; `abstract` is never inherited

        cls = cast("type[Model]", super().__new__(mcs, name, bases, namespace, **kwargs))
        cls._meta = opts
        opts.model = cls

        fields: dict[str, Field[Any]] = {}
        inherited_managers: dict[str, Manager[Any]] = {}
        for parent in reversed(parents):
            for field in parent._meta.fields.values():
                fields[field.name] = field
            for field in parent._meta.many_to_many.values():
                fields[field.name] = field
            inherited_managers.update((k, m) for k, m in parent._meta.managers.items() if not m.auto_created)
        for key in removed:
            fields.pop(key, None)
        fields.update(declared_fields)
        if not opts.abstract and not any(f.primary_key for f in fields.values()):
            if "id" in fields:
                raise FieldError(
                    f"{name} has a field named 'id' that is not the primary key: give it primary_key=True, "
                    f"or rename it (every model needs a primary key; the default one is called 'id')"
                )
            fields = {"id": AutoField(primary_key=True), **fields}
        for key, field in fields.items():
            (field.clone() if field.model is not None else field).contribute_to_class(cls, key)
        opts.check_references()

        cls.DoesNotExist = _exception_class(cls, "DoesNotExist", parents, exceptions.DoesNotExist)
        cls.MultipleObjectsReturned = _exception_class(
            cls, "MultipleObjectsReturned", parents, exceptions.MultipleObjectsReturned
        )

        managers = {**inherited_managers, **declared_managers}
        if not managers:
            managers = {"objects": Manager()}
            managers["objects"].auto_created = True
        for key, manager in managers.items():
            if key in fields:
                raise FieldError(f"{name}.{key} is both a field and a manager; rename one")
            (manager._copy() if manager.model is not None else manager).contribute_to_class(cls, key)
        first = next(iter(declared_managers or managers))
        opts.default_manager = opts.managers[first]

        if not opts.abstract:
            registry.register(cls)
            for m2m in list(opts.many_to_many.values()):
                m2m.create_through()
            registry.add_relations(cls)
        return cls


def _exception_class(model: type[Model], name: str, parents: list[type[Model]], base: type) -> Any:
    """Return ``Model.DoesNotExist``-style class subclassing the concrete parents' ones (or ``base``)."""
    bases = tuple(getattr(p, name) for p in parents if not p._meta.abstract) or (base,)
    return type(name, bases, {"__module__": model.__module__, "__qualname__": f"{model.__qualname__}.{name}"})


_RESERVED: frozenset[str] = frozenset()


def _reserved_names() -> frozenset[str]:
    """Return the attribute names of `Model` that a field or manager may not take."""
    global _RESERVED
    if not _RESERVED:
        _RESERVED = frozenset(n for n in dir(Model) if not n.startswith("__")) | {
            "DoesNotExist",
            "MultipleObjectsReturned",
        }
    return _RESERVED


class Model(metaclass=ModelMetaclass):
    """Base class of the models: declare fields as class attributes.

    ``id = AutoField(primary_key=True)`` is added first unless a field is the primary key. Every manager in
    the class body is bound; ``objects = Manager()`` is added when the body and the parents declare none.
    """

    _meta: ClassVar[Options]
    DoesNotExist: ClassVar[type[exceptions.DoesNotExist]]
    MultipleObjectsReturned: ClassVar[type[exceptions.MultipleObjectsReturned]]

    if TYPE_CHECKING:
        _state: ModelState
        objects: ClassVar[ManagerDescriptor[Any]]
    else:
        _state = _LazyState()

    def __init__(self, /, **kwargs: Any) -> None:
        """Create an unsaved instance: fields start at their defaults, then take ``kwargs`` (``pk=`` included).

        Raise TypeError for a keyword that is not a field (or a settable property) of the model.
        """
        plan = type(self)._meta.value_plan or self._value_plan()
        if not kwargs.keys() <= plan.attnames:  # pk=, relation names, properties or mistakes
            self._init_by_name(kwargs)
            return
        d = self.__dict__
        d["_state"] = ModelState(True, None, True)
        for attname, exact, fix, convert, default, make_default in plan.steps:
            if attname in kwargs:
                value = kwargs[attname]
                if type(value) is not exact:
                    value = convert(value)
                elif fix is not None:
                    value = fix(value)
                d[attname] = value
            elif make_default is None:
                d[attname] = default
            else:
                d[attname] = make_default()

    @classmethod
    def _value_plan(cls) -> ValuePlan:
        """Return the model's `ValuePlan`, made now (TypeError for an abstract model).

        Unless the model (or a parent) defines its own ``__init__``, one generated for the plan is installed.
        """
        meta = cls._meta
        if meta.abstract:
            raise TypeError(f"{cls.__name__} is abstract; only its concrete subclasses can be instantiated")
        plan: ValuePlan | None = meta.value_plan
        if plan is None:
            plan = meta.value_plan = ValuePlan(meta.concrete_fields)
            current = cls.__init__
            if current is Model.__init__ or getattr(current, "ryx_generated", False):
                init = compile_init(cls, plan, ModelState, Model.__init__)
                if init is not None:
                    setattr(cls, "__init__", init)  # noqa: B010 - mypy refuses assigning to a method
        return plan

    def _init_by_name(self, kwargs: dict[str, Any]) -> None:
        """Fill a new instance from keywords that are not all attnames (``pk``, relation names, properties)."""
        cls = type(self)
        meta = cls._meta
        d = self.__dict__
        state = d["_state"] = ModelState(True, None, True)
        if "pk" in kwargs:
            pk = self._pk_field()
            if pk.attname in kwargs:
                raise TypeError(f"{cls.__name__}() got both pk and {pk.attname}; give one")
            kwargs[pk.attname] = kwargs.pop("pk")
        for field in meta.concrete_fields:
            attname = field.attname
            if attname in kwargs:
                if field.is_relation and field.name in kwargs:
                    raise TypeError(f"{cls.__name__}() got both {field.name} and {attname}; give one")
                d[attname] = field.to_python(kwargs.pop(attname))
            elif field.is_relation and field.name in kwargs:
                field.__set__(self, kwargs.pop(field.name))
            else:
                d[attname] = field.get_default()
        for key, value in kwargs.items():
            prop = getattr(cls, key, None)
            if isinstance(prop, property) and prop.fset is not None:
                state.converted = False  # a setter may store anything
                setattr(self, key, value)
            else:
                raise TypeError(
                    f"{cls.__name__}() got unexpected keyword argument {key!r}; "
                    f"fields are: {', '.join(f.name for f in meta.concrete_fields)}"
                )

    # ------------------------------------------------------------------------------------------ rows

    @classmethod
    def _from_db(cls, row: Sequence[Any], alias: str | None = None) -> Self:
        """Build a saved instance from a row in ``_meta.concrete_fields`` order (no ``__init__``, no validation)."""
        obj = _new(cls)
        d = obj.__dict__
        d.update(zip(cls._meta.concrete_attnames, row, strict=True))
        if alias is not None:
            d["_state_db"] = alias
        return obj

    @classmethod
    def _from_db_rows(cls, rows: Iterable[Sequence[Any]], alias: str | None = None) -> list[Self]:
        """Build saved instances from rows in ``_meta.concrete_fields`` order (the batch form of `_from_db`)."""
        attnames = cls._meta.concrete_attnames
        out: list[Self] = []
        append = out.append
        new = _new
        # rows come from a SELECT of exactly these columns: no strict zip (it costs per row, for every query)
        if alias is None:
            for row in rows:
                obj = new(cls)
                obj.__dict__.update(zip(attnames, row, strict=False))
                append(obj)
            return out
        for row in rows:
            obj = new(cls)
            d = obj.__dict__
            d.update(zip(attnames, row, strict=False))
            d["_state_db"] = alias
            append(obj)
        return out

    @classmethod
    def _from_db_fields(cls, attnames: Sequence[str], row: Sequence[Any], alias: str | None = None) -> Self:
        """Build a saved instance from the values of some attnames (``only()``/``defer()``; the rest unloaded)."""
        obj = _new(cls)
        d = obj.__dict__
        d.update(zip(attnames, row, strict=True))
        if alias is not None:
            d["_state_db"] = alias
        return obj

    @classmethod
    def _from_row(cls, row: dict[str, Any]) -> Self:
        """Build a saved instance from ``{column: value}``: defaults, then `to_python` of each present column."""
        obj = _new(cls)
        d = obj.__dict__
        for field in cls._meta.concrete_fields:
            if field.column in row:
                d[field.attname] = field.to_python(row[field.column])
            else:
                d[field.attname] = field.get_default()
        d["_state"] = ModelState(False, None)
        return obj

    # ------------------------------------------------------------------------------------------ identity

    @property
    def pk(self) -> Any:
        """Return the primary-key value (None before the first save of an auto key)."""
        return self.__dict__.get(self._pk_field().attname)

    @pk.setter
    def pk(self, value: Any) -> None:
        """Set the primary-key value."""
        setattr(self, self._pk_field().attname, value)

    def __repr__(self) -> str:
        """Return ``<Name: pk=...>``."""
        return f"<{type(self).__name__}: pk={self.pk!r}>"

    def __str__(self) -> str:
        """Return ``<Name: pk=...>`` (override it for a readable name)."""
        return f"<{type(self).__name__}: pk={self.pk!r}>"

    def __eq__(self, other: object) -> bool:
        """Return whether both are the same row: same concrete class and primary key (unsaved: only itself)."""
        if self is other:
            return True
        if not isinstance(other, Model):
            return NotImplemented
        if type(self) is not type(other):
            return False
        pk = self.pk
        return pk is not None and pk == other.pk

    def __hash__(self) -> int:
        """Hash the class and the primary key; raise TypeError for an instance without one."""
        pk = self.pk
        if pk is None:
            raise TypeError(f"a {type(self).__name__} without a primary key value is unhashable (save it first)")
        return hash((type(self), pk))

    def __getstate__(self) -> dict[str, Any]:
        """Return the instance dict with its own copy of ``_state`` (for pickle and `copy.copy`)."""
        state = self.__dict__.copy()
        current = self._state
        state["_state"] = ModelState(current.adding, current.db, current.converted)
        state.pop("_state_db", None)
        return state

    # ------------------------------------------------------------------------------------------ hooks

    async def clean(self) -> None:
        """Check the instance as a whole (cross-field rules); raise `ValidationError`. Does nothing by default."""

    async def full_clean(self) -> None:
        """Run every field's validators, then `clean`; raise one `ValidationError` listing every problem."""
        from ryx.validators import run_full_validation

        await run_full_validation(self)

    async def before_save(self, created: bool) -> None:
        """Run before the INSERT/UPDATE of `save` (after validation). Does nothing by default."""

    async def after_save(self, created: bool) -> None:
        """Run after the INSERT/UPDATE of `save`. Does nothing by default."""

    async def before_delete(self) -> None:
        """Run before the DELETE of `delete`. Does nothing by default."""

    async def after_delete(self) -> None:
        """Run after the DELETE of `delete`. Does nothing by default."""

    # ------------------------------------------------------------------------------------------ writes

    def _pk_field(self) -> Field[Any]:
        """Return the primary-key field."""
        pk = self._meta.pk_field
        assert pk is not None, "a concrete model always has a primary key"
        return pk

    def _base_query(self) -> core.Query:
        """Return ``SELECT ... FROM <table> WHERE <pk> = <this pk>`` (the starting point of row operations)."""
        meta = self._meta
        pk = self._pk_field()
        query = core.Query(meta.table_name, schema=meta.schema or None)
        return query.filter(core.Cond.lookup(pk.column, "exact", pk.to_db(self.pk)))

    def _alias_for_write(self, using: str | None) -> str | None:
        """Return the alias of a write: ``using`` > router > ``Meta.database`` > the instance's own database."""
        return router.write_alias(type(self), using, instance=self) or self._state.db

    def _resolve_update_fields(self, update_fields: Iterable[str]) -> tuple[Field[Any], ...]:
        """Return the non-pk fields named in ``update_fields`` (FieldError for an unknown name)."""
        if isinstance(update_fields, str):
            raise TypeError(f"update_fields must be a list of field names, not the str {update_fields!r}")
        meta = self._meta
        out: list[Field[Any]] = []
        for name in update_fields:
            field = meta.get_field(name)
            if not field.primary_key and field not in out:
                out.append(field)
        return tuple(out)

    def _sync_relations(self) -> None:
        """Copy keys of related objects saved since they were assigned; refuse unsaved related objects."""
        d = self.__dict__
        for field in self._meta.relation_fields:
            cached = d.get(field.cache_name)
            if cached is None:
                continue
            key = cached.__dict__.get(field.target_field.attname)
            if key is None:
                raise ValueError(
                    f"save() prohibited: {type(self).__name__}.{field.name} is an unsaved "
                    f"{type(cached).__name__}; save it first"
                )
            if d.get(field.attname) is None:
                d[field.attname] = key

    async def save(
        self, *, validate: bool = True, update_fields: Iterable[str] | None = None, using: str | None = None
    ) -> None:
        """INSERT the instance if it was never saved, else UPDATE its row.

        ``validate`` runs `full_clean` first. ``update_fields`` limits the UPDATE to those fields (an empty
        list saves nothing). Raise ``Model.DoesNotExist`` when the row of a saved instance is gone.
        """
        cls = type(self)
        meta = cls._meta
        pk = self._pk_field()
        d = self.__dict__
        pk_value = d.get(pk.attname)
        created = self._state.adding or pk_value is None
        targets: tuple[Field[Any], ...] | None = None
        if update_fields is not None:
            targets = self._resolve_update_fields(update_fields)
            if not targets:
                return
            if created:
                raise ValueError(
                    f"save(update_fields=...) needs a saved {cls.__name__}; this one was never saved: "
                    f"call save() without update_fields"
                )
        if pk_value is None and not pk.auto_increment:
            raise ValueError(
                f"{cls.__name__}.{pk.name} is the primary key and has no value; set it (or give the field a default)"
            )
        self._sync_relations()
        alias = self._alias_for_write(using)
        tx = current_tx(alias)

        if meta.auto_time_fields:
            now = _utc_now()
            for field in meta.auto_time_fields:
                if field.auto_now or (created and field.auto_now_add):
                    d[field.attname] = field.auto_value(now)
        if validate:
            await self.full_clean()
        await self.before_save(created)
        await signals.pre_save.send(cls, instance=self, created=created)

        # staged file content is written first and removed again if the INSERT/UPDATE fails
        async with saving_files((self,), meta.concrete_fields if targets is None else targets):
            if created:
                await self._insert(alias, tx)
            else:
                await self._update(targets, alias, tx)
        state = self._state
        state.adding = False
        state.db = alias if alias is not None else core.default_alias()

        await self.after_save(created)
        await signals.post_save.send(cls, instance=self, created=created)

    async def _insert(self, alias: str | None, tx: core.Transaction | None) -> None:
        """INSERT every loaded field (an empty auto key is generated and read back)."""
        meta = self._meta
        pk = self._pk_field()
        d = self.__dict__
        as_is = self._value_plan().as_is if self._state.converted else frozenset()
        values: dict[str, Any] = {}
        for field in meta.concrete_fields:
            attname = field.attname
            if attname not in d:
                continue
            value = d[attname]
            if value is None and field is pk:
                continue
            values[field.column] = value if attname in as_is else field.to_db(value)
        generated = d.get(pk.attname) is None
        row = await execution.insert(
            meta.table_name,
            values,
            returning=(pk.column,) if generated else (),
            schema=meta.schema or None,
            alias=alias,
            tx=tx,
        )
        if generated:
            assert row is not None, "INSERT ... RETURNING gave no row"
            d[pk.attname] = pk.to_python(row[pk.column])

    async def _update(
        self, targets: tuple[Field[Any], ...] | None, alias: str | None, tx: core.Transaction | None
    ) -> None:
        """UPDATE the row's ``targets`` (every loaded non-pk field when None)."""
        meta = self._meta
        d = self.__dict__
        if targets is None:
            targets = tuple(f for f in meta.concrete_fields if not f.primary_key and f.attname in d)
        values = {f.column: f.to_db(getattr(self, f.attname)) for f in targets}
        if not values:
            return
        updated = await execution.update(self._base_query(), values, alias=alias, tx=tx)
        if updated == 0:
            raise type(self).DoesNotExist(
                f"{type(self).__name__} with pk={self.pk!r} no longer exists, so save() updated nothing. "
                f"To insert it again, set obj._state.adding = True before save()."
            )

    async def delete(self, using: str | None = None) -> None:
        """DELETE the instance's row, applying ``on_delete`` to the rows pointing at it, then clear its pk.

        CASCADE/SET_NULL/SET_DEFAULT/PROTECT/RESTRICT run in Python in one transaction (see `ryx.deletion`);
        `ProtectedError`/`RestrictedError` mean nothing was deleted.
        """
        from ryx.deletion import Collector, has_dependents
        from ryx.transaction import transaction as atomic

        cls = type(self)
        pk = self._pk_field()
        if self.pk is None:
            raise ValueError(f"Cannot delete an unsaved {cls.__name__} instance: its {pk.attname} is None")
        alias = self._alias_for_write(using)
        if not has_dependents(cls):
            await self.before_delete()
            await signals.pre_delete.send(cls, instance=self)
            await execution.delete(self._base_query(), alias=alias, tx=current_tx(alias))
        else:
            async with atomic(alias):
                collector = Collector(alias)
                await collector.collect(cls, [self], root=True)
                collector.check([self])
                await self.before_delete()
                await signals.pre_delete.send(cls, instance=self)
                await collector.apply()
                await execution.delete(self._base_query(), alias=alias, tx=current_tx(alias))
        self.__dict__[pk.attname] = None
        self._state.adding = True
        await self.after_delete()
        await delete_files(self, alias)  # best-effort, after the commit of the caller's transaction if any
        await signals.post_delete.send(cls, instance=self)

    async def fetch_related(self, *lookups: Any) -> Self:
        """Load relations of this instance explicitly (``await post.fetch_related("author", "tags")``); return it.

        Afterwards ``post.author`` and ``await post.tags.all()`` need no query. Takes the same lookups as
        ``prefetch_related`` (nested paths, `ryx.Prefetch`); one query per relation not loaded yet.
        """
        from ryx.prefetch import prefetch_related_objects

        if not lookups:
            raise TypeError("fetch_related() needs at least one relation name, as in fetch_related('author')")
        await prefetch_related_objects([self], *lookups)
        return self

    async def refresh_from_db(self, fields: Iterable[str] | None = None, using: str | None = None) -> None:
        """Reload the fields (all, or those named) from the database the instance came from (or ``using``).

        Raise ``Model.DoesNotExist`` when the row is gone.
        """
        cls = type(self)
        meta = cls._meta
        if self.pk is None:
            raise ValueError(f"Cannot refresh an unsaved {cls.__name__} instance: it has no primary key value")
        if fields is None:
            targets = meta.concrete_fields
        else:
            if isinstance(fields, str):
                raise TypeError(f"fields must be a list of field names, not the str {fields!r}")
            targets = tuple(dict.fromkeys(meta.get_field(name) for name in fields))
            if not targets:
                return
        if using is not None:
            alias: str | None = using
        else:
            alias = self._state.db or router.read_alias(cls, None, instance=self)
        query = self._base_query().select(*(f.column for f in targets))
        hints: Any = [f.decode_hint for f in targets]
        try:
            row = await execution.fetch_get(query, alias=alias, tx=current_tx(alias), hints=hints)
        except exceptions.DoesNotExist:
            raise cls.DoesNotExist(f"{cls.__name__} with pk={self.pk!r} no longer exists") from None
        d = self.__dict__
        if fields is None:
            d.pop("_prefetched", None)  # prefetched relations may be stale now: the next read queries
        for field, value in zip(targets, row, strict=True):
            if isinstance(field, ForeignKey) and d.get(field.attname) != value:
                d.pop(field.cache_name, None)
            d[field.attname] = value
        state = self._state
        state.converted = False  # the values are as the database returned them
        state.adding = False
        state.db = alias if alias is not None else core.default_alias()


__all__ = ["Model", "ModelMetaclass", "ModelRegistry", "ModelState", "registry"]
