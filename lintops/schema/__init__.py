"""The JSON Schema service shared by the stages.

- :mod:`.service`: the backend (jsonschema-rs, else ``jsonschema``), compilation, errors as pointer,
  keyword and message;
- :mod:`.retrieval`: the reference policy the libraries' retrieval hooks apply (nothing fetched, files
  only inside a named root); :mod:`lintops.schema.refs` is the up-front check of a schema's references;
- :mod:`.linear`: python-jsonschema with its pattern keywords matched by RE2;
- :mod:`.compiled`: a schema from the tree checked and compiled once (the ``json-schema`` check's);
- :mod:`.kube`: Kubernetes schemas per version, CRD conversion, API availability (:class:`.kube.store.SchemaStore`).
"""
