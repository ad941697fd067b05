"""Benchmark: lintops against the libyaml compose floor, in one run, as ratios.

Usage: ``python bench/run.py [--objects 1000 10000] [--repeat 3] [--kubernetes-version 1.18]``

For each corpus size it generates a realistic GitOps tree (Deployments, Services, ConfigMaps,
StatefulSets, CronJobs, Ingresses; a few objects per file, as repositories hold them; written the way
a team that runs lintops writes them, so findings are few) and measures:

* ``floor``: reading every file and ``yaml.compose_all`` with libyaml: the cost any YAML linter with
  positions pays, and the floor lintops is compared against;
* ``lintops``: the full check in-process (parse, resources, every built-in rule, schema validation,
  exemptions), findings discarded, with the default worker processes (see lintops/parallel.py);
  ``1 core``: the same in one process; the one-time set-up (configuration, plugins, rule catalog)
  is reported apart as ``setup``, since the cold start below measures it;
* ``cli``: the same through ``python -m lintops check DIR --format json`` (includes start-up).

and, separately, the cold start of one small file end to end (median wall time of several runs), and
the peak memory of one file of many small objects (``--configmaps``, default 550,000 ConfigMaps, 32 MiB:
the size limit) through ``python -m lintops check FILE --format json``, against reading the same file
and iterating ``yaml.compose_all`` over it in the same run: a file's documents flow through the stages
one at a time, so memory grows with the largest document, not with the number of objects.
Everything runs against ``--kubernetes-version`` (default 1.18); the corpus uses the CronJob and
Ingress apiVersions that version serves (``batch/v1`` from 1.21, ``networking.k8s.io/v1`` from 1.19),
as a team targeting it writes them.
Targets (see README): ``lintops / floor <= 1.5``; one small file under 200 ms. Times are the best of
``--repeat`` interleaved runs, so a noisy neighbour inflates neither side of a ratio.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

OBJECTS_PER_FILE = 6

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: team-{team}
  labels: {{app: app-{i}, team: team-{team}}}
spec:
  replicas: 3
  selector:
    matchLabels: {{app: app-{i}}}
  template:
    metadata:
      labels: {{app: app-{i}}}
    spec:
      securityContext: {{runAsNonRoot: true, runAsUser: 10001}}
      containers:
      - name: app
        image: registry.example.com/team-{team}/app-{i}:1.{i}.0
        securityContext: {{readOnlyRootFilesystem: true, allowPrivilegeEscalation: false}}
        ports:
        - containerPort: 8080
          name: http
        env:
        - name: LOG_LEVEL
          value: info
        - name: DB_PASSWORD
          valueFrom: {{secretKeyRef: {{name: app-{i}-db, key: password}}}}
        resources:
          requests: {{cpu: 100m, memory: 128Mi}}
          limits: {{cpu: 500m, memory: 256Mi}}
        livenessProbe:
          httpGet: {{path: /healthz, port: http}}
          periodSeconds: 10
        readinessProbe:
          httpGet: {{path: /ready, port: http}}
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: app-{i}
  namespace: team-{team}
spec:
  selector: {{app: app-{i}}}
  ports:
  - name: http
    port: 80
    targetPort: http
"""
CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-{i}-config
  namespace: team-{team}
data:
  LOG_FORMAT: json
  FEATURE_FLAGS: "search,checkout"
  application.yaml: |
    server:
      port: 8080
"""
STATEFULSET = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db-{i}
  namespace: team-{team}
spec:
  serviceName: db-{i}
  replicas: 1
  selector:
    matchLabels: {{app: db-{i}}}
  template:
    metadata:
      labels: {{app: db-{i}}}
    spec:
      securityContext: {{runAsNonRoot: true, runAsUser: 999, fsGroup: 999}}
      containers:
      - name: postgres
        image: postgres:12.{i}
        securityContext: {{readOnlyRootFilesystem: true, allowPrivilegeEscalation: false}}
        ports: [{{containerPort: 5432}}]
        resources:
          limits: {{cpu: "1", memory: 1Gi}}
        livenessProbe:
          exec: {{command: [pg_isready]}}
  volumeClaimTemplates:
  - metadata: {{name: data}}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {{requests: {{storage: 10Gi}}}}
"""
CRONJOB = """\
apiVersion: batch/v1beta1
kind: CronJob
metadata:
  name: report-{i}
  namespace: team-{team}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          securityContext: {{runAsNonRoot: true, runAsUser: 10001}}
          containers:
          - name: report
            image: registry.example.com/team-{team}/report:2.{i}
            securityContext: {{readOnlyRootFilesystem: true, allowPrivilegeEscalation: false}}
            resources:
              limits: {{cpu: 200m, memory: 128Mi}}
"""
INGRESS = """\
apiVersion: networking.k8s.io/v1beta1
kind: Ingress
metadata:
  name: app-{i}
  namespace: team-{team}
spec:
  rules:
  - host: app-{i}.example.com
    http:
      paths:
      - path: /
        backend: {{serviceName: app-{i}, servicePort: 80}}
"""
INGRESS_V1 = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app-{i}
  namespace: team-{team}
spec:
  rules:
  - host: app-{i}.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {{name: app-{i}, port: {{number: 80}}}}
"""
TEMPLATES = [DEPLOYMENT, SERVICE, CONFIGMAP, STATEFULSET, CRONJOB, INGRESS]


def templates(kubernetes_version: str) -> list[str]:
    """The corpus' object templates in the apiVersions ``kubernetes_version`` serves."""
    minor = int(kubernetes_version.split(".")[1])
    cronjob = CRONJOB.replace("batch/v1beta1", "batch/v1") if minor >= 21 else CRONJOB
    ingress = INGRESS_V1 if minor >= 19 else INGRESS
    return [DEPLOYMENT, SERVICE, CONFIGMAP, STATEFULSET, cronjob, ingress]


