"""The cross-object facts mechanism (lintops.cross_refs): what a store keeps, how a resolver asks, and that the
facts survive the trip through a worker process and a result-cache entry, giving the same findings."""

from __future__ import annotations

import datetime
import json
import sys

import pytest

from conftest import write
from lintops import parallel
from lintops.cross_refs import (
    ANY,
    CONTEXT,
    PLAIN,
    Fact,
    FactStore,
    Selector,
    Site,
    identity,
)
from lintops.engine import Engine
from lintops.model import Located, Location, ObjectRef, Position
from lintops.result_cache.facts import fact, fact_data
from lintops.runner import Settings, prepare


def _site(name: str = "web") -> Site:
    return Site(ObjectRef("v1", "Service", "shop", name), "prod", "/spec/selector",
                Located(Location("a/svc.yaml", 5, 3), (Location("values.yaml", 2, 1),), Position(6, 1)),
                (("", {"lintops.io/ignore-x": "because"}),))


def test_keys_are_looked_up_in_their_scope_and_presence_is_by_directory_and_namespace():
    store = FactStore()
    store.add(PLAIN, "apps/web/cm.yaml", [Fact("object", ("ConfigMap", "shop", "web"))])
    store.add((0, "prod"), "chart/templates/cm.yaml", [Fact("object", ("ConfigMap", None, "api"))])
    facts = store.view()
    wanted = [(PLAIN, "object", "ConfigMap", "shop", "web"), (PLAIN, "object", "ConfigMap", None, "api"),
              ((0, "prod"), "object", "ConfigMap", None, "api"), ((0, "dev"), "object", "ConfigMap", None, "api")]
    assert facts.known(wanted) == {wanted[0], wanted[2]}
    assert facts.present(("dir", "apps/web"), "object", "ConfigMap", "shop")
    assert facts.present(("dir", "apps/web"), "object", "ConfigMap", ANY)
    assert not facts.present(("dir", "apps/web"), "object", "ConfigMap", "other")
    assert not facts.present(("dir", "apps"), "object", "ConfigMap")
    # a key without a namespace is present for every namespace of its scope
    assert facts.present((0, "prod"), "object", "ConfigMap", "anything")


def test_context_files_add_keys_to_the_plain_scope_but_no_references():
    store = FactStore()
    store.add(CONTEXT, "other/cm.yaml", [Fact("object", ("ConfigMap", None, "web")),
                                         Fact("ref:pod", ("ConfigMap", None, "x"), None, _site())])
    facts = store.view()
    assert facts.known([(PLAIN, "object", "ConfigMap", None, "web")])
    assert list(facts.references("ref:pod")) == []


def test_selectors_match_label_sets_by_hash_with_every_operator():
    store = FactStore()
    store.add(PLAIN, "a.yaml", [Fact("pods", ("pod", "shop", "Deployment", "web"), {"app": "web", "tier": "fe"}, tag=3),
                                Fact("pods", ("pod", None, "Deployment", "api"), {"app": "api"}, tag=1)])
    facts = store.view()
    queries = [
        (PLAIN, "shop", Selector.of({"app": "web"})),
        (PLAIN, "shop", Selector.of({"app": "web", "tier": "be"})),  # one label wrong
        (PLAIN, "other", Selector.of({"app": "web"})),  # another namespace
        (PLAIN, "other", Selector.of({"app": "api"})),  # a template without a namespace matches any
        (PLAIN, None, Selector.of({}, [("tier", "In", ["fe", "edge"]), ("canary", "DoesNotExist", [])])),
        (PLAIN, None, Selector.of({}, [("app", "NotIn", ["web", "api"])])),
        (PLAIN, None, Selector.of({}, [("tier", "Exists", [])])),
        ((1, None), None, Selector.of({"app": "web"})),  # another scope
    ]
    found = {(number, tag) for number, tag, _ in facts.matches("pods", queries)}
    assert found == {(0, 3), (3, 1), (4, 3), (6, 3)}
    (_, _, labels), = [m for m in facts.matches("pods", queries[:1])]
    assert identity("pod", "shop", "Deployment", "web") in labels


def test_a_fact_round_trips_through_json_and_a_damaged_one_is_refused():
    original = Fact("ref:pod", ("Secret", "shop", "db"), {"x": [1]}, _site(), tag=2)
    assert fact(json.loads(json.dumps(fact_data(original)))) == original
    plain = Fact("pods", ("pod", None, "Pod", "p"), {"a": "b"})
    assert fact(fact_data(plain)) == plain
    for damaged in (None, [], ["t", "notalist", None, None, -1], ["t", [1], None, None, -1],
                    ["t", [], None, None, "x"], ["t", [], None, [1, 2], -1], ["t", [], 5, None, -1]):
        with pytest.raises(ValueError):
            fact(damaged)


