"""Discovery hands on what it learned: an ArgoCD Application file is parsed once per run, and the chart
a file lies in is one public answer."""

from __future__ import annotations

import pickle
import shutil
from collections import Counter

from conftest import FIXTURES, write
from lintops.inputs.argocd import application_sources
from lintops.inputs.discover import InputFile, discover, enclosing_chart
from lintops.parse.limits import DEFAULT_LIMITS, Limits
from lintops.parse.stream import DocumentStream

APPLICATION = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web-production
  labels: {environment: production}
spec:
  source:
    repoURL: https://git.example.com/gitops.git
    path: charts/web
    helm:
      valuesObject:
        image: {tag: "1.0.0"}
      parameters:
        - name: image.tag
          value: "2.0.1"
  destination: {namespace: shop, server: https://kubernetes.default.svc}
"""


def _repository(tmp_path):
    shutil.copytree(FIXTURES / "helm" / "web", tmp_path / "charts" / "web")
    write(tmp_path / "apps" / "web.yaml", APPLICATION)
    (tmp_path / ".git").mkdir()
    return tmp_path


def test_an_application_file_is_parsed_once_in_a_run(lint_json, tmp_path, monkeypatch):
    repository = _repository(tmp_path)
    monkeypatch.chdir(repository)
    parses: Counter[str] = Counter()
    original = DocumentStream.__init__

    def counting(self, path, *args, **kwargs):
        parses[path] += 1
        original(self, path, *args, **kwargs)

    monkeypatch.setattr(DocumentStream, "__init__", counting)
    _, report = lint_json(".")
    assert parses["apps/web.yaml"] == 1
    # the Application still configures its chart (the release is named after it) and is linted itself
    deployments = [f for f in report["findings"] if f["object"] and f["object"]["kind"] == "Deployment"]
    assert deployments and all(f["environment"] == ["production"] for f in deployments)
    assert report["summary"]["files"] >= 1 and report["summary"]["objects"] >= 2


def test_the_parse_travels_with_the_input_under_the_same_limits_only(tmp_path):
    repository = _repository(tmp_path)
    [application] = [item for item in discover([str(repository)], base=repository)
                     if isinstance(item, InputFile)]
    assert application.display == "apps/web.yaml"
    assert application.parsed_under(DEFAULT_LIMITS) is application.parsed is not None
    assert application.parsed_under(Limits(max_depth=20)) is None  # other limits: parsed as usual
    # a worker process gets the input without the parse, and reads the file itself
    copy = pickle.loads(pickle.dumps(application))
    assert copy == application and copy.parsed is None and copy.root == application.root


def test_applying_parameters_leaves_the_linted_document_as_written(tmp_path):
    repository = _repository(tmp_path)
    parsed: dict = {}
    found = application_sources([("apps/web.yaml", repository / "apps" / "web.yaml")], repository, parsed=parsed)
    [source] = found[(repository / "charts" / "web").resolve()]
    assert source.values == {"image": {"tag": "2.0.1"}}
    [(size, parse)] = parsed.values()
    assert size == len(APPLICATION.encode())
    assert parse.documents[0].data["spec"]["source"]["helm"]["valuesObject"] == {"image": {"tag": "1.0.0"}}


def test_the_chart_a_file_lies_in(tmp_path):
    chart = tmp_path / "charts" / "web"
    write(chart / "Chart.yaml", "apiVersion: v2\nname: web\nversion: 1.0.0\n")
    write(chart / "charts" / "sub" / "Chart.yaml", "apiVersion: v2\nname: sub\nversion: 1.0.0\n")
    template = write(chart / "templates" / "deployment.yaml", "kind: Deployment\n")
    vendored = write(chart / "charts" / "sub" / "templates" / "service.yaml", "kind: Service\n")
    plain = write(tmp_path / "manifests" / "service.yaml", "kind: Service\n")
    assert enclosing_chart(template, tmp_path) == chart.resolve()
    assert enclosing_chart(vendored, tmp_path) == chart.resolve()  # the outermost chart owns sub-charts
    assert enclosing_chart(plain, tmp_path) is None


def test_a_finding_on_an_application_discovery_parsed_is_where_it_is_written(lint_json, tmp_path, monkeypatch):
    """The parse handed on holds no node tree until the file is linted: positions are composed again, exactly."""
    repository = _repository(tmp_path)
    text = APPLICATION.replace("  destination:", "  syncPolicy:\n    automated: {prune: true, selfHeal: true}\n"
                                                "  destination:")
    write(repository / "apps" / "web.yaml", text)
    monkeypatch.chdir(repository)
    _, report = lint_json(".")
    [finding] = [f for f in report["findings"] if f["rule"] == "argocd-self-heal-staging"]
    _, alone = lint_json("apps/web.yaml")  # no chart in this run: nothing parsed at discovery
    [expected] = [f for f in alone["findings"] if f["rule"] == "argocd-self-heal-staging"]
    line = text.splitlines().index("    automated: {prune: true, selfHeal: true}") + 1
    assert (finding["path"], finding["line"], finding["column"]) == ("apps/web.yaml", line, expected["column"])
    assert finding["line"] == expected["line"] and finding.get("end") == expected.get("end")
