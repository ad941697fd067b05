"""The credential formats secret scanners catalogue, recognised in a value: "what looks like a credential".

Each format is a row of :data:`FORMATS`: what the message calls it, the fixed texts one of which every
match contains (its *gates*), and an RE2 pattern (:mod:`lintops.patterns`: matched in time linear in the
value, whatever the value; a ConfigMap value of a megabyte of ``eyJ-eyJ-`` costs one pass, not a
quadratic search). A format is searched only in a value that holds one of its gates, in the order of the
table, so the answer is the one searching every pattern would give and most values (which hold no
credential) cost a few substring tests. The patterns are compiled on first use, never at import.

Formats are exact shapes (a prefix, an alphabet, a length), not guesses: a match is certain enough for
an error. Long random strings without a known shape are :mod:`lintops.entropy`'s concern.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import NamedTuple

from .literals import URL_PASSWORD, is_literal


class Format(NamedTuple):
    """One credential format: its name in messages, its gates, its pattern (RE2 syntax)."""

    what: str
    #: Substrings every match holds; a value is searched when it holds one (the first test of a format).
    gates: tuple[str, ...]
    pattern: str
    #: Substrings one of which every match holds, shared by many formats (``_``, ``-``, ``.``, ...): a value
    #: without any is not even tested for the gates (see :func:`credential_format`).
    buckets: tuple[str, ...] = ()
    #: A second look at the match (a literal password, a decoded key); True when it is the credential.
    confirm: Callable[[str, object], bool] | None = None
    #: A more precise name from the match (the PEM flavour, the kind of GitHub token), or None.
    name: Callable[[object], str | None] | None = None


def _pem_name(match: object) -> str | None:
    words = match.group(1).split()  # type: ignore[attr-defined]
    for word, what in (("ENCRYPTED", "an encrypted private key"), ("OPENSSH", "an OpenSSH private key"),
                       ("RSA", "an RSA private key"), ("EC", "an EC private key"), ("DSA", "a DSA private key"),
                       ("PGP", "a PGP private key")):
        if word in words:
            return what
    return None


_GITHUB_KINDS = {"ghp": "a GitHub personal access token", "gho": "a GitHub OAuth access token",
                 "ghu": "a GitHub user-to-server token", "ghs": "a GitHub server-to-server token",
                 "ghr": "a GitHub refresh token"}
_GITLAB_KINDS = {"pat": "a GitLab personal access token", "dt": "a GitLab deploy token",
                 "ptt": "a GitLab pipeline trigger token", "rt": "a GitLab runner authentication token",
                 "cbt": "a GitLab CI/CD job token", "ft": "a GitLab feed token", "oas": "a GitLab OAuth secret",
                 "soat": "a GitLab SCIM token", "imt": "a GitLab incoming mail token",
                 "agent": "a GitLab agent token"}


def _github_name(match: object) -> str | None:
    return _GITHUB_KINDS.get(match.group(1) or "")  # type: ignore[attr-defined]


def _gitlab_name(match: object) -> str | None:
    return _GITLAB_KINDS.get(match.group(1) or "")  # type: ignore[attr-defined]


def _literal_group(_: str, match: object) -> bool:
    return is_literal(match.group(1))  # type: ignore[attr-defined]


def _decodes_to_private_key(_: str, match: object) -> bool:
    import base64
    import binascii

    encoded = match.group(0)[:400]  # type: ignore[attr-defined]
    encoded = encoded[:len(encoded) - len(encoded) % 4]
    try:
        head = base64.b64decode(encoded).decode("ascii", "replace")
    except (binascii.Error, ValueError):
        return False
    return "PRIVATE KEY" in head.split("\n", 1)[0]


_PEM = r"-{3,5} ?BEGIN ((?:[A-Z0-9]{1,20} ){0,3})PRIVATE KEY(?: BLOCK)? ?-{3,5}"

#: The catalogue, in the order formats are tried (the first that matches names the finding).
FORMATS: tuple[Format, ...] = (
    Format("a Google Cloud service account key", ("service_account",),
           r'"type"\s{0,16}:\s{0,16}"service_account"', ("_",)),
    Format("a private key", ("PRIVATE KEY",), _PEM, (" ",), name=_pem_name),
    Format("a PuTTY private key", ("PuTTY-User-Key-File-",), r"PuTTY-User-Key-File-[0-9]: ", ("-",)),
    Format("a base64-encoded private key", ("LS0tLS1CRUdJTi",), r"LS0tLS1CRUdJTi[A-Za-z0-9+/]{16,}", ("LS0t",),
           confirm=_decodes_to_private_key),
    Format("an AWS access key ID", ("AKIA", "ASIA", "ABIA", "ACCA"), r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
           ("A",)),
    Format("an AWS secret access key", ("aws", "AWS", "Aws"),
           r"(?i)aws[a-z0-9_.-]{0,20}secret[a-z0-9_.-]{0,20}[\"']?\s{0,5}[:=]\s{0,5}[\"']?"
           r"[A-Za-z0-9/+]{40}(?:[^A-Za-z0-9/+=]|$)", ("=", ":")),
    Format("a Google API key", ("AIza",), r"\bAIza[0-9A-Za-z_-]{35}", ("A",)),
    Format("a Google OAuth client secret", ("GOCSPX-",), r"\bGOCSPX-[A-Za-z0-9_-]{28}", ("-",)),
    Format("an Azure storage account key", ("AccountKey=",), r"AccountKey=[A-Za-z0-9+/]{20,}={0,2}", ("=",)),
    Format("an Azure shared access key", ("SharedAccessKey=",), r"SharedAccessKey=[A-Za-z0-9+/]{20,}={0,2}",
           ("=",)),
    Format("an Azure shared access signature", ("sig=",), r"[?&]sig=[A-Za-z0-9%+/]{20,}", ("=",)),
    Format("an Azure AD client secret", ("Q~",),
           r"(?:^|[^A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}", ("~",)),
    Format("a GitHub token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), r"\b(gh[pousr])_[A-Za-z0-9]{36,255}\b",
           ("_",), name=_github_name),
    Format("a GitHub fine-grained personal access token", ("github_pat_",), r"\bgithub_pat_[A-Za-z0-9_]{22,255}",
           ("_",)),
    Format("a GitLab token", ("gl",), r"\bgl(pat|dt|ptt|rt|cbt|ft|oas|soat|imt|agent)-[A-Za-z0-9_-]{20,}", ("-",),
           name=_gitlab_name),
    Format("a GitLab runner registration token", ("GR1348941",), r"\bGR1348941[A-Za-z0-9_-]{20,}", ("GR1348941",)),
    Format("a Slack token", ("xox",), r"\bxox[abeprs]-[A-Za-z0-9-]{10,}", ("-",)),
    Format("a Slack app-level token", ("xapp-",), r"\bxapp-[0-9]-[A-Z0-9]{1,20}-[0-9]{1,20}-[a-z0-9]{10,}", ("-",)),
    Format("a Slack webhook URL", ("hooks.slack.com/",),
           r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_]{6,}/[A-Za-z0-9_/]{10,}", (".",)),
    Format("a Discord webhook URL", ("/api/webhooks/",),
           r"discord(?:app)?\.com/api/webhooks/[0-9]{5,30}/[A-Za-z0-9_-]{20,}", (".",)),
    Format("a Microsoft Teams webhook URL", ("webhook.office.com/",),
           r"\.webhook\.office\.com/webhookb2/[A-Za-z0-9@-]{20,}/IncomingWebhook/[A-Za-z0-9]{16,}", (".",)),
    Format("a Stripe secret key", ("k_live_", "k_test_"), r"\b[sr]k_(?:live|test)_[0-9A-Za-z]{10,255}", ("_",)),
    Format("a Stripe webhook signing secret", ("whsec_",), r"\bwhsec_[A-Za-z0-9+/]{24,}", ("_",)),
    Format("a Twilio API key", ("SK",), r"\bSK[0-9a-fA-F]{32}\b", ("SK",)),
    Format("a SendGrid API key", ("SG.",), r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}", (".",)),
    Format("an npm access token", ("npm_",), r"\bnpm_[A-Za-z0-9]{36}\b", ("_",)),
    Format("a PyPI API token", ("pypi-AgEIcHlwaS5vcmc",), r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}", ("-",)),
    Format("a Docker Hub access token", ("dckr_",), r"\bdckr_(?:pat|oat)_[A-Za-z0-9_-]{20,}", ("_",)),
    Format("a DigitalOcean token", ("_v1_",), r"\bdo[opr]_v1_[a-f0-9]{64}\b", ("_",)),
    Format("an OpenAI API key", ("T3BlbkFJ",), r"\bsk-[A-Za-z0-9_-]{8,}T3BlbkFJ[A-Za-z0-9_-]{16,}", ("-",)),
    Format("an Anthropic API key", ("sk-ant-",), r"\bsk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,}", ("-",)),
    Format("a HashiCorp Vault token", ("hvs.", "hvb."), r"\bhv[sb]\.[A-Za-z0-9_-]{90,}", (".",)),
    Format("a Terraform Cloud API token", (".atlasv1.",), r"\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,}",
           (".",)),
    Format("a Grafana service account token", ("glsa_",), r"\bglsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}\b", ("_",)),
    Format("a New Relic API key", ("NRAK-",), r"\bNRAK-[A-Z0-9]{27}\b", ("-",)),
    Format("a Shopify access token", ("shpat_", "shpca_", "shppa_", "shpss_"),
           r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b", ("_",)),
    Format("a JSON Web Token", ("eyJ",), r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", (".",)),
    Format("a URL with an embedded password", ("@",),
           URL_PASSWORD, ("://",), confirm=_literal_group),
    Format("a URL with a password parameter", ("=",),
           r"(?i)://[^\s?#]{1,512}\?(?:[^\s#]{0,512}[&;])?(?:password|passwd|pwd)=([^&;#\s]{1,256})", ("?",),
           confirm=_literal_group),
    Format("a connection string with a password", ("=",),
           r"(?i)(?:^|;)\s{0,8}(?:password|pwd)\s{0,8}=\s{0,8}([^;]{1,256})", (";",), confirm=_literal_group),
)


@cache
def _buckets() -> tuple[tuple[str, tuple[tuple[str, int], ...]], ...]:
    """Each bucket substring with the (gate, format index) pairs filed under it, built on first use."""
    filed: dict[str, list[tuple[str, int]]] = {}
    for index, entry in enumerate(FORMATS):
        for bucket in entry.buckets:
            filed.setdefault(bucket, []).extend((gate, index) for gate in entry.gates)
    return tuple((bucket, tuple(pairs)) for bucket, pairs in filed.items())


@cache
def _alphanumeric_buckets() -> tuple[tuple[str, tuple[tuple[str, int], ...]], ...]:
    """The buckets a value of letters and digits only can hold (the others are punctuation)."""
    return tuple((bucket, pairs) for bucket, pairs in _buckets() if bucket.isalnum())


def _compiled(index: int) -> object:
    """The pattern of ``FORMATS[index]``, compiled by RE2 on its first use (and cached there)."""
    from .patterns import compile_pattern

    return compile_pattern(FORMATS[index].pattern)


def format_at(value: str, index: int) -> str | None:
    """What ``FORMATS[index]`` calls the credential ``value`` holds, or None; no gate is consulted."""
    entry = FORMATS[index]
    for match in _compiled(index).finditer(value):  # type: ignore[attr-defined]
        if entry.confirm is None or entry.confirm(value, match):
            return (entry.name(match) if entry.name else None) or entry.what
    return None


def credential_format(value: str) -> str | None:
    """What well-known credential ``value`` contains ("an RSA private key", "a Slack webhook URL"), or None.

    The formats are tried in the order of :data:`FORMATS`, each only when ``value`` holds one of its
    buckets and one of its gates: the answer of trying every pattern, for about a dozen substring tests
    on most values (the buckets, shared by many formats).
    """
    hits: list[int] = []
    for bucket, pairs in _alphanumeric_buckets() if value.isalnum() else _buckets():
        if bucket in value:
            hits.extend([index for gate, index in pairs if gate in value])
    if not hits:
        return None
    for index in sorted(set(hits)):
        what = format_at(value, index)
        if what:
            return what
    return None
