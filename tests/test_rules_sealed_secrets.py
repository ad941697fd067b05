"""SealedSecret rules with real renders: ``sealed-secret-scope`` (and its namespace warning),
``sealed-secret-ciphertext`` and ``secret-ownership``.

The Kustomize cases run the real ``kubectl kustomize`` (the seed's case: sealed as ``echo-secret`` in
``ope-won``, deployed by an overlay with ``namePrefix: naruke-``), the Helm case the real Helm backend.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import textwrap
from pathlib import Path

import pytest

from conftest import FIXTURES, lint_rules
from lintops.sealed_secrets import ciphertext_problem

SCOPE, UNKNOWN, CIPHER, OWNER = ("sealed-secret-scope", "sealed-secret-namespace-unknown", "sealed-secret-ciphertext",
                                 "secret-ownership")
needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None and shutil.which("kustomize") is None,
                                   reason="needs kustomize or kubectl")


def ciphertext(rsa_bytes: int = 512, value_bytes: int = 12) -> str:
    """A value with the layout of kubeseal output (random-looking bytes; nothing decrypts it)."""
    raw, seed = rsa_bytes.to_bytes(2, "big"), b"lintops"
    while len(raw) < 2 + rsa_bytes + value_bytes + 16:
        seed = hashlib.sha256(seed).digest()
        raw += seed
    return base64.b64encode(raw[:2 + rsa_bytes + value_bytes + 16]).decode()


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def sealed(name="echo-secret", namespace="ope-won", annotations="", metadata_namespace=True) -> str:
    ns = f"\n  namespace: {namespace}" if metadata_namespace else ""
    return (f"apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: {name}{ns}\n{annotations}"
            f"spec:\n  encryptedData:\n    password: {ciphertext()}\n"
            f"  template:\n    metadata:\n      name: {name}\n      namespace: {namespace}\n")


def findings(lint_json, *paths) -> list[dict]:
    _, report = lint_json(*map(str, paths))
    return report["findings"]


def by_rule(found, rule):
    return [f for f in found if f["rule"] == rule]


# --- sealed-secret-scope with real kustomize -----------------------------------------------------------------

@needs_kubectl
def test_name_prefix_of_the_overlay_is_the_finding(lint_json, tmp_path):
    root = tmp_path / "prefix"
    shutil.copytree(FIXTURES / "sealed-secrets" / "prefix", root)
    found = by_rule(findings(lint_json, root), SCOPE)
    places = {(f["path"].rsplit("prefix/", 1)[1], f["line"]): f["message"] for f in found}
    assert set(places) == {("overlays/naruke/kustomization.yaml", 3), ("overlays/moved/kustomization.yaml", 3)}
    renamed = places[("overlays/naruke/kustomization.yaml", 3)]
    assert "ope-won/echo-secret" in renamed and "ope-won/naruke-echo-secret" in renamed and "strict" in renamed
    assert "elsewhere/echo-secret" in places[("overlays/moved/kustomization.yaml", 3)]


@needs_kubectl
def test_namespace_wide_passes_the_rename_and_fails_the_move(lint_json, tmp_path):
    annotation = "  annotations:\n    sealedsecrets.bitnami.com/namespace-wide: \"true\"\n"
    write(tmp_path, {
        "base/kustomization.yaml": "resources: [sealed.yaml]\n",
        "overlays/naruke/kustomization.yaml": "resources: [../../base]\nnamePrefix: naruke-\n",
        "overlays/moved/kustomization.yaml": "resources:\n  - ../../base\nnamespace: elsewhere\n",
    })
    (tmp_path / "base/sealed.yaml").write_text(sealed(annotations=annotation))
    found = by_rule(findings(lint_json, tmp_path), SCOPE)
    assert [(f["path"].rsplit("/overlays/", 1)[1], f["line"], f["column"]) for f in found] == \
        [("moved/kustomization.yaml", 3, 12)]
    assert "namespace-wide" in found[0]["message"] and "ope-won" in found[0]["message"]


@needs_kubectl
def test_prefix_inherited_from_a_component_and_a_base(lint_json, tmp_path):
    write(tmp_path, {
        "base/kustomization.yaml": "resources: [sealed.yaml]\n",
        "mid/kustomization.yaml": "resources: [../base]\nnameSuffix: -v2\n",
        "prod/kustomization.yaml": "resources: [../mid]\n",
    })
    (tmp_path / "base/sealed.yaml").write_text(sealed())
    found = by_rule(findings(lint_json, tmp_path), SCOPE)
    assert [(f["path"].rsplit("/", 2)[-2], f["line"]) for f in found] == [("mid", 2)]
    assert "ope-won/echo-secret-v2" in found[0]["message"]


@needs_kubectl
def test_unchanged_overlay_and_cluster_wide_pass(lint_json, tmp_path):
    cluster = "  annotations:\n    sealedsecrets.bitnami.com/cluster-wide: \"true\"\n"
    write(tmp_path, {
        "a/kustomization.yaml": "resources: [sealed.yaml]\nnamespace: ope-won\ncommonLabels: {app: echo}\n",
        "b/kustomization.yaml": "resources: [sealed.yaml]\nnamespace: other\nnamePrefix: x-\n",
    })
    (tmp_path / "a/sealed.yaml").write_text(sealed())
    (tmp_path / "b/sealed.yaml").write_text(sealed(annotations=cluster))
    assert by_rule(findings(lint_json, tmp_path), SCOPE) == []


def test_helm_template_naming_it_after_the_release(lint_json, tmp_path):
    chart = write(tmp_path / "chart", {
        "Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",  # the release is named after the chart
        "values.yaml": "x: 1\n",
        "templates/sealed.yaml": """\
            apiVersion: bitnami.com/v1alpha1
            kind: SealedSecret
            metadata:
              name: {{ .Release.Name }}-secret
              namespace: ope-won
            spec:
              encryptedData:
                password: CIPHER
              template:
                metadata:
                  name: echo-secret
                  namespace: ope-won
            """,
    })
    template = chart / "templates/sealed.yaml"
    template.write_text(template.read_text().replace("CIPHER", ciphertext()))
    found = by_rule(findings(lint_json, chart), SCOPE)
    assert len(found) == 1 and found[0]["path"].endswith("templates/sealed.yaml") and found[0]["line"] == 4
    assert "ope-won/echo-secret" in found[0]["message"] and "ope-won/web-secret" in found[0]["message"]


def test_plain_file_renamed_by_hand_and_unknown_namespace():
    renamed = sealed().replace("metadata:\n  name: echo-secret", "metadata:\n  name: echo")
    assert [f.pointer for f in lint_rules(renamed, SCOPE)] == ["/metadata/name"]
    assert lint_rules(sealed(), SCOPE, UNKNOWN) == []
    bare = "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: s\nspec:\n  encryptedData: {}\n"
    found = lint_rules(bare, SCOPE, UNKNOWN)
    assert [(f.rule_id, f.severity.value) for f in found] == [(UNKNOWN, "warning")]
    cluster = bare.replace("name: s\n", "name: s\n  annotations: {sealedsecrets.bitnami.com/cluster-wide: 'true'}\n")
    assert lint_rules(cluster, SCOPE, UNKNOWN) == []
    # only the exact value "true" changes the scope, and only in the object's own metadata
    fake = bare.replace("name: s\n", "name: s\n  annotations: {sealedsecrets.bitnami.com/cluster-wide: 'yes'}\n")
    assert [f.rule_id for f in lint_rules(fake, UNKNOWN)] == [UNKNOWN]


# --- sealed-secret-ciphertext ----------------------------------------------------------------------------------

PLANTED = "hunter2-PLANTED-Pa55"


@pytest.mark.parametrize("value, reason", [
    (PLANTED, "not standard base64"),
    (base64.b64encode(PLANTED.encode()).decode(), "printable text"),
    (base64.b64encode(b"\x01\x00" + bytes(range(200, 250))).decode(), "fewer than the 146"),
    (base64.b64encode(b"\x00\x10" + bytes(300)).decode(), "layout"),
    ("", "empty"),
])
def test_values_kubeseal_cannot_have_written(value, reason):
    assert reason in ciphertext_problem(value)


@pytest.mark.parametrize("bits", [1024, 2048, 4096])
def test_kubeseal_shaped_values_pass(bits):
    value = ciphertext(bits // 8)
    assert ciphertext_problem(value) is None
    assert ciphertext_problem("\n".join(value[i:i + 76] for i in range(0, len(value), 76))) is None


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_a_hand_typed_value_never_reaches_the_output(cli, tmp_path, fmt):
    encoded = base64.b64encode(PLANTED.encode()).decode()
    path = tmp_path / "sealed.yaml"
    path.write_text(sealed().replace(ciphertext(), PLANTED) + "    token: " + encoded + "\n")
    path.write_text(path.read_text().replace("  template:", "    token: " + encoded + "\n  template:", 1)
                    .rsplit("    token:", 1)[0])
    result = cli("check", "--format", fmt, str(path))
    assert result.exit_code == 1 and "sealed-secret-ciphertext" in result.stdout
    for piece in (PLANTED, encoded, PLANTED[:8], encoded[:12]):
        assert piece not in result.stdout and piece not in (result.stderr or "")


def test_spec_data_of_the_old_format():
    text = "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: s, namespace: n}\nspec:\n" \
           f"  data: {base64.b64encode(b'plain: yes').decode()}\n"
    assert [f.pointer for f in lint_rules(text, CIPHER)] == ["/spec/data"]


def test_helm_value_is_judged_rendered_and_placed_at_the_values_key(lint_json, tmp_path):
    chart = write(tmp_path / "chart", {
        "Chart.yaml": "apiVersion: v2\nname: echo\nversion: 0.1.0\n",
        "values.yaml": f"good: {ciphertext()}\npassword: {PLANTED}\n",
        "templates/sealed.yaml": """\
            apiVersion: bitnami.com/v1alpha1
            kind: SealedSecret
            metadata: {name: echo-secret, namespace: ope-won}
            spec:
              encryptedData:
                good: {{ .Values.good }}
                password: {{ .Values.password }}
              template:
                metadata: {name: echo-secret, namespace: ope-won}
            """,
    })
    _, report = lint_json(str(chart))
    found = by_rule(report["findings"], CIPHER)
    assert [(f["path"].rsplit("/", 1)[1], f["line"]) for f in found] == [("values.yaml", 2)]
    assert PLANTED not in json.dumps(report)


# --- secret-ownership ---------------------------------------------------------------------------------------

def test_secret_and_sealed_secret_of_one_directory(lint_json, tmp_path):
    write(tmp_path, {
        "app/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: echo-secret, namespace: ope-won}\n",
        "other/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: echo-secret, namespace: ope-won}\n",
    })
    (tmp_path / "app/sealed.yaml").write_text(sealed())
    found = by_rule(findings(lint_json, tmp_path), OWNER)
    assert [(f["path"].rsplit("/", 2)[-2:], f["line"]) for f in found] == [(["app", "sealed.yaml"], 4)]
    assert "Secret at" in found[0]["message"] and "app/secret.yaml:3" in found[0]["message"]


def test_two_sealed_secrets_of_one_name(lint_json, tmp_path):
    write(tmp_path, {"app/a.yaml": sealed(), "app/b.yaml": sealed()})
    found = by_rule(findings(lint_json, tmp_path), OWNER)
    assert sorted(f["path"].rsplit("/", 1)[1] for f in found) == ["a.yaml", "b.yaml"]
    assert all("SealedSecret at" in f["message"] for f in found)


def test_different_namespaces_and_environments_pass(lint_json, tmp_path):
    secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: echo-secret, namespace: NS}\n"
    write(tmp_path, {"app/secret.yaml": secret.replace("NS", "x"), "b/secret.yaml": secret.replace("NS", "ope-won")})
    (tmp_path / "app/sealed.yaml").write_text(sealed())
    assert by_rule(findings(lint_json, tmp_path), OWNER) == []
