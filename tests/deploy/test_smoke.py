"""Deploy smoke test: the Kubernetes manifests' processes, run here as the pods would run
them, without a container runtime.

Each container's exact arguments and environment (the image's ENV, then the ConfigMap and
Secret) run as a non-root user (`nobody` when the test runs as root) in an empty,
root-owned, read-only working directory, with each volume mount a directory of its own
that the user may write: a process that writes anywhere else fails as it would on a
read-only root filesystem. What differs from a cluster, and only that: service addresses
(this machine's PostgreSQL, Redis db COMPLAINTS_TEST_REDIS_DB and SeaweedFS, a database and
a bucket that do not exist yet) and the listening ports (every pod has its own network;
here they share one, so each gets a free port).

Then: storage init creates the bucket, two migrations started at once both succeed and
migrate once while a pod's init container waits for them, 200 generated complaints reach
their predicted statuses, every metrics endpoint answers lint-clean text, every probe
answers healthy, and each goes unhealthy once its process is stopped (SIGSTOP)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis
from alembic.script import ScriptDirectory

from pipeline.adapters.s3 import make_s3_client
from pipeline.db.migrate import alembic_config, with_database
from pipeline.progress import wait_until_settled
from pipeline.sample import Generator, upload_all
from pipeline.settings import Settings
from tests import services
from tests.api_server import free_port
from tests.deploy.manifests import DEPLOY, Process, base_docs, k8s_processes
from tests.expectations import verify_outcomes
from tests.upstream import send

pytestmark = pytest.mark.acceptance

COUNT = 200
NOBODY = 65534


def image_env() -> dict[str, str]:
    """The Dockerfile's ENV instructions (what every container starts with)."""
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            env.update(dict(re.findall(r"(\w+)=(\S+)", line)))
    return env


def reachable_by_others(path: Path) -> bool:
    """Whether a user other than the owner may execute `path` (every directory on the way
    searchable, the file itself executable)."""
    real = path.resolve()
    if not real.exists() or not real.stat().st_mode & 0o001:
        return False
    return all(parent.stat().st_mode & 0o001 for parent in real.parents)


#: Parts of the standard library no process of the image uses (and large).
UNUSED_STDLIB = ("site-packages", "test", "idlelib", "tkinter", "turtledemo", "lib2to3")


def interpreter_for_others() -> Path:
    """This test's Python with this test's packages, executable by a non-root user. The
    project's venv may sit on an interpreter under root's home (pyenv), which `nobody`
    cannot enter: then a copy of that interpreter and its standard library whose
    site-packages points at the venv's, made once per venv in the temp directory."""
    if reachable_by_others(Path(sys.executable)):
        return Path(sys.executable)
    base = Path(sys.base_prefix)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    venv_packages = Path(sys.prefix) / "lib" / version / "site-packages"
    key = hashlib.sha256(f"{base}:{venv_packages}".encode()).hexdigest()[:12]
    tag = f"{sys.version.split()[0]}-{key}"
    home = Path(tempfile.gettempdir()) / f"complaints-deploy-python-{tag}"
    if not (home / "bin" / "python").exists():
        build = Path(tempfile.mkdtemp(prefix="complaints-deploy-python-"))
        (build / "bin").mkdir()
        shutil.copy2(base / "bin" / version, build / "bin" / version)
        shutil.copytree(base / "lib", build / "lib", ignore=shutil.ignore_patterns(*UNUSED_STDLIB))
        (build / "lib" / version / "site-packages").mkdir()
        # The venv's packages (and its editable install of the project) on sys.path.
        (build / "lib" / version / "site-packages" / "project-venv.pth").write_text(
            f"import site; site.addsitedir({str(venv_packages)!r})\n"
        )
        # The binary finds libpython through a RUNPATH under root's home: point it here.
        (build / "bin" / "python").write_text(
            f'#!/bin/sh\nLD_LIBRARY_PATH={home}/lib exec {home}/bin/{version} "$@"\n'
        )
        for path in [build, *build.rglob("*")]:
            path.chmod(path.stat().st_mode | (0o555 if path.is_dir() else 0o444))
        (build / "bin" / "python").chmod(0o755)
        try:
            build.rename(home)
        except OSError:  # another run made it first
            shutil.rmtree(build, ignore_errors=True)
    return home / "bin" / "python"


