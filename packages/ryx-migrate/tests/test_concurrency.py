"""Two runners at once, in one process and in two processes: one waits, nothing is applied twice."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import ryx
import ryx_core
from helpers import forget, model
from ryx_migrate.autodetect import Autodetector
from ryx_migrate.dialects import dialect_of
from ryx_migrate.errors import MigrationLockError
from ryx_migrate.lock import MigrationLock
from ryx_migrate.runner import MigrationRunner

SLOW_MIGRATION = """\
import asyncio
from ryx_migrate import operations as ops

async def forwards(ctx):
    await asyncio.sleep(0.5)
    await ctx.execute('INSERT INTO {table} (n) VALUES (?)', [1])

class Migration:
    dependencies = ['0001_initial']
    operations = [ops.RunPython(forwards, ops.RunPython.noop)]
"""


def setup_files(prefix: str, migdir: Path) -> type:
    runs = model("Run", f"{prefix}_runs", {"n": ryx.IntField(default=0)})
    Autodetector([runs], migdir).write_migration()
    (migdir / "0002_slow.py").write_text(SLOW_MIGRATION.format(table=f"{prefix}_runs"))
    return runs


async def test_two_runners_in_one_process(db: str, prefix: str, migdir: Path) -> None:
    runs = setup_files(prefix, migdir)
    first, second = (MigrationRunner([runs], migrations_dir=migdir, history_table=f"{prefix}history") for _ in range(2))
    done = await asyncio.gather(first.migrate(), second.migrate())
    assert sorted(len(d) for d in done) == [0, 2]  # one applied both migrations, the other found nothing to do
    assert await ryx_core.fetch_scalar(f"SELECT COUNT(*) FROM {prefix}_runs") == 1
    assert len((await first.applied())["default"]) == 2
    forget(runs)


async def test_two_processes(db: str, db_url: str, prefix: str, migdir: Path, tmp_path: Path) -> None:
    setup_files(prefix, migdir)
    script = tmp_path / "run.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import asyncio, ryx
            from ryx_migrate.runner import MigrationRunner

            async def main():
                await ryx.setup({db_url!r})
                steps = await MigrationRunner([], migrations_dir={str(migdir)!r},
                                              history_table={prefix + "history"!r}).migrate()
                print(len(steps))
                await ryx.close()

            asyncio.run(main())
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [
        subprocess.Popen(  # noqa: ASYNC220  (the two processes must run at once; the test only waits)
            [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err.decode()
    # Without files for the models the runner creates nothing: here both see the files, one applies them.
    assert sorted(int(out) for out, _ in outputs) == [0, 2]
    assert await ryx_core.fetch_scalar(f"SELECT COUNT(*) FROM {prefix}_runs") == 1


async def test_a_held_lock_fails_clearly_and_changes_nothing(db: str, prefix: str, migdir: Path) -> None:
    runs = setup_files(prefix, migdir)
    run = MigrationRunner([runs], migrations_dir=migdir, history_table=f"{prefix}history", lock_timeout=0.3)
    if db == "sqlite":
        holder = await ryx_core.begin()  # BEGIN IMMEDIATE: the SQLite write lock
        await ryx_core.execute("CREATE TABLE IF NOT EXISTS t_lock_probe (x INTEGER)", tx=holder)
        release = holder.rollback
    else:
        lock = MigrationLock("default", dialect_of(), f"{prefix}history")
        await lock.__aenter__()

        async def release() -> None:
            await lock.__aexit__(None, None, None)

    try:
        with pytest.raises(MigrationLockError, match="another process"):
            await run.migrate()
    finally:
        await release()
    assert not any(t.startswith(prefix) for t in await _tables())
    forget(runs)


async def _tables() -> list[str]:
    from ryx_migrate.introspect import table_names

    return await table_names()
