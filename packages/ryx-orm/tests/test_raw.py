"""Raw SQL: bound ``?`` parameters on every backend, transaction-aware, typed errors for bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import ryx
from ryx import executor_helpers, pool_ext
from ryx.exceptions import DatabaseError, IntegrityError, ProgrammingError
from ryx.executor_helpers import raw_execute, raw_fetch, raw_fetch_one, raw_fetch_scalar
from support import create_raw_table, drop_raw_tables, quote, unique_name


@pytest.fixture
async def table(db: str) -> AsyncIterator[str]:
    name = await create_raw_table(unique_name("raw"), {"name": "VARCHAR(100)", "n": "INTEGER"})
    await raw_execute(f"CREATE UNIQUE INDEX {quote('ux_' + name)} ON {quote(name)} ({quote('name')})")
    yield name
    await drop_raw_tables([name])


async def test_parameters_are_bound(table: str) -> None:
    t = quote(table)
    assert await raw_execute(f"INSERT INTO {t} (name, n) VALUES (?, ?), (?, ?)", ["a", 1, "b", 2]) == 2
    hostile = "x'); DROP TABLE " + table + "; --"
    assert await raw_execute(f"INSERT INTO {t} (name, n) VALUES (?, ?)", (hostile, 3)) == 1
    rows = await raw_fetch(f"SELECT name, n FROM {t} WHERE n >= ? ORDER BY n", [1])
    assert rows == [{"name": "a", "n": 1}, {"name": "b", "n": 2}, {"name": hostile, "n": 3}]
    assert await raw_fetch(f"SELECT name FROM {t} WHERE name = ?", [hostile]) == [{"name": hostile}]
    assert await raw_fetch(f"SELECT n FROM {t} WHERE n > ? ORDER BY n", [1], as_tuples=True) == [(2,), (3,)]
    assert await raw_fetch_one(f"SELECT n FROM {t} WHERE name = ?", ["b"]) == {"n": 2}
    assert await raw_fetch_one(f"SELECT n FROM {t} WHERE name = ?", ["zzz"]) is None
    assert await raw_fetch_scalar(f"SELECT COUNT(*) FROM {t}") == 3
    assert await raw_execute(f"UPDATE {t} SET n = n + ? WHERE n < ?", [10, 3]) == 2
    assert await raw_execute(f"DELETE FROM {t} WHERE n > ?", [100]) == 0


async def test_top_level_and_pool_ext_names(table: str) -> None:
    t = quote(table)
    assert ryx.raw_fetch is executor_helpers.raw_fetch and ryx.raw_execute is executor_helpers.raw_execute
    assert await pool_ext.execute_with_params(f"INSERT INTO {t} (name, n) VALUES (?, ?)", ["p", 5]) == 1
    assert await pool_ext.fetch_with_params(f"SELECT n FROM {t} WHERE name = ?", ["p"]) == [{"n": 5}]
    with pytest.raises(TypeError, match="str"):
        await pool_ext.fetch_with_params(f"SELECT n FROM {t}", "p")  # type: ignore[arg-type]


async def test_original_signature_with_alias_in_second_position(table: str) -> None:
    await raw_execute(f"INSERT INTO {quote(table)} (name) VALUES ('x')", "default")
    assert await raw_fetch(f"SELECT name FROM {quote(table)}", "default") == [{"name": "x"}]


async def test_raw_sql_joins_the_callers_transaction(table: str) -> None:
    t = quote(table)
    with pytest.raises(RuntimeError):
        async with ryx.transaction():
            await raw_execute(f"INSERT INTO {t} (name) VALUES (?)", ["in tx"])
            assert await raw_fetch_scalar(f"SELECT COUNT(*) FROM {t}") == 1  # sees its own write
            outside = await ryx.ryx_core.fetch_scalar(f"SELECT COUNT(*) FROM {t}")
            assert outside == 0
            raise RuntimeError
    assert await raw_fetch_scalar(f"SELECT COUNT(*) FROM {t}") == 0


@pytest.mark.parametrize(
    ("sql", "params", "error", "match"),
    [
        ("SELECT 1", {"a": 1}, TypeError, "named parameters"),
        ("SELECT 1", 5, TypeError, "list or tuple"),
        ("SELECT 1", b"ab", TypeError, "list or tuple"),
        ("", None, TypeError, "non-empty str"),
        (None, None, TypeError, "non-empty str"),
    ],
)
async def test_bad_arguments_raise_type_errors(table: str, sql: Any, params: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        await raw_execute(sql, params)
    with pytest.raises(error, match=match):
        await raw_fetch(sql, params)


async def test_bad_alias_argument(table: str) -> None:
    with pytest.raises(TypeError, match="params must be a list"):
        await raw_fetch("SELECT 1", "default", "default")
    with pytest.raises(ryx.PoolNotInitialized, match="unknown"):
        await raw_fetch("SELECT 1", alias="unknown")


async def test_database_errors_are_typed_and_change_nothing(table: str) -> None:
    t = quote(table)
    await raw_execute(f"INSERT INTO {t} (name) VALUES (?)", ["dup"])
    with pytest.raises(IntegrityError) as info:
        await raw_execute(f"INSERT INTO {t} (name) VALUES (?), (?)", ["new", "dup"])
    assert isinstance(info.value, DatabaseError)
    with pytest.raises(ProgrammingError):
        await raw_fetch(f"SELECT no_such_column FROM {t}")
    with pytest.raises(ProgrammingError):
        await raw_fetch("SELEC nonsense")
    assert await raw_fetch(f"SELECT name FROM {t}") == [{"name": "dup"}]
