"""Offline validation of deploy/: every Kubernetes manifest against the Kubernetes schemas
(kubernetes-validate) or our own for KEDA and the PodMonitor, and the rules a deployment
that runs must keep: non-root, read-only root filesystem with every writable path on a
mounted volume, a versioned image, probes that check something, drains that can happen,
pods that wait for the migration, metrics that are scraped, KEDA thresholds in complaints,
and compose saying the same as Kubernetes."""

from __future__ import annotations

import math
import re
from pathlib import PurePosixPath
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from pipeline.domain.routing import all_queues
from pipeline.domain.stages import group_sizes
from pipeline.settings import env_names
from tests.deploy.crd_schemas import SCHEMAS
from tests.deploy.manifests import (
    DEPLOY,
    VERSION,
    base_docs,
    compose,
    k8s_processes,
    kustomization,
    pod_specs,
)

KUBERNETES = "1.30.0"  # the oldest minor this deployment supports
DOCS = base_docs()
#: Settings naming a path the process writes: each must lie on a mounted volume.
WRITABLE = ("COMPLAINTS_METRICS_DIR", "COMPLAINTS_STATE_DIR", "TMPDIR")


def by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in DOCS if d["kind"] == kind}


def queues_of(args: list[str]) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args) if a in ("-Q", "--queues")]


def test_every_manifest_is_valid_against_its_schema() -> None:
    assert {d["kind"] for d in DOCS} >= {
        "Namespace",
        "ConfigMap",
        "Secret",
        "Deployment",
        "Service",
        "PodDisruptionBudget",
        "Job",
        "ScaledObject",
        "TriggerAuthentication",
        "PodMonitor",
    }
    for doc in DOCS:
        own = SCHEMAS.get((doc["apiVersion"], doc["kind"]))
        if own is not None:
            jsonschema.validate(doc, own)
        else:
            kubernetes_validate.validate(doc, KUBERNETES, strict=True)


def test_the_schemas_reject_what_a_cluster_would() -> None:
    """The validation above can fail: a typo in a KEDA field or a Deployment field is caught."""
    scaled = next(d for d in DOCS if d["kind"] == "ScaledObject")
    bad = {**scaled, "spec": {**scaled["spec"], "maxReplicas": 3}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMAS[("keda.sh/v1alpha1", "ScaledObject")])
    deployment = next(d for d in DOCS if d["kind"] == "Deployment")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(
            {**deployment, "spec": {**deployment["spec"], "replica": 2}}, KUBERNETES, strict=True
        )


def test_one_versioned_image_for_every_process() -> None:
    (image,) = kustomization()["images"]
    assert image["newTag"] == VERSION and "/" in image["newName"]
    wanted = f"{image['newName']}:{VERSION}"
    for doc in DOCS:
        for pod in pod_specs(doc):
            for c in pod.get("initContainers", []) + pod["containers"]:
                assert c["image"] == wanted, (doc["metadata"]["name"], c["image"])
                assert c["imagePullPolicy"] == "IfNotPresent"
    # A Job's template is immutable: the setup Job of another version has another name.
    assert list(by_kind("Job")) == [f"setup-{VERSION}"]
    assert compose()["x-app"]["image"] == f"complaints:${{COMPLAINTS_VERSION:-{VERSION}}}"


def test_pods_run_as_non_root_on_a_read_only_root_with_writable_paths_on_volumes() -> None:
    for proc in k8s_processes(DOCS):
        for name in WRITABLE:
            path = PurePosixPath(proc.env[name])
            assert any(path.is_relative_to(m) for m in proc.mounts), (proc.name, name, path)
    for doc in DOCS:
        for pod in pod_specs(doc):
            assert pod["securityContext"]["runAsNonRoot"] is True
            assert pod["securityContext"]["runAsUser"] != 0
            volumes = {v["name"]: v for v in pod["volumes"]}
            for c in pod.get("initContainers", []) + pod["containers"]:
                sec = c["securityContext"]
                assert sec["readOnlyRootFilesystem"] is True, c["name"]
                assert sec["allowPrivilegeEscalation"] is False
                assert sec["capabilities"]["drop"] == ["ALL"]
                assert {"cpu", "memory"} <= set(c["resources"]["requests"])
                assert "memory" in c["resources"]["limits"]
                for m in c["volumeMounts"]:
                    assert "emptyDir" in volumes[m["name"]]


