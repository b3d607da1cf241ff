"""Server errors map to the typed hierarchy with the constraint, SQLSTATE and table the server reports.

What each backend reports (asserted, not skipped):
* PostgreSQL names the constraint and table for unique, foreign-key and check violations and gives the
  five-character SQLSTATE (23505, 23503, 23514, 23502; a NOT NULL violation names no constraint).
* MariaDB reports SQLSTATE 23000 for all four; the constraint name comes from the message (unique key,
  foreign key and check names; none for NOT NULL).
* SQLite names only CHECK constraints; for UNIQUE / NOT NULL it names the column(s) (``t.code``) and for
  foreign keys nothing, so ``.constraint`` is that text or None. It has no SQLSTATE.
After every error the data is unchanged and the pool still serves.
"""

from __future__ import annotations

from typing import Any

import pytest
import ryx_core
from _support import ddl
from _support.fixtures import Backend, Tables, assert_settled
from _support.oracle import Oracle
from ryx_core import Cond, Query

SQLSTATE = {
    "postgres": {"unique": "23505", "fk": "23503", "notnull": "23502", "check": "23514"},
    "mysql": {"unique": "23000", "fk": "23000", "notnull": "23000", "check": "23000"},
}


@pytest.fixture
async def schema(db: Backend, tables: Tables) -> dict[str, str]:
    parent = await tables.create([ddl.Col("name", "varchar", null=False)])
    child = await tables.create(
        [
            ddl.Col("code", "varchar", null=False),
            ddl.Col("qty", "int", null=False),
            ddl.Col("parent_id", "bigint"),
        ],
        uniques={"uq_{t}_code": ["code"]},
        checks={"ck_{t}_qty": f"{db.q('qty')} >= 0"},
        fks={"fk_{t}_parent": ddl.ForeignKey("parent_id", parent)},
    )
    await tables.oracle.insert_rows(parent, ["id", "name"], [[1, "p"]])
    await tables.oracle.insert_rows(child, ["code", "qty", "parent_id"], [["a", 1, 1]])
    return {"parent": parent, "child": child}


async def snapshot(oracle: Oracle, table: str) -> list[tuple[Any, ...]]:
    return await oracle.fetch(f"SELECT * FROM {oracle.q(table)} ORDER BY id")


def expect_constraint(db: Backend, kind: str, err: ryx_core.DatabaseError, child: str) -> None:
    names = {"unique": f"uq_{child}_code", "fk": f"fk_{child}_parent", "check": f"ck_{child}_qty"}
    if db.name in ("postgres", "mysql"):
        assert err.sqlstate == SQLSTATE[db.name][kind]
        if kind == "notnull":
            assert err.constraint is None
        else:
            assert err.constraint == names[kind], str(err)
        if db.name == "postgres":
            assert err.table == child
        return
    sqlite_gives = {
        "check": {names["check"]},
        "unique": {None, f"{child}.code"},
        "notnull": {None, f"{child}.qty"},
        "fk": {None},
    }[kind]
    assert err.constraint in sqlite_gives, f"SQLite {kind}: constraint={err.constraint!r} ({err})"


VIOLATIONS = [
    ("unique", ryx_core.UniqueViolation, lambda s: {"code": "a", "qty": 1}),
    ("fk", ryx_core.ForeignKeyViolation, lambda s: {"code": "b", "qty": 1, "parent_id": 999}),
    ("notnull", ryx_core.NotNullViolation, lambda s: {"code": "c", "qty": None}),
    ("check", ryx_core.CheckViolation, lambda s: {"code": "d", "qty": -1}),
]


@pytest.mark.parametrize(("kind", "cls", "values"), VIOLATIONS, ids=[v[0] for v in VIOLATIONS])
async def test_constraint_violations_raise_their_class_with_details(
    db: Backend, schema: dict[str, str], oracle: Oracle, kind: str, cls: type, values: Any
) -> None:
    child = schema["child"]
    before = await snapshot(oracle, child)
    with pytest.raises(cls) as info:
        await ryx_core.insert(child, values(schema))
    err = info.value
    assert isinstance(err, ryx_core.IntegrityError) and isinstance(err, ryx_core.DatabaseError)
    expect_constraint(db, kind, err, child)
    assert str(err), "the message must not be empty"
    # the same through raw SQL, an update and a bulk insert
    cols = list(values(schema))
    with pytest.raises(cls):
        await ryx_core.execute(
            f"INSERT INTO {db.q(child)} ({', '.join(db.q(c) for c in cols)}) VALUES ({', '.join('?' for _ in cols)})",
            list(values(schema).values()),
        )
    with pytest.raises(cls):
        await ryx_core.bulk_insert(
            child, cols, [[f"ok{i}", 1] + [1] * (len(cols) - 2) for i in range(3)] + [list(values(schema).values())]
        )
    if kind != "unique":
        update = {k: v for k, v in values(schema).items() if k != "code"}
        with pytest.raises(cls):
            await Query(child).filter(code="a").update(update)
    assert await snapshot(oracle, child) == before
    await assert_settled(oracle)


