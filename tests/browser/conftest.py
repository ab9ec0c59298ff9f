"""Browser tests: Debian's chromium driven by Playwright against a real gateway serving the
console. Every page load is watched: a console error or a failed request fails the test
unless the test expected it; each page is saved as a screenshot under .local/screenshots."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.api_server import PARTY

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parents[2] / ".local" / "screenshots"


@pytest.fixture(scope="package")  # closed before other packages run: its loop would stay current
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `./dev services up` installs Debian's chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@dataclass
class Person:
    """One signed-in person in their own browser context (own sessionStorage)."""

    page: Page
    who: str
    base: str
    shots: Path
    problems: list[str] = field(default_factory=list)
    expected: list[re.Pattern[str]] = field(default_factory=list)

    def expect_problem(self, pattern: str) -> None:
        self.expected.append(re.compile(pattern))

    def _note(self, what: str) -> None:
        if not any(p.search(what) for p in self.expected):
            self.problems.append(what)

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def shot(self, name: str) -> Path:
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def sign_in(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[..., Person]]:
    """`sign_in(base, role, sub, *grants)`: a Person signed in through the development sign-in
    link (or, `handoff=True`, with a token handed over as the marketplace's login would);
    every person's console errors and failed requests are checked at the end."""
    contexts: list[BrowserContext] = []
    persons: list[Person] = []
    shots = SHOTS / request.node.name

    def make(base: str, role: str, sub: str, *grants: str, handoff: bool = False) -> Person:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        person = Person(page, sub, base, shots)
        page.on(
            "console",
            lambda m: person._note(f"console {m.type}: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: person._note(f"page error: {e}"))
        page.on("requestfailed", lambda r: person._note(f"failed: {r.method} {r.url}"))
        page.on(
            "response",
            lambda r: (
                person._note(f"HTTP {r.status}: {r.request.method} {r.url}")
                if r.status >= 400
                else None
            ),
        )
        if handoff:  # as the marketplace's login hands a token over in production
            token = PARTY.mint(role, sub, frozenset(grants))
            person.go(f"/console/#access_token={token}")
        else:  # the development sign-in link
            as_ = ":".join([role, sub, ",".join(grants)] if grants else [role, sub])
            person.go(f"/console/?as={as_}")
        page.wait_for_selector("#who:not(:empty)")
        persons.append(person)
        return person

    yield make
    for i, person in enumerate(persons):  # what each person saw last, for a failure
        person.shot(f"last-{i}-{person.who}")
    for context in contexts:
        context.close()
    problems = [f"{p.who}: {x}" for p in persons for x in p.problems]
    assert problems == [], "console errors or failed requests"
