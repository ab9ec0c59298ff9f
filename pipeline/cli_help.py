"""How `complaints --help` reads: the panels commands are grouped in, help texts as Markdown
(a docstring's lines, wrapped at 100 columns in the source, join into one paragraph and are
wrapped again to the terminal), and flags shown without a value type."""

from __future__ import annotations

from typing import Any, Final, Literal

from typer.core import TyperOption

#: Help panels, in the order `complaints --help` lists them.
RUN = "Run the pipeline"
LOOK = "Look inside"
OPERATE = "Operate"
DEVELOP = "Develop"

#: Typer's "rich" mode keeps every line break of a docstring, so a sentence wrapped in the
#: source came out broken mid-phrase; Markdown joins a paragraph's lines.
MARKUP: Final[Literal["markdown"]] = "markdown"


def hide_flag_types() -> None:
    """Typer prints `<bool>` after every flag (`--help <bool>`, `--json <bool>`) as if it took
    a value; a flag takes none, so no type is shown for it."""
    if getattr(TyperOption.display_type_rich, "hides_flags", False):
        return
    shown = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    display_type_rich.hides_flags = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]
