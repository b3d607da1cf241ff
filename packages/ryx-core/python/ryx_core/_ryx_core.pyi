"""Typed surface of the `ryx_core._ryx_core` extension (the Rust engine of Ryx).

Every call that touches a database exists twice: an awaitable (``fetch_all``) and a blocking variant with the
GIL released (``fetch_all_sync``). Values are always bound, never formatted into SQL.
"""

from collections.abc import Mapping, Sequence
from typing import Any, Literal, final

__version__: str

_BackendName = Literal["PostgreSQL", "MySQL", "SQLite"]
_DialectName = Literal["postgres", "postgresql", "mysql", "mariadb", "sqlite"]
_DecodeHint = Literal[
    "auto",
    "bool",
    "int",
    "float",
    "decimal",
    "str",
    "bytes",
    "date",
    "time",
    "datetime",
    "datetime_utc",
    "timedelta",
    "uuid",
    "json",
]
_Hints = Sequence[_DecodeHint | None] | Mapping[str, _DecodeHint] | None
_Row = tuple[Any, ...] | dict[str, Any]
_Params = Sequence[Any]

# ---------------------------------------------------------------------------------------------- exceptions

class RyxError(Exception):
    """Base class of every error raised by Ryx."""

class ConfigurationError(RyxError, ValueError):
    """A malformed URL or pool option."""

class PoolNotInitialized(RyxError):
    """No pool for the alias: `setup()` was not called, the alias is unknown, or the pool was closed."""

class PoolTimeout(RyxError, TimeoutError):
    """No connection became free within the acquire timeout."""

class FieldError(RyxError):
    """An unknown field, lookup or transform."""

class QueryError(RyxError, ValueError):
    """A query that cannot be compiled (wrong value for a lookup, empty update, bad identifier, ...)."""

class UnsupportedTypeError(RyxError, TypeError):
    """A Python value with no SQL mapping."""

class NotSupportedError(RyxError):
    """The backend cannot do what was asked."""

class TransactionError(RyxError):
    """Misuse of a transaction: finished already, unknown savepoint, other alias."""

class DoesNotExist(RyxError):
    """A query that had to return one row returned none."""

class MultipleObjectsReturned(RyxError):
    """A query that had to return one row returned several."""

class DatabaseError(RyxError):
    """An error reported by the database server."""

    sqlstate: str | None
    constraint: str | None
    table: str | None

class OperationalError(DatabaseError):
    """Connection lost, deadlock, serialisation failure, lock timeout, server shutdown."""

class ProgrammingError(DatabaseError):
    """SQL the server rejects: syntax, unknown table or column."""

class DataError(DatabaseError):
    """A value the server rejects: out of range, invalid text representation."""

class IntegrityError(DatabaseError):
    """A constraint failed."""

class UniqueViolation(IntegrityError): ...
class ForeignKeyViolation(IntegrityError): ...
class NotNullViolation(IntegrityError): ...
class CheckViolation(IntegrityError): ...

# ------------------------------------------------------------------------------------------------- pools

async def setup(
    urls: str | Mapping[str, str | Mapping[str, Any]],
    *,
    max_connections: int = 10,
    min_connections: int = 1,
    connect_timeout: float = 30.0,
    idle_timeout: float | None = 600.0,
    max_lifetime: float | None = 1800.0,
    statement_cache_size: int = 100,
    sqlite_journal_mode: str | None = None,
    sqlite_busy_timeout: float = 5.0,
) -> None:
    """Create one pool per alias (replacing any earlier setup atomically; a failed setup changes nothing).

    ``urls`` is one URL (alias ``"default"``) or ``{alias: url}``; a value may also be a mapping with a
    ``"url"`` key and per-alias overrides of the keyword options. ``connect_timeout`` is the acquire timeout.
    """

def setup_sync(
    urls: str | Mapping[str, str | Mapping[str, Any]],
    *,
    max_connections: int = 10,
    min_connections: int = 1,
    connect_timeout: float = 30.0,
    idle_timeout: float | None = 600.0,
    max_lifetime: float | None = 1800.0,
    statement_cache_size: int = 100,
    sqlite_journal_mode: str | None = None,
    sqlite_busy_timeout: float = 5.0,
) -> None: ...
async def close(alias: str | None = None) -> None:
    """Close one alias's pool, or every pool."""

