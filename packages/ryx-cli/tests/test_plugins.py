"""Plugins: the registry, and commands reachable from `ryx` through the config and through entry points."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from ryx_cli import plugins
from ryx_cli.plugins import Command, Plugin, PluginManager, clear_registry, get_commands, register_command
from support import Project

PLUGIN_SOURCE = """
import argparse
from ryx_cli.plugins import Command, Plugin


class Hello(Command):
    name = "hello"
    help = "Say hello."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--who", required=True)
        parser.add_argument("--fail", action="store_true")

    async def execute(self, args: argparse.Namespace) -> int:
        self.console.line(f"hello {args.who} from {self.config.root.name}")
        return 1 if args.fail else 0


class Greetings(Plugin):
    name = "greetings"
    version = "1.0"

    def get_commands(self):
        return [Hello]
"""


@pytest.fixture(autouse=True)
def _clean_registry() -> Iterator[None]:
    clear_registry()
    yield
    clear_registry()


class Echo(Command):
    name = "echo"
    help = "Echo."

    async def execute(self, args: argparse.Namespace) -> int:
        return 0


def test_manager_registers_plugins_and_runs_hooks() -> None:
    calls: list[str] = []

    class P(Plugin):
        name = "p"

        def get_commands(self) -> list[type[Command]]:
            return [Echo]

        def on_load(self) -> None:
            calls.append("load")

        def on_unload(self) -> None:
            calls.append("unload")

    manager = PluginManager()
    plugin = manager.register(P)
    assert manager.get("p") is plugin
    assert manager.list_plugins() == [plugin]
    assert manager.get_commands() == {"echo": Echo}
    with pytest.raises(ValueError, match="already registered"):
        manager.register(P())
    manager.unregister("p")
    assert calls == ["load", "unload"]
    assert manager.get_commands() == {}


def test_bad_plugins_are_rejected_with_a_reason() -> None:
    class Nameless(Plugin):
        def get_commands(self) -> list[type[Command]]:
            return []

    class NoName(Command):
        async def execute(self, args: argparse.Namespace) -> int:
            return 0

    manager = PluginManager()
    with pytest.raises(ValueError, match="needs a name"):
        manager.register(Nameless)
    with pytest.raises(ValueError, match="needs a name"):
        register_command(NoName)
    with pytest.raises(TypeError, match=r"not a ryx_cli\.plugins\.Plugin"):
        manager.register(object())  # type: ignore[arg-type]
    assert manager.list_plugins() == [] and get_commands() == {}


def test_register_command_and_clear_registry() -> None:
    register_command(Echo)
    assert get_commands() == {"echo": Echo}
    clear_registry()
    assert get_commands() == {}


def test_config_plugin_is_reachable_from_ryx(offline_project: Project) -> None:
    (offline_project.root / "greet_plugin.py").write_text(PLUGIN_SOURCE)
    offline_project.write_config('plugins = ["greet_plugin:Greetings"]\n')
    sys.path.insert(0, str(offline_project.root))
    try:
        result = offline_project.invoke("hello", "--who", "you")
        assert result.exit_code == 0, result.output
        assert result.output.strip() == "hello you from proj"
        result = offline_project.invoke("--help")
        assert "hello" in result.output and "Say hello." in result.output
        result = offline_project.invoke("hello", "--help")
        assert result.exit_code == 0
        assert "--who" in result.output
        assert offline_project.invoke("hello").exit_code == 2  # argparse: --who is required
        assert offline_project.invoke("hello", "--who", "x", "--fail").exit_code == 1
    finally:
        sys.path.remove(str(offline_project.root))
        sys.modules.pop("greet_plugin", None)
    proc = offline_project.run("hello", "--who", "there", script=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "hello there from proj"


def test_entry_point_plugin_is_reachable_from_ryx(offline_project: Project, tmp_path: Path) -> None:
    site = tmp_path / "site"
    dist = site / "greetings_plugin-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: greetings-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[ryx_cli_plugins]\ngreetings = greetings_mod:Greetings\n")
    (site / "greetings_mod.py").write_text(PLUGIN_SOURCE)
    env = {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    for script in (False, True):
        proc = offline_project.run("hello", "--who", "entry points", script=script, env=env)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == "hello entry points from proj"


def test_a_broken_plugin_is_a_warning_and_the_rest_works(offline_project: Project) -> None:
    offline_project.write_config('plugins = ["no_such_plugin_module:Thing"]\n')
    proc = offline_project.run("version")
    assert proc.returncode == 0
    assert "could not load the plugin 'no_such_plugin_module:Thing'" in proc.stderr
    assert proc.stdout.startswith("ryx ")


def test_plugin_command_cannot_shadow_a_builtin(offline_project: Project) -> None:
    (offline_project.root / "shadow_plugin.py").write_text(
        textwrap.dedent(
            """
            from ryx_cli.plugins import Command

            class Version(Command):
                name = "version"

                async def execute(self, args):
                    self.console.line("hijacked")
                    return 0
            """
        )
    )
    offline_project.write_config('plugins = ["shadow_plugin:Version"]\n')
    proc = subprocess.run(
        [sys.executable, "-m", "ryx", "version"],
        cwd=offline_project.root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(offline_project.root)},
    )
    assert proc.returncode == 0
    assert "hijacked" not in proc.stdout
    assert "clashes with a built-in command" in proc.stderr


def test_plugins_module_exports() -> None:
    assert plugins.ENTRY_POINT_GROUP == "ryx_cli_plugins"
    for name in ("Command", "Plugin", "PluginManager", "get_plugin_manager", "register_command", "get_commands"):
        assert hasattr(plugins, name)
