"""A sentence for people: an English template (the catalog's message id, pipeline/i18n) and its
values, rendered in the reader's language where it is shown. Values are codes and ids: they
are not translated."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Text:
    template: str
    values: Mapping[str, object] = field(default_factory=dict)

    def render(self, translate: Callable[[str], str] = str) -> str:
        return translate(self.template).format(**self.values)

    def __str__(self) -> str:
        return self.render()


def text(template: str, **values: object) -> Text:
    return Text(template, values)
