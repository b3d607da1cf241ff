"""Validators (callables raising `ValidationError`) and `run_full_validation`, behind ``Model.full_clean()``."""

from __future__ import annotations

import inspect
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any

from ryx.exceptions import NON_FIELD_ERRORS, ValidationError


class Validator(ABC):
    """A value check: call it with a value; it raises `ValidationError` with ``message`` when the check fails."""

    message: str = "Invalid value."

    @abstractmethod
    def __call__(self, value: Any) -> None:
        """Raise `ValidationError` if ``value`` is invalid."""

    def validate(self, value: Any) -> None:
        """Raise `ValidationError` if ``value`` is invalid (same as calling the validator)."""
        self(value)

    def __repr__(self) -> str:
        """Return the class name."""
        return f"<{type(self).__name__}>"


class FunctionValidator(Validator):
    """Fails when ``fn(value)`` is falsy."""

    def __init__(self, fn: Callable[[Any], Any], message: str = "Invalid value.") -> None:
        """Check values with ``fn``."""
        if not callable(fn):
            raise TypeError(f"FunctionValidator needs a callable, not {fn!r}")
        self.fn = fn
        self.message = message

    def __call__(self, value: Any) -> None:
        """Raise when ``fn(value)`` is falsy (None is accepted)."""
        if value is not None and not self.fn(value):
            raise ValidationError(self.message)


class NotNullValidator(Validator):
    """Fails on None."""

    message = "This field may not be null."

    def __call__(self, value: Any) -> None:
        """Raise when ``value`` is None."""
        if value is None:
            raise ValidationError(self.message)


class NotBlankValidator(Validator):
    """Fails on an empty or whitespace-only string."""

    message = "This field may not be blank."

    def __call__(self, value: Any) -> None:
        """Raise when ``value`` is a blank str."""
        if isinstance(value, str) and not value.strip():
            raise ValidationError(self.message)


class MaxLengthValidator(Validator):
    """Fails when ``len(str(value))`` exceeds ``max_length``."""

    def __init__(self, max_length: int) -> None:
        """Accept values of at most ``max_length`` characters."""
        self.max_length = max_length
        self.message = f"Ensure this value has at most {max_length} characters."

    def __call__(self, value: Any) -> None:
        """Raise when ``value`` is too long."""
        if value is not None and len(str(value)) > self.max_length:
            raise ValidationError(self.message)


class MinLengthValidator(Validator):
    """Fails when ``len(str(value))`` is below ``min_length``."""

    def __init__(self, min_length: int) -> None:
        """Accept values of at least ``min_length`` characters."""
        self.min_length = min_length
        self.message = f"Ensure this value has at least {min_length} characters."

    def __call__(self, value: Any) -> None:
        """Raise when ``value`` is too short."""
        if value is not None and len(str(value)) < self.min_length:
            raise ValidationError(self.message)


class MinValueValidator(Validator):
    """Fails when ``value < min_value``."""

    def __init__(self, min_value: Any) -> None:
        """Accept values greater than or equal to ``min_value``."""
        self.min_value = min_value
        self.message = f"Ensure this value is greater than or equal to {min_value}."

    def __call__(self, value: Any) -> None:
        """Raise when ``value`` is too small."""
        if value is not None and value < self.min_value:
            raise ValidationError(self.message)


class MaxValueValidator(Validator):
    """Fails when ``value > max_value``."""

    def __init__(self, max_value: Any) -> None:
        """Accept values less than or equal to ``max_value``."""
        self.max_value = max_value
        self.message = f"Ensure this value is less than or equal to {max_value}."

    def __call__(self, value: Any) -> None:
        """Raise when ``value`` is too large."""
        if value is not None and value > self.max_value:
            raise ValidationError(self.message)


class RangeValidator(Validator):
    """Fails outside the closed range ``[min_value, max_value]``."""

    def __init__(self, min_value: Any, max_value: Any) -> None:
        """Accept values between ``min_value`` and ``max_value`` inclusive."""
        if min_value is not None and max_value is not None and min_value > max_value:
            raise ValueError(f"RangeValidator: min_value {min_value!r} is greater than max_value {max_value!r}")
        self.min_value = min_value
        self.max_value = max_value
        self.message = f"Value must be between {min_value} and {max_value}."

    def __call__(self, value: Any) -> None:
        """Raise when ``value`` is outside the range."""
        if value is not None and not (self.min_value <= value <= self.max_value):
            raise ValidationError(self.message)