def close_sync(alias: str | None = None) -> None: ...
def is_connected(alias: str | None = None) -> bool: ...
def pool_stats(alias: str | None = None) -> dict[str, Any]:
    """``{"alias", "backend", "size", "idle", "in_use", "max_connections", "min_connections"}``."""

def list_aliases() -> list[str]: ...
def default_alias() -> str | None: ...
def get_backend(alias: str | None = None) -> _BackendName: ...
def server_version(alias: str | None = None) -> str: ...

# ------------------------------------------------------------------------------------------- lookups

def register_lookup(name: str, sql_template: str) -> None:
    """Register a lookup: ``{col}`` is the left-hand side, each ``?`` the bound value."""

def available_lookups() -> list[str]: ...
def list_lookups() -> list[str]: ...
def available_transforms() -> list[str]: ...
def list_transforms() -> list[str]: ...

# ---------------------------------------------------------------------------------- query building

@final
class Json:
    """Bind a value as a JSON document whatever its type (lists are otherwise IN lists)."""

    value: Any
    def __new__(cls, value: Any) -> Json: ...

@final
class Into:
    """An ``into=`` argument prepared once: rows become instances of ``cls`` made without ``__init__``.

    Each instance's ``__dict__`` is ``{names[i]: column i}`` plus ``extra`` (an ``extra`` key wins over a
    column of the same name). Pass it to ``fetch_all(into=...)`` on every query that builds the same
    instances; the tuple ``(cls, names, extra)`` is accepted too and prepared on each call.
    """

    def __new__(
        cls,
        model: type[Any],
        names: Sequence[str],
        extra: dict[str, Any] | None = None,
        *,
        joined: Sequence[tuple[int, str, Into, int, int, str | None]] | None = None,
    ) -> Into:
        """Prepare ``into=``; ``joined`` adds objects built from further columns of each row (a JOIN's).

        Each entry is ``(parent, key, into, start, present, back)``: the object is made by ``into`` from
        its columns starting at ``start`` and stored under ``key`` in the ``__dict__`` of its parent (0: the
        row's main object, ``i + 1``: the ``i``-th entry's), or None there when column ``present`` is NULL
        (and then nothing below it is built); ``back``, if not None, is the key under which it gets its
        parent. Entries list their columns in order after the main object's.
        """

    def grouped(self, key: str, groups: dict[Any, tuple[list[Any], Any]], back: str | None = None) -> Into:
        """Return a copy that also adds each instance to the group of its ``key`` attribute.

        A group is ``groups[value] = (list, parent)``: the instance is appended to the list and, with ``back``,
        gets the parent under ``back``; an instance whose value has no group is only returned.
        """

_Into = Into | tuple[type[Any], Sequence[str], dict[str, Any] | None]

@final
class Expr:
    """An SQL expression: a column, a bound value, an aggregate, arithmetic, a transform, a JSON key."""

    @staticmethod
    def col(name: str, table: str | None = None) -> Expr:
        """A column; ``"t.c"`` means column ``c`` of table ``t``."""

    @staticmethod
    def subquery(query: Query) -> Expr:
        """A subquery ``(SELECT ...)``: a scalar value, or the list of an ``in`` lookup.

        Qualify the outer query's columns with its table name or alias to correlate it.
        """
    @staticmethod
    def value(value: Any) -> Expr: ...
    @staticmethod
    def raw(sql: str, params: _Params | None = None) -> Expr:
        """Literal SQL whose ``?`` placeholders are bound to ``params``."""

    @staticmethod
    def agg(
        func: Literal["count", "sum", "avg", "min", "max"], arg: Expr | str | None = None, *, distinct: bool = False
    ) -> Expr:
        """An aggregate; ``count`` with no argument is ``COUNT(*)``."""

    @staticmethod
    def func(name: Literal["lower", "upper", "length", "coalesce", "abs", "now"], *args: Expr | Any) -> Expr: ...
    def transform(self, name: str) -> Expr:
        """Apply a date/time transform (``year``, ``month``, ``week_day`` ...)."""

    def key(self, *path: str) -> Expr:
        """A JSON key path inside this expression."""

    def __add__(self, other: Expr | Any, /) -> Expr: ...
    def __radd__(self, other: Expr | Any, /) -> Expr: ...
    def __sub__(self, other: Expr | Any, /) -> Expr: ...
    def __rsub__(self, other: Expr | Any, /) -> Expr: ...
    def __mul__(self, other: Expr | Any, /) -> Expr: ...
    def __rmul__(self, other: Expr | Any, /) -> Expr: ...
    def __truediv__(self, other: Expr | Any, /) -> Expr: ...
    def __rtruediv__(self, other: Expr | Any, /) -> Expr: ...
    def __mod__(self, other: Expr | Any, /) -> Expr: ...
    def __rmod__(self, other: Expr | Any, /) -> Expr: ...
    def __neg__(self) -> Expr: ...

