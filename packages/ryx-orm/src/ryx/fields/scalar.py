"""The scalar fields of spec §6.2: numbers, text, booleans, binary, dates and times, UUID, JSON and arrays."""

from __future__ import annotations

import datetime as dt
import decimal
import re
import uuid
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar, Unpack

from ryx._core import core
from ryx.exceptions import ValidationError
from ryx.fields.base import (
    COMMON_LOOKUPS,
    DATE_TRANSFORMS,
    DATETIME_TRANSFORMS,
    JSON_LOOKUPS,
    NOT_PROVIDED,
    ORDERED_LOOKUPS,
    TEXT_LOOKUPS,
    TIME_TRANSFORMS,
    Field,
    FieldOptions,
    check_positive_int,
)

UTC = dt.UTC
_combine = dt.datetime.combine
_T = TypeVar("_T", covariant=True)

# ------------------------------------------------------------------------------------------------ integers

_INT_RANGES = {
    "SMALLINT": (-(2**15), 2**15 - 1),
    "INTEGER": (-(2**31), 2**31 - 1),
    "BIGINT": (-(2**63), 2**63 - 1),
}


def _to_int(field: Field[Any], value: Any) -> int | None:
    """Convert ``value`` to an int (integral floats, Decimals and numeric strings included)."""
    if value is None or type(value) is int:
        return value
    if isinstance(value, int):  # bool and int subclasses
        return int(value)
    if isinstance(value, float | decimal.Decimal):
        if value == value and value not in (float("inf"), float("-inf")) and value == int(value):
            return int(value)
        raise field.invalid(value, "integer")
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            raise field.invalid(value, "integer") from None
    raise field.invalid(value, "integer")


class _NumberField(Field[_T]):
    """Shared ``min_value``/``max_value`` handling of the numeric fields."""

    SUPPORTED_LOOKUPS = ORDERED_LOOKUPS

    def __init__(self, *, min_value: Any = None, max_value: Any = None, **kwargs: Unpack[FieldOptions]) -> None:
        """Accept values in ``[min_value, max_value]`` (either bound optional)."""
        super().__init__(**kwargs)
        if min_value is not None and max_value is not None and min_value > max_value:
            raise ValueError(f"min_value {min_value!r} is greater than max_value {max_value!r}")
        self.min_value = min_value
        self.max_value = max_value

    def value_bounds(self) -> tuple[Any, Any]:
        """Return the effective ``(min, max)`` checked by validation (None: unbounded)."""
        return self.min_value, self.max_value

    def implicit_validators(self) -> list[Callable[[Any], Any]]:
        """Add MinValue/MaxValue validators for the bounds."""
        from ryx import validators as v

        out = super().implicit_validators()
        low, high = self.value_bounds()
        if low is not None:
            out.append(v.MinValueValidator(low))
        if high is not None:
            out.append(v.MaxValueValidator(high))
        return out


class IntField(_NumberField[int]):
    """An integer (``INTEGER``: 32-bit on PostgreSQL and MySQL, so values are checked against that range)."""

    DB_TYPE = "INTEGER"
    decode_hint = "int"
    unchanged_type = int
    binds_python_value = True

    def to_python(self, value: Any) -> Any:
        """Convert to int."""
        if type(value) is int:
            return value
        return _to_int(self, value)

    def value_bounds(self) -> tuple[Any, Any]:
        """Return the declared bounds narrowed to the column type's range."""
        type_low, type_high = _INT_RANGES[self.DB_TYPE]
        low = type_low if self.min_value is None else max(self.min_value, type_low)
        high = type_high if self.max_value is None else min(self.max_value, type_high)
        return low, high


class SmallIntField(IntField):
    """A 16-bit integer (``SMALLINT``)."""

    DB_TYPE = "SMALLINT"


class BigIntField(IntField):
    """A 64-bit integer (``BIGINT``)."""

    DB_TYPE = "BIGINT"


class PositiveIntField(IntField):
    """A non-negative integer (``min_value`` defaults to 0)."""

    def __init__(self, *, min_value: Any = 0, max_value: Any = None, **kwargs: Unpack[FieldOptions]) -> None:
        """Accept integers >= ``min_value`` (0 unless given)."""
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)


