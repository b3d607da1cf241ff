"""Fast paths of ``Model(...)``, ``bulk_create`` and ``save``: the same values, defaults and errors as before."""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import inspect
import itertools
import pickle
from collections.abc import AsyncIterator
from typing import Any

import pytest
import ryx_core
from ryx import fields as f
from ryx.bulk import bulk_create
from ryx.exceptions import ValidationError
from ryx.models import Model, ModelState
from support import create_tables, drop_tables, quote, unique_name

UTC = dt.UTC
D = decimal.Decimal
PLUS_TWO = dt.timezone(dt.timedelta(hours=2))


class LowerText(f.TextField):
    """A custom field: its own conversion must run although TextField keeps str values as they are."""

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return None if value is None else value.lower()


class Tenfold(f.IntField):
    """A custom field binding ten times the value: bulk_create must still call its to_db."""

    def to_db(self, value: Any) -> Any:
        return None if value is None else self.to_python(value) * 10


class Fast(Model):
    name = f.CharField(max_length=40)
    raw = f.TextField(default="", blank=True)
    count = f.IntField(default=7)
    ratio = f.FloatField(null=True)
    flag = f.BooleanField(default=False)
    moment = f.DateTimeField(null=True)
    day = f.DateField(null=True)
    amount = f.DecimalField(max_digits=12, decimal_places=2, default="1.5", null=True)
    span = f.DurationField(null=True)
    doc = f.JSONField(null=True)
    numbers = f.ArrayField(f.IntField(), default=())
    lower = LowerText(null=True)
    tenfold = Tenfold(null=True)

    class Meta:
        table_name = unique_name("fast")


@pytest.fixture
async def fast(db: str) -> AsyncIterator[str]:
    await create_tables(Fast)
    yield db
    await drop_tables(Fast)


# ------------------------------------------------------------------------------------------------ Model(...)


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("moment", dt.datetime(2024, 1, 2, 3, 4, 5, 6), dt.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC)),
        ("moment", dt.datetime(2024, 1, 2, 3, tzinfo=PLUS_TWO), dt.datetime(2024, 1, 2, 1, tzinfo=UTC)),
        ("moment", "2024-01-02T03:04:05+01:00", dt.datetime(2024, 1, 2, 2, 4, 5, tzinfo=UTC)),
        ("moment", dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, tzinfo=UTC)),
        ("amount", D("1.005"), D("1.01")),
        ("amount", D("-1.005"), D("-1.01")),
        ("amount", D("2.5"), D("2.50")),
        ("amount", D("3"), D("3.00")),
        ("amount", 4, D("4.00")),
        ("amount", 0.1, D("0.10")),
        ("amount", " 7.125 ", D("7.13")),
        ("count", True, 1),
        ("count", 2.0, 2),
        ("count", " 12 ", 12),
        ("ratio", 3, 3.0),
        ("flag", "yes", True),
        ("flag", 0, False),
        ("name", "  padded  ", "padded"),
        ("name", type("Text", (str,), {})(" sub "), "sub"),
        ("raw", "  kept  ", "  kept  "),
        ("lower", "MiXeD", "mixed"),
        ("day", dt.datetime(2024, 1, 2, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-2))), dt.date(2024, 1, 3)),
        ("numbers", ("1", 2), [1, 2]),
    ],
)
def test_construction_converts_as_to_python_does(name: str, raw: Any, expected: Any) -> None:
    value = getattr(Fast(**{name: raw}), name)
    assert value == expected and type(value) is type(expected)
    assert str(value) == str(expected)  # the same Decimal exponent, the same UTC offset
    assert value == Fast._meta.get_field(name).to_python(raw)


def test_values_of_the_kept_type_are_stored_as_given() -> None:
    moment = dt.datetime(2024, 1, 2, tzinfo=UTC)
    obj = Fast(name="n", count=10**20, ratio=0.5, moment=moment, raw="  x  ")
    assert obj.moment is moment and obj.count == 10**20 and obj.raw == "  x  "