@final
class Cond:
    """A WHERE/HAVING condition tree: lookups combined with ``&``, ``|`` and ``~``."""

    @staticmethod
    def lookup(lhs: Expr | str, lookup: str = "exact", value: Any = None) -> Cond:
        """``lhs`` is an Expr or a plain column name; ``value`` may be an Expr (``F`` semantics).

        A ``Query`` value is a subquery: ``Cond.lookup("id", "in", Query("t").select("x"))``.
        """

    @staticmethod
    def parse(path: str, value: Any) -> Cond:
        """Django-style path: ``"created__year__gte"``, ``"data__a__b"``, ``"t.c__in"``."""

    @staticmethod
    def exists(query: Query) -> Cond:
        """``EXISTS (query)``; ``~Cond.exists(q)`` is ``NOT EXISTS``."""
    @staticmethod
    def raw(sql: str, params: _Params | None = None) -> Cond: ...
    @staticmethod
    def true() -> Cond: ...
    @staticmethod
    def false() -> Cond: ...
    @staticmethod
    def all(*conds: Cond) -> Cond: ...
    @staticmethod
    def any(*conds: Cond) -> Cond: ...
    def __and__(self, other: Cond, /) -> Cond: ...
    def __or__(self, other: Cond, /) -> Cond: ...
    def __rand__(self, other: Cond, /) -> Cond: ...
    def __ror__(self, other: Cond, /) -> Cond: ...
    def __invert__(self) -> Cond: ...

