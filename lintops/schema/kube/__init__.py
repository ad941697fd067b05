"""The Kubernetes side of the schema service: which versions exist, each version's bundled schema data
(read lazily, one version at a time), and which APIs each version serves.

- :mod:`.versions`: how a target version is written (``1.29``, ``1.29.4``, ``v1.29.4``), which versions this
  installation has data for, and the range to name when a version is not among them;
- :mod:`.compact`: turning published Kubernetes definitions (both layouts) into the compact form lintops
  stores; shared by ``scripts/generate_schemas.py`` and the readers;
- :mod:`.bundle`: one version's index and definitions, from the content-addressed store in
  ``schemas/kubernetes/`` (or an installed ``kubernetes-validate`` package);
- :mod:`.served`: which apiVersion/kind each version serves, from the bundles and the removal table.

Nothing here imports a validator: the modules are cheap to import and read nothing until asked.
"""
