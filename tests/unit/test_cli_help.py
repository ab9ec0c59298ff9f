"""`complaints --help` as a newcomer reads it: commands grouped in four panels, every help
paragraph whole (a docstring wrapped in the source is not broken mid-phrase on screen), and
no value type shown for flags (`--help <bool>`)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any

import pytest
from typer.core import TyperGroup
from typer.main import get_command
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.cli_help import DEVELOP, LOOK, OPERATE, RUN

PANELS = [RUN, LOOK, OPERATE, DEVELOP]


def _commands(
    group: TyperGroup, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Any]]:
    for name, command in group.commands.items():
        yield (*path, name), command
        if isinstance(command, TyperGroup):
            yield from _commands(command, (*path, name))


ROOT = get_command(app)
assert isinstance(ROOT, TyperGroup)
COMMANDS = dict(_commands(ROOT))


def _help(*path: str) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "250"}, color=False)
    assert result.exit_code == 0, result.output
    return result.output


def _lines(text: str) -> list[str]:
    """Each rendered line without the panels' box characters and padding."""
    return [" ".join(line.strip(" │╭╮╰╯─").split()) for line in text.splitlines()]


def test_every_command_sits_in_one_of_four_panels_in_order() -> None:
    panels = {name: getattr(cmd, "rich_help_panel", None) for name, cmd in ROOT.commands.items()}
    assert {name: p for name, p in panels.items() if p not in PANELS} == {}
    assert panels["demo"] == RUN and panels["show"] == LOOK
    assert panels["status"] == OPERATE and panels["schemas"] == DEVELOP
    assert "bench" not in panels  # a development tool: ./dev bench, not the installed CLI
    text = _help()
    assert [text.index(f"╭─ {p} ") for p in PANELS] == sorted(
        text.index(f"╭─ {p} ") for p in PANELS
    )
    assert "╭─ Commands " not in text


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_help_paragraphs_are_whole_and_flags_show_no_type(path: tuple[str, ...]) -> None:
    text = _help(*path)
    assert "<bool>" not in text
    lines = _lines(text)
    help_text = inspect.cleandoc(COMMANDS[path].help or "")
    for paragraph in help_text.split("\n\n"):
        whole = " ".join(paragraph.replace("`", "").split())
        assert whole in lines, f"{' '.join(path)}: {whole!r} is not one line of its help"


def test_the_command_list_shows_each_summary_on_one_line() -> None:
    lines = _lines(_help())
    for name, command in ROOT.commands.items():
        summary = " ".join(inspect.cleandoc(command.help or "").split("\n\n")[0].split())
        summary = summary.replace("`", "")
        assert any(re.fullmatch(rf"{re.escape(name)} +{re.escape(summary)}", x) for x in lines)