class AutoField(Field[int]):
    """An auto-increment integer primary key (always ``primary_key=True``; ``editable=False`` by default)."""

    SUPPORTED_LOOKUPS = ORDERED_LOOKUPS
    DB_TYPE = "INTEGER"
    decode_hint = "int"
    auto_increment = True
    unchanged_type = int
    binds_python_value = True

    def __init__(self, **kwargs: Unpack[FieldOptions]) -> None:
        """Create the primary key (``primary_key`` is forced to True)."""
        kwargs["primary_key"] = True
        kwargs.setdefault("editable", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        """Convert to int."""
        if type(value) is int:
            return value
        return _to_int(self, value)


class BigAutoField(AutoField):
    """A 64-bit auto-increment primary key."""

    DB_TYPE = "BIGINT"


class SmallAutoField(AutoField):
    """A 16-bit auto-increment primary key."""

    DB_TYPE = "SMALLINT"


# ------------------------------------------------------------------------------------------------ reals


class FloatField(_NumberField[float]):
    """A double-precision float (``DOUBLE``)."""

    DB_TYPE = "DOUBLE"
    decode_hint = "float"
    unchanged_type = float
    binds_python_value = True

    def to_python(self, value: Any) -> Any:
        """Convert to float."""
        if value is None or type(value) is float:
            return value
        if isinstance(value, int | float | decimal.Decimal):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                raise self.invalid(value, "number") from None
        raise self.invalid(value, "number")


class DecimalField(_NumberField[decimal.Decimal]):
    """An exact decimal (``DECIMAL(max_digits, decimal_places)``), quantized to ``decimal_places`` on assignment.

    Values are kept as `decimal.Decimal` and bound natively. SQLite stores NUMERIC with 15 significant digits.
    """

    decode_hint = "decimal"
    unchanged_type = None  # a Decimal is quantized first
    binds_python_value = True

    def __init__(
        self,
        *,
        max_digits: int = 10,
        decimal_places: int = 2,
        min_value: Any = None,
        max_value: Any = None,
        **kwargs: Unpack[FieldOptions],
    ) -> None:
        """Store at most ``max_digits`` digits, ``decimal_places`` of them after the point."""
        check_positive_int("max_digits", max_digits)
        check_positive_int("decimal_places", decimal_places, minimum=0)
        if decimal_places > max_digits:
            raise ValueError(f"decimal_places ({decimal_places}) cannot exceed max_digits ({max_digits})")
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)
        self.max_digits = max_digits
        self.decimal_places = decimal_places
        self._quantum = decimal.Decimal(1).scaleb(-decimal_places)
        # Made once: building a Context per value was most of the cost of converting a Decimal.
        self._context = decimal.Context(prec=max(max_digits, 28), rounding=decimal.ROUND_HALF_UP)

    def db_type(self) -> str:
        """Return ``DECIMAL(max_digits,decimal_places)``."""
        return f"DECIMAL({self.max_digits},{self.decimal_places})"

    def to_python(self, value: Any) -> Any:
        """Convert to a Decimal quantized to ``decimal_places`` (half-up, as the databases round)."""
        if value is None:
            return None
        if type(value) is decimal.Decimal:
            number = value
        else:
            if isinstance(value, float):
                value = str(value)
            if isinstance(value, str):
                value = value.strip()
            if isinstance(value, bool) or not isinstance(value, decimal.Decimal | int | str):
                raise self.invalid(value, "decimal number")
            try:
                number = decimal.Decimal(value)
            except decimal.InvalidOperation:
                raise self.invalid(value, "decimal number") from None
        try:
            if not number.is_finite():
                raise decimal.InvalidOperation
            # Context.quantize is Decimal.quantize(context=...) without the keyword parsing (a third of the cost)
            return self._context.quantize(number, self._quantum)
        except decimal.InvalidOperation:
            raise self.invalid(value, "decimal number") from None

    def implicit_validators(self) -> list[Callable[[Any], Any]]:
        """Add a check of the number of digits."""
        from ryx import validators as v

        limit = self.max_digits

        whole = limit - self.decimal_places

        def fits(value: decimal.Decimal) -> bool:
            return value.is_zero() or value.adjusted() < whole

        message = f"Ensure that there are no more than {limit} digits in total ({whole} before the decimal point)."
        return [*super().implicit_validators(), v.FunctionValidator(fits, message)]


# ------------------------------------------------------------------------------------------------ booleans

_TRUE = frozenset({"true", "1", "yes", "on", "t", "y"})
_FALSE = frozenset({"false", "0", "no", "off", "f", "n", ""})


