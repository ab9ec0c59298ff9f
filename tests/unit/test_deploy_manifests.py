"""Deployment files parse and agree with the code: every queue has workers and a KEDA
trigger on the right Redis key, grace periods exceed the drain timeout, alerts and the
dashboard use metrics the exporter really publishes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from pipeline.domain.routing import all_queues

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
EXPORTED = {
    "complaints_queue_depth",
    "complaints_queue_delayed",
    "complaints_queue_dead_letters",
    "complaints_queue_oldest_age_seconds",
    "complaints_open_by_status",
    "complaints_outbox_backlog",
    "complaints_outbox_oldest_seconds",
    "complaints_deadlines_warned",
    "complaints_deadlines_breached_last_hour",
    "complaints_dead_letters_pending",
    "complaints_live_workers",
    "complaints_evidence_store_errors_total",  # by the workers (pipeline/metrics.py)
}


def k8s_docs() -> list[dict[str, Any]]:
    docs = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return docs


def queues_of(args: list[str]) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args) if a in ("-Q", "--queues")]


def test_every_manifest_has_kind_name_and_image() -> None:
    docs = k8s_docs()
    assert docs
    for doc in docs:
        assert {"apiVersion", "kind", "metadata"} <= set(doc) and doc["metadata"]["name"]
        if doc["kind"] in ("Deployment", "Job"):
            for c in doc["spec"]["template"]["spec"]["containers"]:
                assert c["image"] and c["args"]


def test_each_queue_has_one_worker_group_and_a_keda_trigger_on_its_redis_list() -> None:
    docs = k8s_docs()
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    consumed: list[str] = []
    for name, d in deployments.items():
        if not name.startswith("workers-"):
            continue
        pod = d["spec"]["template"]["spec"]
        args = pod["containers"][0]["args"]
        drain = float(args[args.index("--shutdown-timeout") + 1])
        assert pod["terminationGracePeriodSeconds"] > drain
        consumed += queues_of(args)
        scaled = next(
            x
            for x in docs
            if x["kind"] == "ScaledObject" and x["spec"]["scaleTargetRef"]["name"] == name
        )
        lists = [t["metadata"]["listName"] for t in scaled["spec"]["triggers"]]
        assert lists == [f"dramatiq:{q}" for q in queues_of(args)]
        assert any(
            x["kind"] == "PodDisruptionBudget" and x["metadata"]["name"] == name for x in docs
        )
    assert sorted(consumed) == sorted(all_queues())
    assert deployments["relay"]["spec"]["replicas"] >= 2
    assert deployments["scheduler"]["spec"]["replicas"] >= 2


def test_compose_runs_every_part_and_every_queue() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {
        "postgres",
        "redis",
        "s3",
        "migrate",
        "api",
        "relay",
        "scheduler",
        "prometheus",
        "grafana",
    } <= set(services)
    consumed = [
        q
        for name, s in services.items()
        if name.startswith("workers-")
        for q in queues_of(s["command"])
    ]
    assert sorted(consumed) == sorted(all_queues())


def test_alerts_and_dashboard_use_exported_metrics() -> None:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "rules.yml").read_text())
    alerts = {r["alert"]: r["expr"] for g in rules["groups"] for r in g["rules"]}
    assert {
        "QueueBacklogGrowing",
        "NoLiveWorkers",
        "DeadLetters",
        "OldestMessageBeyondSlaMargin",
        "OutboxBacklogGrowing",
        "SlaBreachRateHigh",
        "EvidenceStoreFailing",
    } <= set(alerts)
    dashboard = json.loads((DEPLOY / "grafana" / "complaints-dashboard.json").read_text())
    exprs = list(alerts.values()) + [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    for expr in exprs:
        for metric in re.findall(r"complaints_[a-z_]+", expr):
            assert metric in EXPORTED, metric


def test_promtool_rule_tests_when_promtool_is_installed() -> None:
    promtool = shutil.which("promtool")
    if promtool is None:  # Debian package `prometheus`; the parse checks above still ran
        return
    run = subprocess.run(
        [promtool, "test", "rules", "rules_test.yml"],
        cwd=DEPLOY / "prometheus",
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
