"""Every type of the core-contract value table round-trips exactly: bound as a parameter, stored the way
the contract says (checked with the raw driver), and decoded back, with and without decode hints.

Backend differences asserted here (not skipped):
* SQLite has no native date/time/uuid/json/decimal type: values come back typed only through a hint.
  Its NUMERIC affinity turns a decimal into a REAL, so only decimals of <= 15 significant digits are exact;
  longer ones come back rounded to the nearest double.
* SQLite loses the sign of -0.0 and stores NaN as NULL; MariaDB loses the sign of -0.0 and rejects or
  exactly keeps infinities; PostgreSQL keeps all of them.
* MariaDB stores a timedelta in TIME, whose range is +-838:59:59.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
import ryx_core
from _support import ddl
from _support.fixtures import Backend, Tables
from _support.oracle import Oracle, adapt
from ryx_core import Query

I64_MIN, I64_MAX = -(2**63), 2**63 - 1
IST = timezone(timedelta(hours=5, minutes=30))
PST = timezone(timedelta(hours=-8))


def same(a: Any, b: Any) -> bool:
    """Equal and of the same type, recursively (True is not 1, 1.0 is not 1, -0.0 is not 0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, datetime):  # aware values compare as instants; the offset is checked by the caller
        return a == b and (a.tzinfo is None) == (b.tzinfo is None)
    return bool(a == b)


def sig_digits(d: Decimal) -> int:
    return len(d.as_tuple().digits)


@dataclass
class Case:
    kind: str
    hint: str
    values: list[Any]
    auto: frozenset[str]  # backends that decode the column type without a hint
    where_eq: bool = True  # "col = ?" with the value finds its row
    per_backend: dict[str, list[Any]] = field(default_factory=dict)

    def values_for(self, backend: str) -> list[Any]:
        return self.values + self.per_backend.get(backend, [])


ALL = frozenset({"sqlite", "postgres", "mysql"})
CASES = [
    Case("bool", "bool", [True, False], frozenset({"postgres"})),
    Case("int", "int", [0, 1, -1, 2**31 - 1, -(2**31)], ALL),
    Case("bigint", "int", [I64_MIN, I64_MAX, 0, 2**53 + 1], ALL),
    Case("float", "float", [0.0, 1.5, -2.25, 0.1, 1 / 3, math.pi, 1e300, -1e-300], ALL),
    Case(
        "decimal",
        "decimal",
        [
            Decimal("12345678901234567890.0123456789"),
            Decimal("-99999999999999999999.9999999999"),
            Decimal("0"),
            Decimal("1.5"),
            Decimal("-0.0000000001"),
            Decimal("3.1415926535"),
        ],
        frozenset({"postgres", "mysql"}),
    ),
    Case(
        "text",
        "str",
        ["", "plain", "héllo wörld ✓ 日本語 🎉👨‍👩‍👧", "tab\tnew\nline\r\x01\x1f\x7f", "x" * 70_000, "'\"`\\%_;--"],
        ALL,
    ),
    Case("varchar", "str", ["short", "ünï 🎉", "a" * 255], ALL),
    Case("bytes", "bytes", [b"", bytes(range(256)), b"\x00", b"\x00\x00\xff"], ALL),
    Case(
        "date",
        "date",
        [date(1, 1, 1), date(9999, 12, 31), date(2024, 2, 29), date(1970, 1, 1)],
        frozenset({"postgres", "mysql"}),
    ),
    Case(
        "time",
        "time",
        [time(0, 0), time(23, 59, 59, 999999), time(12, 30, 1, 5), time(0, 0, 0, 1)],
        frozenset({"postgres"}),
    ),
    Case(
        "datetime",
        "datetime",
        [
            datetime(1, 1, 1),
            datetime(9999, 12, 31, 23, 59, 59, 999999),
            datetime(2024, 2, 29, 12, 0, 0, 123456),
            datetime(1970, 1, 1),
        ],
        frozenset({"postgres", "mysql"}),
    ),
    Case(
        "datetime_tz",
        "datetime_utc",
        [
            datetime(2024, 1, 1, 10, 0, 0, 123456, tzinfo=IST),
            datetime(2000, 2, 29, 23, 59, 59, tzinfo=PST),
            datetime(2024, 6, 1, tzinfo=UTC),
            datetime(9999, 12, 31, 12, 0, tzinfo=UTC),
        ],
        frozenset({"postgres"}),
    ),
    Case("uuid", "uuid", [uuid4(), UUID(int=0), UUID(int=2**128 - 1)], frozenset({"postgres"})),
    Case(
        "json",
        "json",
        [
            {"a": [1, 2.5, {"b": "ünï 🎉"}], "n": None, "t": True, "f": False},
            [1, "two", None, {"3": []}],
            {},
            [],
            {"nested": {"deep": {"er": [{"x": "y"}]}}},
            {"big": 2**53, "neg": -1.5e-10, "quote": 'it\'s "q" \\ /'},
        ],
        frozenset({"postgres"}),
        where_eq=False,
    ),
    Case(
        "duration",
        "timedelta",
        [
            timedelta(0),
            timedelta(microseconds=1),
            timedelta(days=-1, seconds=5),
            timedelta(hours=-5, microseconds=-7),
            timedelta(hours=838, minutes=59, seconds=59),
        ],
        frozenset({"postgres"}),
        per_backend={
            "postgres": [timedelta(days=10_000, microseconds=123), timedelta(days=-10_000)],
            "sqlite": [timedelta(days=10_000, microseconds=123), timedelta(days=-10_000)],
        },
    ),
]


