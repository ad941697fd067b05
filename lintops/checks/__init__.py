"""The built-in checks: parameterised logic that rules (data, in ``rules/``) bind to.

One module per check, named like the check (``api-lifecycle`` is ``lintops/checks/api_lifecycle.py``);
what several checks share lives outside this package (:mod:`lintops.credentials`,
:mod:`lintops.helm_values_layout`, :mod:`lintops.held_back`, :mod:`lintops.pattern_params`,
:mod:`lintops.wording`, :mod:`lintops.image_reference`), and :mod:`.base` is the contract every check
implements. Adding a check is adding a module and its line below. Plugins contribute theirs through
the ``lintops_checks`` hook, as the built-ins do.
"""

from __future__ import annotations

from .base import Check, Subject

#: check name -> "module:Class". Given as import paths, as the reporters are, so that a check is imported
#: only when a rule binds it: the checks of rules that are off (the helm-values ones by default) cost a
#: run nothing (:class:`lintops.plugins.Registry`).
BUILTIN_CHECKS: dict[str, str] = {
    "api-lifecycle": "lintops.checks.api_lifecycle:ApiLifecycle",
    "argocd-application-source": "lintops.checks.argocd_application_source:ArgoCDApplicationSource",
    "argocd-floating-revision": "lintops.checks.argocd_floating_revision:ArgoCDFloatingRevision",
    "argocd-self-heal-staging": "lintops.checks.argocd_self_heal_staging:ArgoCDSelfHealStaging",
    "argocd-shared-resource": "lintops.checks.argocd_shared_resource:ArgoCDSharedResource",
    "dangling-reference": "lintops.checks.dangling_reference:DanglingReference",
    "dangling-selector": "lintops.checks.dangling_selector:DanglingSelector",
    "default-namespace": "lintops.checks.default_namespace:DefaultNamespace",
    "duplicate-list-key": "lintops.checks.duplicate_list_key:DuplicateListKey",
    "helm-values-image": "lintops.checks.helm_values_image:HelmValuesImageCheck",
    "helm-values-probe": "lintops.checks.helm_values_probe:HelmValuesProbeCheck",
    "helm-values-resources": "lintops.checks.helm_values_resources:HelmValuesResourcesCheck",
    "helm-values-secret": "lintops.checks.helm_values_secret:HelmValuesSecretCheck",
    "high-entropy-literal": "lintops.checks.high_entropy_literal:HighEntropyLiteral",
    "image-pull-never": "lintops.checks.image_pull_never:ImagePullNever",
    "image-reference": "lintops.checks.image_reference:ImageReferenceCheck",
    "json-schema": "lintops.checks.json_schema:JsonSchema",
    "kubernetes-schema": "lintops.checks.kubernetes_schema:KubernetesSchema",
    "kubernetes-schema-known": "lintops.checks.kubernetes_schema_known:KubernetesSchemaKnown",
    "pdb-eviction": "lintops.checks.pdb_eviction:PdbEviction",
    "plaintext-secret": "lintops.checks.plaintext_secret:PlaintextSecret",
    "rbac-binding": "lintops.checks.rbac_binding:RbacBinding",
    "rbac-cluster-grant": "lintops.checks.rbac_cluster_grant:RbacClusterGrant",
    "rbac-grant": "lintops.checks.rbac_grant:RbacGrant",
    "rbac-wildcard": "lintops.checks.rbac_wildcard:RbacWildcard",
    "sealed-secret-ciphertext": "lintops.checks.sealed_secret_ciphertext:SealedSecretCiphertext",
    "sealed-secret-scope": "lintops.checks.sealed_secret_scope:SealedSecretScope",
    "secret-ownership": "lintops.checks.secret_ownership:SecretOwnership",
    "selector-match": "lintops.checks.selector_match:SelectorMatch",
    "service-account-token": "lintops.checks.service_account_token:ServiceAccountToken",
}


__all__ = ["BUILTIN_CHECKS", "Check", "Subject"]
