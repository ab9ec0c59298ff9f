"""Whoever clones the repository can follow every link in it: no tracked text file points
outside the repository (`../shared/…`), and every relative Markdown link names a file (and
heading) that exists."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: A relative path that starts by going up: `../x`, `../../x` (not `a/../b`, which stays
#: inside wherever `a` is).
UPWARD = re.compile(r"(?<![\w/.])((?:\.\./)+[\w.\-/]*)")
MD_LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _tracked() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    return [ROOT / name for name in listed.decode().split("\0") if name]


def _texts() -> Iterator[tuple[Path, str]]:
    for path in _tracked():
        if not path.is_file():  # deleted in the working tree
            continue
        raw = path.read_bytes()
        if b"\0" in raw:
            continue
        try:
            yield path, raw.decode("utf-8")
        except UnicodeDecodeError:
            continue


def _inside(path: Path) -> bool:
    return path.resolve().is_relative_to(ROOT)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def outside_links(path: Path, text: str) -> list[str]:
    """Every reference in `text` (the file at `path`) that leaves the repository or, for a
    Markdown link, names no file or heading in it."""
    found = [ref for ref in UPWARD.findall(text) if not _inside(path.parent / ref)]
    if path.suffix != ".md":
        return found
    for target in MD_LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        linked = path.parent / file_part if file_part else path
        if not _inside(linked) or not linked.exists():
            found.append(target)
        elif anchor and linked.suffix == ".md":
            if anchor not in {_slug(h) for h in HEADING.findall(linked.read_text("utf-8"))}:
                found.append(target)
    return list(dict.fromkeys(found))


def test_no_tracked_file_links_outside_the_repository() -> None:
    broken = {
        str(path.relative_to(ROOT)): refs
        for path, text in _texts()
        if (refs := outside_links(path, text))
    }
    assert broken == {}


def test_the_readme_points_to_the_contracts_in_the_repository() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "](docs/contracts.md)" in readme
    assert (ROOT / "docs" / "contracts.md").is_file()


def test_the_readme_stays_a_newcomers_read() -> None:
    """At most 250 lines (issue 26): details belong in docs/."""
    lines = (ROOT / "README.md").read_text("utf-8").count("\n")
    assert lines <= 250, f"README.md has {lines} lines; move details to docs/"


@pytest.mark.parametrize(
    ("name", "text", "bad"),
    [
        ("README.md", "The contracts are in `../shared/DESIGN.md`.", ["../shared/DESIGN.md"]),
        ("pipeline/x.py", '"""See ../../shared/DESIGN.md §3."""', ["../../shared/DESIGN.md"]),
        ("README.md", "See [the design](../shared/DESIGN.md).", ["../shared/DESIGN.md"]),
        ("README.md", "See [the contracts](docs/nowhere.md).", ["docs/nowhere.md"]),
        (
            "README.md",
            "See [it](docs/contracts.md#no-such-heading).",
            ["docs/contracts.md#no-such-heading"],
        ),
        ("README.md", "See [it](docs/contracts.md#2-deadlines) and [x](https://a.b/c).", []),
        ("tests/t.py", 'key = "evidence/b1/../b2/a.jpg"; name = "../photo.jpg"', []),
        ("deploy/local/s.sh", 'ROOT="$(cd "$(dirname "$0")/../.." && pwd)"', []),
    ],
)
def test_what_counts_as_a_link_outside(name: str, text: str, bad: list[str]) -> None:
    assert outside_links(ROOT / name, text) == bad
