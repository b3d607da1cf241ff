"""Bad input: every mistake raises its typed error whose message names the problem and the way out, and
changes nothing (same rows, pools still configured and serving)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import ryx_core
from _support import ddl
from _support.fixtures import Backend, Tables, assert_settled
from _support.oracle import Oracle
from ryx_core import Cond, Expr, Query


@dataclass(frozen=True)
class Env:
    table: str
    db: Backend


@dataclass(frozen=True)
class Bad:
    name: str
    action: Callable[[Env], Awaitable[Any] | Any]
    error: type[BaseException] | tuple[type[BaseException], ...]
    needles: tuple[str, ...]  # each must appear in the message (case-insensitive)


CASES = [
    Bad(
        "unknown lookup",
        lambda e: Query(e.table).filter(Cond.lookup("n", "nope", 1)).delete(),
        ryx_core.FieldError,
        ("nope", "exact", "icontains"),
    ),
    Bad(
        "unknown transform",
        lambda e: Query(e.table).filter(Cond.lookup(Expr.col("created").transform("fortnight"), "exact", 1)).delete(),
        ryx_core.FieldError,
        ("fortnight", "year"),
    ),
    Bad(
        "range with 3 values",
        lambda e: Query(e.table).filter(n__range=(1, 2, 3)).update({"n": 0}),
        ryx_core.QueryError,
        ("range", "2"),
    ),
    Bad(
        "isnull with a string",
        lambda e: Query(e.table).filter(n__isnull="x").delete(),
        ryx_core.QueryError,
        ("isnull", "bool"),
    ),
    Bad("in with a scalar", lambda e: Query(e.table).filter(n__in=5).delete(), ryx_core.QueryError, ("in", "list")),
    Bad("set as a value", lambda e: ryx_core.insert(e.table, {"n": {1, 2}}), ryx_core.UnsupportedTypeError, ("set",)),
    Bad(
        "object in a filter",
        lambda e: Query(e.table).filter(n=object()).delete(),
        ryx_core.UnsupportedTypeError,
        ("object",),
    ),
    Bad(
        "int beyond 64 bits",
        lambda e: Query(e.table).update({"n": 2**70}),
        (ryx_core.QueryError, ryx_core.UnsupportedTypeError),
        ("64", "decimal"),
    ),
    Bad("empty update", lambda e: Query(e.table).update({}), ryx_core.QueryError, ("update",)),
    Bad("negative limit", lambda e: Query(e.table).limit(-1).delete(pk="id"), ryx_core.QueryError, ("limit",)),
    Bad(
        "negative offset",
        lambda e: Query(e.table).order_by("id").offset(-5).fetch_all(),
        ryx_core.QueryError,
        ("offset",),
    ),
    Bad(
        "row shorter than the columns",
        lambda e: ryx_core.bulk_insert(e.table, ["name", "n"], [["ok", 1], ["short"]]),
        ryx_core.QueryError,
        ("column",),
    ),
    Bad(
        "bulk insert batch_size of zero",
        lambda e: ryx_core.bulk_insert(e.table, ["name", "n"], [["c", 3], ["d", 4]], batch_size=0),
        ryx_core.QueryError,
        ("batch_size", "at least 1"),
    ),
    Bad(
        "bulk insert negative batch_size",
        lambda e: ryx_core.bulk_insert_sync(e.table, ["name", "n"], [["c", 3]], returning="id", batch_size=-5),
        ryx_core.QueryError,
        ("batch_size", "at least 1"),
    ),
    Bad(
        "bulk update values of the wrong length",
        lambda e: ryx_core.bulk_update(e.table, "id", ["n"], [(1, [1, 2])]),
        ryx_core.QueryError,
        ("column",),
    ),
    Bad(
        "unknown decode hint",
        lambda e: ryx_core.fetch_all(f"SELECT n FROM {e.db.q(e.table)}", hints={"n": "bogus"}),
        ryx_core.RyxError,
        ("bogus", "int"),
    ),  # type: ignore[dict-item]
    Bad("unknown dialect", lambda e: Query(e.table).sql("oracle"), ryx_core.RyxError, ("oracle", "postgres")),  # type: ignore[arg-type]
    # An empty insert is DEFAULT VALUES: here the NOT NULL column without a default refuses it.
    Bad("empty insert", lambda e: ryx_core.insert(e.table, {}), ryx_core.NotNullViolation, ("name",)),
    Bad(
        "lookup name with __",
        lambda e: ryx_core.register_lookup("bad__name", "{col} = ?"),
        ryx_core.RyxError,
        ("bad__name",),
    ),
    Bad(
        "unknown alias", lambda e: Query(e.table).count(alias="nope"), ryx_core.PoolNotInitialized, ("nope", "default")
    ),
    Bad(
        "closed alias",
        lambda e: ryx_core.fetch_all("SELECT 1", alias="closed"),
        ryx_core.PoolNotInitialized,
        ("closed", "setup"),
    ),
    Bad("malformed URL", lambda e: ryx_core.setup("postgres//missing-colon"), ryx_core.ConfigurationError, ("url",)),
    Bad(
        "unknown scheme",
        lambda e: ryx_core.setup("oracle://scott@localhost/db"),
        ryx_core.ConfigurationError,
        ("oracle", "postgres"),
    ),
    Bad(
        "bad savepoint name",
        lambda e: _with_tx(lambda tx: tx.savepoint("a; DROP TABLE x")),
        (ryx_core.QueryError, ryx_core.TransactionError),
        ("savepoint",),
    ),
]


async def _with_tx(use: Callable[[ryx_core.Transaction], Awaitable[Any]]) -> None:
    tx = await ryx_core.begin()
    try:
        await use(tx)
    finally:
        await tx.rollback()


@pytest.fixture
async def env(db: Backend, tables: Tables) -> Env:
    t = await tables.create(
        [ddl.Col("name", "varchar", null=False), ddl.Col("n", "int"), ddl.Col("created", "datetime")]
    )
    await tables.oracle.insert_rows(
        t, ["name", "n", "created"], [["a", 1, datetime(2024, 1, 1)], ["b", 2, datetime(2024, 2, 2)]]
    )
    await ryx_core.setup({"default": db.url, "closed": db.url})
    await ryx_core.close("closed")
    return Env(t, db)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_bad_input_raises_a_typed_error_that_says_what_to_do_and_changes_nothing(
    env: Env, oracle: Oracle, case: Bad
) -> None:
    before = await oracle.fetch(f"SELECT * FROM {oracle.q(env.table)} ORDER BY id")
    with pytest.raises(case.error) as info:
        result = case.action(env)
        if hasattr(result, "__await__"):
            await result
    assert isinstance(info.value, ryx_core.RyxError), f"{type(info.value).__name__} is not a RyxError"
    message = str(info.value).lower()
    for needle in case.needles:
        assert needle.lower() in message, f"{case.name}: {needle!r} missing from {info.value}"
    assert await oracle.fetch(f"SELECT * FROM {oracle.q(env.table)} ORDER BY id") == before
    assert ryx_core.list_aliases() == ["default"]
    await assert_settled(oracle)


async def test_wrong_argument_types_are_type_errors(env: Env) -> None:
    with pytest.raises(TypeError):
        Query(env.table).limit("ten")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Query(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Cond.lookup("n", "exact", 1) & "n = 1"  # type: ignore[operator]
    with pytest.raises(TypeError):
        await ryx_core.fetch_all(123)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        await ryx_core.bulk_insert(env.table, ["name"], [["x"]], batch_size="2")  # type: ignore[arg-type]