async def test_foreign_key_violation_on_delete_of_a_referenced_row(
    db: Backend, schema: dict[str, str], oracle: Oracle
) -> None:
    with pytest.raises(ryx_core.ForeignKeyViolation) as info:
        await Query(schema["parent"]).filter(id=1).delete()
    if db.name != "sqlite":
        assert info.value.constraint == f"fk_{schema['child']}_parent"
    assert await oracle.count(schema["parent"]) == 1


async def test_syntax_errors_and_unknown_tables_are_programming_errors(
    db: Backend, oracle: Oracle, schema: dict[str, str]
) -> None:
    with pytest.raises(ryx_core.ProgrammingError) as info:
        await ryx_core.fetch_all("SELEC 1")
    if db.name == "postgres":
        assert info.value.sqlstate == "42601"
    elif db.name == "mysql":
        assert info.value.sqlstate == "42000"
    with pytest.raises(ryx_core.ProgrammingError):
        await ryx_core.fetch_all("SELECT * FROM rxt_no_such_table_anywhere")
    with pytest.raises(ryx_core.ProgrammingError):
        await Query("rxt_no_such_table_anywhere").count()
    with pytest.raises(ryx_core.ProgrammingError):
        await Query(schema["child"]).select("no_such_column").fetch_all()
    await assert_settled(oracle)


async def test_values_the_server_rejects(db: Backend, schema: dict[str, str], oracle: Oracle) -> None:
    """Text that is not a number, for an integer: DataError on PostgreSQL (invalid text representation)
    and MariaDB (strict mode); SQLite's flexible typing stores the text. Division by zero: DataError on
    PostgreSQL, NULL on MariaDB and SQLite."""
    child = schema["child"]
    value = "CAST(? AS INTEGER)" if db.name == "postgres" else "?"  # PostgreSQL does not coerce a text param
    sql = f"UPDATE {db.q(child)} SET {db.q('qty')} = {value} WHERE {db.q('code')} = ?"
    if db.name == "sqlite":
        assert await ryx_core.execute(sql, ["not a number", "a"]) == 1
        assert await oracle.scalar(f"SELECT typeof(qty) FROM {db.q(child)} WHERE code = 'a'") == "text"
    else:
        before = await snapshot(oracle, child)
        with pytest.raises(ryx_core.DataError):
            await ryx_core.execute(sql, ["not a number", "a"])
        assert await snapshot(oracle, child) == before
    if db.name == "postgres":
        with pytest.raises(ryx_core.DataError) as info:
            await ryx_core.fetch_scalar("SELECT 1 / 0")
        assert info.value.sqlstate == "22012"
    else:
        assert await ryx_core.fetch_scalar("SELECT 1 / 0") is None
    await assert_settled(oracle)


async def test_unknown_lookup_is_a_field_error_listing_the_valid_ones(db: Backend, schema: dict[str, str]) -> None:
    with pytest.raises(ryx_core.FieldError) as info:
        await Query(schema["child"]).filter(Cond.lookup("qty", "greaterthan", 1)).fetch_all()
    message = str(info.value)
    assert "greaterthan" in message
    for valid in ("exact", "gt", "icontains", "in"):
        assert valid in message, f"the message should list the valid lookups: {message}"
    with pytest.raises(ryx_core.FieldError) as info:
        Query(schema["child"]).annotate(y=ryx_core.Expr.col("qty").transform("century")).sql(db.dialect)
    assert "century" in str(info.value) and "year" in str(info.value)


@pytest.mark.parametrize(
    ("lookup", "value"),
    [("range", (1, 2, 3)), ("range", 5), ("isnull", "x"), ("in", 5), ("has_keys", 5)],
    ids=["range-3-values", "range-scalar", "isnull-str", "in-scalar", "has_keys-scalar"],
)
async def test_wrong_values_for_a_lookup_are_query_errors(
    db: Backend, schema: dict[str, str], oracle: Oracle, lookup: str, value: Any
) -> None:
    before = await snapshot(oracle, schema["child"])
    with pytest.raises(ryx_core.QueryError) as info:
        await Query(schema["child"]).filter(Cond.lookup("qty", lookup, value)).delete()
    assert lookup in str(info.value)
    assert await snapshot(oracle, schema["child"]) == before
    await assert_settled(oracle)


async def test_database_errors_are_never_plain_runtime_errors(db: Backend) -> None:
    with pytest.raises(ryx_core.DatabaseError) as info:
        await ryx_core.execute("INSERT INTO rxt_no_such_table_anywhere VALUES (1)")
    assert type(info.value) is not RuntimeError
    assert isinstance(info.value, ryx_core.RyxError)