class RegexValidator(Validator):
    """Fails when ``re.search(pattern, str(value))`` finds no match."""

    def __init__(self, pattern: str | re.Pattern[str], message: str | None = None, flags: int = 0) -> None:
        """Accept values in which ``pattern`` is found."""
        self.regex = re.compile(pattern, flags) if isinstance(pattern, str) else pattern
        self.pattern = self.regex.pattern
        self.message = message if message is not None else f"Value must match pattern: {self.pattern}"

    def __call__(self, value: Any) -> None:
        """Raise when the pattern is not found in ``value``."""
        if value is not None and not self.regex.search(str(value)):
            raise ValidationError(self.message)


class EmailValidator(RegexValidator):
    """Fails on anything that does not look like ``name@domain.tld``."""

    def __init__(self) -> None:
        """Accept e-mail addresses."""
        super().__init__(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "Enter a valid email address.")


class URLValidator(RegexValidator):
    """Fails on anything but an http or https URL."""

    def __init__(self) -> None:
        """Accept http and https URLs."""
        super().__init__(r"^https?://[^\s/$.?#].[^\s]*$", "Enter a valid URL.", re.IGNORECASE)


class ChoicesValidator(Validator):
    """Fails when the value is not one of ``choices`` (values, or ``(value, label)`` pairs)."""

    def __init__(self, choices: Iterable[Any]) -> None:
        """Accept only the values of ``choices``."""
        values = [c[0] if isinstance(c, list | tuple) and len(c) == 2 else c for c in choices]
        self.choices = values
        try:
            shown = sorted(values)
        except TypeError:  # mixed types cannot be ordered
            shown = list(values)
        self.message = f"Value must be one of: {shown!r}"

    def __call__(self, value: Any) -> None:
        """Raise when ``value`` is not a choice."""
        if value is not None and value not in self.choices:
            raise ValidationError(self.message)


class UniqueValueValidator(Validator):
    """Never fails: uniqueness is checked by the database's UNIQUE constraint (`IntegrityError`)."""

    def __call__(self, value: Any) -> None:
        """Accept every value."""


def _messages(error: BaseException) -> list[str]:
    """Return the messages of a validator's exception."""
    if isinstance(error, ValidationError):
        return error.messages
    return [str(error) or type(error).__name__]


def _accepts_instance(fn: Callable[..., Any]) -> bool:
    """Return True if ``fn`` takes a second positional argument (the instance)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in params)


async def _call(fn: Callable[..., Any], *args: Any) -> None:
    """Call a (possibly async) check."""
    result = fn(*args)
    if inspect.isawaitable(result):
        await result


async def validate_field(field: Any, value: Any, instance: Any = None) -> list[str]:
    """Return the messages of every failed check of one field.

    A field with a ``validate(value[, instance])`` method is checked by it (it runs the field's
    ``validators``); otherwise each callable of ``field.validators`` is run. Async checks are awaited.
    """
    messages: list[str] = []
    validate = getattr(field, "validate", None)
    if callable(validate):
        try:
            await (_call(validate, value, instance) if _accepts_instance(validate) else _call(validate, value))
        except Exception as exc:
            messages.extend(_messages(exc))
    else:
        for validator in list(getattr(field, "validators", None) or ()):
            try:
                await _call(validator, value)
            except Exception as exc:
                messages.extend(_messages(exc))
    return list(dict.fromkeys(messages))


async def run_full_validation(instance: Any) -> None:
    """Validate every field of ``instance``, then ``await instance.clean()`` if they all passed.

    Raise one `ValidationError` whose ``errors`` map each failing field's attname (``"__all__"`` for
    ``clean()``) to its messages.
    """
    errors: dict[str, list[str]] = {}
    for attname, field in instance._meta.fields.items():
        messages = await validate_field(field, getattr(instance, attname, None), instance)
        if messages:
            errors[attname] = messages
    if not errors:
        clean = getattr(instance, "clean", None)
        if callable(clean):
            try:
                await _call(clean)
            except ValidationError as exc:
                for key, messages in exc.errors.items():
                    errors.setdefault(key or NON_FIELD_ERRORS, []).extend(messages)
    errors = {key: messages for key, messages in errors.items() if messages}
    if errors:
        raise ValidationError(errors)


__all__ = [
    "ChoicesValidator",
    "EmailValidator",
    "FunctionValidator",
    "MaxLengthValidator",
    "MaxValueValidator",
    "MinLengthValidator",
    "MinValueValidator",
    "NotBlankValidator",
    "NotNullValidator",
    "RangeValidator",
    "RegexValidator",
    "URLValidator",
    "UniqueValueValidator",
    "ValidationError",
    "Validator",
    "run_full_validation",
    "validate_field",
]
