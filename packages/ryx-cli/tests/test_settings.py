"""Settings: where the config comes from, what overrides what, and the errors for bad configuration (exit 2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ryx.exceptions import ConfigurationError, RyxError
from ryx_cli.errors import UsageError
from ryx_cli.settings import GlobalOptions, anchor_sqlite, dialect_of, find_config, parse_urls, resolve
from support import Project


def test_nearest_config_is_found_from_a_subdirectory(tmp_path: Path) -> None:
    (tmp_path / "ryx.toml").write_text('models = ["app.models"]\ndatabases = {default = "sqlite://db.sqlite3"}\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    settings = resolve(GlobalOptions(), cwd=sub, environ={})
    assert settings.config_file == tmp_path / "ryx.toml"
    assert settings.root == tmp_path
    assert settings.models == ("app.models",)
    # a relative SQLite path is relative to the config file, not to the working directory
    assert settings.url == f"sqlite://{tmp_path / 'db.sqlite3'}"
    assert settings.migrations_dir == tmp_path / "migrations"


def test_pyproject_tool_ryx_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.ryx]\nmodels = ["blog.models"]\nmigrations = "db/migrations"\n'
        'databases = {default = "postgres://u@h/db", other = "sqlite:///abs.db"}\n'
    )
    settings = resolve(GlobalOptions(), cwd=tmp_path, environ={})
    assert settings.models == ("blog.models",)
    assert settings.migrations_dir == tmp_path / "db" / "migrations"
    assert dict(settings.databases) == {"default": "postgres://u@h/db", "other": "sqlite:///abs.db"}
    assert settings.dialect() == "postgres"
    assert settings.dialect("other") == "sqlite"


def test_pyproject_without_tool_ryx_is_not_a_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_config(tmp_path) is None or find_config(tmp_path) != tmp_path / "pyproject.toml"


def test_ryx_toml_wins_over_pyproject_in_the_same_directory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ryx]\nmodels = ["a.models"]\n')
    (tmp_path / "ryx.toml").write_text('models = ["b.models"]\n')
    assert resolve(GlobalOptions(), cwd=tmp_path, environ={}).models == ("b.models",)


def test_precedence_config_then_env_then_urls_then_database_url(tmp_path: Path) -> None:
    (tmp_path / "ryx.toml").write_text('databases = {default = "sqlite://file.db", replica = "sqlite://r.db"}\n')
    env = {"RYX_DATABASE_URL": "postgres://env@h/db", "RYX_DB_REPLICA_URL": "mysql://env@h/db"}
    settings = resolve(GlobalOptions(), cwd=tmp_path, environ=env)
    assert settings.databases["default"] == "postgres://env@h/db"
    assert settings.databases["replica"] == "mysql://env@h/db"
    settings = resolve(GlobalOptions(urls="replica=sqlite://u.db,extra=sqlite://e.db"), cwd=tmp_path, environ=env)
    assert settings.databases["replica"] == "sqlite://u.db"
    assert settings.databases["extra"] == "sqlite://e.db"
    settings = resolve(GlobalOptions(database_url="sqlite://cli.db"), cwd=tmp_path, environ=env)
    assert settings.databases["default"] == "sqlite://cli.db"
    # --database-url sets the URL of the selected alias
    settings = resolve(GlobalOptions(database_url="sqlite://x.db", database="replica"), cwd=tmp_path, environ=env)
    assert settings.url == "sqlite://x.db"
    assert settings.alias == "replica"


def test_models_and_migrations_from_the_command_line_replace_the_config(tmp_path: Path) -> None:
    (tmp_path / "ryx.toml").write_text('models = ["a.models"]\nmigrations = "m"\n')
    settings = resolve(
        GlobalOptions(models=["x.models", "y.models"], migrations=Path("other")), cwd=tmp_path, environ={}
    )
    assert settings.models == ("x.models", "y.models")
    assert settings.migrations_dir == tmp_path / "other"


def test_pool_options_are_checked_and_converted(tmp_path: Path) -> None:
    (tmp_path / "ryx.toml").write_text("pool = {max_connections = 3, connect_timeout = 5}\n")
    assert dict(resolve(GlobalOptions(), cwd=tmp_path, environ={}).pool) == {
        "max_connections": 3,
        "connect_timeout": 5.0,
    }


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('modles = ["a"]\n', "unknown Ryx setting(s) modles"),
        ("models = 3\n", "models must be a list of names"),
        ('databases = ["sqlite://x"]\n', "databases must be a table of alias = URL"),
        ("pool = {max_conections = 3}\n", "unknown pool option 'max_conections'"),
        ('pool = {max_connections = "many"}\n', "pool option max_connections must be an integer"),
        ("migrations = 5\n", "migrations must be a directory name"),
        ("models = [\n", "is not valid TOML"),
    ],
)
def test_bad_configuration_is_a_usage_error(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "ryx.toml").write_text(toml)
    with pytest.raises(UsageError, match=re.escape(message)) as info:
        resolve(GlobalOptions(), cwd=tmp_path, environ={})
    assert isinstance(info.value, ConfigurationError) and isinstance(info.value, RyxError)


def test_missing_url_says_how_to_configure_one(tmp_path: Path) -> None:
    settings = resolve(GlobalOptions(), cwd=tmp_path, environ={})
    with pytest.raises(UsageError, match="RYX_DATABASE_URL"):
        settings.url  # noqa: B018
    with pytest.raises(UsageError, match="RYX_DB_REPLICA_URL"):
        settings.url_for("replica")


def test_helpers() -> None:
    assert parse_urls("a=sqlite://x.db, b = postgres://h/d") == {"a": "sqlite://x.db", "b": "postgres://h/d"}
    with pytest.raises(UsageError, match="alias=URL pairs"):
        parse_urls("sqlite://x.db")
    assert dialect_of("mariadb://h/d") == "mariadb"
    assert dialect_of("postgresql://h/d") == "postgres"
    with pytest.raises(UsageError, match="cannot tell the database"):
        dialect_of("oracle://h/d")
    root = Path("/srv/app")
    assert anchor_sqlite("sqlite://db.sqlite3", root) == "sqlite:///srv/app/db.sqlite3"
    assert anchor_sqlite("sqlite:///abs.db", root) == "sqlite:///abs.db"
    assert anchor_sqlite("sqlite::memory:", root) == "sqlite::memory:"
    assert anchor_sqlite("sqlite://:memory:", root) == "sqlite://:memory:"
    assert anchor_sqlite("sqlite://d.db?mode=ro", root) == "sqlite:///srv/app/d.db?mode=ro"


# ------------------------------------------------------------------------------------------ through the CLI


def test_cli_bad_config_exits_2_and_says_what_is_wrong(offline_project: Project) -> None:
    offline_project.write_config('colour = "red"\n')
    result = offline_project.invoke("shell", "-c", "1")
    assert result.exit_code == 2
    assert "unknown Ryx setting(s) colour" in result.output
    proc = offline_project.run("shell", "-c", "1")
    assert proc.returncode == 2
    assert "unknown Ryx setting(s) colour" in proc.stderr


def test_cli_missing_config_file_exits_2(offline_project: Project) -> None:
    result = offline_project.invoke("--config", "nope.toml", "shell", "-c", "1")
    assert result.exit_code == 2
    assert "nope.toml does not exist" in result.output


def test_cli_global_options_before_or_after_the_command(offline_project: Project, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    code = "import ryx_core; ryx_core.list_aliases()"
    before = offline_project.invoke("--urls", f"extra=sqlite://{other}", "shell", "-c", code)
    after = offline_project.invoke("shell", "-c", code, "--urls", f"extra=sqlite://{other}")
    assert before.exit_code == after.exit_code == 0, before.output + after.output
    assert before.output.strip() == after.output.strip() == "['default', 'extra']"
    proc = offline_project.run("shell", "--urls", f"extra=sqlite://{other}", "-c", code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['default', 'extra']"


def test_cli_pyproject_config_and_config_option(offline_project: Project, tmp_path: Path) -> None:
    (offline_project.root / "ryx.toml").unlink()
    offline_project.write_config(name="pyproject.toml")
    result = offline_project.invoke("shell", "-c", "import ryx_core; ryx_core.get_backend()")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "'SQLite'"
    alt = tmp_path / "alt.toml"
    alt.write_text(f'databases = {{main = "sqlite://{tmp_path / "alt.db"}"}}\n')
    result = offline_project.invoke("-c", str(alt), "shell", "-c", "import ryx_core; ryx_core.list_aliases()")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "['main']"