class BooleanField(Field[bool]):
    """A boolean; the strings true/1/yes/on and false/0/no/off/"" are accepted on assignment."""

    SUPPORTED_LOOKUPS = COMMON_LOOKUPS
    DB_TYPE = "BOOLEAN"
    decode_hint = "bool"
    unchanged_type = bool
    binds_python_value = True

    def to_python(self, value: Any) -> Any:
        """Convert to bool."""
        if value is None or value is True or value is False:
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            text = value.strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
        raise self.invalid(value, "boolean")


class NullBooleanField(BooleanField):
    """A boolean that may be None (``null`` defaults to True)."""

    def __init__(self, **kwargs: Unpack[FieldOptions]) -> None:
        """Create a nullable boolean."""
        kwargs.setdefault("null", True)
        super().__init__(**kwargs)


# ------------------------------------------------------------------------------------------------ text


class _TextBase(Field[str]):
    """Shared conversion and length validation of the text fields."""

    SUPPORTED_LOOKUPS = TEXT_LOOKUPS
    decode_hint = "str"
    unchanged_type = str
    binds_python_value = True
    strip = False
    max_length: int | None
    min_length: int | None

    def kept_type(self) -> type | None:
        """Return the class's kept type (str) unless values are stripped."""
        return None if self.strip else self.unchanged_type

    def exact_shortcut(self) -> tuple[type | None, Callable[[Any], Any] | None]:
        """Return ``(str, str.strip)`` when values are stripped: all `to_python` does to a str then."""
        if self.strip and self.unchanged_type is str:
            return str, str.strip
        return super().exact_shortcut()

    def to_python(self, value: Any) -> Any:
        """Convert to str (numbers and UUIDs are formatted; bytes are refused)."""
        if value is None:
            return None
        if isinstance(value, str):
            return value.strip() if self.strip else value
        if isinstance(value, int | float | decimal.Decimal | uuid.UUID) and not isinstance(value, bool):
            return str(value)
        raise self.invalid(value, "string")

    def implicit_validators(self) -> list[Callable[[Any], Any]]:
        """Add MaxLength, MinLength and (unless ``blank`` or ``null``) NotBlank."""
        from ryx import validators as v

        out = super().implicit_validators()
        if self.max_length is not None:
            out.append(v.MaxLengthValidator(self.max_length))
        if self.min_length is not None:
            out.append(v.MinLengthValidator(self.min_length))
        if not self.blank and not self.null:
            out.append(v.NotBlankValidator())
        return out


class CharField(_TextBase):
    """A string of at most ``max_length`` characters (``VARCHAR(n)``), stripped unless ``strip=False``."""

    def __init__(
        self,
        *,
        max_length: int = 255,
        min_length: int | None = None,
        strip: bool = True,
        **kwargs: Unpack[FieldOptions],
    ) -> None:
        """Store strings of ``min_length`` to ``max_length`` characters."""
        check_positive_int("max_length", max_length)
        check_positive_int("min_length", min_length, allow_none=True, minimum=0)
        super().__init__(**kwargs)
        self.max_length = max_length
        self.min_length = min_length
        self.strip = bool(strip)

    def db_type(self) -> str:
        """Return ``VARCHAR(max_length)``."""
        return f"VARCHAR({self.max_length})"


class _PatternCharField(CharField):
    """A CharField with a format validator."""

    DEFAULT_MAX_LENGTH: ClassVar[int] = 255

    def __init__(
        self,
        *,
        max_length: int | None = None,
        min_length: int | None = None,
        strip: bool = True,
        **kwargs: Unpack[FieldOptions],
    ) -> None:
        """Store strings in the field's format (``max_length`` has a per-class default)."""
        super().__init__(
            max_length=self.DEFAULT_MAX_LENGTH if max_length is None else max_length,
            min_length=min_length,
            strip=strip,
            **kwargs,
        )

    def format_validator(self) -> Callable[[Any], Any]:
        """Return the validator of the format."""
        raise NotImplementedError

    def implicit_validators(self) -> list[Callable[[Any], Any]]:
        """Add the format validator."""
        return [*super().implicit_validators(), self.format_validator()]


class SlugField(_PatternCharField):
    """Letters, digits, underscores and hyphens (``max_length`` 50)."""

    DEFAULT_MAX_LENGTH = 50

    def format_validator(self) -> Callable[[Any], Any]:
        """Accept letters, digits, underscores and hyphens."""
        from ryx import validators as v

        return v.RegexValidator(r"^[-\w]+\Z", "Enter a valid slug: letters, numbers, underscores or hyphens.")


