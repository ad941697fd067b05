"""The workload kinds lintops knows and where each keeps its pod spec.

Data the options of a run (:class:`lintops.run_context.Options`), the dispatch of rules
(:mod:`lintops.rules`) and the exemptions (a pod template's annotations) all read: it lives at the
bottom of the import layers so that none of them imports another to get it.
"""

from __future__ import annotations

#: Where each workload kind keeps its pod spec: the built-in controllers, and two that teams deploy as
#: they deploy a Deployment: Argo Rollouts' ``Rollout`` (argoproj.io; one that names a Deployment in
#: ``spec.workloadRef`` instead of carrying a template is checked through that Deployment, see
#: lintops.workload_refs) and OpenShift's ``DeploymentConfig`` (apps.openshift.io). Teams add their own
#: kinds in the configuration (``workloads:``).
WORKLOAD_POD_SPECS: dict[str, str] = {
    "Pod": "/spec",
    "Deployment": "/spec/template/spec",
    "StatefulSet": "/spec/template/spec",
    "DaemonSet": "/spec/template/spec",
    "ReplicaSet": "/spec/template/spec",
    "ReplicationController": "/spec/template/spec",
    "Job": "/spec/template/spec",
    "CronJob": "/spec/jobTemplate/spec/template/spec",
    "Rollout": "/spec/template/spec",
    "DeploymentConfig": "/spec/template/spec",
}
