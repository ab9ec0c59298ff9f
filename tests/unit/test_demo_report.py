"""The demo's report: bars whose totals are what can reach each stage (so a settled run reads
as finished), the meaning of each code beside it, and the next steps."""

from __future__ import annotations

import io
import re
from dataclasses import replace

from rich.console import Console
from rich.progress import Progress

from pipeline.demo_report import (
    Summary,
    add_bars,
    bar_columns,
    next_steps,
    render_summary,
    update_bars,
)
from pipeline.progress import Progress as PipelineProgress
from pipeline.progress import StageBar, stage_bars

EXAMPLE_ID = "80ff96e3-4e0c-45de-a9bc-a38e446ac27b"

#: The run the issue reported: 2,000 sent, 60 invalid, 284 rejected, 195 held for review,
#: 657 waiting for the buyer's evidence, the rest with the merchant. Settled.
SETTLED = PipelineProgress(
    complaints=1940,
    quarantined=60,
    reviewed=1940,
    evidence_checked=1461,
    dispatched=804,
    rejected=284,
    held_for_review=195,
    awaiting_evidence=657,
    in_flight=0,
    notifications=5012,
    delivered=5012,
    outbox_backlog=0,
)


def test_a_settled_run_fills_every_bar() -> None:
    assert SETTLED.settled(2000)
    bars = stage_bars(SETTLED, sent=2000)
    assert [(b.description, b.completed, b.total) for b in bars] == [
        ("intake", 2000, 2000),
        ("review", 1940, 1940),
        ("evidence checked", 1461, 1461),
        ("sent to merchant", 804, 804),
        ("notifications", 5012, 5012),
    ]
    notes = {b.description: b.note for b in bars}
    assert notes["intake"] == "incl. 60 quarantined (invalid messages)"
    assert notes["evidence checked"] == "left at review: 284 rejected, 195 held for manual review"
    assert notes["sent to merchant"] == "left at evidence: 657 awaiting the buyer's evidence"
    assert notes["review"] == notes["notifications"] == ""


def test_mid_run_the_totals_shrink_as_review_and_evidence_decide() -> None:
    early = replace(
        SETTLED,
        reviewed=1000,
        evidence_checked=300,
        dispatched=100,
        rejected=150,
        held_for_review=0,
        awaiting_evidence=120,
        in_flight=940,
    )
    bars = {b.description: b for b in stage_bars(early, sent=2000)}
    assert (bars["evidence checked"].completed, bars["evidence checked"].total) == (300, 1790)
    assert bars["evidence checked"].note == "left at review: 150 rejected"
    assert (bars["sent to merchant"].completed, bars["sent to merchant"].total) == (100, 1670)


def test_nothing_left_means_no_note() -> None:
    clean = replace(SETTLED, quarantined=0, rejected=0, held_for_review=0, awaiting_evidence=0)
    assert all(b.note == "" for b in stage_bars(clean, sent=1940))


def _render_bars(rows: list[StageBar]) -> str:
    out = io.StringIO()
    console = Console(file=out, width=160, force_terminal=False)
    with Progress(*bar_columns(), console=console) as bars:
        tasks = add_bars(bars, rows)
        update_bars(bars, tasks, rows)
    return out.getvalue()


def test_the_rendered_bars_read_as_complete() -> None:
    text = _render_bars(stage_bars(SETTLED, sent=2000))
    shown = dict(re.findall(r"^(\w[\w ]*?)\s+━+\s+(\d+/\d+)", text, re.MULTILINE))
    assert shown == {
        "intake": "2000/2000",
        "review": "1940/1940",
        "evidence checked": "1461/1461",
        "sent to merchant": "804/804",
        "notifications": "5012/5012",
    }
    assert "left at review: 284 rejected, 195 held for manual review" in text
    assert "left at evidence: 657 awaiting the buyer's evidence" in text


def test_next_steps_name_a_real_complaint_and_the_status_screen() -> None:
    lines = next_steps(".venv/bin/complaints", EXAMPLE_ID, console_url=None)
    assert lines[0] == "What next:"
    assert f"      .venv/bin/complaints show {EXAMPLE_ID}" in lines
    assert "      .venv/bin/complaints status" in lines
    assert not any("console" in line for line in lines)
    assert "./dev services up" in lines[-1]


def test_the_console_step_appears_only_with_an_address() -> None:
    lines = next_steps("complaints", EXAMPLE_ID, console_url="http://127.0.0.1:8080/")
    assert lines[-3:-1] == ["  the console:", "      http://127.0.0.1:8080/"]
    assert next_steps("complaints", None, None)[1:3] == [
        "  the status screen (queues, outbox, complaints by status, deadlines, workers):",
        "      complaints status",
    ]


def test_the_summary_explains_its_codes_and_ends_with_the_next_steps() -> None:
    out = io.StringIO()
    summary = Summary(
        by_status=[
            ("awaiting_merchant", "service", 804),
            ("awaiting_evidence", "service", 657),
            ("in_review", "counterfeit", 195),
            ("rejected", "other", 284),
        ],
        rejections=[("duplicate", 100), ("window_expired", 184)],
        verdicts=[("ok", 3000), ("unchecked", 958), ("missing", 40)],
        progress=SETTLED,
        elapsed=20.0,
        example_id=EXAMPLE_ID,
    )
    render_summary(Console(file=out, width=200), summary, "complaints")
    text = out.getvalue()
    flat = " ".join(text.split())
    assert "never reached the evidence stage" in flat and "958" in text
    assert "an open complaint exists for the same buyer, order and category" in flat
    assert "awaiting_merchant: sent to the merchant" in flat
    assert re.search(r"total\s*│\s*657\s*│\s*804\s*│\s*195\s*│\s*284\s*│\s*1940", text)
    tail = text.rstrip().splitlines()[-6:]
    assert [line.strip() for line in tail][1:5] == [
        "one complaint as its parties see it (status, deadlines, allowed actions, timeline):",
        f"complaints show {EXAMPLE_ID}",
        "the status screen (queues, outbox, complaints by status, deadlines, workers):",
        "complaints status",
    ]
