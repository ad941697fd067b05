"""The JSON Schema service shared by the stages: Kubernetes validation, the ``json-schema`` check, the
validation of ``.lintops.yaml`` and rule files, and Helm values schemas all go through it.

- :mod:`.service`: the backend (jsonschema-rs, else ``jsonschema``), compilation, errors as pointer,
  keyword and message; :mod:`.json_types` names a value's JSON type in those messages;
- :mod:`.retrieval`: the reference policy the libraries' retrieval hooks apply (nothing fetched, files
  only inside a named root); :mod:`.refs` is the up-front check of a schema's references and
  :mod:`.helm_refs` Helm's reading of them; :mod:`.dialects` the drafts known without fetching;
- :mod:`.linear`: python-jsonschema with its pattern keywords matched by RE2;
- :mod:`.compiled`: a schema from the tree checked and compiled once (the ``json-schema`` check's);
- :mod:`.published`: the published schemas of ``.lintops.yaml`` and rule files, their errors in words;
- :mod:`.kube`: Kubernetes schemas per version (:class:`.kube.store.SchemaStore`), CRD conversion,
  served APIs and the API lifecycle table (:mod:`.kube.lifecycle`).
"""
