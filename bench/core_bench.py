"""Benchmark of ryx_core against the raw drivers, in the same run, reported as medians and ratios.

    python bench/core_bench.py --db sqlite,postgres,mysql --runs 7 --json bench-results.json

Operations (see bench/README.md for the method):
  build    build and compile a three-filter, ordered, limited query to PostgreSQL SQL    target <= 5 us
  fetch    1,000 rows x 6 mixed columns, as tuples and as dicts                          target <= 1.5x raw
  get      one row by primary key (latency)                                              target <= 1.3x raw (PostgreSQL)
  insert   1,000 rows in one bulk call vs the driver's executemany                       target <= 1.5x raw

Raw baselines: stdlib sqlite3 (and aiosqlite), asyncpg, asyncmy (or aiomysql with --mysql-driver).
Nothing here is a test: a missed target is reported, and fails the run only with --fail-on-miss.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import json
import logging
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import ryx_core
from ryx_core import Cond, Query

DEFAULT_URLS = {
    "postgres": "postgres://postgres@127.0.0.1:5432/test",
    "mysql": "mysql://root@127.0.0.1:3306/test",
}
ROWS_TABLE = "ryx_bench_rows"
INSERT_TABLE = "ryx_bench_insert"
COLUMNS = ["id", "name", "score", "active", "created", "amount"]
N_ROWS = 1000

DDL = {
    "postgres": "CREATE TABLE {t} (id BIGINT PRIMARY KEY, name TEXT NOT NULL, score DOUBLE PRECISION NOT NULL, "
    "active BOOLEAN NOT NULL, created TIMESTAMP NOT NULL, amount NUMERIC(12, 2) NOT NULL)",
    "mysql": "CREATE TABLE {t} (id BIGINT PRIMARY KEY, name VARCHAR(255) NOT NULL, score DOUBLE NOT NULL, "
    "active BOOLEAN NOT NULL, created DATETIME(6) NOT NULL, amount DECIMAL(12, 2) NOT NULL) DEFAULT CHARSET=utf8mb4",
    "sqlite": "CREATE TABLE {t} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL NOT NULL, "
    "active BOOLEAN NOT NULL, created DATETIME NOT NULL, amount NUMERIC(12, 2) NOT NULL)",
}


def make_rows(n: int, start: int = 1) -> list[tuple[Any, ...]]:
    base = datetime(2024, 1, 1)
    return [
        (
            i,
            f"name {i} ✓",
            i * 1.25,
            i % 2 == 0,
            base + timedelta(seconds=i, microseconds=i),
            Decimal(i) / 4 + Decimal("0.01"),
        )
        for i in range(start, start + n)
    ]


def sqlite_storage(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """The SQLite storage form of a row (what ryx_core writes: ints, REAL, text datetimes, decimal text)."""
    i, name, score, active, created, amount = row
    return (i, name, score, int(active), created.isoformat(sep=" "), str(amount))


# --------------------------------------------------------------------------------------------- results


@dataclass
class Result:
    op: str
    backend: str
    variant: str
    baseline: str
    ryx_us: float
    raw_us: float | None
    target: float
    target_kind: str  # "ratio" (ryx / raw) or "us" (absolute microseconds)
    runs: int
    inner: int
    ryx_spread: tuple[float, float] = (0.0, 0.0)
    raw_spread: tuple[float, float] | None = None

    @property
    def ratio(self) -> float | None:
        return None if self.raw_us is None else self.ryx_us / self.raw_us

    @property
    def holds(self) -> bool:
        value = self.ryx_us if self.target_kind == "us" else self.ratio
        return value is not None and value <= self.target

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio, "holds": self.holds}


@dataclass
class Timer:
    """Runs the compared callables interleaved: warm-up runs, then ``runs`` timed runs of ``inner``
    iterations each; reports the median per-iteration time in microseconds (and min/max of the runs)."""

    runs: int
    warmup: int
    samples: dict[str, list[float]] = field(default_factory=dict)

    async def compare(
        self,
        contenders: dict[str, Callable[[], Any]],
        inner: int,
        before: Callable[[], Awaitable[None] | None] | None = None,
    ) -> dict[str, tuple[float, float, float]]:
        samples: dict[str, list[float]] = {name: [] for name in contenders}
        for run in range(self.warmup + self.runs):
            for name, fn in contenders.items():
                elapsed = 0
                for _ in range(inner):
                    if before is not None:
                        pending = before()
                        if pending is not None:
                            await pending
                    start = time.perf_counter_ns()
                    result = fn()
                    if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                        await result
                    elapsed += time.perf_counter_ns() - start
                if run >= self.warmup:
                    samples[name].append(elapsed / inner / 1000)
        return {name: (statistics.median(s), min(s), max(s)) for name, s in samples.items()}


# ------------------------------------------------------------------------------------------ raw drivers


class Raw:
    """One raw connection with the four operations, per backend."""

    name: str

    async def fetch_tuples(self) -> Any: ...
    async def fetch_dicts(self) -> Any: ...
    async def get(self, pk: int) -> Any: ...
    async def insert_many(self, rows: list[tuple[Any, ...]], table: str = INSERT_TABLE) -> Any: ...
    async def execute(self, sql: str) -> None: ...
    async def close(self) -> None: ...


SELECT_ALL = f"SELECT {', '.join(COLUMNS)} FROM {ROWS_TABLE} ORDER BY id"


class Sqlite3Raw(Raw):
    """stdlib sqlite3: synchronous, the fastest thing there is (its calls are not awaited)."""

    name = "sqlite3"

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    def fetch_tuples_sync(self) -> Any:
        return self.conn.execute(SELECT_ALL).fetchall()

    def fetch_dicts_sync(self) -> Any:
        cur = self.conn.execute(SELECT_ALL)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def get_sync(self, pk: int) -> Any:
        return self.conn.execute(f"SELECT {', '.join(COLUMNS)} FROM {ROWS_TABLE} WHERE id = ?", (pk,)).fetchone()

    def insert_many_sync(self, rows: list[tuple[Any, ...]], table: str = INSERT_TABLE) -> Any:
        self.conn.execute("BEGIN")
        self.conn.executemany(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?)", [sqlite_storage(r) for r in rows])
        self.conn.execute("COMMIT")

    async def execute(self, sql: str) -> None:
        self.conn.execute(sql)

    async def close(self) -> None:
        self.conn.close()


class Sqlite3TypedRaw(Sqlite3Raw):
    """stdlib sqlite3 with declared-type converters, so it returns what ryx_core returns (bool, datetime)."""

    name = "sqlite3+types"

    def __init__(self, path: str) -> None:
        sqlite3.register_converter("BOOLEAN", lambda raw: raw != b"0")
        sqlite3.register_converter("DATETIME", lambda raw: datetime.fromisoformat(raw.decode()))
        self.conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, detect_types=sqlite3.PARSE_DECLTYPES
        )


class AiosqliteRaw(Raw):
    name = "aiosqlite"

    @classmethod
    async def open(cls, path: str) -> AiosqliteRaw:
        import aiosqlite

        self = cls()
        self.conn = await aiosqlite.connect(path, isolation_level=None)
        return self

    async def fetch_tuples(self) -> Any:
        async with self.conn.execute(SELECT_ALL) as cur:
            return await cur.fetchall()

    async def fetch_dicts(self) -> Any:
        async with self.conn.execute(SELECT_ALL) as cur:
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in await cur.fetchall()]

    async def get(self, pk: int) -> Any:
        async with self.conn.execute(f"SELECT {', '.join(COLUMNS)} FROM {ROWS_TABLE} WHERE id = ?", (pk,)) as cur:
            return await cur.fetchone()

    async def insert_many(self, rows: list[tuple[Any, ...]], table: str = INSERT_TABLE) -> Any:
        await self.conn.execute("BEGIN")
        await self.conn.executemany(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?)", [sqlite_storage(r) for r in rows])
        await self.conn.execute("COMMIT")

    async def execute(self, sql: str) -> None:
        await self.conn.execute(sql)

    async def close(self) -> None:
        await self.conn.close()


class AsyncpgRaw(Raw):
    name = "asyncpg"

    @classmethod
    async def open(cls, url: str) -> AsyncpgRaw:
        import asyncpg

        self = cls()
        self.conn = await asyncpg.connect(url)
        return self

    async def fetch_tuples(self) -> Any:
        return [tuple(r) for r in await self.conn.fetch(SELECT_ALL)]

    async def fetch_dicts(self) -> Any:
        return [dict(r) for r in await self.conn.fetch(SELECT_ALL)]

    async def get(self, pk: int) -> Any:
        return await self.conn.fetchrow(f"SELECT {', '.join(COLUMNS)} FROM {ROWS_TABLE} WHERE id = $1", pk)

    async def insert_many(self, rows: list[tuple[Any, ...]], table: str = INSERT_TABLE) -> Any:
        await self.conn.executemany(f"INSERT INTO {table} VALUES ($1, $2, $3, $4, $5, $6)", rows)

    async def execute(self, sql: str) -> None:
        await self.conn.execute(sql)

    async def close(self) -> None:
        await self.conn.close()


class MySQLRaw(Raw):
    """asyncmy (default) or aiomysql: same DB-API shaped async interface."""

    @classmethod
    async def open(cls, url: str, driver: str) -> MySQLRaw:
        parts = urlsplit(url)
        params = {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 3306,
            "user": unquote(parts.username or "root"),
            "password": unquote(parts.password or ""),
        }
        database = parts.path.lstrip("/")
        self = cls()
        self.name = driver
        if driver == "asyncmy":
            import asyncmy
            from asyncmy.cursors import DictCursor

            self.conn = await asyncmy.connect(**params, database=database, autocommit=True, charset="utf8mb4")
        else:
            import aiomysql
            from aiomysql import DictCursor

            self.conn = await aiomysql.connect(**params, db=database, autocommit=True, charset="utf8mb4")
        self.dict_cursor = DictCursor
        return self

    async def _fetch(self, cursor_cls: Any = None, sql: str = SELECT_ALL, args: Any = None, one: bool = False) -> Any:
        cur = self.conn.cursor(cursor_cls) if cursor_cls else self.conn.cursor()
        async with cur:
            await cur.execute(sql, args)
            return await (cur.fetchone() if one else cur.fetchall())

    async def fetch_tuples(self) -> Any:
        return list(await self._fetch())

    async def fetch_dicts(self) -> Any:
        return list(await self._fetch(self.dict_cursor))

    async def get(self, pk: int) -> Any:
        return await self._fetch(
            sql=f"SELECT {', '.join(COLUMNS)} FROM {ROWS_TABLE} WHERE id = %s", args=(pk,), one=True
        )

    async def insert_many(self, rows: list[tuple[Any, ...]], table: str = INSERT_TABLE) -> Any:
        await self.conn.begin()
        async with self.conn.cursor() as cur:
            await cur.executemany(f"INSERT INTO {table} VALUES (%s, %s, %s, %s, %s, %s)", rows)
        await self.conn.commit()

    async def execute(self, sql: str) -> None:
        async with self.conn.cursor() as cur:
            await cur.execute(sql)

    async def close(self) -> None:
        self.conn.close()
        if hasattr(self.conn, "ensure_closed"):
            await self.conn.ensure_closed()


# ------------------------------------------------------------------------------------------ benchmark


def build_query() -> tuple[str, list[Any]]:
    return (
        Query("posts")
        .filter(Cond.lookup("views", "gt", 10))
        .filter(author_id=3)
        .filter(title__icontains="rust")
        .order_by("-created")
        .limit(20)
        .sql("postgres")
    )


async def bench_build(timer: Timer, inner: int) -> Result:
    build_query()
    stats = await timer.compare({"ryx": build_query}, inner=inner)
    med, lo, hi = stats["ryx"]
    return Result(
        "build",
        "-",
        "Query x3 filters + order + limit -> sql()",
        "-",
        med,
        None,
        5.0,
        "us",
        timer.runs,
        inner,
        (lo, hi),
    )


async def bench_backend(backend: str, url: str, timer: Timer, args: argparse.Namespace) -> tuple[list[Result], str]:
    results: list[Result] = []
    raws: list[Raw] = []
    if backend == "sqlite":
        path = url.split("://", 1)[1].split("?", 1)[0]
        sync_raw = Sqlite3Raw(path)
        raws = [sync_raw, Sqlite3TypedRaw(path), await AiosqliteRaw.open(path)]
        setup_raw: Raw = sync_raw
        server = f"SQLite {sqlite3.sqlite_version} (stdlib)"
    elif backend == "postgres":
        raws = [await AsyncpgRaw.open(url)]
        setup_raw = raws[0]
        server = str(await raws[0].conn.fetchval("SHOW server_version"))
    else:
        raws = [await MySQLRaw.open(url, args.mysql_driver)]
        setup_raw = raws[0]
        server = str((await raws[0]._fetch(sql="SELECT VERSION()", one=True))[0])

    rows = make_rows(N_ROWS)
    for table in (ROWS_TABLE, INSERT_TABLE):
        await setup_raw.execute(f"DROP TABLE IF EXISTS {table}")
        await setup_raw.execute(DDL[backend].format(t=table))
    if backend == "sqlite":
        sync_raw.insert_many_sync(rows, ROWS_TABLE)
    else:
        await setup_raw.insert_many(rows, ROWS_TABLE)

    await ryx_core.setup(url, max_connections=4)
    server = f"{server} (engine: {ryx_core.server_version()})"
    try:
        if "fetch" in args.ops:
            for shape in ("tuples", "dicts"):
                as_tuples = shape == "tuples"
                contenders: dict[str, Callable[[], Any]] = {
                    "ryx": lambda t=as_tuples: ryx_core.fetch_all(SELECT_ALL, as_tuples=t)
                }
                if backend == "sqlite":
                    contenders["ryx sync"] = lambda t=as_tuples: ryx_core.fetch_all_sync(SELECT_ALL, as_tuples=t)
                for raw in raws:
                    fn = getattr(raw, f"fetch_{shape}_sync", None) or getattr(raw, f"fetch_{shape}")
                    contenders[raw.name] = fn
                stats = await timer.compare(contenders, inner=args.fetch_inner)
                results += pair(
                    stats, "fetch", backend, f"1000 rows x 6 cols as {shape}", raws, 1.5, timer, args.fetch_inner
                )

        if "get" in args.ops:
            counter = iter(range(10**12))

            def next_pk() -> int:
                return next(counter) % N_ROWS + 1

            get_sql = f"SELECT {', '.join(COLUMNS)} FROM {ROWS_TABLE} WHERE id = ?"
            contenders = {
                "ryx": lambda: Query(ROWS_TABLE).select(*COLUMNS).filter(id=next_pk()).fetch_one(as_tuples=True),
                "ryx raw sql": lambda: ryx_core.fetch_one(get_sql, [next_pk()], as_tuples=True),
            }
            if backend == "sqlite":
                contenders["ryx sync"] = lambda: (
                    Query(ROWS_TABLE).select(*COLUMNS).filter(id=next_pk()).fetch_one_sync(as_tuples=True)
                )
            for raw in raws:
                sync_get = getattr(raw, "get_sync", None)
                contenders[raw.name] = (
                    (lambda g=sync_get: g(next_pk())) if sync_get else (lambda r=raw: r.get(next_pk()))
                )
            stats = await timer.compare(contenders, inner=args.get_inner)
            target = 1.3 if backend == "postgres" else 1.5
            results += pair(stats, "get", backend, "one row by primary key", raws, target, timer, args.get_inner)

        if "insert" in args.ops:
            insert_rows = make_rows(N_ROWS, start=10_000)

            async def clear() -> None:
                await setup_raw.execute(f"DELETE FROM {INSERT_TABLE}")

            contenders = {"ryx": lambda: ryx_core.bulk_insert(INSERT_TABLE, COLUMNS, insert_rows)}
            for raw in raws:
                sync_insert = getattr(raw, "insert_many_sync", None)
                contenders[raw.name] = (
                    (lambda s=sync_insert: s(insert_rows))
                    if sync_insert
                    else (lambda r=raw: r.insert_many(insert_rows))
                )
            stats = await timer.compare(contenders, inner=1, before=clear)
            results += pair(stats, "insert", backend, "1000 rows, one bulk call vs executemany", raws, 1.5, timer, 1)
    finally:
        await ryx_core.close()
        for table in (ROWS_TABLE, INSERT_TABLE):
            await setup_raw.execute(f"DROP TABLE IF EXISTS {table}")
        for raw in raws:
            await raw.close()
    return results, server


def pair(
    stats: dict[str, tuple[float, float, float]],
    op: str,
    backend: str,
    what: str,
    raws: list[Raw],
    target: float,
    timer: Timer,
    inner: int,
) -> list[Result]:
    """One result row per (ryx variant, raw baseline); the first raw driver is the primary baseline."""
    out = []
    for variant in [k for k in stats if k.startswith("ryx")]:
        baselines = [raws[0].name] if variant != "ryx" else [r.name for r in raws]
        if variant == "ryx sync":  # the blocking API is compared with the blocking driver
            baselines = [r.name for r in raws if r.name.startswith("sqlite3")]
        for baseline in baselines:
            med, lo, hi = stats[variant]
            raw_med, raw_lo, raw_hi = stats[baseline]
            out.append(
                Result(
                    op,
                    backend,
                    f"{what} [{variant}]",
                    baseline,
                    med,
                    raw_med,
                    target,
                    "ratio",
                    timer.runs,
                    inner,
                    (lo, hi),
                    (raw_lo, raw_hi),
                )
            )
    return out


# ------------------------------------------------------------------------------------------- reporting


def versions() -> dict[str, str]:
    found = {"ryx_core": getattr(ryx_core, "__version__", "?"), "sqlite3 (stdlib)": sqlite3.sqlite_version}
    for dist in ("asyncpg", "asyncmy", "aiomysql", "aiosqlite"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found[dist] = importlib.metadata.version(dist)
    return found


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or "?",
        "cpus": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
    }


def row_text(
    op: str, backend: str, what: str, baseline: str, ryx: str, raw: str, ratio: str, target: str, ok: str
) -> str:
    return f"{op:<7} {backend:<9} {what:<52} {baseline:<13} {ryx:>10} {raw:>10} {ratio:>7} {target:>8}  {ok}"


def render(results: list[Result], meta: dict[str, Any]) -> str:
    lines = ["ryx_core benchmark (medians; ratio = ryx / raw, lower is better)", ""]
    for key, value in meta["machine"].items():
        lines.append(f"  {key:<10} {value}")
    lines.append("  versions   " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()))
    for backend, server in meta["servers"].items():
        lines.append(f"  {backend:<10} {server}")
    lines.append(f"  method     {meta['method']}")
    lines.append("")
    cells = ("op", "backend", "what", "baseline", "ryx µs", "raw µs", "ratio", "target", "ok")
    header = row_text(*cells)
    lines += [header, "-" * len(header)]
    for r in results:
        raw = f"{r.raw_us:.1f}" if r.raw_us is not None else "-"
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
        target = f"<={r.target:g}{'x' if r.target_kind == 'ratio' else 'µs'}"
        lines.append(
            row_text(
                r.op,
                r.backend,
                r.variant[:52],
                r.baseline,
                f"{r.ryx_us:.2f}",
                raw,
                ratio,
                target,
                "yes" if r.holds else "NO",
            )
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default="sqlite", help="comma-separated backends: sqlite,postgres,mysql (default: sqlite)")
    p.add_argument("--ops", default="build,fetch,get,insert", help="comma-separated operations (default: all)")
    p.add_argument("--runs", type=int, default=7, help="timed runs per measurement; the median is reported (default 7)")
    p.add_argument("--warmup", type=int, default=2, help="untimed warm-up runs before them (default 2)")
    p.add_argument("--build-inner", type=int, default=20_000, help="query builds per run (default 20000)")
    p.add_argument("--fetch-inner", type=int, default=20, help="1000-row fetches per run (default 20)")
    p.add_argument("--get-inner", type=int, default=1000, help="single-row fetches per run (default 1000)")
    p.add_argument("--sqlite-url", default=os.environ.get("RYX_BENCH_SQLITE_URL"), help="default: a temporary file")
    p.add_argument(
        "--postgres-url",
        default=os.environ.get("RYX_BENCH_POSTGRES_URL")
        or os.environ.get("RYX_TEST_POSTGRES_URL")
        or DEFAULT_URLS["postgres"],
    )
    p.add_argument(
        "--mysql-url",
        default=os.environ.get("RYX_BENCH_MYSQL_URL") or os.environ.get("RYX_TEST_MYSQL_URL") or DEFAULT_URLS["mysql"],
    )
    p.add_argument("--mysql-driver", choices=("asyncmy", "aiomysql"), default="asyncmy")
    p.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    p.add_argument("--fail-on-miss", action="store_true", help="exit 1 when a target does not hold")
    args = p.parse_args(argv)
    args.db = [b.strip() for b in args.db.split(",") if b.strip()]
    args.ops = {o.strip() for o in args.ops.split(",") if o.strip()}
    unknown = set(args.db) - {"sqlite", "postgres", "mysql"} or args.ops - {"build", "fetch", "get", "insert"}
    if unknown:
        p.error(f"unknown backend or operation: {', '.join(sorted(unknown))}")
    return args


async def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.getLogger("asyncmy").setLevel(logging.ERROR)  # its server-warning notes ("Unknown table") are noise
    timer = Timer(runs=args.runs, warmup=args.warmup)
    results: list[Result] = []
    servers: dict[str, str] = {}
    if "build" in args.ops:
        results.append(await bench_build(timer, args.build_inner))
    with tempfile.TemporaryDirectory(prefix="ryx-bench-") as tmp:
        for backend in args.db:
            url = {"postgres": args.postgres_url, "mysql": args.mysql_url}.get(backend) or args.sqlite_url
            if url is None:
                path = Path(tmp) / "bench.db"
                sqlite3.connect(path).close()
                url = f"sqlite://{path}"
            rows, servers[backend] = await bench_backend(backend, url, timer, args)
            results += rows
    meta = {
        "machine": machine(),
        "versions": versions(),
        "servers": servers,
        "method": f"{args.warmup} warm-up + {args.runs} timed runs, contenders interleaved, "
        "median of per-iteration times",
        "argv": sys.argv[1:] if argv is None else argv,
        "when": datetime.now().isoformat(timespec="seconds"),
    }
    print(render(results, meta))
    if args.json:
        args.json.write_text(
            json.dumps({"meta": meta, "results": [r.as_json() for r in results]}, indent=2, default=str) + "\n"
        )
        print(f"\nwrote {args.json}")
    return 1 if args.fail_on_miss and not all(r.holds for r in results) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
