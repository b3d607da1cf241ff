"""Where the time of a Ryx ORM operation goes: raw driver vs engine alone vs ORM, then a cProfile of the ORM side.

    python bench/orm_profile.py --db sqlite                      # the split of every operation
    python bench/orm_profile.py --db postgres --ops get --cprofile 25

For each operation three contenders run interleaved (as in orm_bench.py): the raw driver, ``ryx_core``
running the SQL the ORM compiles (the engine alone, with the same decoding hints), and the ORM call. So

    engine overhead = engine - raw         (Rust: pool, executor, decoding, the bridge to asyncio)
    ORM overhead    = orm - engine         (Python: building the QuerySet, compiling, hydrating instances)

``--cprofile N`` then profiles the ORM call alone and prints its N most expensive functions (own time),
and ``cpu`` reports the event-loop thread's CPU time per call, which other processes on the machine do not
inflate the way they inflate wall-clock medians.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ryx_core
from core_bench import DEFAULT_URLS
from ormbench.common import N_ROWS, OPS, Contender, Timer, make_rows
from ormbench.raw import open_raw
from ormbench.ryx_side import PREFIX, RyxIns, RyxRow, RyxSide
from ormbench.sides import Admin
from ryx.query.compiler import output_hints


def engine_calls(backend: str, side: RyxSide, rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """Return, per operation, a callable running on ``ryx_core`` alone what the ORM call sends to it."""
    q = '"' if backend != "mysql" else "`"
    calls: dict[str, Any] = {}
    for op, qs in (
        ("fetch", RyxRow.objects.all()),
        ("filter", RyxRow.objects.filter(active=True, score__gt=250.0).order_by("-score").limit(20)),
        ("get", RyxRow.objects.filter(pk=7).limit(2)),
    ):
        sql, params = qs.sql()
        hints = output_hints(qs._state)
        calls[op] = lambda sql=sql, params=params, hints=hints: ryx_core.fetch_all(
            sql, params, as_tuples=True, hints=hints
        )
    agg = f"SELECT COUNT({q}id{q}) AS {q}n{q}, AVG({q}score{q}) AS {q}avg{q}, MAX({q}score{q}) AS {q}mx{q} FROM "
    agg += f"{q}{RyxRow._meta.table_name}{q}"
    calls["aggregate"] = lambda: ryx_core.fetch_all(agg, as_tuples=True, hints=["int", "float", "float"])
    fields = [f for f in RyxIns._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    # The rows in their database form, prepared once: the engine's share of bulk_create, without the Python.
    db_rows = [[f.to_db(f.to_python(v)) for f, v in zip(fields, row, strict=True)] for row in rows]

    async def insert() -> Any:
        async with await ryx_core.begin() as tx:
            for start in range(0, len(db_rows), 500):  # the ORM's default batch_size
                await ryx_core.bulk_insert(
                    RyxIns._meta.table_name, columns, db_rows[start : start + 500], returning="id", tx=tx
                )

    calls["bulk_create"] = insert
    return calls


async def cpu_per_call(fn: Any, n: int, before: Any = None) -> float:
    """Return the event-loop thread's CPU time per call, in µs."""
    total = 0
    for _ in range(n):
        if before is not None:
            await before()
        start = time.thread_time_ns()
        await fn()
        total += time.thread_time_ns() - start
    return total / n / 1000


async def profile(backend: str, url: str, args: argparse.Namespace) -> None:
    rows = make_rows()
    admin = await Admin.open(backend, url)
    raws = await open_raw(backend, url)
    side = await RyxSide.open(url)
    raw = raws[0]
    try:
        for prefix in (raw.prefix, PREFIX):
            await admin.prepare(prefix, rows)
        engine = engine_calls(backend, side, rows)
        timer = Timer(runs=args.runs, warmup=args.warmup)
        counter = iter(range(10**12))
        orm_calls = {
            "fetch": side.fetch,
            "filter": side.filter_top,
            "aggregate": side.aggregate,
            "get": lambda: side.get(next(counter) % N_ROWS + 1),
            "bulk_create": lambda: side.bulk_create(rows),
        }
        raw_calls = {
            "fetch": raw.fetch,
            "filter": raw.filter_top,
            "aggregate": raw.aggregate,
            "get": lambda: raw.get(7),
            "bulk_create": lambda: raw.bulk_create(rows),
        }
        print(f"\n[{backend}] {admin.server}; medians of {args.runs} runs (µs); cpu = event-loop thread CPU per call")
        print(
            f"{'op':<12} {raw.name:>10} {'engine':>10} {'orm':>10}   {'engine-raw':>10} {'orm-engine':>10}   "
            f"{'cpu engine':>10} {'cpu orm':>10}"
        )
        for op in [o for o in OPS if o in args.ops]:
            inner = {"fetch": 10, "bulk_create": 1}.get(op, 200)

            def clear(prefix: str, op: str = op) -> Any:
                return (lambda: admin.clear_inserted(prefix)) if op == "bulk_create" else None

            stats = await timer.compare(
                [
                    Contender("raw", raw_calls[op], clear(raw.prefix)),
                    Contender("engine", engine[op], clear(PREFIX)),
                    Contender("orm", orm_calls[op], clear(PREFIX)),
                ],
                inner,
            )
            r, e, o = (stats[k][0] for k in ("raw", "engine", "orm"))
            before = clear(PREFIX)
            cpu_e = await cpu_per_call(engine[op], max(inner, 5), before)
            cpu_o = await cpu_per_call(orm_calls[op], max(inner, 5), before)
            print(
                f"{op:<12} {r:>10.1f} {e:>10.1f} {o:>10.1f}   {e - r:>10.1f} {o - e:>10.1f}   "
                f"{cpu_e:>10.1f} {cpu_o:>10.1f}"
            )
        if args.cprofile:
            for op in [o for o in OPS if o in args.ops]:
                n = {"fetch": 30, "bulk_create": 10}.get(op, 1000)
                prof = cProfile.Profile()
                for _ in range(n):
                    if op == "bulk_create":
                        await admin.clear_inserted(PREFIX)
                    prof.enable()
                    await orm_calls[op]()
                    prof.disable()
                out = io.StringIO()
                stats_ = pstats.Stats(prof, stream=out)
                stats_.sort_stats("tottime").print_stats(args.cprofile)
                print(f"\n--- cProfile of the ORM {op} on {backend}, {n} calls (own time first) ---")
                print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])
    finally:
        await side.close()
        for r_ in raws:
            await r_.close()
        for prefix in (raw.prefix, PREFIX):
            await admin.drop(prefix)
        await admin.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default="sqlite", choices=("sqlite", "postgres", "mysql"))
    p.add_argument("--ops", default=",".join(OPS))
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--cprofile", type=int, default=0, metavar="N", help="print the N costliest functions per op")
    p.add_argument("--url", help="database URL (default: the benchmark's, SQLite: a temporary file)")
    args = p.parse_args()
    args.ops = {o.strip() for o in args.ops.split(",")}
    with tempfile.TemporaryDirectory(prefix="ryx-orm-profile-") as tmp:
        url = args.url or os.environ.get(f"RYX_BENCH_{args.db.upper()}_URL") or DEFAULT_URLS.get(args.db)
        if url is None:
            path = Path(tmp) / "profile.db"
            sqlite3.connect(path).close()
            url = f"sqlite://{path}"
        asyncio.run(profile(args.db, url, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