def test_a_naive_datetime_keeps_its_fold() -> None:
    naive = dt.datetime(2024, 10, 27, 2, 30, fold=1)
    moment = Fast(name="n", moment=naive).moment
    assert moment == naive.replace(tzinfo=UTC) and moment.fold == 1 and moment.tzinfo is UTC


def test_a_datetime_subclass_keeps_its_class() -> None:
    class Stamp(dt.datetime):
        pass

    moment = Fast(name="n", moment=Stamp(2024, 1, 2)).moment
    assert type(moment) is Stamp and moment.tzinfo is UTC


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("count", "4x", "'4x' is not a valid integer (for Fast.count)"),
        ("count", 1.5, "1.5 is not a valid integer (for Fast.count)"),
        ("amount", D("NaN"), "Decimal('NaN') is not a valid decimal number (for Fast.amount)"),
        ("amount", D("-Infinity"), "Decimal('-Infinity') is not a valid decimal number (for Fast.amount)"),
        ("amount", D("1e40"), "Decimal('1E+40') is not a valid decimal number (for Fast.amount)"),
        ("amount", "1e", "'1e' is not a valid decimal number (for Fast.amount)"),
        ("amount", True, "True is not a valid decimal number (for Fast.amount)"),
        ("moment", "yesterday", "'yesterday' is not a valid datetime (ISO 8601) (for Fast.moment)"),
        ("moment", 5, "5 is not a valid datetime (for Fast.moment)"),
        ("flag", 2, "2 is not a valid boolean (for Fast.flag)"),
        ("name", b"x", "b'x' is not a valid string (for Fast.name)"),
    ],
)
def test_wrong_values_are_refused_with_the_same_error(name: str, raw: Any, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        Fast(name="n", **{name: raw}) if name != "name" else Fast(name=raw)
    assert info.value.errors == {name: [message]}
    with pytest.raises(ValidationError) as again:
        Fast._meta.get_field(name).to_python(raw)
    assert again.value.errors == info.value.errors


def test_defaults_are_converted_shared_only_when_immutable_and_called_each_time() -> None:
    calls = itertools.count(1)

    class Defaults(Model):
        made = f.IntField(default=lambda: next(calls))
        price = f.DecimalField(default="2.5")
        items = f.ArrayField(f.IntField(), default=())
        doc = f.JSONField(default={"a": []})
        bad = f.IntField(default="not a number")

        class Meta:
            table_name = unique_name("defaults")

    a, b = Defaults(bad=1), Defaults(bad=2)
    assert (a.made, b.made) == (1, 2)
    assert Defaults(made=9, bad=3).made == 9 and next(calls) == 3  # not called when the value is given
    assert a.price == D("2.50") and str(a.price) == "2.50"
    assert a.items == [] and a.items is not b.items
    a.doc["a"].append(1)
    assert b.doc == {"a": []}
    with pytest.raises(ValidationError, match="'not a number' is not a valid integer"):
        Defaults()


def test_none_on_nullable_fields_and_defaults_without_values() -> None:
    obj = Fast(name="n", ratio=None, moment=None, amount=None)
    assert (obj.ratio, obj.moment, obj.amount, obj.doc, obj.count, obj.raw) == (None, None, None, None, 7, "")
    assert obj.amount is None and obj.numbers == [] and obj.id is None


def test_field_names_that_shadow_builtins_and_generated_names() -> None:
    class Shadow(Model):
        type = f.CharField(max_length=10)
        self = f.IntField(default=1)
        d = f.IntField(default=2)
        kw = f.IntField(null=True)
        extra = f.BooleanField(default=False)

        class Meta:
            table_name = unique_name("shadow")

    for _ in range(2):  # the first call makes the plan, the second uses what it made
        obj = Shadow(type=" t ", self="5", d=3, kw=None, extra="yes")
        assert (obj.type, obj.self, obj.d, obj.kw, obj.extra) == ("t", 5, 3, None, True)
        assert (Shadow(type="u").self, Shadow(type="u").d) == (1, 2)


def test_other_keywords_are_handled_as_before() -> None:
    class Author(Model):
        name = f.CharField(max_length=20)

        class Meta:
            table_name = unique_name("fp_authors")

    class Book(Model):
        title = f.CharField(max_length=20)
        author = f.ForeignKey(Author, on_delete="CASCADE", null=True)

        @property
        def label(self) -> str:
            return self.title

        @label.setter
        def label(self, value: str) -> None:
            self.title = value.upper()

        class Meta:
            table_name = unique_name("fp_books")

    writer = Author(name="w", pk=3)
    for _ in range(2):
        book = Book(title="t", author=writer)
        assert book.author_id == 3 and book.author is writer
        assert Book(pk="4", title="t").id == 4
        assert Book(author_id="3", title="t").author_id == 3
        assert Book(label="loud").title == "LOUD"
        with pytest.raises(TypeError, match=r"Book\(\) got unexpected keyword argument 'nope'; fields are: id"):
            Book(title="t", nope=1)
        with pytest.raises(TypeError, match=r"Book\(\) got both pk and id; give one"):
            Book(pk=1, id=2)
        with pytest.raises(TypeError, match=r"Book\(\) got both author and author_id; give one"):
            Book(author=writer, author_id=3)
        with pytest.raises(TypeError, match=r"Model\.__init__\(\) takes 1 positional argument but 2 were given"):
            Book("t")  # type: ignore[call-arg]
    assert str(inspect.signature(Book)) == str(inspect.signature(Model))


def test_a_subclass_of_a_concrete_model_fills_its_own_fields() -> None:
    class Parent(Model):
        a = f.IntField()

        class Meta:
            table_name = unique_name("fp_parent")

    class Child(Parent):
        b = f.IntField(default=5)

        class Meta:
            table_name = unique_name("fp_child")

    assert Parent(a="1").a == 1
    for _ in range(2):
        child = Child(a="2", b="3")
        assert (child.a, child.b) == (2, 3) and Child(a=1).b == 5
        assert set(Parent(a=1).__dict__) == {"_state", "id", "a"}


def test_an_own_init_is_kept() -> None:
    class Custom(Model):
        x = f.IntField()

        def __init__(self, **kwargs: Any) -> None:
            kwargs.setdefault("x", 41)
            super().__init__(**kwargs)
            self.x += 1

        class Meta:
            table_name = unique_name("fp_custom")

    assert [Custom().x, Custom().x, Custom(x="1").x] == [42, 42, 2]

    class Later(Custom):
        y = f.IntField(default=0)

        class Meta:
            table_name = unique_name("fp_later")

    assert [(o.x, o.y) for o in (Later(y=1), Later(y=2))] == [(42, 1), (42, 2)]


def test_a_relation_to_a_model_defined_later() -> None:
    class Early(Model):
        target = f.ForeignKey("LaterTarget", on_delete="CASCADE", null=True)

        class Meta:
            table_name = unique_name("fp_early")

    assert Early().target_id is None  # the plan is made before the target exists

    class LaterTarget(Model):
        class Meta:
            table_name = unique_name("fp_later_target")

    assert Early(target_id="7").target_id == 7
    assert Early(target_id=8).target_id == 8
    assert Early(target=LaterTarget(pk=9)).target_id == 9


def test_a_custom_conversion_is_not_skipped() -> None:
    assert Fast(name="n", lower="ABC").lower == "abc"
    assert LowerText.unchanged_type is None and not LowerText.binds_python_value
    assert not Tenfold.binds_python_value and Tenfold.unchanged_type is int  # its to_python is IntField's
    assert f.TextField.unchanged_type is str and f.IntField.binds_python_value


def test_the_converted_mark_survives_copies_and_old_pickles() -> None:
    obj = Fast(name="n")
    assert obj._state.converted
    assert copy.copy(obj)._state.converted and pickle.loads(pickle.dumps(obj))._state.converted
    assert not Fast._from_db([None] * len(Fast._meta.concrete_fields))._state.converted
    old = ModelState.__new__(ModelState)
    old.__setstate__((None, {"adding": False, "db": "default"}))  # pickled before `converted` existed
    assert (old.adding, old.db, old.converted) == (False, "default", False)
    assert repr(ModelState(True, None, True)) == "ModelState(adding=True, db=None)"


# ------------------------------------------------------------------------------------------------ writes


async def test_bulk_create_stores_the_converted_values_and_sets_keys(fast: str) -> None:
    objs = [
        Fast(
            name=f" n{i} ",
            count=i,
            ratio=i / 4,
            flag=i % 2 == 0,
            moment=dt.datetime(2024, 1, 1, 12, 0, i),
            amount=D(i) / 8,
            day=dt.date(2024, 1, 1 + i),
        )
        for i in range(5)
    ] + [Fast(name="explicit", pk=1000), Fast(name="nulls", ratio=None, moment=None, amount=None)]
    await bulk_create(Fast, objs, batch_size=3)
    assert [o.pk is not None for o in objs] == [True] * 7 and objs[5].pk == 1000
    assert len({o.pk for o in objs}) == 7
    rows = dict(
        (row[0], row[1:])
        for row in await Fast.objects.values_list("id", "name", "count", "ratio", "flag", "moment", "amount", "day")
    )
    for i in range(5):
        assert rows[objs[i].pk] == (
            f"n{i}",
            i,
            i / 4,
            i % 2 == 0,
            dt.datetime(2024, 1, 1, 12, 0, i, tzinfo=UTC),
            (D(i) / 8).quantize(D("0.01"), rounding=decimal.ROUND_HALF_UP),
            dt.date(2024, 1, 1 + i),
        )
    assert rows[1000][0] == "explicit"
    assert rows[objs[6].pk][1:6] == (7, None, False, None, None)


async def test_bulk_create_still_converts_what_to_db_changes(fast: str) -> None:
    obj = Fast(name="n", doc=["a"], numbers=[1], span=dt.timedelta(seconds=90), tenfold=4)
    obj.doc.append({"b": 2})  # changed in place after construction
    obj.numbers.append("3")
    await bulk_create(Fast, [obj])
    stored = await Fast.objects.values_list("doc", "numbers", "span", "tenfold").get(pk=obj.pk)
    assert stored == (["a", {"b": 2}], [1, 3], dt.timedelta(seconds=90), 40)


async def test_assignments_after_construction_are_converted(fast: str) -> None:
    obj = Fast(name="n")
    obj.moment = dt.datetime(2024, 5, 6, 7, 8, tzinfo=PLUS_TWO)
    obj.amount = "9.999"
    obj.name = "  spaced  "
    await bulk_create(Fast, [obj])
    stored = await Fast.objects.values_list("moment", "amount", "name").get(pk=obj.pk)
    assert stored == (dt.datetime(2024, 5, 6, 5, 8, tzinfo=UTC), D("10.00"), "spaced")


async def test_loaded_and_refreshed_instances_are_converted_before_binding(fast: str) -> None:
    original = Fast(name="orig")
    await original.save()
    table, where = quote(Fast._meta.table_name), f"WHERE id = {original.pk}"
    await ryx_core.execute(f"UPDATE {table} SET name = '  padded  ' {where}")  # around every conversion
    loaded = await Fast.objects.get(pk=original.pk)
    assert loaded.name == "  padded  " and not loaded._state.converted
    await original.refresh_from_db()
    assert original.name == "  padded  " and not original._state.converted
    loaded.pk = None
    original.pk = None
    await bulk_create(Fast, [loaded])
    await original.save()
    names = await Fast.objects.filter(pk__in=[loaded.pk, original.pk]).order_by("id").values_list("name", flat=True)
    assert list(names) == ["padded", "padded"]


async def test_save_binds_converted_values_as_they_are(fast: str) -> None:
    obj = Fast(name=" s ", moment=dt.datetime(2024, 1, 2, 3, 4), amount=D("1.234"), tenfold=2, doc={"k": [1]})
    await obj.save()
    stored = await Fast.objects.values_list("name", "moment", "amount", "tenfold", "doc").get(pk=obj.pk)
    assert stored == ("s", dt.datetime(2024, 1, 2, 3, 4, tzinfo=UTC), D("1.23"), 20, {"k": [1]})