def exact_on(backend: str, case: Case, value: Any) -> bool:
    """Whether the backend promises this value back unchanged (see the module docstring)."""
    return not (backend == "sqlite" and case.kind == "decimal" and sig_digits(value) > 15)


def check_back(backend: str, case: Case, sent: Any, back: Any) -> None:
    if exact_on(backend, case, sent):
        assert same(back, sent), f"{case.kind}: sent {sent!r}, got {back!r}"
    else:  # SQLite NUMERIC affinity: rounded to the nearest double, still a Decimal
        assert isinstance(back, Decimal) and float(back) == float(sent), f"sent {sent!r}, got {back!r}"
    if case.kind == "datetime_tz":
        assert back.tzinfo is not None and back.utcoffset() == timedelta(0), "aware values come back in UTC"


def check_stored(backend: str, case: Case, sent: Any, raw: Any, raw_type: str | None) -> None:
    """What the raw driver sees in the column: the storage of core-contract.md."""
    if case.kind == "json":
        assert json.loads(raw) == sent if isinstance(raw, str | bytes) else raw == sent
        return
    if backend == "sqlite":
        if case.kind in ("decimal", "float"):
            assert raw_type in ("integer", "real") and float(raw) == float(sent)
            return
        expected = adapt("sqlite", sent)
        assert raw == expected, f"{case.kind}: stored {raw!r}, contract says {expected!r}"
        assert raw_type == {int: "integer", str: "text", bytes: "blob", float: "real"}[type(expected)]
        return
    if backend == "postgres":
        if case.kind == "datetime_tz":
            assert raw == sent and raw.utcoffset() == timedelta(0)
        else:
            assert raw == sent
        return
    # MariaDB through asyncmy: TIME columns read as timedelta, aware datetimes stored as UTC
    if case.kind == "time":
        assert raw == timedelta(
            hours=sent.hour, minutes=sent.minute, seconds=sent.second, microseconds=sent.microsecond
        )
    elif case.kind == "datetime_tz":
        assert raw == sent.astimezone(UTC).replace(tzinfo=None)
    elif case.kind == "uuid":
        assert raw == str(sent)
    elif case.kind == "bool":
        assert raw == int(sent)
    else:
        assert raw == sent


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
async def test_type_round_trips_through_insert_and_select(
    db: Backend, tables: Tables, oracle: Oracle, case: Case
) -> None:
    t = await tables.create([ddl.Col("v", case.kind)])
    q = db.q
    values = case.values_for(db.name)
    ids = []
    for value in values:
        row = await ryx_core.insert(t, {"v": value}, returning=["id"])
        assert row is not None
        ids.append(row["id"])
    null_row = await ryx_core.insert(t, {"v": None}, returning=["id"])
    assert null_row is not None
    null_id = null_row["id"]
    assert all(type(i) is int for i in [*ids, null_id])

    select = f"SELECT id, v FROM {q(t)} ORDER BY id"
    by_name = {r["id"]: r["v"] for r in await ryx_core.fetch_all(select, hints={"v": case.hint})}
    by_position = {r[0]: r[1] for r in await ryx_core.fetch_all(select, as_tuples=True, hints=[None, case.hint])}
    by_query = {r["id"]: r["v"] for r in await Query(t).fetch_all(hints={"v": case.hint})}
    for got in (by_name, by_position, by_query):
        for i, value in zip(ids, values, strict=True):
            check_back(db.name, case, value, got[i])
        assert got[null_id] is None
    first = await ryx_core.fetch_scalar(f"SELECT v FROM {q(t)} WHERE id = ?", [ids[0]], hint=case.hint)
    check_back(db.name, case, values[0], first)
    one = await ryx_core.fetch_one(f"SELECT v FROM {q(t)} WHERE id = ?", [ids[-1]], hints={"v": case.hint})
    assert one is not None
    check_back(db.name, case, values[-1], one["v"])

    if db.name in case.auto:  # the column type alone is enough
        auto = {r["id"]: r["v"] for r in await ryx_core.fetch_all(select)}
        for i, value in zip(ids, values, strict=True):
            check_back(db.name, case, value, auto[i])
        assert auto[null_id] is None
        auto_hint = {r["id"]: r["v"] for r in await ryx_core.fetch_all(select, hints={"v": "auto"})}
        assert auto_hint == auto

    raw_type_sql = ", typeof(v)" if db.name == "sqlite" else ""
    for i, value in zip(ids, values, strict=True):
        stored = (await oracle.fetch(f"SELECT v{raw_type_sql} FROM {q(t)} WHERE id = ?", [i]))[0]
        check_stored(db.name, case, value, stored[0], stored[1] if db.name == "sqlite" else None)
    assert await oracle.count(t, f"{q('v')} IS NULL") == 1


