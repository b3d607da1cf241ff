"""Model validation: full_clean, clean(), readable errors (defect 23), and save() refusing invalid data."""

from __future__ import annotations

import decimal
from typing import Any

import pytest
import ryx_core
from ryx import fields as f
from ryx.exceptions import ValidationError
from ryx.models import Model
from support import create_tables, drop_tables, quote, unique_name


class Profile(Model):
    handle = f.SlugField(max_length=20)
    email = f.EmailField()
    site = f.URLField(null=True)
    ip = f.IPAddressField(null=True)
    age = f.PositiveIntField(max_value=150)
    score = f.DecimalField(max_digits=4, decimal_places=1, default=0)
    level = f.CharField(max_length=10, choices=[("low", "Low"), ("high", "High")], default="low")
    bio = f.TextField(blank=True, max_length=20, default="")
    start = f.IntField(default=0)
    end = f.IntField(default=0)

    class Meta:
        table_name = unique_name("profiles")

    async def clean(self) -> None:
        if self.end < self.start:
            raise ValidationError({"end": "end must not be before start"})


def valid(**overrides: Any) -> Profile:
    values: dict[str, Any] = {"handle": "ann", "email": "ann@example.com", "age": 30}
    values.update(overrides)
    return Profile(**values)


@pytest.fixture
async def profiles(db: str) -> Any:
    await create_tables(Profile)
    yield db
    await drop_tables(Profile)


async def rows() -> int:
    return int(await ryx_core.fetch_scalar(f"SELECT COUNT(*) FROM {quote(Profile._meta.table_name)}"))


async def test_a_valid_instance_passes() -> None:
    await valid().full_clean()
    await valid(site="https://x.io", ip="10.0.0.1", bio="").full_clean()


async def test_every_problem_is_reported_and_readable() -> None:
    bad = valid(handle="not a slug", email="nope", age=-1, level="mid", score="999.9")
    bad.score = decimal.Decimal("1000.0")
    with pytest.raises(ValidationError) as info:
        await bad.full_clean()
    err = info.value
    assert set(err.errors) == {"handle", "email", "age", "level", "score"}
    text = str(err)
    assert text != "{}"
    for fragment in (
        "handle:",
        "slug",
        "email:",
        "valid email",
        "age:",
        "greater than or equal to 0",
        "level:",
        "score:",
    ):
        assert fragment in text, fragment
    assert "ValidationError({" in repr(err)


async def test_missing_required_values() -> None:
    blank = Profile()
    with pytest.raises(ValidationError) as info:
        await blank.full_clean()
    assert {"handle", "email", "age"} <= set(info.value.errors)
    assert "may not be null" in str(info.value)


async def test_clean_runs_only_when_fields_are_valid() -> None:
    with pytest.raises(ValidationError) as info:
        await valid(start=5, end=1).full_clean()
    assert info.value.errors == {"end": ["end must not be before start"]}
    with pytest.raises(ValidationError) as info:
        await valid(start=5, end=1, email="nope").full_clean()
    assert set(info.value.errors) == {"email"}


async def test_save_refuses_invalid_data_and_writes_nothing(profiles: str) -> None:
    with pytest.raises(ValidationError, match="bio: Ensure this value has at most 20 characters"):
        await valid(bio="x" * 21).save()
    with pytest.raises(ValidationError, match="end must not be before start"):
        await valid(start=2, end=1).save()
    assert await rows() == 0
    obj = valid()
    await obj.save()
    obj.age = 200
    with pytest.raises(ValidationError, match="less than or equal to 150"):
        await obj.save()
    await obj.refresh_from_db()
    assert obj.age == 30


async def test_validate_false_skips_validation(profiles: str) -> None:
    await valid(level="custom").save(validate=False)
    assert await rows() == 1


async def test_assignment_errors_are_validation_errors_naming_the_field() -> None:
    obj = valid()
    with pytest.raises(ValidationError) as info:
        obj.age = "thirty"
    assert info.value.errors == {"age": ["'thirty' is not a valid integer (for Profile.age)"]}
    assert obj.age == 30