@final
class Query:
    """An immutable SELECT builder: every method returns a new Query."""

    def __new__(cls, table: str, *, schema: str | None = None, alias: str | None = None) -> Query: ...
    @property
    def table(self) -> str: ...
    def select(self, *columns: str | Expr, **aliased: Expr | str) -> Query:
        """Replace the select list (``"t.c"`` strings, Exprs, or ``alias=Expr``)."""

    def annotate(self, **aliased: Expr) -> Query:
        """Append aliased expressions to the select list."""

    def filter(self, *conds: Cond, **lookups: Any) -> Query:
        """AND conditions into WHERE; keyword lookups are parsed like ``Cond.parse``."""

    def exclude(self, *conds: Cond, **lookups: Any) -> Query:
        """AND ``NOT (all of the given conditions)`` into WHERE."""

    def join(
        self,
        table: str,
        on: Cond | tuple[str, str],
        *,
        kind: Literal["inner", "left"] = "inner",
        alias: str | None = None,
        schema: str | None = None,
    ) -> Query:
        """Join a table; ``on=("posts.author_id", "a.id")`` is an equality of two columns."""

    def order_by(self, *terms: str | Expr) -> Query:
        """Append ordering terms: ``"views"``, ``"-views"``, ``"t.c"`` or an Expr (ascending)."""

    def order_by_desc(self, expr: Expr) -> Query: ...
    def clear_order_by(self) -> Query: ...
    def group_by(self, *exprs: str | Expr) -> Query: ...
    def having(self, *conds: Cond, **lookups: Any) -> Query: ...
    def limit(self, n: int | None) -> Query: ...
    def offset(self, n: int | None) -> Query: ...
    def distinct(self, on: bool = True) -> Query: ...
    def for_update(
        self, *, nowait: bool = False, skip_locked: bool = False, of: Sequence[str] = (), share: bool = False
    ) -> Query:
        """``SELECT ... FOR UPDATE``; ignored on SQLite, whose transactions lock the database."""

    # compilation (no database needed)
    def sql(self, dialect: _DialectName = "sqlite") -> tuple[str, list[Any]]:
        """The SELECT for a dialect, with its parameters."""

    def count_sql(self, dialect: _DialectName = "sqlite") -> tuple[str, list[Any]]: ...
    def exists_sql(self, dialect: _DialectName = "sqlite") -> tuple[str, list[Any]]: ...
    def delete_sql(self, dialect: _DialectName = "sqlite", *, pk: str | None = None) -> tuple[str, list[Any]]: ...
    def update_sql(
        self, values: Mapping[str, Any], dialect: _DialectName = "sqlite", *, pk: str | None = None
    ) -> tuple[str, list[Any]]: ...

    # execution: ``alias`` picks the pool (default alias when None); ``tx`` runs on a transaction
    async def fetch_all(
        self,
        *,
        alias: str | None = None,
        tx: Transaction | None = None,
        as_tuples: bool = False,
        hints: _Hints = None,
        into: _Into | None = None,
    ) -> list[Any]:
        """Every row: dicts, tuples (``as_tuples``), or instances (``into``).

        ``into=Into(cls, names, extra)`` (or the tuple ``(cls, names, extra)``) makes instances of ``cls``
        without ``__init__`` whose ``__dict__`` is ``{names[i]: column i, **extra}``.
        """
    async def fetch_one(
        self, *, alias: str | None = None, tx: Transaction | None = None, as_tuples: bool = False, hints: _Hints = None
    ) -> _Row | None:
        """The first row (adds ``LIMIT 1``) or None."""

    async def fetch_get(
        self, *, alias: str | None = None, tx: Transaction | None = None, as_tuples: bool = False, hints: _Hints = None
    ) -> _Row:
        """Exactly one row (fetches at most two); raises DoesNotExist / MultipleObjectsReturned."""

    async def count(self, *, alias: str | None = None, tx: Transaction | None = None) -> int: ...
    async def exists(self, *, alias: str | None = None, tx: Transaction | None = None) -> bool: ...
    async def delete(
        self, *, alias: str | None = None, tx: Transaction | None = None, pk: str | None = None
    ) -> int: ...
    async def update(
        self,
        values: Mapping[str, Any],
        *,
        alias: str | None = None,
        tx: Transaction | None = None,
        pk: str | None = None,
    ) -> int:
        """``UPDATE ... SET`` each key to a value or an Expr (``{"views": Expr.col("views") + 1}``)."""

    def stream(
        self,
        *,
        chunk_size: int = 100,
        alias: str | None = None,
        tx: Transaction | None = None,
        as_tuples: bool = False,
        hints: _Hints = None,
    ) -> RowStream:
        """Stream the rows in chunks from a server-side cursor (never the whole result in memory)."""

    def fetch_all_sync(
        self,
        *,
        alias: str | None = None,
        tx: Transaction | None = None,
        as_tuples: bool = False,
        hints: _Hints = None,
        into: _Into | None = None,
    ) -> list[Any]: ...
    def fetch_one_sync(
        self, *, alias: str | None = None, tx: Transaction | None = None, as_tuples: bool = False, hints: _Hints = None
    ) -> _Row | None: ...
    def fetch_get_sync(
        self, *, alias: str | None = None, tx: Transaction | None = None, as_tuples: bool = False, hints: _Hints = None
    ) -> _Row: ...
    def count_sync(self, *, alias: str | None = None, tx: Transaction | None = None) -> int: ...
    def exists_sync(self, *, alias: str | None = None, tx: Transaction | None = None) -> bool: ...
    def delete_sync(self, *, alias: str | None = None, tx: Transaction | None = None, pk: str | None = None) -> int: ...
    def update_sync(
        self,
        values: Mapping[str, Any],
        *,
        alias: str | None = None,
        tx: Transaction | None = None,
        pk: str | None = None,
    ) -> int: ...

