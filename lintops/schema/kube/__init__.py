"""The Kubernetes side of the schema service, fronted by :class:`.store.SchemaStore`.

- :mod:`.store`: :class:`~.store.SchemaStore`, the schemas of one Kubernetes version (built-in kinds,
  bundled CRDs, CRDs of the run) and what the stores of a process share (compiled validators);
- :mod:`.versions`: how a target version is written (``1.29``, ``1.29.4``, ``v1.29.4``), which versions this
  installation has data for, and the range to name when a version is not among them;
- :mod:`.compact`: turning published Kubernetes definitions (both layouts) into the compact form lintops
  stores; shared by ``scripts/generate_schemas.py`` and the readers;
- :mod:`.bundle`: one version's index and definitions, from the content-addressed store in
  ``schemas/kubernetes/`` (or an installed ``kubernetes-validate`` package);
- :mod:`.build`: a kind's self-contained schema from those definitions (strictness, ``null`` as Go decodes it);
- :mod:`.crd`: CustomResourceDefinitions converted to schemas, and what makes one unusable;
- :mod:`.validate`: Kubernetes objects validated by either backend, errors worded alike;
- :mod:`.served`: which apiVersion/kind each version serves, from the bundles and the removal table.

Nothing here imports a validator library until an object is validated: the modules are cheap to import
and read nothing until asked.
"""
