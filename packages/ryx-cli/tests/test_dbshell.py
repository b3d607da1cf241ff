"""`ryx dbshell`: the database's own client on the selected alias, with the password kept out of its argv."""

from __future__ import annotations

import shutil
import sys

import pytest
from ryx_cli.clients import client_call
from ryx_cli.errors import CommandError, UsageError
from support import Project

CLIENTS = {"sqlite": ("sqlite3",), "postgres": ("psql",), "mysql": ("mariadb", "mysql")}


def _have_client(backend: str) -> bool:
    return any(shutil.which(name) for name in CLIENTS[backend])


def test_dbshell_runs_sql_on_the_database(project: Project) -> None:
    if not _have_client(project.backend):
        pytest.skip(f"no {project.backend} client installed")
    project.create_library()
    table = project.quote(project.prefix + "_authors")
    result = project.invoke("dbshell", "-c", f"INSERT INTO {table} (name) VALUES ('from dbshell')")
    assert result.exit_code == 0
    assert project.count("{p}_authors") == 1
    proc = project.run("dbshell", "--command", f"SELECT name FROM {table}", script=True)
    assert proc.returncode == 0, proc.stderr
    assert "from dbshell" in proc.stdout


def test_dbshell_passes_the_clients_exit_code(project: Project) -> None:
    if not _have_client(project.backend):
        pytest.skip(f"no {project.backend} client installed")
    proc = project.run("dbshell", "-c", "SELECT * FROM no_such_table_anywhere")
    assert proc.returncode != 0


def test_password_goes_to_the_environment_not_argv() -> None:
    if shutil.which("psql"):
        call = client_call("postgres://bob:s3cr%40t@db.example:6543/app?sslmode=require", command="SELECT 1")
        assert "s3cr@t" not in " ".join(call.argv)
        assert call.env == {"PGPASSWORD": "s3cr@t", "PGSSLMODE": "require"}
        assert call.argv[1:] == [
            "--host", "db.example", "--port", "6543", "--username", "bob", "--dbname", "app", "--command", "SELECT 1"
        ]  # fmt: skip
    if shutil.which("mysql") or shutil.which("mariadb"):
        call = client_call("mysql://root:pw@127.0.0.1:3307/shop", command="SELECT 1")
        assert "pw" not in call.argv
        assert call.env == {"MYSQL_PWD": "pw"}
        assert call.argv[1:] == [
            "--host",
            "127.0.0.1",
            "--port",
            "3307",
            "--user",
            "root",
            "--execute",
            "SELECT 1",
            "shop",
        ]
    if shutil.which("sqlite3"):
        assert client_call("sqlite:///tmp/x.db", command=".tables").argv[1:] == ["/tmp/x.db", ".tables"]


def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(UsageError, match="in-memory"):
        client_call("sqlite::memory:")


def test_missing_client_says_what_to_install(offline_project: Project) -> None:
    env = {"PATH": "/nonexistent"}
    proc = offline_project.run("dbshell", "-c", "select 1", env=env)
    assert proc.returncode == 1
    assert "sqlite3 is not on PATH" in proc.stderr and "install" in proc.stderr
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", "/nonexistent")
        with pytest.raises(CommandError, match="psql is not on PATH"):
            client_call("postgres://h/db")
    assert sys.executable  # the subprocess ran through the absolute interpreter path
