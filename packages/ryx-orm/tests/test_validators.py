"""Validators and ValidationError: exact messages, normalisation, merge, full validation without printing."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
import ryx
from ryx.exceptions import RyxError, ValidationError
from ryx.validators import UniqueValueValidator, run_full_validation, validate_field

V = ryx


@pytest.mark.parametrize(
    ("validator", "bad", "good", "message"),
    [
        (V.NotNullValidator(), None, 0, "This field may not be null."),
        (V.NotBlankValidator(), "  ", "x", "This field may not be blank."),
        (V.MaxLengthValidator(3), "abcd", "abc", "Ensure this value has at most 3 characters."),
        (V.MinLengthValidator(2), "a", "ab", "Ensure this value has at least 2 characters."),
        (V.MinValueValidator(5), 4, 5, "Ensure this value is greater than or equal to 5."),
        (V.MaxValueValidator(5), 6, 5, "Ensure this value is less than or equal to 5."),
        (V.RangeValidator(1, 3), 4, 3, "Value must be between 1 and 3."),
        (V.RegexValidator(r"^\d+$"), "12a", "12", r"Value must match pattern: ^\d+$"),
        (V.RegexValidator("^a", message="starts with a"), "b", "abc", "starts with a"),
        (V.EmailValidator(), "no-at.example", "me@example.com", "Enter a valid email address."),
        (V.URLValidator(), "ftp://x.org", "HTTPS://example.org/a", "Enter a valid URL."),
        (V.ChoicesValidator(["b", "a"]), "c", "a", "Value must be one of: ['a', 'b']"),
        (V.ChoicesValidator([(1, "one"), (2, "two")]), 3, 2, "Value must be one of: [1, 2]"),
        (V.FunctionValidator(lambda v: v % 2 == 0, "Must be even."), 3, 4, "Must be even."),
    ],
)
def test_messages(validator: Any, bad: Any, good: Any, message: str) -> None:
    validator(good)
    validator.validate(good)
    with pytest.raises(ValidationError) as info:
        validator(bad)
    assert info.value.errors == {"__all__": [message]}
    assert str(info.value) == message


def test_none_is_accepted_by_all_but_not_null() -> None:
    for validator in (
        V.NotBlankValidator(),
        V.MaxLengthValidator(1),
        V.MinLengthValidator(1),
        V.MinValueValidator(1),
        V.MaxValueValidator(1),
        V.RangeValidator(1, 2),
        V.RegexValidator("x"),
        V.EmailValidator(),
        V.URLValidator(),
        V.ChoicesValidator([1]),
        V.FunctionValidator(bool),
        UniqueValueValidator(),
    ):
        validator(None)
    UniqueValueValidator()("anything")


def test_bad_validator_arguments() -> None:
    with pytest.raises(ValueError, match="greater than max_value"):
        V.RangeValidator(3, 1)
    with pytest.raises(TypeError, match="callable"):
        V.FunctionValidator("nope")  # type: ignore[arg-type]
    with pytest.raises(re.error):
        V.RegexValidator("(")
    assert V.ChoicesValidator([1, "a"]).message == "Value must be one of: [1, 'a']"  # unorderable: as given


def test_validation_error_normalisation() -> None:
    assert ValidationError("m").errors == {"__all__": ["m"]}
    assert ValidationError(["a", 1]).errors == {"__all__": ["a", "1"]}
    assert ValidationError({"f": "x", "g": ["y", "z"], "h": 3}).errors == {"f": ["x"], "g": ["y", "z"], "h": ["3"]}
    assert ValidationError(42).errors == {"__all__": ["42"]}
    assert ValidationError().errors == {}
    assert issubclass(ValidationError, RyxError)
    assert repr(ValidationError({"f": "x"})) == "ValidationError({'f': ['x']})"


def test_str_reflects_the_current_errors_after_merge() -> None:
    """Defect 23: str() is not frozen at construction."""
    err = ValidationError({})
    assert str(err) == "validation failed"
    assert err.merge(ValidationError({"title": "too long"})) is err
    err.merge({"title": ["blank"], "views": "negative"})
    err.merge("cross-field")
    assert err.errors == {"title": ["too long", "blank"], "views": ["negative"], "__all__": ["cross-field"]}
    assert str(err) == "title: too long; title: blank; views: negative; cross-field"
    assert err.messages == ["too long", "blank", "negative", "cross-field"]


class Field:
    def __init__(self, *validators: Any) -> None:
        self.validators = list(validators)


class FieldWithValidate(Field):
    def validate(self, value: Any, instance: Any) -> None:
        if instance.title == value == "same":
            raise ValidationError("checked with the instance")


def instance(title: Any, views: Any, clean: Any = None) -> Any:
    fields = {
        "title": Field(V.NotNullValidator(), V.MaxLengthValidator(5)),
        "views": Field(V.MinValueValidator(0)),
        "slug": FieldWithValidate(),
    }
    obj = SimpleNamespace(_meta=SimpleNamespace(fields=fields), title=title, views=views, slug="same")
    if clean is not None:
        obj.clean = clean
    return obj


async def test_full_validation_collects_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    cleaned: list[str] = []

    async def clean() -> None:
        cleaned.append("called")

    with pytest.raises(ValidationError) as info:
        await run_full_validation(instance("toolong", -1, clean))
    assert info.value.errors == {
        "title": ["Ensure this value has at most 5 characters."],
        "views": ["Ensure this value is greater than or equal to 0."],
    }
    assert "title: Ensure this value has at most 5 characters." in str(info.value)
    assert cleaned == []  # clean() runs only when the fields are valid
    assert capsys.readouterr() == ("", "")  # no printing


async def test_clean_runs_and_its_error_is_merged() -> None:
    async def clean() -> None:
        raise ValidationError("end must follow start")

    with pytest.raises(ValidationError) as info:
        await run_full_validation(instance("ok", 1, clean))
    assert info.value.errors == {"__all__": ["end must follow start"]}
    assert str(info.value) == "end must follow start"

    def sync_clean() -> None:
        raise ValidationError({"views": "odd"})

    with pytest.raises(ValidationError, match="views: odd"):
        await run_full_validation(instance("ok", 1, sync_clean))
    await run_full_validation(instance("ok", 1, lambda: None))


async def test_field_validate_gets_the_instance_and_other_errors_are_collected() -> None:
    obj = instance("same", 1)
    with pytest.raises(ValidationError, match="checked with the instance"):
        await run_full_validation(obj)

    def crash(value: Any) -> None:
        raise TypeError("bad type")

    async def async_check(value: Any) -> None:
        raise ValidationError("async said no")

    assert await validate_field(Field(crash, async_check), 1) == ["bad type", "async said no"]


# ------------------------------------------------------------------------------- through a real model


class ValPost(ryx.Model):
    title = ryx.CharField(max_length=5)
    views = ryx.IntField(min_value=0, default=0)
    email = ryx.EmailField(null=True)

    async def clean(self) -> None:
        if self.title == "bad":
            raise ValidationError("title 'bad' is reserved")


async def test_full_clean_on_a_model(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    from support import tables

    async with tables(ValPost):
        post = ValPost(title="toolong", views=-1, email="nope")
        with pytest.raises(ValidationError) as info:
            await post.full_clean()
        assert info.value.errors == {
            "title": ["Ensure this value has at most 5 characters."],
            "views": ["Ensure this value is greater than or equal to 0."],
            "email": ["Enter a valid email address."],
        }
        assert "title: Ensure this value has at most 5 characters." in str(info.value)
        with pytest.raises(ValidationError, match="reserved"):
            await ValPost(title="bad").save()
        with pytest.raises(ValidationError):
            await ValPost.objects.create(title="toolong")
        assert await ValPost.objects.count() == 0  # nothing was written
        await ValPost.objects.create(title="ok")
        assert await ValPost.objects.count() == 1
    assert capsys.readouterr() == ("", "")