@pytest.mark.parametrize("case", [c for c in CASES if c.where_eq], ids=[c.kind for c in CASES if c.where_eq])
async def test_typed_params_compare_equal_to_stored_values(db: Backend, tables: Tables, case: Case) -> None:
    t = await tables.create([ddl.Col("v", case.kind)])
    values = [v for v in case.values_for(db.name) if exact_on(db.name, case, v)]
    ids = await ryx_core.bulk_insert(t, ["v"], [[v] for v in values], returning="id")
    assert isinstance(ids, list) and len(ids) == len(values)
    await ryx_core.insert(t, {"v": None})
    for i, value in zip(ids, values, strict=True):
        raw = await ryx_core.fetch_all(f"SELECT id FROM {db.q(t)} WHERE v = ?", [value], as_tuples=True)
        assert [r[0] for r in raw] == [i], f"{case.kind} {value!r}"
        assert [r["id"] for r in await Query(t).filter(v=value).select("id").fetch_all()] == [i]
    some = values[:2]
    got = {r["id"] for r in await Query(t).filter(v__in=some).select("id").fetch_all()}
    assert got == set(ids[:2])
    assert await Query(t).filter(v__isnull=True).count() == 1


async def test_special_floats_per_backend(db: Backend, tables: Tables) -> None:
    t = await tables.create([ddl.Col("v", "float")])

    async def round_trip(value: float) -> Any:
        row = await ryx_core.insert(t, {"v": value}, returning=["id"])
        assert row is not None
        return await ryx_core.fetch_scalar(f"SELECT v FROM {db.q(t)} WHERE id = ?", [row["id"]], hint="float")

    zero = await round_trip(-0.0)
    assert zero == 0.0 and isinstance(zero, float)
    if db.name == "postgres":
        assert math.copysign(1, zero) == -1
        assert await round_trip(math.inf) == math.inf
        assert await round_trip(-math.inf) == -math.inf
        assert math.isnan(await round_trip(math.nan))
    elif db.name == "sqlite":
        assert await round_trip(math.inf) == math.inf
        assert await round_trip(-math.inf) == -math.inf
        try:
            nan = await round_trip(math.nan)
        except ryx_core.RyxError:
            pass
        else:
            assert nan is None, "SQLite stores NaN as NULL"
    else:
        for special in (math.inf, -math.inf, math.nan):
            try:
                back = await round_trip(special)
            except ryx_core.RyxError:
                continue  # rejected: fine, as long as nothing wrong was stored
            assert same(back, special), f"MariaDB silently changed {special} into {back!r}"


