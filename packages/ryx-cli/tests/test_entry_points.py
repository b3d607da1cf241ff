"""`ryx version`, `python -m ryx` and the `ryx` script: help everywhere, exit codes, and a missing ryx-cli."""

from __future__ import annotations

import subprocess
import sys

import pytest
import ryx
import ryx_core
from support import Project, ryx_script

COMMANDS = (
    "makemigrations",
    "migrate",
    "showmigrations",
    "sqlmigrate",
    "squashmigrations",
    "inspectdb",
    "check",
    "flush",
    "shell",
    "dbshell",
    "version",
)


def test_version(offline_project: Project) -> None:
    result = offline_project.invoke("version")
    assert result.exit_code == 0
    assert result.output == f"ryx {ryx.__version__}\n"
    result = offline_project.invoke("version", "-v")
    assert result.exit_code == 0
    for line in ("ryx-orm 0.2.0", "ryx-core 0.2.0", "ryx-migrate 0.2.0", "ryx-cli 0.2.0"):
        assert line in result.output
    assert f"Rust core (ryx_core extension) {ryx_core.__version__}" in result.output


@pytest.mark.parametrize("script", [False, True], ids=["python -m ryx", "ryx script"])
def test_version_as_a_subprocess(offline_project: Project, script: bool) -> None:
    proc = offline_project.run("version", "--verbose", script=script)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"ryx {ryx.__version__}\n")
    assert "Rust core" in proc.stdout


def test_help_everywhere(offline_project: Project) -> None:
    result = offline_project.invoke("--help")
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output
    for name in COMMANDS:
        result = offline_project.invoke(name, "--help")
        assert result.exit_code == 0, name
        assert f"Usage: ryx {name}" in result.output
        assert "--database-url" in result.output  # the global options are accepted after the command too


def test_usage_errors_exit_2(offline_project: Project) -> None:
    assert offline_project.invoke().exit_code == 2  # no command: help, as a usage error
    result = offline_project.invoke("frobnicate")
    assert result.exit_code == 2
    assert "No such command" in result.output
    assert offline_project.invoke("version", "--bogus").exit_code == 2
    proc = offline_project.run("frobnicate", script=True)
    assert proc.returncode == 2
    assert "No such command 'frobnicate'" in proc.stderr


def test_python_m_ryx_without_ryx_cli_says_what_to_install() -> None:
    code = "import sys; sys.modules['ryx_cli'] = None; from ryx.__main__ import main; main(['version'])"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "pip install ryx-cli" in proc.stderr
    assert proc.stdout == ""


def test_entry_point_is_ryx_main() -> None:
    from ryx.__main__ import main

    assert callable(main)
    assert ryx_script().endswith("ryx")