@final
class RowStream:
    """The async iterator returned by ``Query.stream()``: each step is a list of rows."""

    def __aiter__(self) -> RowStream: ...
    async def __anext__(self) -> list[_Row]: ...
    def close(self) -> None:
        """Stop streaming and free the connection."""

# ------------------------------------------------------------------------------------ inserts and bulk

async def insert(
    table: str,
    values: Mapping[str, Any],
    *,
    returning: Sequence[str] = (),
    schema: str | None = None,
    alias: str | None = None,
    tx: Transaction | None = None,
) -> dict[str, Any] | None:
    """Insert one row; with ``returning`` give back those columns (the generated key via last-insert-id on MySQL)."""

async def bulk_insert(
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: str | None = None,
    ignore_conflicts: bool = False,
    update_conflicts: bool = False,
    conflict_target: Sequence[str] = (),
    update_fields: Sequence[str] = (),
    batch_size: int | None = None,
    schema: str | None = None,
    alias: str | None = None,
    tx: Transaction | None = None,
) -> list[Any] | int:
    """Insert many rows atomically, in statements of ``batch_size`` rows at most, under the parameter limit.

    ``batch_size=None`` caps only by the backend's bound-parameter limit. With ``returning="id"`` return the
    generated keys in row order; otherwise the number of rows inserted.
    """

async def bulk_update(
    table: str,
    pk: str,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, Sequence[Any]]],
    *,
    schema: str | None = None,
    alias: str | None = None,
    tx: Transaction | None = None,
) -> int:
    """Update ``columns`` of many rows given as ``(pk, [values...])``, chunked and atomic."""

def insert_sync(
    table: str,
    values: Mapping[str, Any],
    *,
    returning: Sequence[str] = (),
    schema: str | None = None,
    alias: str | None = None,
    tx: Transaction | None = None,
) -> dict[str, Any] | None: ...
def bulk_insert_sync(
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: str | None = None,
    ignore_conflicts: bool = False,
    update_conflicts: bool = False,
    conflict_target: Sequence[str] = (),
    update_fields: Sequence[str] = (),
    batch_size: int | None = None,
    schema: str | None = None,
    alias: str | None = None,
    tx: Transaction | None = None,
) -> list[Any] | int: ...
def bulk_update_sync(
    table: str,
    pk: str,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, Sequence[Any]]],
    *,
    schema: str | None = None,
    alias: str | None = None,
    tx: Transaction | None = None,
) -> int: ...

# --------------------------------------------------------------------------------------------- raw SQL
# Placeholders are ``?`` on every backend (rewritten to ``$n`` on PostgreSQL, where ``$n`` also works).

async def fetch_all(
    sql: str,
    params: _Params | None = None,
    *,
    alias: str | None = None,
    tx: Transaction | None = None,
    as_tuples: bool = False,
    hints: _Hints = None,
    into: _Into | None = None,
) -> list[Any]: ...
async def fetch_one(
    sql: str,
    params: _Params | None = None,
    *,
    alias: str | None = None,
    tx: Transaction | None = None,
    as_tuples: bool = False,
    hints: _Hints = None,
) -> _Row | None: ...
async def fetch_scalar(
    sql: str,
    params: _Params | None = None,
    *,
    alias: str | None = None,
    tx: Transaction | None = None,
    hint: _DecodeHint | None = None,
) -> Any: ...
async def execute(
    sql: str, params: _Params | None = None, *, alias: str | None = None, tx: Transaction | None = None
) -> int:
    """Run a statement and return the number of rows affected."""

def fetch_all_sync(
    sql: str,
    params: _Params | None = None,
    *,
    alias: str | None = None,
    tx: Transaction | None = None,
    as_tuples: bool = False,
    hints: _Hints = None,
    into: _Into | None = None,
) -> list[Any]: ...
def fetch_one_sync(
    sql: str,
    params: _Params | None = None,
    *,
    alias: str | None = None,
    tx: Transaction | None = None,
    as_tuples: bool = False,
    hints: _Hints = None,
) -> _Row | None: ...
def fetch_scalar_sync(
    sql: str,
    params: _Params | None = None,
    *,
    alias: str | None = None,
    tx: Transaction | None = None,
    hint: _DecodeHint | None = None,
) -> Any: ...
def execute_sync(
    sql: str, params: _Params | None = None, *, alias: str | None = None, tx: Transaction | None = None
) -> int: ...

