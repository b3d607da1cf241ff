"""Fields: conversion, database types, decode hints, lookups, validators, defaults, and a round trip of every type."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

import pytest
import ryx
import ryx_core
from ryx import fields as f
from ryx.exceptions import FieldError, ValidationError
from ryx.models import Model
from support import create_tables, drop_tables, unique_name

UTC = dt.UTC


class Every(Model):
    small = f.SmallIntField(null=True)
    integer = f.IntField(null=True)
    big = f.BigIntField(null=True)
    positive = f.PositiveIntField(null=True)
    ratio = f.FloatField(null=True)
    price = f.DecimalField(max_digits=12, decimal_places=3, null=True)
    flag = f.BooleanField(null=True)
    maybe = f.NullBooleanField()
    name = f.CharField(max_length=40, null=True)
    slug = f.SlugField(null=True)
    email = f.EmailField(null=True)
    url = f.URLField(null=True)
    ip = f.IPAddressField(null=True)
    text = f.TextField(null=True)
    blob = f.BinaryField(null=True)
    day = f.DateField(null=True)
    moment = f.DateTimeField(null=True)
    clock = f.TimeField(null=True)
    span = f.DurationField(null=True)
    uid = f.UUIDField(null=True)
    doc = f.JSONField(null=True)
    numbers = f.ArrayField(f.BigIntField(), null=True)
    words = f.ArrayField(f.CharField(max_length=10, blank=True), null=True)

    class Meta:
        table_name = unique_name("every")


SAMPLE: dict[str, Any] = {
    "small": -32768,
    "integer": 2**31 - 1,
    "big": -(2**63),
    "positive": 0,
    "ratio": 0.1,
    "price": decimal.Decimal("123456789.125"),
    "flag": False,
    "maybe": True,
    "name": "Ünïcode ☃ 'quoted' \"x\"",
    "slug": "a-slug_1",
    "email": "a@b.io",
    "url": "https://example.com/a?b=c",
    "ip": "192.168.0.1",
    "text": "line1\nline2 % _ \\ ;",
    "blob": bytes(range(256)),
    "day": dt.date(1999, 12, 31),
    "moment": dt.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
    "clock": dt.time(23, 59, 59, 999999),
    "span": dt.timedelta(days=-3, seconds=5, microseconds=7),
    "uid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "doc": {"a": [1, 2.5, None, True], "b": {"c": "d"}, "e": ""},
    "numbers": [3, -1, 2**40],
    "words": ["x", "", "y z"],
}


@pytest.fixture
async def every(db: str) -> Any:
    await create_tables(Every)
    yield db
    await drop_tables(Every)


# ------------------------------------------------------------------------------------------------ round trips


async def test_every_type_round_trips_through_save_and_get(every: str) -> None:
    obj = Every(**SAMPLE)
    await obj.save()
    got = await Every.objects.get(pk=obj.pk)
    for name, value in SAMPLE.items():
        assert getattr(got, name) == value, name
        assert type(getattr(got, name)) is type(value), name
    assert got.moment.tzinfo is not None and got.moment.utcoffset() == dt.timedelta(0)


async def test_every_type_round_trips_none(every: str) -> None:
    obj = await Every.objects.create()
    got = await Every.objects.get(pk=obj.pk)
    for name in SAMPLE:
        assert getattr(got, name) is None, name


async def test_raw_row_matches_what_save_wrote(every: str) -> None:
    obj = await Every.objects.create(**SAMPLE)
    meta = Every._meta
    query = ryx_core.Query(meta.table_name).select(*meta.concrete_columns).filter(id=obj.pk)
    row = await query.fetch_get(as_tuples=True, hints=list(meta.decode_hints))  # type: ignore[arg-type]
    loaded = Every._from_db(row, "default")
    assert all(getattr(loaded, n) == v for n, v in SAMPLE.items())


async def test_aware_datetimes_are_stored_in_utc_and_naive_ones_taken_as_utc(every: str) -> None:
    paris = dt.timezone(dt.timedelta(hours=2))
    aware = await Every.objects.create(moment=dt.datetime(2024, 6, 1, 12, 0, tzinfo=paris))
    naive = await Every.objects.create(moment=dt.datetime(2024, 6, 1, 12, 0))
    assert (await Every.objects.get(pk=aware.pk)).moment == dt.datetime(2024, 6, 1, 10, 0, tzinfo=UTC)
    got = (await Every.objects.get(pk=naive.pk)).moment
    assert got == dt.datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    assert got.tzinfo is not None


async def test_json_list_and_scalar_documents_round_trip(every: str) -> None:
    for doc in ([1, 2], "just a string", 5, True, [], {}):
        obj = await Every.objects.create(doc=doc)
        assert (await Every.objects.get(pk=obj.pk)).doc == doc


async def test_decimal_is_quantized_on_assignment_and_read_back_equal(every: str) -> None:
    obj = await Every.objects.create(price="1.5")
    assert obj.price == decimal.Decimal("1.500")
    assert str(obj.price) == "1.500"
    assert (await Every.objects.get(pk=obj.pk)).price == decimal.Decimal("1.5")


async def test_filter_values_go_through_to_db(every: str) -> None:
    obj = await Every.objects.create(**SAMPLE)
    assert await Every.objects.filter(uid=str(SAMPLE["uid"])).count() == 1
    assert await Every.objects.filter(span=SAMPLE["span"]).count() == 1
    assert await Every.objects.filter(moment="2024-02-29T23:59:59.999999+00:00").count() == 1
    assert await Every.objects.filter(pk=obj.pk, day__year=1999).count() == 1


async def test_keyword_filters_work_on_every_field_type(every: str) -> None:
    obj = await Every.objects.create(**SAMPLE)
    ryx.register_lookup("ryx_test_not_equal", "{col} <> ?")
    filters: list[dict[str, Any]] = [
        {"text__contains": "line2"},
        {"text__icontains": "LINE1"},
        {"name__startswith": "Ünï"},
        {"email__iexact": "A@B.IO"},
        {"clock__gt": dt.time(12)},
        {"span__lt": dt.timedelta(0)},
        {"blob": SAMPLE["blob"]},
        {"uid__in": [SAMPLE["uid"]]},
        {"flag": False},
        {"day__year": 1999},
        {"moment__year__gte": 2024},
        {"moment__hour": 23},
        {"numbers__contains": [2**40]},
        {"doc__has_key": "a"},
        {"doc__b__c": "d"},
        {"integer__ryx_test_not_equal": 5},
        {"pk__in": [obj.pk]},
        {"price__range": (decimal.Decimal("1"), decimal.Decimal("999999999"))},
    ]
    for lookup in filters:
        assert await Every.objects.filter(**lookup).count() == 1, lookup
        assert await Every.objects.exclude(**lookup).count() == 0, lookup


async def test_unsupported_lookups_are_field_errors(every: str) -> None:
    for lookup in ({"integer__icontains": "1"}, {"flag__gt": True}, {"name__year": 1}, {"nope": 1}):
        with pytest.raises(FieldError):
            await Every.objects.filter(**lookup).count()


# ------------------------------------------------------------------------------------------------ to_python


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        (f.IntField(), "42", 42),
        (f.IntField(), 7.0, 7),
        (f.IntField(), decimal.Decimal("3"), 3),
        (f.FloatField(), "2.5", 2.5),
        (f.FloatField(), 3, 3.0),
        (f.DecimalField(decimal_places=2), 1.005, decimal.Decimal("1.01")),
        (f.DecimalField(decimal_places=2), "2", decimal.Decimal("2.00")),
        (f.DecimalField(decimal_places=0), decimal.Decimal("2.5"), decimal.Decimal("3")),
        (f.BooleanField(), "yes", True),
        (f.BooleanField(), "Off", False),
        (f.BooleanField(), "", False),
        (f.BooleanField(), 1, True),
        (f.CharField(), "  padded  ", "padded"),
        (f.CharField(strip=False), "  padded  ", "  padded  "),
        (f.CharField(), 12, "12"),
        (f.TextField(), "  kept  ", "  kept  "),
        (f.BinaryField(), bytearray(b"ab"), b"ab"),
        (f.BinaryField(), memoryview(b"cd"), b"cd"),
        (f.DateField(), "2024-01-02", dt.date(2024, 1, 2)),
        (
            f.DateField(),
            dt.datetime(2024, 1, 2, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-2))),
            dt.date(2024, 1, 3),
        ),
        (f.DateTimeField(), "2024-01-02T03:04:05Z", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        (f.DateTimeField(), dt.datetime(2024, 1, 2, 3, 4, 5), dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        (f.DateTimeField(), dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, tzinfo=UTC)),
        (f.TimeField(), "10:11:12.5", dt.time(10, 11, 12, 500000)),
        (f.DurationField(), "1 day, 2:03:04.5", dt.timedelta(days=1, hours=2, minutes=3, seconds=4.5)),
        (f.DurationField(), "-1 day, 23:59:59", dt.timedelta(seconds=-1)),
        (f.DurationField(), str(dt.timedelta(minutes=-90)), dt.timedelta(minutes=-90)),
        (f.UUIDField(), "12345678123456781234567812345678", uuid.UUID("12345678-1234-5678-1234-567812345678")),
        (f.UUIDField(), 1, uuid.UUID(int=1)),
        (f.JSONField(), '{"a": 1}', '{"a": 1}'),
        (f.ArrayField(f.IntField()), ("1", 2), [1, 2]),
    ],
)
def test_to_python_converts_user_input(field: f.Field[Any], raw: Any, expected: Any) -> None:
    value = field.to_python(raw)
    assert value == expected
    assert type(value) is type(expected)
    assert field.to_python(None) is None


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        (f.IntField(), "4x"),
        (f.IntField(), 1.5),
        (f.IntField(), [1]),
        (f.FloatField(), "nope"),
        (f.DecimalField(), "1e"),
        (f.DecimalField(), "NaN"),
        (f.DecimalField(), float("inf")),
        (f.DecimalField(), True),
        (f.BooleanField(), "maybe"),
        (f.BooleanField(), 2),
        (f.CharField(), b"bytes"),
        (f.CharField(), {"a": 1}),
        (f.BinaryField(), "text"),
        (f.DateField(), "31/12/1999"),
        (f.DateField(), 5),
        (f.DateTimeField(), "yesterday"),
        (f.TimeField(), "25:00"),
        (f.DurationField(), 5),
        (f.DurationField(), "5 minutes"),
        (f.UUIDField(), "not-a-uuid"),
        (f.ArrayField(f.IntField()), "[1, 2]"),
        (f.ArrayField(f.IntField()), ["x"]),
    ],
)
def test_to_python_rejects_bad_input_with_a_validation_error(field: f.Field[Any], raw: Any) -> None:
    with pytest.raises(ValidationError) as info:
        field.to_python(raw)
    assert repr(raw)[:10] in str(info.value) and "is not a valid" in str(info.value)


def test_array_item_errors_name_the_item() -> None:
    with pytest.raises(ValidationError, match="item 1: 'x' is not a valid integer"):
        f.ArrayField(f.IntField()).to_python([1, "x"])


def test_bad_assignment_raises_and_leaves_the_attribute_unchanged() -> None:
    obj = Every(integer=3)
    with pytest.raises(ValidationError, match="integer"):
        obj.integer = "three"
    assert obj.integer == 3
    with pytest.raises(ValidationError, match=r"Every\.integer"):
        Every(integer="three")


# ------------------------------------------------------------------------------------------------ to_db


def test_to_db_gives_values_the_engine_binds_natively() -> None:
    assert f.DurationField().to_db(dt.timedelta(days=1, microseconds=3)) == 86_400_000_003
    assert f.DurationField().to_db(dt.timedelta(microseconds=-1)) == -1
    paris = dt.timezone(dt.timedelta(hours=2))
    stored = f.DateTimeField().to_db(dt.datetime(2024, 1, 1, 12, tzinfo=paris))
    assert stored == dt.datetime(2024, 1, 1, 10, tzinfo=UTC) and stored.tzinfo is UTC
    assert f.DateTimeField().to_db(dt.datetime(2024, 1, 1)).tzinfo is UTC
    doc = f.JSONField().to_db([1, 2])
    assert isinstance(doc, ryx_core.Json) and doc.value == [1, 2]
    assert isinstance(f.ArrayField(f.IntField()).to_db((1, 2)), ryx_core.Json)
    assert f.UUIDField().to_db("12345678-1234-5678-1234-567812345678") == uuid.UUID(
        "12345678-1234-5678-1234-567812345678"
    )
    assert f.DecimalField().to_db(decimal.Decimal("1.234")) == decimal.Decimal("1.23")
    assert f.BinaryField().to_db(bytearray(b"x")) == b"x"
    for field in (f.IntField(), f.JSONField(), f.DurationField(), f.DateTimeField(), f.ArrayField(f.IntField())):
        assert field.to_db(None) is None


# ------------------------------------------------------------------------------------------------ types and hints


@pytest.mark.parametrize(
    ("field", "db_type", "hint"),
    [
        (f.AutoField(), "INTEGER", "int"),
        (f.BigAutoField(), "BIGINT", "int"),
        (f.SmallAutoField(), "SMALLINT", "int"),
        (f.IntField(), "INTEGER", "int"),
        (f.SmallIntField(), "SMALLINT", "int"),
        (f.BigIntField(), "BIGINT", "int"),
        (f.PositiveIntField(), "INTEGER", "int"),
        (f.FloatField(), "DOUBLE", "float"),
        (f.DecimalField(max_digits=7, decimal_places=3), "DECIMAL(7,3)", "decimal"),
        (f.BooleanField(), "BOOLEAN", "bool"),
        (f.NullBooleanField(), "BOOLEAN", "bool"),
        (f.CharField(max_length=12), "VARCHAR(12)", "str"),
        (f.SlugField(), "VARCHAR(50)", "str"),
        (f.EmailField(), "VARCHAR(254)", "str"),
        (f.URLField(), "VARCHAR(200)", "str"),
        (f.IPAddressField(), "VARCHAR(15)", "str"),
        (f.TextField(max_length=10), "TEXT", "str"),
        (f.BinaryField(), "BLOB", "bytes"),
        (f.DateField(), "DATE", "date"),
        (f.DateTimeField(), "DATETIME", "datetime_utc"),
        (f.TimeField(), "TIME", "time"),
        (f.DurationField(), "DURATION", "timedelta"),
        (f.UUIDField(), "UUID", "uuid"),
        (f.JSONField(), "JSON", "json"),
        (f.ArrayField(f.IntField()), "JSON", "json"),
    ],
)
def test_db_type_and_decode_hint(field: f.Field[Any], db_type: str, hint: str) -> None:
    assert field.db_type() == db_type
    assert field.decode_hint == hint
    assert field.auto_increment == isinstance(field, f.AutoField)


def test_hints_are_engine_hint_names() -> None:
    known = {
        "int",
        "bool",
        "float",
        "decimal",
        "str",
        "bytes",
        "date",
        "time",
        "datetime_utc",
        "timedelta",
        "uuid",
        "json",
    }
    assert set(Every._meta.decode_hints) <= known


def test_field_defaults_of_spec_6_2() -> None:
    assert f.CharField().max_length == 255 and f.CharField().strip is True
    assert f.DecimalField().max_digits == 10 and f.DecimalField().decimal_places == 2
    assert f.PositiveIntField().min_value == 0
    assert f.NullBooleanField().null is True
    auto = f.AutoField()
    assert auto.primary_key and not auto.editable
    assert not f.DateTimeField(auto_now=True).editable and not f.DateField(auto_now_add=True).editable
    assert f.DateTimeField(auto_now=True, editable=True).editable
    assert f.UUIDField(auto_create=True).get_default().version == 4
    assert f.OneToOneField("X").unique


@pytest.mark.parametrize(
    "make",
    [
        lambda: f.CharField(max_length=0),
        lambda: f.CharField(max_length="10"),
        lambda: f.DecimalField(max_digits=2, decimal_places=3),
        lambda: f.IntField(min_value=5, max_value=1),
        lambda: f.ArrayField(f.DateField()),
        lambda: f.ArrayField(f.AutoField()),
        lambda: f.ArrayField(int),
        lambda: f.IntField(db_column=""),
        lambda: f.IntField(validators=[1]),
        lambda: f.ForeignKey(42),
        lambda: f.ForeignKey("X", on_delete="EXPLODE"),
        lambda: f.ForeignKey("X", on_delete="SET_NULL"),
        lambda: f.TimeField(auto_now=True),
    ],
)
def test_bad_field_options_raise_typed_errors(make: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        make()


# ------------------------------------------------------------------------------------------------ lookups (defect 17)

NUMERIC = {"exact", "gt", "gte", "lt", "lte", "in", "range", "isnull"}
STRING = {"exact", "iexact", "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith"}


def test_lookup_sets_are_right_for_every_type() -> None:
    for field in (f.CharField(), f.TextField(), f.SlugField(), f.EmailField(), f.URLField(), f.IPAddressField()):
        assert field.lookups >= STRING | {"in", "isnull", "regex", "iregex", "gt"}, field
    for field in (f.AutoField(), f.BigAutoField(), f.IntField(), f.FloatField(), f.DecimalField(), f.ForeignKey("X")):
        assert field.lookups >= NUMERIC, field
        assert "icontains" not in field.lookups
    for field in (f.TimeField(), f.DurationField(), f.DateField(), f.DateTimeField()):
        assert field.lookups >= NUMERIC, field
    for field in (f.BinaryField(), f.BooleanField(), f.UUIDField()):
        assert field.lookups >= {"exact", "in", "isnull"}, field
    assert f.ArrayField(f.IntField()).lookups >= {"exact", "isnull", "contains", "contained_by"}
    assert f.JSONField().lookups >= {"has_key", "has_keys", "has_any_keys", "contains", "contained_by", "isnull"}
    assert all(cls.SUPPORTED_LOOKUPS for cls in [f.TextField, f.TimeField, f.DurationField, f.BinaryField])


def test_transform_sets() -> None:
    assert {"year", "month", "day", "week_day", "quarter", "iso_week"} <= f.DateField().transforms
    assert f.DateTimeField().transforms >= f.DateField().transforms | {"hour", "minute", "second", "date", "time"}
    assert f.TimeField().transforms == {"hour", "minute", "second"}
    assert not f.CharField().transforms and not f.IntField().transforms
    assert f.DateField.SUPPORTED_TRANSFORMS and f.IntField.SUPPORTED_LOOKUPS  # compatibility names kept
    assert f.JSONField.allows_key_paths and not f.TextField.allows_key_paths


def test_custom_lookups_are_accepted_on_every_field() -> None:
    ryx.register_lookup("ryx_test_ne", "{col} <> ?")
    for field in (f.IntField(), f.TextField(), f.BinaryField(), f.ForeignKey("X"), f.JSONField(), f.AutoField()):
        assert "ryx_test_ne" in field.lookups
        assert field.supports_lookup("ryx_test_ne")
    assert "ryx_test_ne" in f.custom_lookups()
    assert not f.IntField().supports_lookup("icontains")
    assert not f.IntField().supports_lookup("nope")
    assert f.CharField().supports_lookup("icontains")
    assert f.DateField().supports_transform("year") and not f.CharField().supports_transform("year")


# ------------------------------------------------------------------------------------------------ validators


def test_implicit_validators() -> None:
    assert f.TextField(null=True).validators == ()
    with pytest.raises(ValidationError, match="null"):
        f.IntField().validate(None)
    f.AutoField().validate(None)  # the primary key may be None before its first save
    with pytest.raises(ValidationError, match="at most 3"):
        f.CharField(max_length=3).validate("abcd")
    with pytest.raises(ValidationError, match="at least 2"):
        f.CharField(min_length=2).validate("a")
    with pytest.raises(ValidationError, match="blank"):
        f.CharField().validate("   ")
    f.CharField(blank=True).validate("")
    f.TextField(null=True).validate("")
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        f.PositiveIntField().validate(-1)
    with pytest.raises(ValidationError, match="less than or equal to 32767"):
        f.SmallIntField().validate(40000)
    with pytest.raises(ValidationError, match="less than or equal to 2147483647"):
        f.IntField().validate(2**31)
    f.BigIntField().validate(2**40)
    with pytest.raises(ValidationError, match="one of"):
        f.CharField(choices=[("a", "A"), ("b", "B")]).validate("c")
    f.IntField(choices=[1, 2]).validate(2)
    with pytest.raises(ValidationError, match="email"):
        f.EmailField().validate("nope")
    with pytest.raises(ValidationError, match="URL"):
        f.URLField().validate("ftp://x")
    with pytest.raises(ValidationError, match="slug"):
        f.SlugField().validate("a b")
    with pytest.raises(ValidationError, match="IPv4"):
        f.IPAddressField().validate("256.1.1.1")
    f.IPAddressField().validate("10.0.0.255")
    with pytest.raises(ValidationError, match="no more than 5 digits"):
        f.DecimalField(max_digits=5, decimal_places=2).validate(decimal.Decimal("1000.00"))
    f.DecimalField(max_digits=5, decimal_places=2).validate(decimal.Decimal("999.99"))
    with pytest.raises(ValidationError, match="item 1"):
        f.ArrayField(f.IntField(max_value=5)).validate([1, 9])


def test_validate_lists_every_problem_and_clean_converts() -> None:
    field = f.CharField(max_length=3, validators=[lambda v: (_ for _ in ()).throw(ValueError("custom says no"))])
    with pytest.raises(ValidationError) as info:
        field.validate("abcdef")
    assert "at most 3" in str(info.value) and "custom says no" in str(info.value)
    assert f.IntField().clean("5") == 5
    with pytest.raises(ValidationError):
        f.IntField(max_value=4).clean("5")


# ------------------------------------------------------------------------------------------ defaults and descriptor


def test_defaults_are_converted_called_and_copied() -> None:
    class Defaults(Model):
        count = f.IntField(default="3")
        made = f.UUIDField(default=uuid.uuid4)
        tags = f.JSONField(default={"a": []})
        nothing = f.IntField(null=True)

    a, b = Defaults(), Defaults()
    assert a.count == 3 and a.made != b.made
    a.tags["a"].append(1)
    assert b.tags == {"a": []}
    assert a.nothing is None
    assert Defaults._meta.get_field("count").has_default() and not Defaults._meta.get_field("nothing").has_default()
    assert repr(f.NOT_PROVIDED) == "NOT_PROVIDED"


def test_none_is_observable_on_a_field_with_a_default() -> None:
    class WithDefault(Model):
        views = f.IntField(default=5, null=True)

    obj = WithDefault()
    assert obj.views == 5
    obj.views = None
    assert obj.views is None
    assert WithDefault(views=None).views is None
    assert WithDefault._from_db((1, None)).views is None


def test_field_repr_clone_and_deconstruct() -> None:
    field = Every._meta.get_field("name")
    assert repr(field) == "<CharField: Every.name>"
    assert repr(f.CharField()) == "<CharField>"
    copy = field.clone()
    assert copy is not field and copy.model is None and copy.max_length == field.max_length  # type: ignore[attr-defined]
    spec = field.deconstruct()
    assert spec["type"] == "CharField" and spec["db_type"] == "VARCHAR(40)" and spec["null"] is True
    assert {"blank", "unique", "primary_key", "db_index", "column"} <= set(spec)
    assert Every._meta.get_field("numbers").deconstruct()["base_field"]["type"] == "BigIntField"


def test_unknown_field_raises_field_error_listing_choices() -> None:
    with pytest.raises(FieldError, match=r"choices are: .*name"):
        Every._meta.get_field("nmae")
