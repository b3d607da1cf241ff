"""Run the blog example end to end in a fresh copy: `ryx makemigrations`, `ryx migrate`, then demo.py.

    python examples/blog/run_demo.py            # in a temporary directory, removed afterwards
    python examples/blog/run_demo.py --keep DIR # in DIR (kept: try `ryx shell` there afterwards)

Every `ryx` command runs as a real subprocess (`python -m ryx`), exactly as you would type it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BOLD, CYAN, RESET = "\033[1m", "\033[36m", "\033[0m"
# Colours on a terminal only (NO_COLOR and TERM=dumb turn them off, FORCE_COLOR on), like the ryx command.
COLOR = not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
COLOR = COLOR and (sys.stdout.isatty() or bool(os.environ.get("FORCE_COLOR")))
STEPS = [
    ("Write the first migration from blog/models.py", ["ryx", "makemigrations"]),
    ("Create the tables", ["ryx", "migrate"]),
    ("What is applied", ["ryx", "showmigrations"]),
    ("Insert and query", ["python", "demo.py"]),
    ("CI would check that no model change lacks a migration", ["ryx", "makemigrations", "--check"]),
]


def _copy(target: Path) -> None:
    """Copy the example without generated files (database, migrations, caches)."""
    ignore = shutil.ignore_patterns("migrations", "*.sqlite3*", "__pycache__", "run_demo.py")
    shutil.copytree(HERE, target, ignore=ignore, dirs_exist_ok=True)


def _run(title: str, command: list[str], cwd: Path) -> None:
    """Show the command, run it, and stop the demo if it fails."""
    shown = " ".join(command)
    print(f"\n{BOLD if COLOR else ''}== {title}{RESET if COLOR else ''}")
    print(f"{CYAN if COLOR else ''}$ {shown}{RESET if COLOR else ''}", flush=True)
    argv = [sys.executable, "-m", "ryx", *command[1:]] if command[0] == "ryx" else [sys.executable, *command[1:]]
    env = {k: v for k, v in os.environ.items() if k != "RYX_DATABASE_URL" and not k.startswith("RYX_DB_")}
    code = subprocess.run(argv, cwd=cwd, env=env, check=False).returncode
    if code:
        sys.exit(f"`{shown}` failed with exit code {code}")


def main() -> None:
    """Copy the example, then run each step in the copy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="run in this directory and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ryx-blog-") as tmp:
        target = args.keep.resolve() if args.keep else Path(tmp) / "blog"
        if target.exists() and any(target.iterdir()):
            sys.exit(f"{target} is not empty; give --keep a new directory")
        _copy(target)
        print(f"The blog example, in {target} (SQLite file blog.sqlite3)")
        for title, command in STEPS:
            _run(title, command, target)
        print("\nDone." + (f" The project is in {target}: try `ryx shell` there." if args.keep else ""))


if __name__ == "__main__":
    main()