# ----------------------------------------------------------------------------------------- transactions

@final
class Transaction:
    """A transaction on one pooled connection. Dropped or cancelled while open, it rolls back."""

    @property
    def alias(self) -> str: ...
    @property
    def backend(self) -> _BackendName: ...
    @property
    def active(self) -> bool: ...
    def get_alias(self) -> str: ...
    async def is_active(self) -> bool: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...
    async def savepoint(self, name: str) -> None: ...
    async def rollback_to(self, name: str) -> None: ...
    async def release_savepoint(self, name: str) -> None: ...
    def commit_sync(self) -> None: ...
    def rollback_sync(self) -> None: ...
    def savepoint_sync(self, name: str) -> None: ...
    def rollback_to_sync(self, name: str) -> None: ...
    def release_savepoint_sync(self, name: str) -> None: ...
    async def __aenter__(self) -> Transaction: ...
    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        """Commit on a clean exit, roll back on an exception."""

    def __enter__(self) -> Transaction: ...
    def __exit__(self, exc_type: object, exc: object, tb: object) -> None: ...

async def begin(alias: str | None = None, *, isolation: str | None = None, read_only: bool = False) -> Transaction:
    """Begin a transaction (``isolation``: "read committed", "repeatable read", "serializable", ...)."""

def begin_sync(alias: str | None = None, *, isolation: str | None = None, read_only: bool = False) -> Transaction: ...
async def begin_transaction(alias: str | None = None) -> Transaction:
    """Alias of ``begin`` (the original Ryx name)."""

# ----------------------------------------------------------------------------------------------- DDL
# Pure functions (no database): each returns the SQL statements to run, in order. DDL binds nothing:
# defaults are written as escaped literals, identifiers are quoted, CHECK expressions are your SQL.
#
# A column is a dict: {"name": str, "type": generic name ("BOOLEAN", "SMALLINT", "INTEGER", "BIGINT",
# "DOUBLE", "DECIMAL(p,s)", "VARCHAR(n)", "TEXT", "BLOB", "DATE", "TIME", "DATETIME" (aware, UTC),
# "TIMESTAMP" (naive), "DURATION" (bigint microseconds), "UUID", "JSON"), or "raw_type": SQL type,
# "null": True, "primary_key": False, "auto_increment": False, "unique": False, "default": value,
# "check": SQL or None, "collation": name or None}.
# A foreign key is a dict: {"columns", "ref_table", "ref_columns", "on_delete": "CASCADE",
# "on_update": "NO ACTION", "name": None, "ref_schema": None (the table's schema), "deferrable": False}.

_ColumnSpec = Mapping[str, Any]
_ForeignKeySpec = Mapping[str, Any]
_Columns = str | Sequence[str]
_ConstraintKind = Literal["check", "unique", "foreign_key"]

def ddl_create_table(
    table: str,
    columns: Sequence[_ColumnSpec],
    *,
    dialect: _DialectName = "sqlite",
    schema: str | None = None,
    if_not_exists: bool = False,
    primary_key: Sequence[str] = (),
    uniques: Sequence[tuple[str | None, _Columns]] = (),
    checks: Sequence[tuple[str, str]] = (),
    foreign_keys: Sequence[_ForeignKeySpec] = (),
    create_schema: bool = False,
) -> list[str]:
    """``CREATE TABLE`` (preceded by ``CREATE SCHEMA IF NOT EXISTS`` with ``create_schema`` and a schema).

    ``primary_key`` is a composite key (flag the column instead for a single one); ``uniques`` are
    ``(name or None, columns)``; ``checks`` are ``(name, sql)``. Unnamed constraints get stable names
    (``ddl_constraint_name``).
    """

