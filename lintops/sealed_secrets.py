"""What Bitnami sealed-secrets does with a SealedSecret, as the checks about SealedSecrets need it.

Facts from the sealed-secrets source (``pkg/apis/sealedsecrets/v1alpha1/sealedsecret_expansion.go``,
``pkg/crypto/crypto.go``), so that no check has to rediscover them:

- Scope. ``SecretScope`` reads the annotations ``sealedsecrets.bitnami.com/cluster-wide`` and
  ``sealedsecrets.bitnami.com/namespace-wide``; only the exact value ``"true"`` counts, cluster-wide
  first; anything else is the default, *strict*. When it decrypts (``Unseal``) the controller reads
  them from the SealedSecret's own ``metadata.annotations`` (``labelFor(smeta)``), not from
  ``spec.template.metadata``: kubeseal writes the annotation into both, and a template annotation
  alone does not change how the controller decrypts.
- Label. The session key is encrypted with RSA-OAEP (SHA-256) under a label: ``"<namespace>/<name>"``
  for strict, ``"<namespace>"`` for namespace-wide, ``""`` for cluster-wide. Decryption uses the label
  of the SealedSecret as deployed, so a rename (strict) or a move to another namespace (strict and
  namespace-wide) makes every value undecryptable ("no key could decrypt secret").
- Identity. ``kubeseal`` copies the input Secret's whole ``metadata`` into ``spec.template.metadata``
  (name and namespace included) and refuses a Secret without a namespace unless it is cluster-wide.
  Kustomize's ``namePrefix``/``nameSuffix``/``namespace`` change only ``metadata``, never the template,
  so the template's name and namespace are the identity the values were sealed for. The Secret the
  controller makes always takes the SealedSecret's ``metadata.name`` and ``metadata.namespace``.
- Ciphertext. Each ``encryptedData`` value (and the single ``spec.data`` blob of the old format) is
  standard base64 (padded; Go's decoder skips ``\\r`` and ``\\n``) of
  ``[2-byte big-endian length L][L bytes: RSA-OAEP ciphertext of a 32-byte AES key][AES-256-GCM
  ciphertext: as long as the plain value, plus a 16-byte tag]``. L is the RSA modulus size in bytes:
  256 for a 2048-bit key, 512 for the controller's default 4096-bit key. So kubeseal output decodes to
  at least ``2 + L + 16`` bytes (274 for 2048-bit keys, 530 for 4096-bit ones); lintops accepts any L
  of at least 128 (1024-bit keys) so that no real key size is refused.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

CLUSTER_WIDE_ANNOTATION = "sealedsecrets.bitnami.com/cluster-wide"
NAMESPACE_WIDE_ANNOTATION = "sealedsecrets.bitnami.com/namespace-wide"
STRICT, NAMESPACE_WIDE, CLUSTER_WIDE = "strict", "namespace-wide", "cluster-wide"
#: How much of its identity each scope lets change (more is wider): strict binds name and namespace.
SCOPE_WIDTH = {STRICT: 0, NAMESPACE_WIDE: 1, CLUSTER_WIDE: 2}

#: Smallest RSA ciphertext (modulus) size in bytes accepted: a 1024-bit key. kubeseal's are 2048 or 4096.
MIN_RSA_BYTES = 128
#: Bytes of the 2-byte length header and of the AES-GCM tag around the RSA part.
HEADER_BYTES, GCM_TAG_BYTES = 2, 16


def is_sealed_secret(resource: Any) -> bool:
    """A Bitnami SealedSecret (``bitnami.com/*``), whatever its version."""
    return resource.kind == "SealedSecret" and str(resource.api_version).startswith("bitnami.com/")


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def scope_of(body: dict[str, Any]) -> str:
    """The scope the controller decrypts with: from the object's own ``metadata.annotations``."""
    annotations = mapping(mapping(body.get("metadata")).get("annotations"))
    if annotations.get(CLUSTER_WIDE_ANNOTATION) == "true":
        return CLUSTER_WIDE
    if annotations.get(NAMESPACE_WIDE_ANNOTATION) == "true":
        return NAMESPACE_WIDE
    return STRICT


def text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def sealed_identity(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """The name and namespace kubeseal recorded in ``spec.template.metadata`` (None where it has none)."""
    template = mapping(mapping(mapping(body.get("spec")).get("template")).get("metadata"))
    return text(template.get("name")), text(template.get("namespace"))


def identity(namespace: str | None, name: str | None) -> str:
    return f"{namespace or '<no namespace>'}/{name or '<no name>'}"


def ciphertext_problem(value: str) -> str | None:
    """Why ``value`` cannot be an ``encryptedData`` value kubeseal wrote, or None when it can be.

    The answer names the reason only, never any part of the value. The work is linear in its length.
    """
    if not value:
        return "is empty, so the controller has nothing to decrypt"
    compact = value.replace("\r", "").replace("\n", "")
    try:
        decoded = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return "is not standard base64, which every value kubeseal writes is"
    if _printable(decoded):
        return "decodes to printable text: it is an encoded plain value, not a sealed one"
    minimum = HEADER_BYTES + MIN_RSA_BYTES + GCM_TAG_BYTES
    if len(decoded) < minimum:
        return (f"decodes to {len(decoded)} bytes, fewer than the {minimum} the smallest kubeseal output has "
                "(a 2-byte length, the RSA-encrypted session key and the AES-GCM tag)")
    rsa_length = int.from_bytes(decoded[:HEADER_BYTES], "big")
    if rsa_length < MIN_RSA_BYTES or len(decoded) < HEADER_BYTES + rsa_length + GCM_TAG_BYTES:
        return ("does not have the layout of kubeseal output (a 2-byte length of the RSA-encrypted session key, "
                "that key, then the AES-GCM ciphertext)")
    return None


def _printable(decoded: bytes) -> bool:
    """Whether ``decoded`` reads as text: valid UTF-8 with no control character but tab and newlines."""
    try:
        decoded_text = decoded.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(character.isprintable() or character in "\t\r\n" for character in decoded_text)