def test_every_long_running_pod_waits_for_the_migration_and_setup_inits_storage() -> None:
    for name, d in by_kind("Deployment").items():
        inits = d["spec"]["template"]["spec"]["initContainers"]
        assert [c["args"][:2] for c in inits] == [["migrate", "--check"]], name
    (job,) = by_kind("Job").values()
    pod = job["spec"]["template"]["spec"]
    assert [c["args"] for c in pod["initContainers"]] == [["storage", "init"]]
    assert [c["args"] for c in pod["containers"]] == [["migrate"]]


def test_probes_check_something_real() -> None:
    for name, d in by_kind("Deployment").items():
        (c,) = d["spec"]["template"]["spec"]["containers"]
        live = c["livenessProbe"]
        command = c["args"][0]
        if command in ("worker", "relay", "scheduler"):
            assert live["exec"]["command"] == ["complaints", "probe", command], name
        else:
            assert live["httpGet"]["path"] == "/healthz", name
        assert live["timeoutSeconds"] >= 1
    api = by_kind("Deployment")["api"]["spec"]["template"]["spec"]["containers"][0]
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_disruption_budgets_let_a_drain_evict_a_pod() -> None:
    deployments = by_kind("Deployment")
    scaled = {s["spec"]["scaleTargetRef"]["name"]: s for s in by_kind("ScaledObject").values()}
    budgets = by_kind("PodDisruptionBudget")
    assert set(budgets) == set(deployments)
    for name, pdb in budgets.items():
        replicas = scaled[name]["spec"]["minReplicaCount"] if name in scaled else None
        replicas = replicas if replicas is not None else deployments[name]["spec"]["replicas"]
        allowed = pdb["spec"].get("maxUnavailable", replicas - pdb["spec"].get("minAvailable", 0))
        assert allowed >= 1, f"{name}: a drain would block ({replicas} replica(s))"
        assert pdb["spec"]["selector"] == deployments[name]["spec"]["selector"]


def test_every_process_with_metrics_is_scraped() -> None:
    (monitor,) = by_kind("PodMonitor").values()
    ports = {e["port"]: e for e in monitor["spec"]["podMetricsEndpoints"]}
    assert ports["http"]["authorization"]["credentials"]["key"] == "COMPLAINTS_METRICS_TOKEN"
    secret = by_kind("Secret")["complaints-secrets"]["stringData"]
    assert secret["COMPLAINTS_METRICS_TOKEN"]
    for name, d in by_kind("Deployment").items():
        pod = d["spec"]["template"]
        assert (
            monitor["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
        )
        (c,) = pod["spec"]["containers"]
        if c["args"][0] in ("worker", "exporter", "api"):
            assert set(ports) & {p["name"] for p in c["ports"]}, name
    for proc in k8s_processes(DOCS):
        if proc.args[0] == "worker":
            assert proc.env["COMPLAINTS_METRICS_HOST"] == "0.0.0.0"
            assert proc.ports["metrics"] == int(proc.env["COMPLAINTS_METRICS_PORT"])
    assert by_kind("Deployment")["exporter"]["spec"]["replicas"] == 1


def items_per_message(queue: str, stage_group_size: int) -> int:
    """Complaints one message on `queue` carries at most (the stage table's group sizes)."""
    sizes = group_sizes(stage_group_size)
    return {
        "intake": 1,
        "actions": 1,
        "notify": sizes["notify"],
        "sla": sizes["sla_breach"],
    }.get(queue, stage_group_size)


def test_each_queue_has_one_worker_group_scaled_in_complaints() -> None:
    deployments = by_kind("Deployment")
    config = by_kind("ConfigMap")["complaints-config"]["data"]
    group_size = int(config["COMPLAINTS_STAGE_GROUP_SIZE"])
    auth = by_kind("TriggerAuthentication")
    secret = by_kind("Secret")["complaints-secrets"]["stringData"]
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
            for x in by_kind("ScaledObject").values()
            if x["spec"]["scaleTargetRef"]["name"] == name
        )
        per_replica = int(scaled["metadata"]["annotations"]["complaints/complaints-per-replica"])
        triggers = scaled["spec"]["triggers"]
        assert [t["metadata"]["listName"] for t in triggers] == [
            f"dramatiq:{q}" for q in queues_of(args)
        ]
        for t, q in zip(triggers, queues_of(args), strict=True):
            wanted = max(1, math.ceil(per_replica / items_per_message(q, group_size)))
            assert int(t["metadata"]["listLength"]) == wanted, (name, q)
            for ref in auth[t["authenticationRef"]["name"]]["spec"]["secretTargetRef"]:
                assert ref["key"] in secret
    assert sorted(consumed) == sorted(all_queues())
    assert deployments["relay"]["spec"]["replicas"] >= 2
    assert deployments["scheduler"]["spec"]["replicas"] >= 2