class EmailField(_PatternCharField):
    """An e-mail address (``max_length`` 254)."""

    DEFAULT_MAX_LENGTH = 254

    def format_validator(self) -> Callable[[Any], Any]:
        """Accept ``name@domain.tld``."""
        from ryx import validators as v

        return v.EmailValidator()


class URLField(_PatternCharField):
    """An http or https URL (``max_length`` 200)."""

    DEFAULT_MAX_LENGTH = 200

    def format_validator(self) -> Callable[[Any], Any]:
        """Accept http and https URLs."""
        from ryx import validators as v

        return v.URLValidator()


_IPV4 = r"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\Z"


class IPAddressField(_PatternCharField):
    """A dotted IPv4 address (``max_length`` 15)."""

    DEFAULT_MAX_LENGTH = 15

    def format_validator(self) -> Callable[[Any], Any]:
        """Accept ``a.b.c.d`` with each part in 0-255."""
        from ryx import validators as v

        return v.RegexValidator(_IPV4, "Enter a valid IPv4 address.")


class TextField(_TextBase):
    """Unlimited text (``TEXT``); ``min_length``/``max_length`` are validated, not part of the column type."""

    DB_TYPE = "TEXT"

    def __init__(
        self, *, min_length: int | None = None, max_length: int | None = None, **kwargs: Unpack[FieldOptions]
    ) -> None:
        """Store text, optionally of bounded length."""
        check_positive_int("max_length", max_length, allow_none=True)
        check_positive_int("min_length", min_length, allow_none=True, minimum=0)
        super().__init__(**kwargs)
        self.max_length = max_length
        self.min_length = min_length


class BinaryField(Field[bytes]):
    """Raw bytes (``BLOB``)."""

    SUPPORTED_LOOKUPS = COMMON_LOOKUPS
    DB_TYPE = "BLOB"
    decode_hint = "bytes"
    unchanged_type = bytes
    binds_python_value = True

    def to_python(self, value: Any) -> Any:
        """Convert bytes-like values to bytes."""
        if value is None or type(value) is bytes:
            return value
        if isinstance(value, bytes | bytearray | memoryview):
            return bytes(value)
        raise self.invalid(value, "bytes value")


# ------------------------------------------------------------------------------------------------ dates and times


def _utc_now() -> dt.datetime:
    """Return the current time, aware, in UTC."""
    return dt.datetime.now(UTC)


class _DateBase(Field[_T]):
    """``auto_now`` / ``auto_now_add`` of the date and datetime fields."""

    SUPPORTED_LOOKUPS = ORDERED_LOOKUPS

    def __init__(self, *, auto_now: bool = False, auto_now_add: bool = False, **kwargs: Unpack[FieldOptions]) -> None:
        """Store values; ``auto_now`` sets it on every save, ``auto_now_add`` on the first (not editable then)."""
        if auto_now or auto_now_add:
            kwargs.setdefault("editable", False)
        super().__init__(**kwargs)
        self.auto_now = bool(auto_now)
        self.auto_now_add = bool(auto_now_add)

    def auto_value(self, now: dt.datetime) -> Any:
        """Return the value an automatic timestamp takes at ``now`` (aware UTC)."""
        raise NotImplementedError


class DateField(_DateBase[dt.date]):
    """A calendar date (``DATE``); ``auto_now``/``auto_now_add`` use today's date in UTC."""

    SUPPORTED_TRANSFORMS = DATE_TRANSFORMS
    DB_TYPE = "DATE"
    decode_hint = "date"
    unchanged_type = dt.date
    binds_python_value = True

    def auto_value(self, now: dt.datetime) -> Any:
        """Return today's date in UTC."""
        return now.date()

    def to_python(self, value: Any) -> Any:
        """Convert to a date (aware datetimes are taken in UTC; ISO strings are parsed)."""
        if value is None or type(value) is dt.date:
            return value
        if isinstance(value, dt.datetime):
            return (value.astimezone(UTC) if value.tzinfo is not None else value).date()
        if isinstance(value, dt.date):
            return dt.date(value.year, value.month, value.day)
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                raise self.invalid(value, "date (YYYY-MM-DD)") from None
        raise self.invalid(value, "date")


