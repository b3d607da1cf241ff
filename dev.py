#!/usr/bin/env python3
"""Set up the development tools in ./.venv-dev (nox and uv from PyPI) and run a nox task.

    python3 dev.py demo      # build everything and run the demo on embedded SQLite
    python3 dev.py test      # build everything and run the whole test suite (Rust, lint, 3 databases, docs)
    python3 dev.py -- ARGS   # any other nox invocation, e.g. `python3 dev.py -- -s "tests(db='sqlite')"`

Needs only Python >= 3.11 and a Rust toolchain (cargo) on PATH. Everything is installed inside the clone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TOOLS = ROOT / ".venv-dev"
TASKS = {
    "demo": ["-s", "demo"],
    "test": ["-s", "rust", "lint", "tests", "docs", "demo"],
}


def _bin(name: str) -> Path:
    return TOOLS / ("Scripts" if os.name == "nt" else "bin") / name


def _ensure_tools() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Ryx needs Python >= 3.11; this is {sys.version.split()[0]}")
    if shutil.which("cargo") is None:
        sys.exit("Ryx's engine is Rust: install a Rust toolchain (https://rustup.rs) so that `cargo` is on PATH")
    if not _bin("nox").exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(TOOLS)
        subprocess.run([str(_bin("python")), "-m", "pip", "install", "-q", "nox>=2025.2", "uv"], check=True)


def main(argv: list[str]) -> int:
    if not argv or (argv[0] not in TASKS and argv[0] != "--"):
        print(__doc__)
        return 2
    _ensure_tools()
    args = argv[1:] if argv[0] == "--" else TASKS[argv[0]] + argv[1:]
    env = dict(os.environ)
    # nox finds uv next to itself; make the tool venv's scripts visible to the sessions too.
    env["PATH"] = f"{_bin('nox').parent}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run([str(_bin("nox")), "-f", str(ROOT / "noxfile.py"), *args], env=env, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
