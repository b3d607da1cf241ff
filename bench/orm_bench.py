"""Benchmark of the Ryx ORM against the raw drivers and other Python ORMs, in the same run, as medians and ratios.

    python bench/orm_bench.py --db sqlite,postgres --json orm-results.json
    python bench/orm_bench.py --db sqlite --ops get,filter --contenders raw,ryx --runs 15

Operations (see bench/README.md for the method and docs/benchmarks.md for the results):
  fetch        1,000 rows as model instances (raw drivers: tuples)
  filter       filter(active, score > x) + order_by(-score) + limit 20, as instances
  aggregate    count + avg + max in one query
  get          one row by primary key (latency)
  bulk_create  1,000 new instances in one call (raw drivers: executemany in one transaction)

Contenders: the raw drivers (stdlib sqlite3 and aiosqlite; asyncpg; asyncmy), Ryx, and, when installed,
SQLAlchemy 2 (async ORM), Tortoise ORM and Django (async API, plus its blocking API as "django sync").
MariaDB/MySQL runs Ryx against asyncmy only. Each contender has its own tables (prefix bench_<name>_).
Every contender's results are checked once, untimed, before timing. Nothing here is a test: a missed
target is reported, and fails the run only with --fail-on-miss.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import importlib.metadata
import json
import logging
import os
import sqlite3
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from core_bench import DEFAULT_URLS, machine
from ormbench.common import (
    N_ROWS,
    OPS,
    PRIMARY_RAW,
    TARGETS,
    Contender,
    Result,
    Timer,
    call,
    conclude,
    expected_top_ids,
    make_rows,
)
from ormbench.raw import open_raw
from ormbench.report import render
from ormbench.sides import Admin, Side

ORMS = ("ryx", "sqlalchemy", "tortoise", "django")
#: Backends each third-party ORM is measured on (the issue asks for SQLite and PostgreSQL).
OTHER_ORM_BACKENDS = ("sqlite", "postgres")
#: The library each contender needs, to tell "not installed" apart from a real failure.
REQUIRES = {"sqlalchemy": "sqlalchemy", "tortoise": "tortoise", "django": "django"}


class CheckFailed(RuntimeError):
    """A contender returned a wrong result: its times would mean nothing."""


def available(name: str) -> bool:
    module = REQUIRES.get(name)
    if module is None:
        return True
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


async def open_orms(backend: str, url: str, wanted: list[str], urls: dict[str, str]) -> list[Side]:
    """Open the ORM contenders wanted on this backend, Ryx first."""
    sides: list[Side] = []
    if "ryx" in wanted:
        from ormbench.ryx_side import RyxSide

        sides.append(await RyxSide.open(url))
    if backend not in OTHER_ORM_BACKENDS:
        return sides
    if "sqlalchemy" in wanted:
        from ormbench.sqlalchemy_side import SqlAlchemySide

        sides.append(await SqlAlchemySide.open(backend, url))
    if "tortoise" in wanted:
        from ormbench.tortoise_side import TortoiseSide

        sides.append(await TortoiseSide.open(backend, url))
    if "django" in wanted:
        from ormbench import django_side

        django_side.configure(urls)
        sides += [django_side.DjangoSide(backend), django_side.DjangoSyncSide(backend)]
    return sides


# ------------------------------------------------------------------------------------------------ checking


async def check(side: Side, admin: Admin, ops: set[str], rows: list[tuple[Any, ...]]) -> None:
    """Run each operation once and compare its result with what the loaded rows imply."""

    def fail(op: str, got: Any, want: Any) -> None:
        raise CheckFailed(f"{side.name} on {admin.backend}, {op}: got {got!r}, expected {want!r}")

    if "fetch" in ops:
        ids = sorted(side.ids(await call(side.fetch)))
        if ids != list(range(1, N_ROWS + 1)):
            fail("fetch", f"{len(ids)} rows, ids {ids[:3]}...", f"ids 1..{N_ROWS}")
    if "filter" in ops:
        got = side.ids(await call(side.filter_top))
        if got != expected_top_ids(rows):
            fail("filter", got, expected_top_ids(rows))
    if "aggregate" in ops:
        n, avg, mx = side.agg_values(await call(side.aggregate))
        want = (N_ROWS, sum(r[1] for r in rows) / N_ROWS, max(r[1] for r in rows))
        if n != want[0] or abs(avg - want[1]) > 1e-6 or mx != want[2]:
            fail("aggregate", (n, avg, mx), want)
    if "get" in ops:
        got = side.ids([await call(lambda: side.get(7))])
        if got != [7]:
            fail("get", got, [7])
    if "bulk_create" in ops:
        await admin.clear_inserted(side.prefix)
        await call(lambda: side.bulk_create(rows))
        count = await admin.count_inserted(side.prefix)
        await admin.clear_inserted(side.prefix)
        if count != N_ROWS:
            fail("bulk_create", f"{count} rows inserted", N_ROWS)


# ------------------------------------------------------------------------------------------------ timing


def contender(side: Side, op: str, admin: Admin, rows: list[tuple[Any, ...]], next_pk: Any) -> Contender:
    """Return the timed callable of ``op`` for ``side`` (bulk_create empties the side's table first, untimed)."""
    if op == "fetch":
        return Contender(side.name, side.fetch)
    if op == "filter":
        return Contender(side.name, side.filter_top)
    if op == "aggregate":
        return Contender(side.name, side.aggregate)
    if op == "get":
        return Contender(side.name, lambda: side.get(next_pk()))
    return Contender(side.name, lambda: side.bulk_create(rows), before=lambda: admin.clear_inserted(side.prefix))


async def bench_backend(
    backend: str, url: str, timer: Timer, args: argparse.Namespace, urls: dict[str, str]
) -> tuple[list[Result], str, list[str]]:
    rows = make_rows()
    admin = await Admin.open(backend, url)
    sides: list[Side] = []
    prefixes: list[str] = []
    try:
        sides += await open_raw(backend, url)
        sides += await open_orms(backend, url, args.contenders, urls)
        for side in sides:
            if side.prefix not in prefixes:
                prefixes.append(side.prefix)
                await admin.prepare(side.prefix, rows)
        excluded: list[str] = []
        for side in list(sides):
            try:
                await check(side, admin, args.ops, rows)
            except Exception as exc:  # a wrong result or a crash: report it, and time nobody's wrong answers
                if side.raw:
                    raise
                excluded.append(f"{side.name} on {backend}: {type(exc).__name__}: {exc}")
                print(f"excluded {excluded[-1]}", file=sys.stderr)
                sides.remove(side)

        counter = iter(range(10**12))

        def next_pk() -> int:
            return next(counter) % N_ROWS + 1

        results: list[Result] = []
        for op in [o for o in OPS if o in args.ops]:
            inner = getattr(args, f"{op}_inner")
            stats = await timer.compare([contender(s, op, admin, rows, next_pk) for s in sides], inner)
            baseline, target = TARGETS.get((backend, op), (PRIMARY_RAW[backend], None))
            base_us = stats[baseline][0]
            for side in sides:
                med, lo, hi = stats[side.name]
                results.append(
                    Result(
                        op,
                        backend,
                        side.name,
                        med,
                        (lo, hi),
                        baseline,
                        base_us,
                        target if side.name == "ryx" else None,
                        timer.runs,
                        inner,
                    )
                )
        return results, admin.server, excluded
    finally:
        for side in sides:
            with contextlib.suppress(Exception):
                await side.close()
        for prefix in prefixes:
            await admin.drop(prefix)
        await admin.close()


# ------------------------------------------------------------------------------------------------ main


def versions() -> dict[str, str]:
    found = {"sqlite3 (stdlib)": sqlite3.sqlite_version}
    dists = ("ryx-orm", "ryx-core", "sqlalchemy", "tortoise-orm", "django", "asyncpg", "aiosqlite", "asyncmy")
    for dist in (*dists, "psycopg"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found[dist] = importlib.metadata.version(dist)
    return found


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default="sqlite", help="comma-separated backends: sqlite,postgres,mysql (default: sqlite)")
    p.add_argument("--ops", default=",".join(OPS), help=f"comma-separated operations (default: {','.join(OPS)})")
    p.add_argument(
        "--contenders",
        default="all",
        help=f"comma-separated ORMs besides the raw drivers: {','.join(ORMS)} (default: all installed)",
    )
    p.add_argument("--runs", type=int, default=7, help="timed runs per measurement; the median is reported (default 7)")
    p.add_argument("--warmup", type=int, default=2, help="untimed warm-up runs before them (default 2)")
    p.add_argument("--fetch-inner", type=int, default=10, help="1000-row fetches per run (default 10)")
    p.add_argument("--filter-inner", type=int, default=100, help="filter queries per run (default 100)")
    p.add_argument("--aggregate-inner", type=int, default=100, help="aggregate queries per run (default 100)")
    p.add_argument("--get-inner", type=int, default=300, help="gets by primary key per run (default 300)")
    p.add_argument("--bulk-create-inner", dest="bulk_create_inner", type=int, default=1, help="(default 1)")
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
    p.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    p.add_argument("--fail-on-miss", action="store_true", help="exit 1 when a target of Ryx does not hold")
    for hidden in ("--child-backend", "--child-url", "--child-out"):  # set by the parent for its child processes
        p.add_argument(hidden, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.db = [b.strip() for b in args.db.split(",") if b.strip()]
    args.ops = {o.strip() for o in args.ops.split(",") if o.strip()}
    explicit = args.contenders != "all"
    args.contenders = list(ORMS) if not explicit else [c.strip() for c in args.contenders.split(",") if c.strip()]
    args.contenders = [
        c for c in args.contenders if c not in ("raw", "none")
    ]  # the raw drivers always run: they are the baseline
    unknown = set(args.db) - {"sqlite", "postgres", "mysql"}
    unknown |= (args.ops - set(OPS)) | (set(args.contenders) - set(ORMS))
    if unknown:
        p.error(f"unknown backend, operation or contender: {', '.join(sorted(unknown))}")
    missing = [c for c in args.contenders if not available(c)]
    if missing and explicit:
        p.error(f"not installed: {', '.join(missing)} (pip install the bench dependency group)")
    args.skipped = missing
    args.contenders = [c for c in args.contenders if c not in missing]
    return args


async def run_backend(args: argparse.Namespace) -> dict[str, Any]:
    """Child process: benchmark one backend; return its results, server version and excluded contenders."""
    backend, url = args.child_backend, args.child_url
    logging.getLogger("asyncmy").setLevel(logging.ERROR)  # its server-warning notes ("Unknown table") are noise
    timer = Timer(runs=args.runs, warmup=args.warmup)
    results, server, excluded = await bench_backend(backend, url, timer, args, {backend: url})
    return {"results": [r.as_json() for r in results], "server": server, "excluded": excluded}


def child_argv(args: argparse.Namespace, backend: str, url: str, out: Path) -> list[str]:
    """Return the command line of the child process that benchmarks ``backend``."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--ops", ",".join(sorted(args.ops))]
    argv += ["--contenders", ",".join(args.contenders) or "none", "--runs", str(args.runs)]
    argv += ["--warmup", str(args.warmup)]
    for op in OPS:
        argv += [f"--{op.replace('_', '-')}-inner", str(getattr(args, f"{op}_inner"))]
    return [*argv, "--child-backend", backend, "--child-url", url, "--child-out", str(out)]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child_backend:
        Path(args.child_out).write_text(json.dumps(asyncio.run(run_backend(args)), default=str))
        return 0
    results: list[dict[str, Any]] = []
    servers: dict[str, str] = {}
    excluded: list[str] = []
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ryx-orm-bench-") as tmp:
        for backend in args.db:
            url = {"postgres": args.postgres_url, "mysql": args.mysql_url}.get(backend) or args.sqlite_url
            if url is None:
                path = Path(tmp) / "bench.db"
                sqlite3.connect(path).close()
                url = f"sqlite://{path}"
            # One process per backend: the ORMs keep per-process state (Django's settings, Tortoise's caches
            # of compiled statements) that cannot be switched to another database cleanly.
            out = Path(tmp) / f"{backend}.json"
            print(f"benchmarking {backend}...", file=sys.stderr, flush=True)
            if subprocess.run(child_argv(args, backend, url, out), check=False).returncode != 0 or not out.exists():
                failed.append(backend)
                continue
            data = json.loads(out.read_text())
            results += data["results"]
            servers[backend] = data["server"]
            excluded += data["excluded"]
    meta = {
        "machine": machine(),
        "versions": versions(),
        "servers": servers,
        "method": f"{args.warmup} warm-up + {args.runs} timed runs, contenders interleaved, "
        "median of per-iteration times; garbage collected (untimed) before each contender's batch; every "
        "contender's results checked once before timing",
        "skipped": [f"{name} (not installed)" for name in args.skipped] + excluded,
        "argv": sys.argv[1:] if argv is None else argv,
        "when": datetime.now().isoformat(timespec="seconds"),
    }
    return conclude(results, meta, render, args.json, failed, args.fail_on_miss)


if __name__ == "__main__":
    sys.exit(main())
