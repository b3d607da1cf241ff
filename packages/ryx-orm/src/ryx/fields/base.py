"""The base `Field`: options, conversion to and from the database, validation, and the attribute descriptor."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, TypedDict, TypeVar, overload

from ryx._core import core
from ryx.exceptions import ValidationError

if TYPE_CHECKING:
    from typing import Self

    from ryx.models.base import Model

T_co = TypeVar("T_co", covariant=True)


class _NotProvided:
    """The type of `NOT_PROVIDED`, the marker of an option left out (None is a valid default)."""

    _instance: ClassVar[_NotProvided | None] = None

    def __new__(cls) -> _NotProvided:
        """Return the single instance."""
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        """Return ``NOT_PROVIDED``."""
        return "NOT_PROVIDED"

    def __reduce__(self) -> str:
        """Pickle as the module-level singleton."""
        return "NOT_PROVIDED"


NOT_PROVIDED: Final = _NotProvided()

# Lookup and transform sets, by the names `ryx_core` compiles (spec §5, with defect 17 fixed).
COMMON_LOOKUPS: Final[tuple[str, ...]] = ("exact", "in", "isnull")
ORDERED_LOOKUPS: Final[tuple[str, ...]] = (*COMMON_LOOKUPS, "gt", "gte", "lt", "lte", "range")
TEXT_LOOKUPS: Final[tuple[str, ...]] = (
    *ORDERED_LOOKUPS,
    "iexact",
    "contains",
    "icontains",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
    "regex",
    "iregex",
)
JSON_LOOKUPS: Final[tuple[str, ...]] = (
    "exact",
    "isnull",
    "contains",
    "contained_by",
    "has_key",
    "has_keys",
    "has_any_keys",
    "has_any",
    "has_all",
)
#: Spec names of JSON lookups that `ryx_core` spells differently.
LOOKUP_ALIASES: Final[dict[str, str]] = {"has_any": "has_any_keys", "has_all": "has_keys"}
DATE_TRANSFORMS: Final[tuple[str, ...]] = (
    "date",
    "year",
    "iso_year",
    "quarter",
    "month",
    "day",
    "week",
    "iso_week",
    "week_day",
    "dow",
    "iso_week_day",
    "iso_dow",
)
TIME_TRANSFORMS: Final[tuple[str, ...]] = ("hour", "minute", "second")
DATETIME_TRANSFORMS: Final[tuple[str, ...]] = (*DATE_TRANSFORMS, "time", *TIME_TRANSFORMS)

_ENGINE_LOOKUPS: Final[frozenset[str]] = frozenset(core.list_lookups()) | frozenset(LOOKUP_ALIASES)


def custom_lookups() -> frozenset[str]:
    """Return the names of the lookups registered with `ryx.register_lookup` (accepted on every field)."""
    return frozenset(core.available_lookups()) - _ENGINE_LOOKUPS


class FieldOptions(TypedDict, total=False):
    """The keyword options every field accepts (spec §6.1)."""

    null: bool
    blank: bool
    default: Any
    primary_key: bool
    unique: bool
    db_index: bool
    choices: Iterable[Any] | None
    validators: Iterable[Callable[[Any], Any]] | None
    editable: bool
    help_text: str
    verbose_name: str
    db_column: str | None
    unique_for_date: str | None
    unique_for_month: str | None
    unique_for_year: str | None


class Field(Generic[T_co]):
    """A model attribute stored in one column.

    Reading the attribute returns the stored Python value; assigning runs `to_python`. ``to_db`` turns a
    Python value into what `ryx_core` binds, and ``decode_hint`` makes the engine return the field's
    Python type directly, so rows from the database skip `to_python`.
    """

    #: Lookups this field accepts (``filter(field__<lookup>=...)``); custom lookups are accepted too.
    SUPPORTED_LOOKUPS: ClassVar[tuple[str, ...]] = COMMON_LOOKUPS
    #: Transforms this field accepts (``filter(field__<transform>[__<lookup>]=...)``).
    SUPPORTED_TRANSFORMS: ClassVar[tuple[str, ...]] = ()
    #: The `ryx_core` decode hint giving this field's Python type back from a row (None: as the driver says).
    decode_hint: ClassVar[str | None] = None
    #: The generic SQL type name (see `db_type`).
    DB_TYPE: ClassVar[str] = "TEXT"
    #: True for the auto-increment primary-key fields.
    auto_increment: ClassVar[bool] = False
    #: True for ForeignKey/OneToOneField.
    is_relation: ClassVar[bool] = False
    #: True when every ``__``-part after the field name that is not a lookup is a key path (JSONField).
    allows_key_paths: ClassVar[bool] = False
    #: The built-in lookups as a frozenset (computed per class).
    builtin_lookups: ClassVar[frozenset[str]] = frozenset(COMMON_LOOKUPS)
    #: The transforms as a frozenset (computed per class).
    transforms: ClassVar[frozenset[str]] = frozenset()
    #: Values of exactly this type are ones `to_python` returns unchanged, so ``Model(...)`` stores them without
    #: the call (None: always convert). A subclass overriding `to_python` gets None unless it sets its own.
    unchanged_type: ClassVar[type | None] = None
    #: True when `to_db` returns a value produced by `to_python` as it is, so a write of values that went
    #: through `to_python` binds them without converting again. A subclass overriding `to_python`, `to_db` or
    #: `__set__` gets False unless it sets its own.
    binds_python_value: ClassVar[bool] = True

    model: type[Model] | None
    #: The attribute name in the class body ("" until the field is bound to a model).
    name: str
    #: The instance attribute holding the column value (``<name>_id`` for a ForeignKey).
    attname: str
    #: The column name.
    column: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Freeze the class's lookup and transform names into sets."""
        super().__init_subclass__(**kwargs)
        cls.builtin_lookups = frozenset(cls.SUPPORTED_LOOKUPS)
        cls.transforms = frozenset(cls.SUPPORTED_TRANSFORMS)
        # A new conversion may not keep the promises of the parent's one: claim nothing it does not restate.
        own = cls.__dict__
        if "to_python" in own and "unchanged_type" not in own:
            cls.unchanged_type = None
        if ("to_python" in own or "to_db" in own or "__set__" in own) and "binds_python_value" not in own:
            cls.binds_python_value = False

    def __init__(
        self,
        *,
        null: bool = False,
        blank: bool = False,
        default: Any = NOT_PROVIDED,
        primary_key: bool = False,
        unique: bool = False,
        db_index: bool = False,
        choices: Iterable[Any] | None = None,
        validators: Iterable[Callable[[Any], Any]] | None = None,
        editable: bool = True,
        help_text: str = "",
        verbose_name: str = "",
        db_column: str | None = None,
        unique_for_date: str | None = None,
        unique_for_month: str | None = None,
        unique_for_year: str | None = None,
    ) -> None:
        """Store the options; see spec §6.1 for each one."""
        if db_column is not None and (not isinstance(db_column, str) or not db_column):
            raise TypeError(f"db_column must be a non-empty str, not {db_column!r}")
        self.null = bool(null)
        self.blank = bool(blank)
        self.default = default
        self.primary_key = bool(primary_key)
        self.unique = bool(unique) or self.primary_key
        self.db_index = bool(db_index)
        self.choices: list[Any] | None = None if choices is None else list(choices)
        self.extra_validators: tuple[Callable[[Any], Any], ...] = tuple(validators or ())
        for validator in self.extra_validators:
            if not callable(validator):
                raise TypeError(f"validators must be callables, got {validator!r}")
        self.editable = bool(editable)
        self.help_text = help_text
        self.verbose_name = verbose_name
        self.db_column = db_column
        self.unique_for_date = unique_for_date
        self.unique_for_month = unique_for_month
        self.unique_for_year = unique_for_year
        self.model = None
        self.name = ""
        self.attname = ""
        self.column = ""
        self._validators: tuple[Callable[[Any], Any], ...] | None = None

    # ------------------------------------------------------------------------------------------ binding

    def get_attname(self, name: str) -> str:
        """Return the instance attribute holding the column value for a field declared as ``name``."""
        return name

    def contribute_to_class(self, model: type[Model], name: str) -> None:
        """Bind the field to ``model`` as attribute ``name`` and register it in ``model._meta``."""
        self.model = model
        self.name = name
        self.attname = self.get_attname(name)
        self.column = self.db_column or self.attname
        model._meta.add_field(self)
        setattr(model, name, self)

    def clone(self) -> Self:
        """Return an unbound copy of this field (what a subclass of an abstract model receives)."""
        new = copy.copy(self)
        new.model = None
        new.name = ""
        new.attname = ""
        new.column = ""
        new._validators = None
        return new

    # ------------------------------------------------------------------------------------------ descriptor

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(self, instance: Model, owner: type[Any]) -> T_co: ...

    @overload
    def __get__(self, instance: object, owner: type[Any]) -> Self: ...

    def __get__(self, instance: Any, owner: type[Any]) -> Any:
        """Return the field on the class, the stored value on an instance."""
        if instance is None:
            return self
        try:
            return instance.__dict__[self.attname]
        except KeyError:
            raise AttributeError(
                f"{type(instance).__name__}.{self.attname} was not loaded (deferred by only()/defer()); "
                f"load it with `await obj.refresh_from_db(fields=[{self.attname!r}])`"
            ) from None

    def __set__(self, instance: Model, value: Any) -> None:
        """Store ``to_python(value)`` on the instance."""
        instance.__dict__[self.attname] = self.to_python(value)

    # ------------------------------------------------------------------------------------------ conversion

    def to_python(self, value: Any) -> Any:
        """Convert user input to the field's Python type (run on assignment, not on rows from the database)."""
        return value

    def to_db(self, value: Any) -> Any:
        """Convert a value to what `ryx_core` binds for this column (applied to filter values too)."""
        return None if value is None else self.to_python(value)

    def kept_type(self) -> type | None:
        """Return the type whose values `to_python` returns unchanged (see ``unchanged_type``), or None."""
        return self.unchanged_type

    def exact_shortcut(self) -> tuple[type | None, Callable[[Any], Any] | None]:
        """Return ``(type, fn)``: `to_python` of a value of exactly ``type`` is ``fn(value)`` (or the value, no fn).

        ``(None, None)`` when there is no such shortcut. ``Model(...)`` uses it to skip the call of `to_python`.
        """
        return self.kept_type(), None

    def binds_stored(self) -> bool:
        """Return True when `to_db` binds a value that went through `to_python` as it is (``binds_python_value``)."""
        return self.binds_python_value

    def db_type(self) -> str:
        """Return the generic SQL type (``INTEGER``, ``VARCHAR(n)``, ``DATETIME``...) the DDL layer translates."""
        return self.DB_TYPE

    def invalid(self, value: Any, expected: str) -> ValidationError:
        """Return the error for a value ``to_python`` cannot convert."""
        where = f"{self.model.__name__}.{self.attname}" if self.model is not None else type(self).__name__
        message = f"{value!r} is not a valid {expected} (for {where})"
        return ValidationError({self.attname: [message]} if self.attname else message)

    # ------------------------------------------------------------------------------------------ defaults

    def has_default(self) -> bool:
        """Return whether a default was given."""
        return self.default is not NOT_PROVIDED

    def get_default(self) -> Any:
        """Return the default (called when callable; a mutable default is copied), or None."""
        default = self.default
        if default is NOT_PROVIDED:
            return None
        if callable(default):
            default = default()
        elif isinstance(default, dict | list | set):
            default = copy.deepcopy(default)
        return None if default is None else self.to_python(default)

    # ------------------------------------------------------------------------------------------ lookups

    @property
    def lookups(self) -> frozenset[str]:
        """Return every lookup this field accepts: its built-in ones plus all custom lookups."""
        return self.builtin_lookups | custom_lookups()

    def supports_lookup(self, name: str) -> bool:
        """Return whether ``filter(field__<name>=...)`` is valid (custom lookups are valid on every field)."""
        if name in self.builtin_lookups:
            return True
        return name not in _ENGINE_LOOKUPS and name in core.available_lookups()

    def supports_transform(self, name: str) -> bool:
        """Return whether ``name`` is a transform of this field."""
        return name in self.transforms

    # ------------------------------------------------------------------------------------------ validation

    def implicit_validators(self) -> list[Callable[[Any], Any]]:
        """Return the validators the options imply (NotNull, choices; subclasses add their own)."""
        from ryx import validators as v

        out: list[Callable[[Any], Any]] = []
        if not self.null and not self.primary_key:
            out.append(v.NotNullValidator())
        if self.choices is not None:
            out.append(v.ChoicesValidator(self.choice_values))
        return out

    @property
    def validators(self) -> tuple[Callable[[Any], Any], ...]:
        """Return the implicit validators followed by the ones given with ``validators=``."""
        if self._validators is None:
            self._validators = (*self.implicit_validators(), *self.extra_validators)
        return self._validators

    @property
    def choice_values(self) -> list[Any]:
        """Return the values of ``choices`` (the first item of each ``(value, label)`` pair)."""
        out: list[Any] = []
        for choice in self.choices or ():
            if isinstance(choice, list | tuple) and len(choice) == 2:
                out.append(choice[0])
            else:
                out.append(choice)
        return out

    def validate(self, value: Any) -> None:
        """Run every validator on ``value``; raise one `ValidationError` listing all the failures."""
        errors: list[str] = []
        for validator in self.validators:
            try:
                validator(value)
            except ValidationError as exc:
                errors.extend(exc.messages)
            except (TypeError, ValueError) as exc:
                errors.append(str(exc))
        if errors:
            raise ValidationError(errors)

    def clean(self, value: Any) -> Any:
        """Convert ``value`` with `to_python`, validate it, and return it."""
        value = self.to_python(value)
        self.validate(value)
        return value

    # ------------------------------------------------------------------------------------------ introspection

    def deconstruct(self) -> dict[str, Any]:
        """Return the field's schema-relevant description (used by migrations)."""
        return {
            "type": type(self).__name__,
            "db_type": self.db_type(),
            "null": self.null,
            "blank": self.blank,
            "unique": self.unique,
            "primary_key": self.primary_key,
            "db_index": self.db_index,
            "auto_increment": self.auto_increment,
            "column": self.column,
            "default": self.default,
        }

    def __repr__(self) -> str:
        """Return ``<FieldClass: Model.attname>`` (``<FieldClass>`` when unbound)."""
        if self.model is None:
            return f"<{type(self).__name__}>"
        return f"<{type(self).__name__}: {self.model.__name__}.{self.attname}>"


def check_positive_int(name: str, value: Any, *, allow_none: bool = False, minimum: int = 1) -> None:
    """Raise TypeError/ValueError unless ``value`` is an int >= ``minimum`` (or None when allowed)."""
    if value is None and allow_none:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, not {value}")


__all__ = [
    "COMMON_LOOKUPS",
    "DATETIME_TRANSFORMS",
    "DATE_TRANSFORMS",
    "JSON_LOOKUPS",
    "LOOKUP_ALIASES",
    "NOT_PROVIDED",
    "ORDERED_LOOKUPS",
    "TEXT_LOOKUPS",
    "TIME_TRANSFORMS",
    "Field",
    "FieldOptions",
    "custom_lookups",
]
