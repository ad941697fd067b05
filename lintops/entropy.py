"""Long random literals: the entropy test of ``high-entropy-literal``.

A value is *high-entropy* when it is one token of one alphabet and looks drawn at random from it:

- **hex** (``0-9a-f`` or ``0-9A-F``): at least 32 characters, with digits and letters;
- **base64** (``A-Za-z0-9+/``, at most two ``=`` at the end) or **base64url** (``A-Za-z0-9-_``): at least
  20 characters, with upper-case letters, lower-case letters and digits;

at most 1,024 characters (longer is data: a bundle, an image), and both measures pass:

- its Shannon entropy, in bits per character, is at least 0.8 of the most its length and alphabet allow
  (``log2(min(length, alphabet size))``: a 20-character string can show at most 20 distinct characters);
- at least 0.45 (hex: 0.3) of its adjacent characters change class (lower-case, upper-case, digit,
  punctuation): random strings change class at about 0.6, words and identifiers (``MaxAzureDiskVolumeCount``,
  ``kubePrometheusStackOperator1``) rarely above 0.4.

Measured on random strings, these find 93 % of 20-character, 98 % of 32-character and 99 % of
40-character base64 secrets, and 98 % of 48-character hex ones.

Never high-entropy, being certainly no secret: hex of exactly 40 or 64 characters (git commit ids,
SHA-256 digests: image digests, ``checksum/config`` annotations, ``targetRevision``), UUIDs, and base64
that decodes to a PEM certificate or public key (``caBundle``). Whatever contains another character (a
``:``, a ``.``, a space) is not one token: ``sha256:...`` digests, image references, URLs, sentences.
"""

from __future__ import annotations

import math
from itertools import pairwise

HEX_MIN_LENGTH = 32
BASE64_MIN_LENGTH = 20
MAX_LENGTH = 1024
#: Entropy, as a fraction of the most the length and alphabet allow.
ENTROPY_FRACTION = 0.8
#: Class changes between adjacent characters, as a fraction of the pairs.
BASE64_CHANGE_FRACTION = 0.45
HEX_CHANGE_FRACTION = 0.3

_DIGITS = "0123456789"
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_UPPER = _LOWER.upper()
_HEX_LOWER = _DIGITS + "abcdef"
_HEX_UPPER = _DIGITS + "ABCDEF"
_BASE64 = _DIGITS + _LOWER + _UPPER + "+/"
_BASE64URL = _DIGITS + _LOWER + _UPPER + "-_"
#: Digest lengths of hex that names a commit or content, not a secret.
_DIGEST_LENGTHS = frozenset({40, 64})
#: base64 of "-----BEGIN CERTIFICATE", "-----BEGIN PUBLIC KEY", "-----BEGIN X509 CRL", ...
_PUBLIC_PEM_PREFIXES = ("LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS", "LS0tLS1CRUdJTiBQVUJMSUMgS0VZ",
                        "LS0tLS1CRUdJTiBSU0EgUFVCTElDIEtFWS", "LS0tLS1CRUdJTiBYNTA5IENSTC",
                        "LS0tLS1CRUdJTiBPUEVOU1NIIFBVQkxJQyBLRVk", "LS0tLS1CRUdJTiBQR1AgUFVCTElDIEtFWSBCTE9DSy")


def alphabet(text: str) -> str | None:
    """``"hex"``, ``"base64"`` or ``"base64url"`` when ``text`` is one token of that alphabet, else None."""
    if not text.strip(_HEX_LOWER) or not text.strip(_HEX_UPPER):
        return "hex"
    body = text.rstrip("=")
    if len(text) - len(body) > 2 or not body:
        return None
    if not body.strip(_BASE64):
        return "base64"
    if body == text and not text.strip(_BASE64URL):
        return "base64url"
    return None


def shannon_entropy(text: str) -> float:
    """Bits per character of ``text``'s own character frequencies."""
    length = len(text)
    counts: dict[str, int] = {}
    for char in text:
        counts[char] = counts.get(char, 0) + 1
    return -sum(count / length * math.log2(count / length) for count in counts.values())


def _class(char: str) -> int:
    if "a" <= char <= "z":
        return 0
    if "A" <= char <= "Z":
        return 1
    if "0" <= char <= "9":
        return 2
    return 3


def class_changes(text: str) -> float:
    """The fraction of adjacent character pairs of ``text`` whose classes differ."""
    classes = [_class(char) for char in text]
    return sum(a != b for a, b in pairwise(classes)) / (len(text) - 1)


def _is_uuid(text: str) -> bool:
    return (len(text) == 36 and text[8] == text[13] == text[18] == text[23] == "-"
            and not text.replace("-", "").lower().strip(_HEX_LOWER))


def high_entropy(value: str) -> str | None:
    """The alphabet (``hex``, ``base64``, ``base64url``) of ``value`` when it is a long random literal.

    Cheap tests first: the length, then the alphabet (one ``str.strip`` each), then the characters
    present, and only then the two measures.
    """
    text = value.strip()
    length = len(text)
    if length < BASE64_MIN_LENGTH or length > MAX_LENGTH:
        return None
    kind = alphabet(text)
    if kind is None:
        return None
    if kind == "hex":
        if length < HEX_MIN_LENGTH or length in _DIGEST_LENGTHS or not text.strip(_DIGITS) \
                or not text.strip("abcdefABCDEF"):
            return None
        ceiling, changes = 4.0, HEX_CHANGE_FRACTION
        body = text
    else:
        if _is_uuid(text) or text.startswith(_PUBLIC_PEM_PREFIXES):
            return None
        body = text.rstrip("=")
        if len(body) < BASE64_MIN_LENGTH or body == body.lower() or body == body.upper() \
                or not any(char in _DIGITS for char in body):
            return None
        ceiling, changes = math.log2(min(len(body), 64)), BASE64_CHANGE_FRACTION
    if class_changes(body) < changes:
        return None
    if shannon_entropy(body) < ENTROPY_FRACTION * ceiling:
        return None
    return kind