def generate(root: Path, objects: int, kubernetes_version: str = "1.18") -> list[Path]:
    files = []
    kinds = templates(kubernetes_version)
    for start in range(0, objects, OBJECTS_PER_FILE):
        documents = [kinds[(start + k) % len(kinds)].format(i=start + k, team=(start + k) % 17)
                     for k in range(min(OBJECTS_PER_FILE, objects - start))]
        path = root / f"team-{start % 17}" / f"app-{start}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("---\n".join(documents))
        files.append(path)
    return files


def compose_floor(files: list[Path]) -> float:
    gc.collect()
    started = time.perf_counter()
    for path in files:
        for _ in yaml.compose_all(path.read_bytes(), Loader=yaml.CSafeLoader):
            pass
    return time.perf_counter() - started


def lintops_in_process(root: Path, jobs: int | None = None,
                       kubernetes_version: str = "1.18") -> tuple[float, float, int]:
    """(check seconds, set-up seconds, findings): set-up (config, plugins, rules) is paid once per run.

    ``jobs`` None uses the default (worker processes on every available core for large runs).
    """
    from lintops.runner import Settings, prepare

    gc.collect()
    started = time.perf_counter()
    run = prepare(Settings(paths=(str(root),), jobs=jobs, kubernetes_version=kubernetes_version))
    engine = run.engine()
    ready = time.perf_counter()
    findings = sum(len(report.findings) for report in engine.lint(run.discover([str(root)])))
    return time.perf_counter() - ready, ready - started, findings


def lintops_cli(root: Path, kubernetes_version: str = "1.18") -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "lintops", "check", "-k", kubernetes_version, str(root), "--format", "json"],
                   stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def cold_start(repeat: int, kubernetes_version: str = "1.18") -> float:
    """Median wall time of one small file end to end, with bytecode cached as after a pip install."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    command = [sys.executable, "-m", "lintops", "check", "-k", kubernetes_version]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "deployment.yaml"
        path.write_text(DEPLOYMENT.format(i=1, team=1))
        subprocess.run([*command, str(path)], stdout=subprocess.DEVNULL, env=env, check=False)  # writes .pyc
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            subprocess.run([*command, str(path)], stdout=subprocess.DEVNULL, env=env, check=False)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


CONFIGMAP_DOCUMENT = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i:06d}}}\n"

COMPOSE_FLOOR = """
import sys
from pathlib import Path

import yaml

for _ in yaml.compose_all(Path(sys.argv[1]).read_bytes(), Loader=yaml.CSafeLoader):
    pass
"""


def peak_rss(command: list[str]) -> tuple[float, float]:
    """(peak resident memory in MB, wall seconds) of one command, measured for that process alone."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024, time.perf_counter() - started


def configmap_memory(count: int, version: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "configmaps.yaml"
        with path.open("w") as handle:
            for i in range(count):
                handle.write(CONFIGMAP_DOCUMENT.format(i=i))
        size = path.stat().st_size
        floor, floor_s = peak_rss([sys.executable, "-c", COMPOSE_FLOOR, str(path)])
        lintops, lintops_s = peak_rss([sys.executable, "-m", "lintops", "check", "-k", version, str(path),
                                       "--format", "json", "-q"])
    print(f"one file of {count:,} ConfigMaps ({size / 2**20:.1f} MiB): peak memory {lintops:.0f} MB in "
          f"{lintops_s:.1f} s; yaml.compose_all of the same file {floor:.0f} MB in {floor_s:.1f} s; "
          f"ratio {lintops / floor:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("-k", "--kubernetes-version", default="1.18", help="target version (default 1.18)")
    parser.add_argument("--configmaps", type=int, default=550_000,
                        help="ConfigMaps in the one-file memory measurement (0: skip it)")
    args = parser.parse_args()
    version = args.kubernetes_version
    from lintops.runner import default_jobs

    print(f"Kubernetes {version}; lintops uses {default_jobs()} worker process(es) for large runs; "
          "'1 core' forces one process")
    print(f"{'objects':>8} {'files':>6} {'floor s':>8} {'lintops s':>9} {'ratio':>6} {'1 core s':>8} {'ratio':>6} "
          f"{'setup s':>7} {'cli s':>7} {'us/object':>9} {'findings':>8}")
    for objects in args.objects:
        with tempfile.TemporaryDirectory() as directory:
            root = Path(directory)
            files = generate(root, objects, version)
            # interleaved, so that a machine that speeds up or slows down affects every column alike
            floors, runs, singles, clis = [], [], [], []
            for _ in range(args.repeat):
                floors.append(compose_floor(files))
                runs.append(lintops_in_process(root, kubernetes_version=version))
                singles.append(lintops_in_process(root, jobs=1, kubernetes_version=version)[0])
                clis.append(lintops_cli(root, version))
            floor, (best, setup, findings), single, cli = min(floors), min(runs), min(singles), min(clis)
            print(f"{objects:>8} {len(files):>6} {floor:>8.3f} {best:>9.3f} {best / floor:>6.2f} {single:>8.3f} "
                  f"{single / floor:>6.2f} {setup:>7.3f} {cli:>7.3f} {best / objects * 1e6:>9.0f} {findings:>8}")
    print(f"cold start, one small file end to end (median of 7): {cold_start(7, version) * 1000:.0f} ms")
    if args.configmaps:
        configmap_memory(args.configmaps, version)


if __name__ == "__main__":
    main()
