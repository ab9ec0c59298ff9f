"""Read the deployment as an operator would apply it: the Kustomize base (its resources,
namespace and image), the compose file, and each process's command and environment."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BASE = DEPLOY / "k8s" / "base"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
#: Pods of these kinds run processes of the image.
WORKLOADS = ("Deployment", "Job")


def kustomization(path: Path = BASE) -> dict[str, Any]:
    doc = yaml.safe_load((path / "kustomization.yaml").read_text())
    assert isinstance(doc, dict)
    return doc


def base_docs() -> list[dict[str, Any]]:
    """The base's resources as `kubectl apply -k` would send them: in its namespace, with
    the image name and tag of its `images` entry (the part of kustomize this deployment
    uses; the resources themselves are plain)."""
    kust = kustomization()
    images = {i["name"]: f"{i['newName']}:{i['newTag']}" for i in kust.get("images", [])}
    docs = []
    for name in kust["resources"]:
        for doc in yaml.safe_load_all((BASE / name).read_text()):
            if not doc:
                continue
            if doc["kind"] != "Namespace":
                doc["metadata"]["namespace"] = kust["namespace"]
            for pod in pod_specs(doc):
                for c in pod.get("initContainers", []) + pod["containers"]:
                    c["image"] = images.get(c["image"], c["image"])
            docs.append(doc)
    return docs


def pod_specs(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if doc["kind"] in WORKLOADS:
        return [doc["spec"]["template"]["spec"]]
    return []


def compose() -> dict[str, Any]:
    doc = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(doc, dict)
    return doc


@dataclass
class Process:
    """One container of a workload: what the smoke test runs, exactly as the pod would."""

    name: str  # "<workload>/<container>"
    args: list[str]
    env: dict[str, str]
    mounts: list[str]
    liveness: dict[str, Any] | None = None
    readiness: dict[str, Any] | None = None
    ports: dict[str, int] = field(default_factory=dict)
    init: bool = False


def k8s_processes(docs: list[dict[str, Any]]) -> list[Process]:
    maps = {d["metadata"]["name"]: d for d in docs if d["kind"] in ("ConfigMap", "Secret")}
    out = []
    for doc in docs:
        for pod in pod_specs(doc):
            for c, init in [(c, True) for c in pod.get("initContainers", [])] + [
                (c, False) for c in pod["containers"]
            ]:
                env: dict[str, str] = {}
                for ref in c.get("envFrom", []):
                    source = ref.get("configMapRef") or ref.get("secretRef")
                    src = maps[source["name"]]
                    env.update(src.get("data") or src.get("stringData") or {})
                env.update({e["name"]: e["value"] for e in c.get("env", [])})
                out.append(
                    Process(
                        name=f"{doc['metadata']['name']}/{c['name']}",
                        args=list(c["args"]),
                        env=env,
                        mounts=[m["mountPath"] for m in c.get("volumeMounts", [])],
                        liveness=c.get("livenessProbe"),
                        readiness=c.get("readinessProbe"),
                        ports={p["name"]: p["containerPort"] for p in c.get("ports", [])},
                        init=init,
                    )
                )
    return out
