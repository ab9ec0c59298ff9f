"""`complaints demo --serve` (`./dev run --serve`): after the main job, keep the gateway with
the web console, the workers, relay and scheduler up on the demo's data, print the address
and sign-in links for demo people, and stop everything on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg.rows import dict_row
from rich.console import Console

from pipeline.api.party_tokens import new_key_set
from pipeline.console import DEMO_STAFF
from pipeline.db import reports
from pipeline.processes import Fleet
from pipeline.settings import Settings

KEY_SET = Path(".local/party-jwks.json")


def party_key_env(settings: Settings) -> dict[str, str]:
    """The party-token key set the gateway verifies (and, locally, signs) with: the one
    configured, else a local one made once under .local/."""
    if settings.party_token_jwks.strip():
        return {}
    if not KEY_SET.exists():
        KEY_SET.parent.mkdir(parents=True, exist_ok=True)
        KEY_SET.write_text(json.dumps(new_key_set()), encoding="utf-8")
        KEY_SET.chmod(0o600)
    return {"COMPLAINTS_PARTY_TOKEN_JWKS": f"@{KEY_SET.resolve()}"}


def sign_in_links(settings: Settings, base: str) -> list[tuple[str, str]]:
    """(who, link) for the latest complaints' buyers and merchants and the demo staff."""
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        found = reports.demo_people(conn, 2)
    people: list[tuple[str, str, tuple[str, ...]]] = [(role, sub, ()) for role, sub in found]
    people += [("staff", sub, grants) for sub, grants in DEMO_STAFF]
    links = []
    for role, sub, grants in people:
        as_ = ":".join([role, sub, ",".join(grants)] if grants else [role, sub])
        label = f"{role} {sub}" + (f" ({', '.join(grants)})" if grants else "")
        links.append((label, f"{base}/console/?as={quote(as_, safe=':,')}"))
    return links


def _wait_ready(url: str, fleet: Fleet, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not fleet.alive("api"):
            raise RuntimeError("the gateway exited; see its log")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the gateway at {url} did not become ready")


def serve(settings: Settings, host: str, port: int, processes: int, threads: int) -> None:
    console = Console()
    base = f"http://{host}:{port}"
    log_dir = Path(".local/logs") / f"serve-{int(time.time())}"
    fleet = Fleet(
        env=party_key_env(settings), log_dir=log_dir, processes=processes, threads=threads
    )
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        fleet.start_workers()
        fleet.start_relay()
        fleet.start_scheduler()
        fleet.start_api(host, port)
        _wait_ready(base, fleet)
        console.print(
            f"\n[bold]The console is up:[/] {base}/console/  (logs in {log_dir})", soft_wrap=True
        )
        if os.environ.get("COMPLAINTS_ENV") == "local":
            console.print("Sign in as (development sign-in, local runs only):")
            for who, link in sign_in_links(settings, base):
                console.print(f"  {who:<44} {link}", markup=False, highlight=False, soft_wrap=True)
        console.print("Ctrl-C stops the gateway, workers, relay and scheduler.")
        while not stop.wait(1):
            if not fleet.alive("api"):
                console.print("[red]the gateway exited[/]; see its log")
                break
    finally:
        codes = fleet.stop()
        console.print(f"stopped (exit codes {codes})")
