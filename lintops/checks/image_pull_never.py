"""Check ``image-pull-never``: no container of a production environment is told never to pull its image.

``imagePullPolicy: Never`` makes the kubelet use only an image already on the node: fine on a developer's
kind cluster with side-loaded images, a pod stuck in ``ErrImageNeverPull`` on any production node that
has not seen the image. Which objects are production is what :mod:`lintops.config.environments` says of,
in this order, the environment the object was rendered for, the destination namespaces of the ArgoCD
Applications it was rendered for, its namespace, and the path of its file (the first that names exactly
one of staging and production decides).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..config.environments import PRODUCTION, patterns_from
from ..model import Violation
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext


class ImagePullNever(Check):
    name = "image-pull-never"
    description = "A container of a production environment may pull its image (imagePullPolicy is not Never)."

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        container = subject.value
        if not isinstance(container, dict) or container.get("imagePullPolicy") != "Never":
            return ()
        resource = subject.resource
        source = resource.source
        candidates = [("environment", source.environment),
                      *(("Application destination namespace", app[3]) for app in source.applications),
                      ("namespace", resource.namespace), ("path", source.path)]
        decided = patterns_from(ctx.options.environments).decide(candidates)
        if decided is None or decided.environment != PRODUCTION:
            return ()
        name = container.get("name") if isinstance(container.get("name"), str) else "?"
        return [Violation(subject.at("imagePullPolicy"),
                          f"container '{name}' sets imagePullPolicy: Never in a production environment (its "
                          f"{decided.where} '{decided.value}'): a node that has not got the image already cannot "
                          "start the pod (ErrImageNeverPull)")]
