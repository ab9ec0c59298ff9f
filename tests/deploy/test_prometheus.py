"""Prometheus side of deploy/, offline: `promtool check config|rules|metrics` and
`promtool test rules` (promtool comes with Debian's `prometheus`, installed by
`./dev services up`; missing, these tests fail), and the alerts' and dashboard's queries
naming metrics that exist, used as their type allows (rate() of counters only)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry, generate_latest

from pipeline import metrics as business
from pipeline.api import request_metrics
from pipeline.ops.metrics import PipelineCollector, registry_with
from tests.deploy.manifests import DEPLOY

PROMETHEUS = DEPLOY / "prometheus"
#: Dramatiq's own metrics as workers.middleware.prometheus exports them.
DRAMATIQ = {
    "dramatiq_messages_total": "counter",
    "dramatiq_message_errors_total": "counter",
    "dramatiq_message_retries_total": "counter",
    "dramatiq_message_rejects_total": "counter",
    "dramatiq_messages_inprogress": "gauge",
    "dramatiq_delayed_messages_inprogress": "gauge",
    "dramatiq_message_duration_seconds": "histogram",
}
#: Functions whose argument must be a counter (or a histogram's _bucket/_sum/_count).
COUNTER_FUNCTIONS = ("rate", "irate", "increase")


def promtool(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("promtool")
    if tool is None:
        pytest.fail("promtool is missing: `./dev services up` installs it (Debian `prometheus`)")
    return subprocess.run(
        [tool, *args], cwd=PROMETHEUS, input=stdin, capture_output=True, text=True, timeout=60
    )


def fake_snapshot() -> dict[str, Any]:
    return {
        "queues": [
            {"queue": "review", "depth": 3, "delayed": 0, "dead": 1, "oldest_age_seconds": 2.5}
        ],
        "complaints_by_status": {"received": 4, "awaiting_merchant": 9},
        "outbox_backlog": 5,
        "outbox_oldest_seconds": 0.4,
        "deadlines_warned": 1,
        "deadlines_breached_last_hour": 0,
        "dead_letters_pending": 0,
        "live_workers": 2,
        "redriven_total": 7,
    }


def business_registry() -> CollectorRegistry:
    """The business metric families, one sample each, in a registry of their own."""
    registry = CollectorRegistry()
    fams = business.families()
    for fam in fams.values():
        registry.register(fam)
    business.record(
        [
            ("transition", ("received", "in_review")),
            ("sla", ("warning",)),
            ("verdict", ("ok",)),
            ("quarantined", ("queue",)),
        ]
    )
    business.observe_latency("review", 0.2)
    for fam in (request_metrics.REQUESTS, request_metrics.LATENCY):
        registry.register(fam)
    request_metrics.REQUESTS.labels("GET", "/readyz", "200").inc()
    request_metrics.LATENCY.labels("GET", "/readyz").observe(0.01)
    return registry


def known_metrics() -> dict[str, str]:
    types: dict[str, str] = dict(DRAMATIQ)
    for family in PipelineCollector(fake_snapshot).collect():
        types[family.name + ("_total" if family.type == "counter" else "")] = family.type
    api = (request_metrics.REQUESTS, request_metrics.LATENCY)
    for fam in [*business.families().values(), *api]:
        for metric in fam.describe():
            types[metric.name + ("_total" if metric.type == "counter" else "")] = metric.type
    for name, kind in list(types.items()):
        if kind == "histogram":
            for suffix in ("_bucket", "_sum", "_count"):
                types[name + suffix] = "counter"
    return types


def test_promtool_checks_the_config_and_the_rules() -> None:
    run = promtool("check", "config", "prometheus.yml")
    assert run.returncode == 0, run.stdout + run.stderr
    run = promtool("check", "rules", "rules.yml")
    assert run.returncode == 0, run.stdout + run.stderr


def test_promtool_rule_tests_pass() -> None:
    run = promtool("test", "rules", "rules_test.yml")
    assert run.returncode == 0, run.stdout + run.stderr


def test_exported_metrics_pass_promtool_lint() -> None:
    text = generate_latest(registry_with(fake_snapshot)) + generate_latest(business_registry())
    assert b"complaints_redriven_total 7.0" in text
    assert b"# TYPE complaints_redriven_total counter" in text
    run = promtool("check", "metrics", stdin=text.decode())
    assert run.returncode == 0, run.stdout + run.stderr


def test_promtool_lint_can_fail() -> None:
    """The lint above is not a rubber stamp: a gauge named like a counter fails it."""
    text = "# HELP x_total a\n# TYPE x_total gauge\nx_total 1\n"
    assert promtool("check", "metrics", stdin=text).returncode != 0


def queries() -> list[tuple[str, str]]:
    rules = yaml.safe_load((PROMETHEUS / "rules.yml").read_text())
    out = [(r["alert"], r["expr"]) for g in rules["groups"] for r in g["rules"]]
    dashboard = json.loads((DEPLOY / "grafana" / "complaints-dashboard.json").read_text())
    out += [(p["title"], t["expr"]) for p in dashboard["panels"] for t in p["targets"]]
    return out


def test_alerts_and_dashboard_query_existing_metrics_by_their_type() -> None:
    known = known_metrics()
    for where, expr in queries():
        names = re.findall(r"\b((?:complaints|dramatiq)_[a-z_]+)\b", expr)
        assert names, (where, expr)
        for name in names:
            assert name in known, (where, name)
        for fn in COUNTER_FUNCTIONS:
            for arg in re.findall(rf"\b{fn}\(\s*([a-z_]+)", expr):
                assert known[arg] == "counter", f"{where}: {fn}() of {known[arg]} {arg}"
        for arg in re.findall(r"\bderiv\(\s*([a-z_]+)", expr):
            assert known[arg] == "gauge", f"{where}: deriv() of {known[arg]} {arg}"
