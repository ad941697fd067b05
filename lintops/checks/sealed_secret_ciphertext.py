"""Check ``sealed-secret-ciphertext``: SealedSecret values that kubeseal cannot have written.

A value pasted into ``encryptedData`` by hand is committed in clear while the file looks sealed. Each
value of ``spec.encryptedData`` (and the single ``spec.data`` blob of the old format) is tested against
the layout of kubeseal's output (:func:`lintops.sealed_secrets.ciphertext_problem`: standard base64,
not decoding to printable text, long enough and shaped as ``[length][RSA part][AES-GCM part]``). The
finding is at the value's key; for a rendered value, at the values key or overlay line that set it.
Messages name the key and the reason, never any part of the value.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..model import Violation, join_pointer
from ..sealed_secrets import ciphertext_problem, is_sealed_secret, mapping
from ..wording import shorten
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext


class SealedSecretCiphertext(Check):
    name = "sealed-secret-ciphertext"
    description = "Reports SealedSecret values that are not kubeseal ciphertext (plain or merely encoded values)."

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        resource = subject.resource
        if not is_sealed_secret(resource):
            return ()
        spec = mapping(resource.body.get("spec"))
        found = []
        for key, value in mapping(spec.get("encryptedData")).items():
            if isinstance(value, str) and (problem := ciphertext_problem(value)) is not None:
                found.append(Violation(join_pointer("/spec/encryptedData", key),
                                       f"encryptedData key '{shorten(str(key))}' {problem}; it cannot be kubeseal "
                                       "output, and the value may be in clear in the repository"))
        data = spec.get("data")
        if isinstance(data, str) and (problem := ciphertext_problem(data)) is not None:
            found.append(Violation("/spec/data", f"spec.data (the old single-blob format) {problem}; it cannot be "
                                                 "kubeseal output, and the value may be in clear in the repository"))
        return found