def runtime_bin(root: Path) -> Path:
    """A bin directory whose `complaints` the non-root user may run, as the image's console
    script runs on the image's Python."""
    python = interpreter_for_others()
    bin_dir = root / "runtime"
    bin_dir.mkdir(mode=0o755)
    script = bin_dir / "complaints"
    script.write_text(f"#!{python}\nimport sys\nfrom pipeline.cli import main\nsys.exit(main())\n")
    script.chmod(0o755)
    return bin_dir


@dataclass
class Pod:
    proc: Process
    env: dict[str, str]
    args: list[str]
    ports: dict[int, int]  # container port -> port here
    popen: subprocess.Popen[bytes] | None = None


class Cluster:
    """Runs manifest processes as a non-root user; one volume directory per mount."""

    def __init__(self, root: Path, overrides: dict[str, str], log_dir: Path) -> None:
        self.root, self.overrides, self.log_dir = root, overrides, log_dir
        self.workdir = root / "app"
        self.workdir.mkdir(mode=0o755)
        self.workdir.chmod(0o555)  # root-owned and read-only, like the image's WORKDIR
        self.uid = NOBODY if os.geteuid() == 0 else os.geteuid()
        self.gid = NOBODY if os.geteuid() == 0 else os.getegid()
        self.pods: list[Pod] = []
        self.bin = runtime_bin(root)

    def pod(self, proc: Process, args: list[str] | None = None, tag: str = "") -> Pod:
        volumes = self.root / "volumes" / (proc.name.replace("/", "_") + tag)
        env = {**image_env(), **proc.env, **self.overrides}
        for mount in proc.mounts:
            local = volumes / mount.strip("/").replace("/", "_")
            local.mkdir(parents=True)
            os.chown(local, self.uid, self.gid)
            for name, value in env.items():
                if value == mount or value.startswith(mount + "/"):
                    env[name] = str(local) + value[len(mount) :]
        env |= {"PATH": f"{self.bin}:/usr/local/bin:/usr/bin:/bin", "HOME": "/nonexistent"}
        args = list(args if args is not None else proc.args)
        ports: dict[int, int] = {}
        for container_port in proc.ports.values():
            ports[container_port] = free_port()
            if env.get("COMPLAINTS_METRICS_PORT") == str(container_port):
                env["COMPLAINTS_METRICS_PORT"] = str(ports[container_port])
            if "--port" in args and args[args.index("--port") + 1] == str(container_port):
                args[args.index("--port") + 1] = str(ports[container_port])
        return Pod(proc, env, args, ports)

    def popen(self, pod: Pod, command: list[str], **kw: Any) -> subprocess.Popen[bytes]:
        extra: dict[str, Any] = {}
        if os.geteuid() == 0:
            extra = {"user": self.uid, "group": self.gid, "extra_groups": []}
        return subprocess.Popen(
            command, cwd=self.workdir, env=pod.env, stdin=subprocess.DEVNULL, **extra, **kw
        )

    def start(self, pod: Pod, name: str) -> Pod:
        log = open(self.log_dir / f"{name}.log", "ab")
        pod.popen = self.popen(
            pod,
            ["complaints", *pod.args],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pods.append(pod)
        return pod

    def run(self, pod: Pod, timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
        p = self.popen(
            pod, ["complaints", *pod.args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        out, _ = p.communicate(timeout=timeout)
        return subprocess.CompletedProcess(p.args, p.returncode, out)

    def probe(self, pod: Pod, probe: dict[str, Any]) -> bool:
        """One probe as the kubelet would run it: exec in the container, or HTTP GET."""
        timeout = float(probe.get("timeoutSeconds", 1))
        if "exec" in probe:
            p = self.popen(
                pod, probe["exec"]["command"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            try:
                return p.wait(timeout=timeout) == 0
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                return False
        get = probe["httpGet"]
        port = get["port"]
        port = pod.ports[pod.proc.ports[port] if isinstance(port, str) else port]
        try:
            r = httpx.get(f"http://127.0.0.1:{port}{get['path']}", timeout=timeout)
        except httpx.HTTPError:
            return False
        return 200 <= r.status_code < 400

    def healthy(self, pod: Pod, probe: dict[str, Any]) -> bool:
        """The probe, failing at once (with the log's end) if the process has exited."""
        assert pod.popen is not None
        if pod.popen.poll() is not None:
            log = (self.log_dir / f"{pod.proc.name.replace('/', '_')}.log").read_text()
            pytest.fail(f"{pod.proc.name} exited {pod.popen.returncode}:\n{log[-3000:]}")
        return self.probe(pod, probe)

    def stop_all(self) -> None:
        for pod in self.pods:
            if pod.popen is not None and pod.popen.poll() is None:
                try:
                    os.killpg(pod.popen.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                pod.popen.wait(timeout=10)


def wait_for(what: str, check: Any, timeout: float, every: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {timeout}s"
        time.sleep(every)


@pytest.fixture
def environment(base_settings: Settings, tmp_path: Path) -> Iterator[tuple[Settings, Path]]:
    """A database and a bucket that do not exist yet, a flushed Redis db; removed after."""
    name = f"deploy_smoke_{uuid.uuid4().hex[:10]}"
    settings = replace(
        base_settings,
        database_url=with_database(base_settings.database_url, name),
        redis_url=services.flushed_redis(base_settings),
        s3_bucket=f"deploy-smoke-{uuid.uuid4().hex[:10]}",
    )
    root = Path(tempfile.mkdtemp(prefix="deploy-smoke-"))
    root.chmod(0o755)
    try:
        yield settings, root
    finally:
        shutil.rmtree(root, ignore_errors=True)
        services.drop_database(base_settings, name)
        s3 = make_s3_client(base_settings)
        try:
            listed = s3.list_objects_v2(Bucket=settings.s3_bucket).get("Contents", [])
            for obj in listed:
                s3.delete_object(Bucket=settings.s3_bucket, Key=obj["Key"])
            s3.delete_bucket(Bucket=settings.s3_bucket)
        except Exception:  # the test failed before the bucket existed
            pass


def promtool_lint(text: str) -> str:
    tool = shutil.which("promtool")
    assert tool, "promtool is missing: `./dev services up` installs it (Debian `prometheus`)"
    run = subprocess.run([tool, "check", "metrics"], input=text, capture_output=True, text=True)
    return "" if run.returncode == 0 else run.stdout + run.stderr


def test_the_manifests_processes_run_as_pods_would(
    environment: tuple[Settings, Path], tmp_path: Path
) -> None:
    settings, root = environment
    overrides = {
        "COMPLAINTS_DATABASE_URL": settings.database_url,
        "COMPLAINTS_REDIS_URL": settings.redis_url,
        "COMPLAINTS_S3_ENDPOINT": settings.s3_endpoint,
        "COMPLAINTS_S3_ACCESS_KEY": settings.s3_access_key,
        "COMPLAINTS_S3_SECRET_KEY": settings.s3_secret_key,
        "COMPLAINTS_S3_BUCKET": settings.s3_bucket,
    }
    cluster = Cluster(root, overrides, tmp_path)
    strays_before = owned_in_temp(cluster.uid)
    procs = {p.name: p for p in k8s_processes(base_docs())}
    setup = next(n.split("/")[0] for n in procs if n.startswith("setup-"))
    deployments = [p for p in procs.values() if not p.init and not p.name.startswith("setup-")]
    s3 = make_s3_client(settings)
    try:
        # A pod's init container waits for the migration; nothing exists yet.
        waiter = cluster.start(cluster.pod(procs["api/wait-for-migrations"]), "wait")
        storage = cluster.run(cluster.pod(procs[f"{setup}/storage-init"]))
        assert storage.returncode == 0, storage.stdout.decode()
        assert b"created bucket" in storage.stdout
        s3.head_bucket(Bucket=settings.s3_bucket)
        assert waiter.popen is not None and waiter.popen.poll() is None, "did not wait"

        # The setup Job started twice at once: both succeed, the schema is made once.
        migrate = procs[f"{setup}/migrate"]
        twice = [cluster.start(cluster.pod(migrate, tag=str(i)), f"migrate{i}") for i in (1, 2)]
        assert [p.popen.wait(timeout=120) for p in twice if p.popen] == [0, 0]
        with psycopg.connect(settings.database_url) as conn:
            assert len(conn.execute("SELECT version_num FROM alembic_version").fetchall()) == 1
        logs = "".join((tmp_path / f"migrate{i}.log").read_text() for i in (1, 2))
        applied = re.findall(r"Running upgrade \S* ?-> (\w+)", logs)
        assert sorted(applied) == sorted(set(applied)) and applied, "a revision ran twice"
        script = ScriptDirectory.from_config(alembic_config(settings.database_url))
        assert len(applied) == len(list(script.walk_revisions()))
        assert waiter.popen.wait(timeout=60) == 0

        pods = {
            p.name: cluster.start(cluster.pod(p), p.name.replace("/", "_")) for p in deployments
        }
        for name, pod in pods.items():
            for probe in (pod.proc.readiness, pod.proc.liveness):
                if probe:
                    wait_for(f"{name} healthy", lambda p=pod, q=probe: cluster.healthy(p, q), 90)

        gen = Generator(seed=22, now=datetime.now(UTC), source="deploy-smoke")
        samples = gen.generate(COUNT)
        upload_all(s3, settings.s3_bucket, gen.uploads)
        send(settings, [s.payload for s in samples])
        wait_until_settled(settings.database_url, "deploy-smoke", len(samples), timeout=120)
        verify_outcomes(settings.database_url, samples)

        # Every metrics endpoint answers lint-clean text; the exporter counts the workers
        # by their own heartbeat.
        metric_token = procs["api/api"].env["COMPLAINTS_METRICS_TOKEN"]
        scraped: dict[str, str] = {}
        for name, pod in pods.items():
            for port_name, container_port in pod.proc.ports.items():
                url = f"http://127.0.0.1:{pod.ports[container_port]}/metrics"
                auth = {"Authorization": f"Bearer {metric_token}"} if port_name == "http" else {}
                r = httpx.get(url, headers=auth, timeout=10)
                assert r.status_code == 200, (name, r.status_code)
                scraped[name] = r.text
                assert promtool_lint(r.text) == "", (name, promtool_lint(r.text))
        workers = [n for n in pods if n.startswith("workers-")]
        assert sum("dramatiq_messages_total{" in scraped[n] for n in workers) >= 3
        assert "complaints_transitions_total{" in "".join(scraped[n] for n in workers)
        assert f"complaints_live_workers {float(len(workers))}" in scraped["exporter/exporter"]

        # Stopped, every process's liveness probe fails (within its beat's max age).
        for pod in pods.values():
            assert pod.popen is not None
            os.killpg(pod.popen.pid, signal.SIGSTOP)
        for name, pod in pods.items():
            live = pod.proc.liveness
            assert live, name
            stopped = f"{name} unhealthy when stopped"
            wait_for(stopped, lambda p=pod, q=live: not cluster.probe(p, q), 40)
    finally:
        cluster.stop_all()
    redis.Redis.from_url(settings.redis_url).flushdb()
    # Nothing written outside the volumes: the shared temp directory (world-writable here,
    # an emptyDir in a pod) got no file of the user's.
    assert owned_in_temp(cluster.uid) - strays_before == set()


def owned_in_temp(uid: int) -> set[str]:
    out = set()
    for top in {Path(tempfile.gettempdir()), Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")}:
        if top.is_dir():
            out |= {str(p) for p in top.iterdir() if p.lstat().st_uid == uid}
    return out