class DateTimeField(_DateBase[dt.datetime]):
    """A point in time (``DATETIME``), held as an aware datetime in UTC.

    A naive datetime is taken as UTC; an aware one is converted to UTC. Values come back aware in UTC on
    every backend.
    """

    SUPPORTED_TRANSFORMS = DATETIME_TRANSFORMS
    DB_TYPE = "DATETIME"
    decode_hint = "datetime_utc"
    unchanged_type = None  # only aware UTC datetimes are kept
    binds_python_value = True

    def auto_value(self, now: dt.datetime) -> Any:
        """Return ``now`` (aware UTC)."""
        return now

    def to_python(self, value: Any) -> Any:
        """Convert to an aware UTC datetime (dates become midnight UTC; ISO strings are parsed)."""
        if value is None:
            return None
        if type(value) is dt.datetime:
            tz = value.tzinfo
            if tz is UTC:
                return value
            if tz is None:  # combine() is several times cheaper than replace(tzinfo=...); both keep fold
                return _combine(value.date(), value.time(), UTC)
            return value.astimezone(UTC)
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value.strip())
            except ValueError:
                raise self.invalid(value, "datetime (ISO 8601)") from None
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                return value.replace(tzinfo=UTC)
            return value if value.tzinfo is UTC else value.astimezone(UTC)
        if isinstance(value, dt.date):
            return dt.datetime(value.year, value.month, value.day, tzinfo=UTC)
        raise self.invalid(value, "datetime")


class TimeField(Field[dt.time]):
    """A time of day (``TIME``); it has no ``auto_now`` options."""

    SUPPORTED_LOOKUPS = ORDERED_LOOKUPS
    SUPPORTED_TRANSFORMS = TIME_TRANSFORMS
    DB_TYPE = "TIME"
    decode_hint = "time"
    unchanged_type = dt.time
    binds_python_value = True

    def to_python(self, value: Any) -> Any:
        """Convert to a time (ISO strings are parsed; a datetime gives its time)."""
        if value is None or type(value) is dt.time:
            return value
        if isinstance(value, dt.datetime):
            return value.time()
        if isinstance(value, dt.time):
            return value
        if isinstance(value, str):
            try:
                return dt.time.fromisoformat(value.strip())
            except ValueError:
                raise self.invalid(value, "time (HH:MM[:SS[.ffffff]])") from None
        raise self.invalid(value, "time")


_DURATION = re.compile(
    r"^(?:(?P<days>-?\d+) days?,\s*)?(?P<sign>-?)(?P<hours>\d+):(?P<minutes>\d\d):(?P<seconds>\d\d)"
    r"(?:\.(?P<micro>\d{1,6}))?\Z"
)


class DurationField(Field[dt.timedelta]):
    """A `datetime.timedelta` (``DURATION``), stored as integer microseconds on every backend."""

    SUPPORTED_LOOKUPS = ORDERED_LOOKUPS
    DB_TYPE = "DURATION"
    decode_hint = "timedelta"
    unchanged_type = dt.timedelta

    def to_python(self, value: Any) -> Any:
        """Convert to a timedelta (strings in ``str(timedelta)`` form are parsed)."""
        if value is None or isinstance(value, dt.timedelta):
            return value
        if isinstance(value, str):
            match = _DURATION.match(value.strip())
            if match:
                sign = -1 if match["sign"] else 1
                clock = dt.timedelta(
                    hours=int(match["hours"]),
                    minutes=int(match["minutes"]),
                    seconds=int(match["seconds"]),
                    microseconds=int((match["micro"] or "0").ljust(6, "0")),
                )
                return dt.timedelta(days=int(match["days"] or 0)) + sign * clock
        raise self.invalid(value, "duration (a datetime.timedelta or 'D days, HH:MM:SS')")

    def to_db(self, value: Any) -> Any:
        """Return the duration in integer microseconds."""
        if value is None:
            return None
        delta = self.to_python(value)
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


# ------------------------------------------------------------------------------------------------ UUID, JSON, arrays


class UUIDField(Field[uuid.UUID]):
    """A `uuid.UUID` (``UUID``); ``auto_create=True`` makes ``uuid.uuid4`` the default."""

    SUPPORTED_LOOKUPS = COMMON_LOOKUPS
    DB_TYPE = "UUID"
    decode_hint = "uuid"
    unchanged_type = uuid.UUID
    binds_python_value = True

    def __init__(self, *, auto_create: bool = False, **kwargs: Unpack[FieldOptions]) -> None:
        """Store UUIDs; with ``auto_create`` new instances get ``uuid.uuid4()``."""
        if auto_create and kwargs.get("default", NOT_PROVIDED) is NOT_PROVIDED:
            kwargs["default"] = uuid.uuid4
        super().__init__(**kwargs)
        self.auto_create = bool(auto_create)

    def to_python(self, value: Any) -> Any:
        """Convert to a UUID (from a string, a 128-bit int or 16 bytes)."""
        if value is None or type(value) is uuid.UUID:
            return value
        try:
            if isinstance(value, uuid.UUID):
                return uuid.UUID(int=value.int)
            if isinstance(value, str):
                return uuid.UUID(value.strip())
            if isinstance(value, int) and not isinstance(value, bool):
                return uuid.UUID(int=value)
            if isinstance(value, bytes) and len(value) == 16:
                return uuid.UUID(bytes=value)
        except ValueError:
            pass
        raise self.invalid(value, "UUID")