def test_references_are_kept_packed_and_come_back_as_they_were():
    store = FactStore()
    made = [Fact("ref:pod", ("Secret", "shop", f"db-{i}"), {"x": [1]}, _site(f"web-{i}"), tag=i) for i in range(3)]
    annotations = (("", {"when": datetime.date(2020, 1, 2)}),)  # a value marshal cannot write: kept as it is
    dated = Fact("ref:pod", ("Secret", None, "d"), None,
                 Site(ObjectRef("v1", "Pod", None, "p"), None, "/spec", Located(Location("p.yaml", 1, 1)), annotations))
    store.add(PLAIN, "apps/web.yaml", [*made, dated])
    assert len(store._references["ref:pod"]) == 3 and len(store._aside["ref:pod"]) == 1
    back = list(store.view().references("ref:pod"))
    assert [fact for _, _, fact in back] == [*made, dated]
    assert {(lookup, judged) for lookup, judged, _ in back} == {(PLAIN, ("dir", "apps"))}


def test_a_worker_store_is_cleared_and_a_store_without_recorders_is_falsy():
    store = FactStore()
    assert not store
    store.add(PLAIN, "a.yaml", [Fact("object", ("ConfigMap", None, "a")), Fact("ref:pod", ("Secret", None, "s"),
                                                                              None, _site())])
    store.clear()
    facts = store.view()
    assert not facts.known([(PLAIN, "object", "ConfigMap", None, "a")])
    assert list(facts.references("ref:pod")) == []


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: app-{i}, namespace: team}}
spec:
  selector: {{matchLabels: {{app: app-{i}}}}}
  template:
    metadata: {{labels: {{app: app-{i}}}}}
    spec:
      containers:
      - name: app
        image: registry.example.com/app:1.{i}.0
        envFrom:
        - configMapRef: {{name: config-{ref}}}
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata: {{name: app-{i}, namespace: team}}
spec:
  selector: {{app: app-{target}}}
  ports: [{{port: 80}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: config-{i}, namespace: team}}
"""


def _tree(root):
    """310 files (enough for workers): Deployments first, their Services and ConfigMaps last, in other chunks;
    every seventh Service selects nothing and every eleventh Deployment reads a ConfigMap that is not there."""
    for i in range(155):
        write(root / f"apps/d-{i:03}.yaml", DEPLOYMENT.format(i=i, ref=f"missing-{i}" if i % 11 == 0 else i))
        write(root / f"apps/s-{i:03}.yaml", SERVICE.format(i=i, target=f"gone-{i}" if i % 7 == 0 else i))


RULES = ("dangling-service-selector", "dangling-config-reference")


def _run(root, jobs, cache=None):
    settings = Settings(paths=(str(root),), jobs=jobs, no_cache=cache is None, cache_dir=str(cache) if cache else None,
                        enable=RULES)
    run = prepare(settings)
    # these rules alone: a check of another rule that holds objects back in its own way turns the cache off
    engine = Engine([rule for rule in run.engine().rules if rule.id in RULES], run.options)
    reports = list(engine.lint(run.discover([str(root)])))
    return sorted((f.location.path, f.location.line, f.location.column, f.rule_id, f.message)
                  for report in reports for f in report.findings if f.rule_id.startswith("dangling"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")
def test_workers_and_one_process_and_a_cached_run_give_the_same_findings(tmp_path, monkeypatch):
    root = tmp_path / "tree"
    _tree(root)
    spread = []
    real = parallel.lint_parallel
    monkeypatch.setattr(parallel, "lint_parallel", lambda *a: spread.append(1) or real(*a))
    alone = _run(root, 1)
    assert len([f for f in alone if f[3] == "dangling-service-selector"]) == 23
    assert len([f for f in alone if f[3] == "dangling-config-reference"]) == 15
    assert ("apps/s-007.yaml", 5, 3, "dangling-service-selector",
            "the Service's selector (app=app-gone-7) selects no pod template in namespace team among the objects of "
            "the run's plain files") in [(p.split("tree/")[-1], *rest) for p, *rest in alone]
    assert _run(root, 2) == alone
    # (a process that loaded the Helm SDK, which starts threads, forks no workers: lintops.parallel)
    assert spread or "helm_python" in sys.modules, "the files went to worker processes"
    cache = tmp_path / "cache"
    assert _run(root, 1, cache) == alone
    assert any(cache.rglob("*")), "the first run wrote entries"
    assert _run(root, 1, cache) == alone  # replayed from the entries
    assert _run(root, 2, cache) == alone
