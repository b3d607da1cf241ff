"""Every task of the Ryx monorepo: build, tests per database, Rust checks, lint, docs, bench and demo.

`nox -l` lists the sessions. The Rust extension is built once per nox run (release wheel into `dist/`) and
installed, with the pure-Python wheels, into each session that needs it.

Database URLs come from `RYX_TEST_SQLITE_URL`, `RYX_TEST_POSTGRES_URL` and `RYX_TEST_MYSQL_URL` (defaults:
a temporary SQLite file, postgres://postgres@127.0.0.1:5432/test, mysql://root@127.0.0.1:3306/test). A test
run skips a backend whose server is unreachable unless `RYX_REQUIRE_DB=1` (CI sets it), which fails instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
DIST = ROOT / "dist"
PACKAGES = ROOT / "packages"
DATABASES = ("sqlite", "postgres", "mysql")
# Order matters for installation: each package pins the one before it.
PURE_PACKAGES = ("ryx-orm", "ryx-migrate", "ryx-cli", "ryx")
TEST_PACKAGES = ("ryx-core", "ryx-orm", "ryx-migrate", "ryx-cli")
DEFAULT_URLS = {
    "postgres": "postgres://postgres@127.0.0.1:5432/test",
    "mysql": "mysql://root@127.0.0.1:3306/test",
}

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["rust", "lint", "tests", "docs", "demo"]

PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")

_built_wheels: list[Path] = []


def _group(name: str) -> list[str]:
    return nox.project.dependency_groups(PYPROJECT, name)


def _build(session: nox.Session) -> list[Path]:
    """Build every wheel once per nox run: the release extension with maturin, the rest with uv or pip."""
    if _built_wheels:
        return _built_wheels
    DIST.mkdir(exist_ok=True)
    for old in DIST.glob("ryx*.whl"):
        old.unlink()
    session.install("maturin>=1.8,<2")
    session.run(
        "maturin",
        "build",
        "--release",
        "--manifest-path",
        str(PACKAGES / "ryx-core" / "Cargo.toml"),
        "--out",
        str(DIST),
        "--interpreter",
        "python",
    )
    for name in PURE_PACKAGES:
        if shutil.which("uv"):
            session.run("uv", "build", "--wheel", "--out-dir", str(DIST), str(PACKAGES / name), external=True)
        else:
            session.install("build")
            session.run("python", "-m", "build", "--wheel", "--outdir", str(DIST), str(PACKAGES / name))
    wheels = sorted(DIST.glob("ryx*.whl"))
    if len(wheels) != 1 + len(PURE_PACKAGES):
        session.error(f"expected {1 + len(PURE_PACKAGES)} wheels in {DIST}, found {[w.name for w in wheels]}")
    _built_wheels.extend(wheels)
    return _built_wheels


def _install_ryx(session: nox.Session, *extra: str) -> None:
    """Install the freshly built wheels (always replacing an earlier build of the same version) and extras."""
    wheels = [str(w) for w in _build(session)]
    names = ["ryx-core", *PURE_PACKAGES]
    if session.venv_backend == "uv":
        reinstall = [arg for name in names for arg in ("--reinstall-package", name)]
        session.install(*reinstall, *wheels, *extra)
    else:
        session.run("python", "-m", "pip", "uninstall", "-y", "-q", *names, silent=True)
        session.install(*wheels, *extra)


@nox.session
def build(session: nox.Session) -> None:
    """Build the release wheels of all five packages into dist/."""
    for wheel in _build(session):
        session.log(f"built {wheel.relative_to(ROOT)}")


@nox.session
@nox.parametrize("db", DATABASES)
def tests(session: nox.Session, db: str) -> None:
    """Run the pytest suites of every package against one database (`nox -s "tests(db='postgres')"`)."""
    _install_ryx(session, *_group("test"))
    env = {"RYX_TEST_DB": db}
    for name, url in DEFAULT_URLS.items():
        env[f"RYX_TEST_{name.upper()}_URL"] = os.environ.get(f"RYX_TEST_{name.upper()}_URL", url)
    ran = 0
    for name in TEST_PACKAGES:
        test_dir = PACKAGES / name / "tests"
        if not any(test_dir.glob("test_*.py")):
            continue
        session.run("pytest", str(test_dir), f"--db={db}", "-p", "no:cacheprovider", *session.posargs, env=env)
        ran += 1
    if not ran:
        session.error("no test suite found")


@nox.session(venv_backend="none")
def rust(session: nox.Session) -> None:
    """cargo fmt --check, clippy -D warnings and cargo test (engine integration tests use the test URLs)."""
    env = {f"RYX_TEST_{k.upper()}_URL": os.environ.get(f"RYX_TEST_{k.upper()}_URL", v) for k, v in DEFAULT_URLS.items()}
    session.run("cargo", "fmt", "--all", "--", "--check", external=True)
    session.run("cargo", "clippy", "--workspace", "--all-targets", "--", "-D", "warnings", external=True)
    session.run("cargo", "test", "--workspace", external=True, env=env)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint + format check), mypy --strict, and stubtest of the extension's .pyi against the build."""
    _install_ryx(session, *_group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    allow = PACKAGES / "ryx-core" / "stubtest-allowlist.txt"
    session.run("python", "-m", "mypy.stubtest", "ryx_core", "--allowlist", str(allow))


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site with `mkdocs build --strict`."""
    session.install(*_group("docs"))
    session.run("mkdocs", "build", "--strict", "--site-dir", str(ROOT / "site"))


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: ryx_core and the Ryx ORM against the raw drivers (and other ORMs), in the same run.

    Writes bench/results/core.json, orm.json and relations.json. Arguments after ``--`` go to every script,
    so use the options they share (``--db``, ``--runs``, ``--warmup``): ``nox -s bench -- --db sqlite``.
    """
    _install_ryx(session, *_group("bench"))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    args = session.posargs or ["--db", "sqlite,postgres,mysql"]
    session.run("python", str(ROOT / "bench" / "core_bench.py"), *args, "--json", str(out / "core.json"))
    session.run("python", str(ROOT / "bench" / "orm_bench.py"), *args, "--json", str(out / "orm.json"))
    session.run("python", str(ROOT / "bench" / "relations_bench.py"), *args, "--json", str(out / "relations.json"))


@nox.session
def demo(session: nox.Session) -> None:
    """Run the blog example end to end on embedded SQLite: ryx makemigrations, ryx migrate, queries."""
    _install_ryx(session)
    session.run("python", str(ROOT / "examples" / "blog" / "run_demo.py"), *session.posargs)
