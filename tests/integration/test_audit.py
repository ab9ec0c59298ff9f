"""The audit chain: intact after a lifecycle, and any hand edit, deletion or head change is
caught at the first broken link."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from pipeline.adapters.s3 import make_s3_client
from pipeline.audit_verify import verify
from pipeline.domain.audit import link
from pipeline.settings import Settings
from tests.cli import run_cli
from tests.factories import JPEG, complaint_payload
from tests.inline import act, action, drain_outbox
from workers import actors
from workers.runtime import bound

pytestmark = pytest.mark.integration


@pytest.fixture
def two_complaints(settings: Settings) -> Iterator[list[str]]:
    make_s3_client(settings).put_object(
        Bucket=settings.s3_bucket, Key="evidence/b_10293/9f2c.jpg", Body=JPEG
    )
    with bound(settings):
        for i in range(2):
            actors.intake.fn(complaint_payload(external_id=f"a-{i}", order__order_id=f"o-{i}"))
        drain_outbox(settings)
        with psycopg.connect(settings.database_url) as conn:
            ids = [
                str(r[0])
                for r in conn.execute("SELECT id FROM complaints ORDER BY external_id").fetchall()
            ]
        act(settings, action(ids[0], "merchant.accept", "m_552", remedy={"type": "exchange"}))
        act(settings, action(ids[0], "buyer.message", "b_10293", text="谢谢 thanks"))
        yield ids


def test_intact_chains_verify(settings: Settings, two_complaints: list[str]) -> None:
    with psycopg.connect(settings.database_url) as conn:
        assert list(verify(conn)) == []
        head, last = conn.execute(
            "SELECT c.chain_head, e.hash FROM complaints c JOIN complaint_events e"
            " ON e.complaint_id = c.id AND e.seq = c.version WHERE c.id = %s",
            (two_complaints[0],),
        ).fetchone() or (None, None)
    assert head == last and head is not None
    with psycopg.connect(settings.database_url) as conn:
        (events,) = conn.execute("SELECT count(*) FROM complaint_events").fetchone() or (0,)
    result = run_cli(settings, "audit", "verify")
    assert result.returncode == 0
    assert result.stdout.splitlines()[-1] == f"0 broken of 2 chains checked ({events} events)"
    one = run_cli(settings, "audit", "verify", "--complaint", two_complaints[1])
    assert one.stdout.splitlines()[-1].startswith("0 broken of 1 chain checked (")


@pytest.mark.parametrize(
    ("tamper", "seq", "reason"),
    [
        (
            "UPDATE complaint_events SET data = data || '{\"x\": 1}' WHERE complaint_id = %s"
            " AND seq = 3",
            3,
            "edited",
        ),
        (
            "UPDATE complaint_events SET actor_id = 'someone' WHERE complaint_id = %s AND seq = 1",
            1,
            "edited",
        ),
        (
            "DELETE FROM notifications WHERE complaint_id = %s AND event_seq = 2;"
            " DELETE FROM complaint_events WHERE complaint_id = %s AND seq = 2",
            3,
            "missing",
        ),
        ("UPDATE complaints SET chain_head = repeat('a', 64) WHERE id = %s", None, "head"),
    ],
)
def test_tampering_is_caught_at_the_first_broken_link(
    settings: Settings, two_complaints: list[str], tamper: str, seq: int | None, reason: str
) -> None:
    target = two_complaints[0]
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        for statement in tamper.split(";"):
            conn.execute(statement, (target,) * statement.count("%s"))  # type: ignore[arg-type]
        breaks = list(verify(conn))
    assert [(b.complaint_id, b.seq) for b in breaks] == [(target, seq)]
    assert reason in breaks[0].reason
    result = run_cli(settings, "audit", "verify", "--complaint", target)
    assert result.returncode == 1 and f"BROKEN {target}" in result.stdout
    assert "1 broken of 1 chain checked (" in result.stdout


def test_exported_timeline_can_be_checked_by_a_third_party(
    settings: Settings, two_complaints: list[str]
) -> None:
    import json

    shown = json.loads(run_cli(settings, "show", two_complaints[0]).stdout)
    prev = None
    for e in shown["events"]:
        from datetime import datetime

        event = {
            **e,
            "complaint_id": shown["id"],
            "created_at": datetime.fromisoformat(e["created_at"]),
        }
        assert e["prev_hash"] == prev and link(prev, event) == e["hash"]
        prev = e["hash"]
    assert prev == shown["chain_head"]