def ddl_create_index(
    table: str,
    name: str,
    columns: _Columns,
    *,
    unique: bool = False,
    dialect: _DialectName = "sqlite",
    schema: str | None = None,
    if_not_exists: bool = True,
    condition: str | None = None,
) -> list[str]:
    """``CREATE [UNIQUE] INDEX``; ``"-col"`` is descending; ``condition`` makes a partial index (not MySQL).

    ``IF NOT EXISTS`` is left out on MySQL 8, which lacks it.
    """

def ddl_drop_index(
    table: str, name: str, *, dialect: _DialectName = "sqlite", schema: str | None = None, if_exists: bool = True
) -> list[str]:
    """``DROP INDEX`` (``... ON table`` on MySQL, where ``IF EXISTS`` is left out)."""

def ddl_drop_table(
    table: str,
    *,
    dialect: _DialectName = "sqlite",
    schema: str | None = None,
    if_exists: bool = True,
    cascade: bool = False,
) -> list[str]:
    """``DROP TABLE``; ``cascade`` exists on PostgreSQL only."""

def ddl_rename_table(old: str, new: str, *, dialect: _DialectName = "sqlite", schema: str | None = None) -> list[str]:
    """Rename a table; it stays in its schema."""

def ddl_add_column(
    table: str, column: _ColumnSpec, *, dialect: _DialectName = "sqlite", schema: str | None = None
) -> list[str]:
    """``ALTER TABLE ... ADD COLUMN`` plus its UNIQUE / CHECK constraints (SQLite: no UNIQUE or PRIMARY KEY)."""

def ddl_drop_column(table: str, name: str, *, dialect: _DialectName = "sqlite", schema: str | None = None) -> list[str]:
    """``ALTER TABLE ... DROP COLUMN``."""

def ddl_rename_column(
    table: str, old: str, new: str, *, dialect: _DialectName = "sqlite", schema: str | None = None
) -> list[str]:
    """``ALTER TABLE ... RENAME COLUMN ... TO ...``."""

def ddl_alter_column(
    table: str, old: _ColumnSpec, new: _ColumnSpec, *, dialect: _DialectName = "sqlite", schema: str | None = None
) -> list[str]:
    """Change a column (same name) from ``old`` to ``new``: type, null, default, collation, unique, check.

    Raises NotSupportedError on SQLite, where the table has to be rebuilt.
    """

def ddl_add_foreign_key(
    table: str, fk: _ForeignKeySpec, *, dialect: _DialectName = "sqlite", schema: str | None = None
) -> list[str]:
    """``ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY`` (NotSupportedError on SQLite)."""

def ddl_drop_constraint(
    table: str, name: str, *, kind: _ConstraintKind, dialect: _DialectName = "sqlite", schema: str | None = None
) -> list[str]:
    """Drop a named constraint of a kind (NotSupportedError on SQLite)."""

def ddl_add_check(
    table: str, name: str, sql: str, *, dialect: _DialectName = "sqlite", schema: str | None = None
) -> list[str]:
    """``ALTER TABLE ... ADD CONSTRAINT ... CHECK (sql)`` (NotSupportedError on SQLite)."""

def ddl_add_unique(
    table: str, name: str | None, columns: _Columns, *, dialect: _DialectName = "sqlite", schema: str | None = None
) -> list[str]:
    """``ALTER TABLE ... ADD CONSTRAINT ... UNIQUE (...)`` (NotSupportedError on SQLite)."""

def ddl_column_type(generic: str, *, dialect: _DialectName = "sqlite") -> str:
    """The SQL type of a generic type name: ``ddl_column_type("JSON", dialect="postgres") == "JSONB"``."""

def ddl_constraint_name(
    table: str,
    columns: _Columns,
    *,
    kind: _ConstraintKind,
    ref_table: str | None = None,
    ref_columns: Sequence[str] = (),
    dialect: _DialectName = "sqlite",
) -> str:
    """The name given to an unnamed constraint of a kind.

    ``{table}_{cols}_uniq``, ``{table}_{col}_check`` or ``{table}_{cols}_fk_{ref}_{refcols}``, shortened with a
    stable hash past the dialect's identifier limit.
    """
