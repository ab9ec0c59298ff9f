"""The deployment's queue lists are generated (`complaints deploy render`, from the
pipeline's queues and the category table): the committed files are what the command writes,
and a new category row changes them where an operator would look."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from pipeline.deploy_render import DEPLOY, rendered, stale, worker_groups, write
from pipeline.domain.routing import all_queues
from schemas.categories import CATEGORIES, CategoryPolicy

PETS = CategoryPolicy(
    name="pet_health",
    name_zh="宠物健康",
    name_en="Pet health",
    window_days=30,
    window_anchor="delivered",
    urgency=1,
    worker_group="pets",
)


def docs(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def test_the_committed_files_are_what_the_command_writes() -> None:
    assert stale() == [], "run `complaints deploy render` and commit deploy/"


def test_every_queue_has_one_worker_group() -> None:
    consumed = [q for queues in worker_groups().values() for q in queues]
    assert sorted(consumed) == sorted(all_queues())
    assert worker_groups()["urgent"] == ["handle.counterfeit"]


def test_a_new_row_gets_its_queue_deployment_triggers_and_compose_service() -> None:
    files = rendered((*CATEGORIES, PETS))
    base = DEPLOY / "k8s" / "base"
    workers, keda = files[base / "workers.yaml"], files[base / "keda.yaml"]
    named = [d for d in docs(workers) if d["metadata"]["name"] == "workers-pets"]
    assert sorted(d["kind"] for d in named) == ["Deployment", "PodDisruptionBudget"]
    (pets,) = [d for d in named if d["kind"] == "Deployment"]
    assert pets["spec"]["template"]["spec"]["containers"][0]["args"][-2:] == [
        "-Q",
        "handle.pet_health",
    ]
    (scaled,) = [d for d in docs(keda) if d["metadata"]["name"] == "workers-pets"]
    assert [t["metadata"]["listName"] for t in scaled["spec"]["triggers"]] == [
        "dramatiq:handle.pet_health"
    ]
    service = yaml.safe_load(files[DEPLOY / "compose.yaml"])["services"]["workers-pets"]
    assert service["command"][-2:] == ["-Q", "handle.pet_health"]


def test_the_check_finds_a_hand_edit_and_the_command_repairs_it(tmp_path: Path) -> None:
    copy = tmp_path / "deploy"
    shutil.copytree(DEPLOY, copy)
    compose = copy / "compose.yaml"
    compose.write_text(compose.read_text().replace('"-Q", "handle.other"', '"-Q", "other"'))
    assert stale(copy) == [compose]
    assert write(copy) == [compose]
    assert stale(copy) == []
    assert compose.read_text() == (DEPLOY / "compose.yaml").read_text()