class JSONField(Field[Any]):
    """A JSON document (``JSON``): dicts, lists, strings, numbers, booleans.

    A str is stored as a JSON string (it is not parsed). None is SQL NULL. Key paths filter inside the
    document: ``filter(data__owner__name="x")``.
    """

    SUPPORTED_LOOKUPS = JSON_LOOKUPS
    SUPPORTED_TRANSFORMS = ("key", "key_text", "json")
    DB_TYPE = "JSON"
    decode_hint = "json"
    allows_key_paths = True
    #: Lookups valid after a key path (``data__a__b__<lookup>``).
    KEY_LOOKUPS: ClassVar[frozenset[str]] = frozenset(TEXT_LOOKUPS) | frozenset(JSON_LOOKUPS)

    def to_db(self, value: Any) -> Any:
        """Wrap the value as ``ryx_core.Json`` (so a list is a document, not an IN list)."""
        if value is None or isinstance(value, core.Json):
            return value
        return core.Json(value)


_ARRAY_BASES = (IntField, FloatField, BooleanField, _TextBase)


class _ItemsValidator:
    """Run the base field's validators on each item of an array."""

    def __init__(self, base: Field[Any]) -> None:
        """Validate items with ``base``."""
        self.base = base

    def __call__(self, value: Any) -> None:
        """Raise one ValidationError naming each failing item."""
        if value is None:
            return
        errors: list[str] = []
        for index, item in enumerate(value):
            try:
                self.base.validate(item)
            except ValidationError as exc:
                errors.extend(f"item {index}: {message}" for message in exc.messages)
        if errors:
            raise ValidationError(errors)


class ArrayField(Field[list[Any]]):
    """A list of values of ``base_field``'s type, stored as a JSON array (``JSON``) on every backend.

    ``base_field`` must be a JSON-native field: an integer, float, boolean or text field, or another ArrayField.
    """

    SUPPORTED_LOOKUPS = ("exact", "isnull", "contains", "contained_by")
    DB_TYPE = "JSON"
    decode_hint = "json"

    def __init__(self, base_field: Field[Any], **kwargs: Unpack[FieldOptions]) -> None:
        """Store lists of ``base_field`` values."""
        if not isinstance(base_field, (*_ARRAY_BASES, ArrayField)) or base_field.auto_increment:
            raise TypeError(
                "ArrayField(base_field) needs an integer, float, boolean, text or array field instance, "
                f"not {base_field!r}"
            )
        super().__init__(**kwargs)
        self.base_field = base_field

    def to_python(self, value: Any) -> Any:
        """Convert a list or tuple item by item with the base field."""
        if value is None:
            return None
        if not isinstance(value, list | tuple):
            raise self.invalid(value, "list")
        convert = self.base_field.to_python
        out = []
        for index, item in enumerate(value):
            try:
                out.append(convert(item))
            except ValidationError as exc:
                raise self.invalid(value, f"list: item {index}: {'; '.join(exc.messages)}") from None
        return out

    def to_db(self, value: Any) -> Any:
        """Return the list as ``ryx_core.Json``."""
        if value is None or isinstance(value, core.Json):
            return value
        return core.Json(self.to_python(value))

    def implicit_validators(self) -> list[Callable[[Any], Any]]:
        """Add the base field's checks on each item."""
        return [*super().implicit_validators(), _ItemsValidator(self.base_field)]

    def deconstruct(self) -> dict[str, Any]:
        """Add the base field's description."""
        return {**super().deconstruct(), "base_field": self.base_field.deconstruct()}


__all__ = [
    "ArrayField",
    "AutoField",
    "BigAutoField",
    "BigIntField",
    "BinaryField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "DecimalField",
    "DurationField",
    "EmailField",
    "FloatField",
    "IPAddressField",
    "IntField",
    "JSONField",
    "NullBooleanField",
    "PositiveIntField",
    "SlugField",
    "SmallAutoField",
    "SmallIntField",
    "TextField",
    "TimeField",
    "URLField",
    "UUIDField",
]