@pytest.mark.backend("mysql", reason="only MariaDB's TIME has a +-838:59:59 range")
async def test_durations_beyond_mariadb_time_range_are_rejected(db: Backend, tables: Tables, oracle: Oracle) -> None:
    t = await tables.create([ddl.Col("v", "duration")])
    for value in (timedelta(hours=839), timedelta(days=-40)):
        with pytest.raises(ryx_core.RyxError):
            await ryx_core.insert(t, {"v": value})
    assert await oracle.count(t) == 0


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**30])
async def test_ints_beyond_64_bits_are_refused_with_advice(
    db: Backend, tables: Tables, oracle: Oracle, value: int
) -> None:
    t = await tables.create([ddl.Col("v", "bigint")])
    with pytest.raises((ryx_core.QueryError, ryx_core.UnsupportedTypeError)) as info:
        await ryx_core.insert(t, {"v": value})
    message = str(info.value)
    assert "64" in message and "Decimal" in message, f"the message should name the limit and the way out: {message}"
    with pytest.raises((ryx_core.QueryError, ryx_core.UnsupportedTypeError)):
        await ryx_core.fetch_all(f"SELECT id FROM {db.q(t)} WHERE v = ?", [value])
    with pytest.raises((ryx_core.QueryError, ryx_core.UnsupportedTypeError)):
        await Query(t).filter(v__in=[1, value]).fetch_all()
    assert await oracle.count(t) == 0


UNSUPPORTED: list[tuple[str, Callable[[], Any]]] = [
    ("set", lambda: {1, 2}),
    ("frozenset", lambda: frozenset({1})),
    ("object", object),
    ("complex", lambda: complex(1, 2)),
    ("dict with an object inside", lambda: {"a": object()}),
]


@pytest.mark.parametrize(("label", "make"), UNSUPPORTED, ids=[u[0] for u in UNSUPPORTED])
async def test_unsupported_python_types_raise_unsupported_type_error(
    db: Backend, tables: Tables, oracle: Oracle, label: str, make: Callable[[], Any]
) -> None:
    t = await tables.create([ddl.Col("v", "text")])
    value = make()
    type_name = type(value).__name__ if label != "dict with an object inside" else "object"
    for attempt in (
        lambda: ryx_core.insert(t, {"v": value}),
        lambda: ryx_core.bulk_insert(t, ["v"], [["ok"], [value]]),
        lambda: ryx_core.fetch_all(f"SELECT * FROM {db.q(t)} WHERE v = ?", [value]),
        lambda: ryx_core.execute(f"UPDATE {db.q(t)} SET v = ?", [value]),
        lambda: Query(t).filter(v=value).fetch_all(),
        lambda: Query(t).update({"v": value}),
    ):
        with pytest.raises(ryx_core.UnsupportedTypeError) as info:
            await attempt()
        assert isinstance(info.value, TypeError)
        assert type_name in str(info.value), f"the message should name the type: {info.value}"
    assert await oracle.count(t) == 0


async def test_bool_is_not_confused_with_int_in_either_direction(db: Backend, tables: Tables) -> None:
    t = await tables.create([ddl.Col("b", "bool"), ddl.Col("i", "int")])
    await ryx_core.insert(t, {"b": True, "i": 1})
    row = await ryx_core.fetch_one(f"SELECT b, i FROM {db.q(t)}", hints={"b": "bool", "i": "int"})
    assert row is not None and same(row["b"], True) and same(row["i"], 1)
    assert await Query(t).filter(b=True).count() == 1
    assert await Query(t).filter(b=False).count() == 0


async def test_hints_accept_auto_and_none_and_leave_other_columns_alone(db: Backend, tables: Tables) -> None:
    t = await tables.create([ddl.Col("d", "datetime_tz"), ddl.Col("s", "varchar")])
    sent = datetime(2024, 5, 6, 7, 8, 9, 10, tzinfo=IST)
    await ryx_core.insert(t, {"d": sent, "s": "x"})
    row = await ryx_core.fetch_one(f"SELECT d, s FROM {db.q(t)}", as_tuples=True, hints=["datetime_utc", None])
    assert row is not None and row[0] == sent and row[0].utcoffset() == timedelta(0) and row[1] == "x"
    row = await ryx_core.fetch_one(f"SELECT d, s FROM {db.q(t)}", hints={"d": "datetime_utc", "s": "auto"})
    assert row is not None and row["d"] == sent and row["s"] == "x"
    # a hint for a column that is not in the result changes nothing
    row = await ryx_core.fetch_one(f"SELECT s FROM {db.q(t)}", hints={"nope": "int"})
    assert row == {"s": "x"}


