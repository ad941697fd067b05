"""The benchmark corpus: a realistic GitOps tree of a given number of objects.

Deployments, Services, ConfigMaps, StatefulSets, CronJobs and Ingresses, a few objects per file as
repositories hold them, written the way a team that runs lintops writes them (so findings are few), in
the apiVersions the target Kubernetes version serves (``batch/v1`` CronJobs from 1.21,
``networking.k8s.io/v1`` Ingresses from 1.19). bench/run.py and bench/instructions.py measure on it.
"""

from __future__ import annotations

from pathlib import Path

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
