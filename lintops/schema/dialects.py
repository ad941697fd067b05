"""Which JSON Schema drafts and vocabularies are known without fetching anything, and how Helm reads ``$schema``.

The validator libraries lintops uses bundle the drafts' meta-schemas and the 2019-09 and 2020-12
vocabularies; Helm's JSON Schema library (santhosh-tekuri/jsonschema v6, Helm 3.19 and later) knows the
same resources under the spellings :func:`helm_resource` accepts, takes ``http(s)://json-schema.org/schema``
as 2020-12, and an unresolved ``urn:`` as the schema ``true``. This is data and pure functions with no
lintops imports, so that both the reference guard (:mod:`lintops.schema.refs`) and the walk of a values
schema as Helm compiles it (:mod:`lintops.schema.helm_refs`) can use it without importing each other.
"""

from __future__ import annotations

from urllib.parse import urldefrag, urlsplit

#: The meta-schema identifiers of the drafts (``$schema`` values) the libraries know without fetching.
META_SCHEMAS = (
    "http://json-schema.org/draft-03/schema#",
    "http://json-schema.org/draft-04/schema#",
    "http://json-schema.org/draft-06/schema#",
    "http://json-schema.org/draft-07/schema#",
    "https://json-schema.org/draft/2019-09/schema",
    "https://json-schema.org/draft/2020-12/schema",
)
#: Every resource the libraries bundle (the meta-schemas and the 2019-09 and 2020-12 vocabularies).
BUNDLED = frozenset({
    *(uri.rstrip("#") for uri in META_SCHEMAS),
    *(f"https://json-schema.org/draft/2019-09/meta/{name}"
      for name in ("applicator", "content", "core", "format", "meta-data", "validation")),
    *(f"https://json-schema.org/draft/2020-12/meta/{name}"
      for name in ("applicator", "content", "core", "format-annotation", "format-assertion", "meta-data",
                   "unevaluated", "validation")),
})


def _normalised(uri: str) -> str:
    """``uri`` as compared with the bundled identifiers: no fragment, scheme and host lower case, http = https."""
    try:
        base = urldefrag(uri.strip())[0]
        parts = urlsplit(base)
    except ValueError:  # not a URI (an unclosed "["): no bundled identifier
        return uri
    if parts.scheme.lower() not in ("http", "https"):
        return base
    return f"https://{parts.netloc.lower()}{parts.path}"


_BUNDLED_NORMALISED = frozenset(_normalised(uri) for uri in BUNDLED)


def is_bundled(uri: str) -> bool:
    """Whether ``uri`` names a meta-schema or vocabulary the validator libraries carry (no fetch needed)."""
    return _normalised(uri) in _BUNDLED_NORMALISED


#: The draft Helm's JSON Schema library applies to a values schema that names none, and to the alias
#: ``http(s)://json-schema.org/schema`` (its ``draftLatest``).
HELM_DEFAULT_DRAFT = "https://json-schema.org/draft/2020-12/schema"
#: What Helm's library resolves without fetching, after ``http://`` or ``https://``: its drafts
#: (``draftFromURL``) and the vocabulary meta-schemas it embeds, each as lintops' libraries spell it.
_HELM_RESOURCES = {
    "json-schema.org/schema": HELM_DEFAULT_DRAFT,
    "json-schema.org/draft/2020-12/schema": "https://json-schema.org/draft/2020-12/schema",
    "json-schema.org/draft/2019-09/schema": "https://json-schema.org/draft/2019-09/schema",
    "json-schema.org/draft-07/schema": "http://json-schema.org/draft-07/schema#",
    "json-schema.org/draft-06/schema": "http://json-schema.org/draft-06/schema#",
    "json-schema.org/draft-04/schema": "http://json-schema.org/draft-04/schema#",
    **{f"json-schema.org/{uri.removeprefix('https://json-schema.org/')}": uri
       for uri in BUNDLED if "/meta/" in uri},
}


def helm_resource(uri: str) -> str | None:
    """The meta-schema Helm's library reads for ``uri`` without fetching it, as lintops' libraries name it;
    None when Helm would fetch ``uri`` or read it as a file. Compared as the library does: the fragment
    dropped, then a lower-case ``http://`` or ``https://`` and the exact rest (no other case, no ``www.``)."""
    base = uri.split("#", 1)[0]
    for scheme in ("http://", "https://"):
        if base.startswith(scheme):
            return _HELM_RESOURCES.get(base[len(scheme):])
    return None


def is_urn(uri: str) -> bool:
    scheme, colon, rest = uri.partition(":")
    return bool(colon and rest) and scheme.lower() == "urn" and not any(c <= " " or c == "\x7f" for c in uri)


def helm_dialect(declared: str, enclosing: str = HELM_DEFAULT_DRAFT) -> str | None:
    """The meta-schema Helm validates a (sub)schema that declares ``"$schema": declared`` with: a draft's
    URI (``draft-07``, 2020-12 for ``http://json-schema.org/schema#``), a vocabulary meta-schema's, or
    ``enclosing`` for a ``urn:`` (Helm takes an unresolved URN as ``true``, which names no draft); None when
    Helm would fetch ``declared``, read it as a file, or refuse it."""
    if is_urn(declared.split("#", 1)[0]):
        return enclosing
    return helm_resource(declared)


def draft_of(meta_schema: str) -> str:
    """The draft a meta-schema from :func:`helm_dialect` belongs to (a vocabulary's is its draft's)."""
    for draft in ("2019-09", "2020-12"):
        if f"/draft/{draft}/meta/" in meta_schema:
            return f"https://json-schema.org/draft/{draft}/schema"
    return meta_schema