async def test_datetime_utc_hint_attaches_utc_to_naive_values_and_timedelta_reads_microseconds(db: Backend) -> None:
    if db.name == "postgres":
        naive_sql, micros_sql = "SELECT CAST('2024-01-02 03:04:05' AS TIMESTAMP)", "SELECT CAST(1500001 AS BIGINT)"
    elif db.name == "mysql":
        naive_sql, micros_sql = "SELECT CAST('2024-01-02 03:04:05' AS DATETIME)", "SELECT CAST(1500001 AS SIGNED)"
    else:
        naive_sql, micros_sql = "SELECT '2024-01-02 03:04:05'", "SELECT 1500001"
    got = await ryx_core.fetch_scalar(naive_sql, hint="datetime_utc")
    assert got == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC) and got.utcoffset() == timedelta(0)
    assert await ryx_core.fetch_scalar(micros_sql, hint="timedelta") == timedelta(seconds=1, microseconds=500001)
    assert same(await ryx_core.fetch_scalar("SELECT '{\"a\": [1]}'", hint="json"), {"a": [1]})


class SubDecimal(Decimal):
    pass


class SubDatetime(datetime):
    pass


class SubDate(date):
    pass


async def test_exact_types_and_their_subclasses_are_stored_alike(db: Backend, tables: Tables, oracle: Oracle) -> None:
    """Exact Decimals, datetimes (naive or UTC) and dates take a fast path; subclasses and other time zones
    the general one: both must store the same thing and refuse the same things."""
    t = await tables.create(
        [ddl.Col("k", "int"), ddl.Col("n", "decimal"), ddl.Col("at", "datetime"), ddl.Col("d", "date")]
    )
    moments = [datetime(2024, 2, 29, 23, 59, 59, 1), datetime(1, 1, 1), datetime(9999, 12, 31, 0, 0, 0, 999_999)]
    values = [
        (Decimal(text), moment, moment.date())
        for text, moment in zip(["12.50", "-0.001", "1E+3"], moments, strict=True)
    ]
    fast = [[i, n, at.replace(tzinfo=UTC), d] for i, (n, at, d) in enumerate(values)]
    fast += [[10 + i, n, at, d] for i, (n, at, d) in enumerate(values)]  # naive
    general = [
        [100 + k, SubDecimal(n), SubDatetime.fromisoformat(at.isoformat()), SubDate(d.year, d.month, d.day)]
        for k, n, at, d in fast
    ]
    # datetime.timezone(timedelta(0)) is UTC but not the `timezone.utc` singleton: the general path.
    general[:3] = [[100 + k, n, at.replace(tzinfo=timezone(timedelta(0))), d] for k, n, at, d in fast[:3]]
    assert await ryx_core.bulk_insert(t, ["k", "n", "at", "d"], fast + general) == len(fast) * 2
    stored = {k: rest for k, *rest in await oracle.fetch(f"SELECT k, n, at, d FROM {oracle.q(t)}")}
    for k, *_ in fast:
        assert stored[k] == stored[k + 100], k
    for nan in ("NaN", "-sNaN", "-Infinity", "Infinity"):
        for value in (Decimal(nan), SubDecimal(nan)):
            with pytest.raises(ryx_core.UnsupportedTypeError, match="NaN and Infinity"):
                await ryx_core.bulk_insert(t, ["k", "n"], [[1, Decimal(1)], [2, value]])
    assert await oracle.count(t) == len(fast) * 2


async def test_in_lists_of_small_and_large_ints_on_int_and_bigint_columns(db: Backend, tables: Tables) -> None:
    # PostgreSQL binds a list that fits in 32 bits as int4[] and any other as int8[]: the same query text runs
    # with both (two prepared statements), on INTEGER and BIGINT columns alike.
    t = await tables.create([ddl.Col("small", "int"), ddl.Col("large", "bigint")])
    big = 2**40
    await ryx_core.bulk_insert(t, ["small", "large"], [[1, 1], [2, big], [2**31 - 1, -(2**31)]])
    q = Query(t).select("small")
    for _ in range(2):
        assert await q.filter(small__in=[1, 2]).order_by("small").fetch_all(as_tuples=True) == [(1,), (2,)]
        assert await q.filter(small__in=[1, big]).fetch_all(as_tuples=True) == [(1,)]
        assert await q.filter(small__in=[2**31 - 1, -(2**31)]).fetch_all(as_tuples=True) == [(2**31 - 1,)]
        assert await q.filter(large__in=[1, 2]).fetch_all(as_tuples=True) == [(1,)]
        assert await q.filter(large__in=[big, 7]).fetch_all(as_tuples=True) == [(2,)]
        assert await q.filter(large__in=[-(2**31)]).fetch_all(as_tuples=True) == [(2**31 - 1,)]