def test_compose_runs_the_same_processes_as_kubernetes_without_root() -> None:
    doc = compose()
    services = doc["services"]
    app = doc["x-app"]
    assert app["user"] != "0" and not app["user"].startswith("root") and app["read_only"] is True
    known = set(env_names()) | {"TMPDIR"}
    assert set(app["environment"]) <= known, set(app["environment"]) - known
    for name in WRITABLE:
        assert any(PurePosixPath(app["environment"][name]).is_relative_to(t) for t in app["tmpfs"])
    k8s_args = {p.name.split("/")[0]: p.args for p in k8s_processes(DOCS) if not p.init}
    for name in (
        "api",
        "exporter",
        "relay",
        "scheduler",
        "workers-intake",
        "workers-pipeline",
        "workers-urgent",
        "workers-handle",
    ):
        assert services[name]["command"] == k8s_args[name], name
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert "healthcheck" in services[name], name
    assert services["storage-init"]["command"] == ["storage", "init"]
    assert services["migrate"]["command"] == ["migrate"]
    # The compose Prometheus scrapes with the token compose gives the API.
    token = (DEPLOY / "prometheus" / "metrics-token").read_text().strip()
    assert app["environment"]["COMPLAINTS_METRICS_TOKEN"].endswith(f":-{token}}}")


def test_compose_references_resolve() -> None:
    doc = compose()
    services = doc["services"]
    for name, service in services.items():
        depends = service.get("depends_on", [])
        assert set(depends) <= set(services), (name, depends)
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith("."):
                assert source in doc["volumes"], (name, source)
            else:
                assert (DEPLOY / source).exists(), (name, source)
    # Every ${VAR} interpolation has a default, so `up` works without an .env file.
    text = (DEPLOY / "compose.yaml").read_text()
    for var in re.findall(r"\$\{([^}]*)\}", text):
        assert ":-" in var, var


def test_the_example_overlay_patches_objects_of_the_base() -> None:
    overlay = kustomization(DEPLOY / "k8s" / "overlays" / "example")
    assert overlay["resources"] == ["../../base"]
    (image,) = overlay["images"]
    names = {(d["kind"], d["metadata"]["name"]) for d in DOCS}
    for patch in overlay["patches"]:
        target = patch["target"]
        assert (target["kind"], target["name"]) in names, target
        ops = yaml.safe_load(patch["patch"])
        if target["kind"] == "Job":  # a new tag is a new setup Job
            assert ops == [
                {"op": "replace", "path": "/metadata/name", "value": f"setup-{image['newTag']}"}
            ]
