"""`ryx makemigrations`: files written from the models, --check for CI, --dry-run, --empty, --name, renames."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from support import LIBRARY, Project

WITH_ISBN = LIBRARY.replace(
    "    pages = ryx.IntField(default=0)\n",
    "    pages = ryx.IntField(default=0)\n    isbn = ryx.CharField(max_length=13, null=True)\n",
)
RENAMED_PAGES = LIBRARY.replace("    pages = ryx.IntField(default=0)\n", "    page_count = ryx.IntField(default=0)\n")


def test_check_fails_until_the_migration_is_written(offline_project: Project) -> None:
    result = offline_project.invoke("makemigrations", "--check")
    assert result.exit_code == 1
    assert "+ Create model Author" in result.output and "+ Create model Book" in result.output
    assert "run `ryx makemigrations`" in result.output
    assert offline_project.migration_files() == []  # --check writes nothing

    result = offline_project.invoke("makemigrations")
    assert result.exit_code == 0, result.output
    assert offline_project.migration_files() == ["0001_initial"]
    assert "migrations/0001_initial.py" in result.output

    result = offline_project.invoke("makemigrations", "--check")
    assert result.exit_code == 0
    assert "No changes detected" in result.output


def test_check_fails_when_a_model_changed(offline_project: Project) -> None:
    assert offline_project.invoke("makemigrations").exit_code == 0
    offline_project.write_models(WITH_ISBN)
    result = offline_project.invoke("makemigrations", "--check")
    assert result.exit_code == 1
    assert "+ Add field isbn to Book" in result.output
    for script in (False, True):
        proc = offline_project.run("makemigrations", "--check", script=script)
        assert proc.returncode == 1
        assert "+ Add field isbn to Book" in proc.stdout
        assert "run `ryx makemigrations`" in proc.stderr
    assert offline_project.migration_files() == ["0001_initial"]
    proc = offline_project.run("makemigrations", "--name", "book_isbn")
    assert proc.returncode == 0, proc.stderr
    assert offline_project.migration_files() == ["0001_initial", "0002_book_isbn"]
    assert offline_project.run("makemigrations", "--check").returncode == 0


def test_dry_run_writes_nothing(offline_project: Project) -> None:
    result = offline_project.invoke("makemigrations", "--dry-run")
    assert result.exit_code == 0
    assert "+ Create model Book" in result.output
    assert "dry run: nothing was written" in result.output
    assert not offline_project.migrations.exists()


def test_empty_migration(offline_project: Project) -> None:
    assert offline_project.invoke("makemigrations").exit_code == 0
    result = offline_project.invoke("makemigrations", "--empty", "--name", "backfill")
    assert result.exit_code == 0, result.output
    assert offline_project.migration_files() == ["0001_initial", "0002_backfill"]
    source = (offline_project.migrations / "0002_backfill.py").read_text()
    assert "dependencies = ['0001_initial']" in source
    assert "operations = []" in source
    # the empty migration changes nothing: the models still match
    assert offline_project.invoke("makemigrations", "--check").exit_code == 0


def test_empty_for_an_unknown_app_is_a_usage_error(offline_project: Project) -> None:
    result = offline_project.invoke("makemigrations", "--empty", "shop")
    assert result.exit_code == 2
    assert "no model has app_label 'shop'" in result.output
    assert not offline_project.migrations.exists()


def test_bad_name_is_refused_and_nothing_is_written(offline_project: Project) -> None:
    result = offline_project.invoke("makemigrations", "--name", "not a name")
    assert result.exit_code == 1
    assert "letters, digits and underscores" in result.output
    assert offline_project.migration_files() == []


def test_rename_without_a_terminal_is_remove_plus_add(offline_project: Project) -> None:
    assert offline_project.invoke("makemigrations").exit_code == 0
    offline_project.write_models(RENAMED_PAGES)
    result = offline_project.invoke("makemigrations", "--dry-run")
    assert result.exit_code == 0
    assert "- Remove field pages from Book" in result.output
    assert "+ Add field page_count to Book" in result.output
    assert "Did you rename" not in result.output


def test_rename_question_on_a_terminal(offline_project: Project) -> None:
    """On a terminal the CLI asks, and a yes becomes a RenameField."""
    assert offline_project.invoke("makemigrations").exit_code == 0
    offline_project.write_models(RENAMED_PAGES)
    for answer, expected in (
        ("n", "- Remove field pages from Book"),
        ("y", "~ Rename field pages on Book to page_count"),
    ):
        master, slave = pty.openpty()
        try:
            os.write(master, f"{answer}\n".encode())
            proc = subprocess.run(
                [sys.executable, "-m", "ryx", "makemigrations", "--dry-run"],
                cwd=offline_project.root,
                stdin=slave,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
                env={**os.environ, "NO_COLOR": "1"},
            )
        finally:
            os.close(slave)
            os.close(master)
        assert proc.returncode == 0, proc.stderr
        assert "Did you rename Book.pages to Book.page_count? [y/N]" in proc.stdout
        assert expected in proc.stdout
    # --no-input never asks, even on a terminal
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "ryx", "makemigrations", "--dry-run", "--no-input"],
            cwd=offline_project.root,
            stdin=slave,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(slave)
        os.close(master)
    assert "Did you rename" not in proc.stdout
    assert "- Remove field pages from Book" in proc.stdout


def test_no_models_configured_is_a_usage_error(offline_project: Project) -> None:
    (offline_project.root / "ryx.toml").write_text("")
    result = offline_project.invoke("makemigrations")
    assert result.exit_code == 2
    assert "no model modules are configured" in result.output


def test_models_option_and_import_errors(offline_project: Project) -> None:
    result = offline_project.invoke("makemigrations", "--dry-run", "--models", "no_such_package.models")
    assert result.exit_code == 2
    assert "cannot import the model module 'no_such_package.models'" in result.output
    offline_project.write_models("raise RuntimeError('broken models')\n", module="broken")
    result = offline_project.invoke("makemigrations", "--models", f"{offline_project.package}.broken")
    assert result.exit_code == 1
    assert "RuntimeError: broken models" in result.output
    offline_project.write_models("X = 1\n", module="nothing")
    result = offline_project.invoke("makemigrations", "--models", f"{offline_project.package}.nothing")
    assert result.exit_code == 2
    assert "no models found" in result.output
