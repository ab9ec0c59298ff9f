"""Texts people read, in en and zh-CN (DESIGN §8: chosen by Accept-Language; codes stay
language-neutral). The English text is the message id; the Chinese comes from the gettext
catalog `zh_CN.po` beside this file, read with Babel. A text missing from the catalog is
shown in English, and a unit test keeps the catalog complete."""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from pipeline.domain.text import Text

LANGUAGES = ("en", "zh-CN")
CATALOG = Path(__file__).with_name("zh_CN.po")


@cache
def _chinese() -> Translations:
    with CATALOG.open("rb") as po:
        catalog = read_po(po, locale="zh_CN")
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def translate(text: str, language: str) -> str:
    return _chinese().gettext(text) if language == "zh-CN" else text


def render(message: str | Text, language: str) -> str:
    """A message in `language`: a Text is translated, a plain string is shown as it is."""
    if isinstance(message, Text):
        return message.render(lambda template: translate(template, language))
    return message


def has_translation(text: str) -> bool:
    return _chinese().gettext(text) != text


def negotiate(accept_language: str | None) -> str:
    """`zh-CN` when the caller's first language we have is Chinese, else `en`."""
    ranked = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if q > 0:
            ranked.append((-q, i, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en") or tag == "*":
            return "en"
    return "en"
