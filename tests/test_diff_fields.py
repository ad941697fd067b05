"""The field comparison and the secret masking of ``lintops diff``, on plain data (lintops.diff.fields, .secrets)."""

from __future__ import annotations

from lintops.diff.fields import MAX_FIELDS, differences, same
from lintops.diff.model import ABSENT, ObjectKey, Redacted
from lintops.diff.observe import Comparer, Recorded
from lintops.diff.secrets import SecretMasker
from lintops.model import Location, Resource, Source


def found(old, new):
    return [(d.path, d.pointer, d.change, d.old, d.new) for d in differences(old, new)]


def test_equal_data_has_no_difference_and_types_count() -> None:
    body = {"spec": {"replicas": 3, "template": {"containers": [{"name": "a", "image": "x"}]}}}
    assert found(body, {"spec": {"replicas": 3, "template": {"containers": [{"name": "a", "image": "x"}]}}}) == []
    assert not same(1, True) and not same(1, 1.0) and not same("1", 1) and same([1, {"a": None}], [1, {"a": None}])
    assert found({"port": 80}, {"port": "80"}) == [("port", "/port", "changed", 80, "80")]


def test_named_items_are_matched_by_name_whatever_their_order() -> None:
    old = {"containers": [{"name": "app", "image": "app:1"}, {"name": "log", "image": "log:1"}]}
    new = {"containers": [{"name": "proxy", "image": "envoy:1"}, {"name": "app", "image": "app:2"}]}
    assert found(old, new) == [
        ("containers[name=proxy]", "/containers/0", "added", ABSENT, {"name": "proxy", "image": "envoy:1"}),
        ("containers[name=app].image", "/containers/1/image", "changed", "app:1", "app:2"),
        ("containers[name=log]", "/containers/1", "removed", {"name": "log", "image": "log:1"}, ABSENT),
    ]


def test_lists_without_distinct_names_are_compared_by_index() -> None:
    assert found({"args": ["a", "b", "c"]}, {"args": ["a", "x"]}) == [
        ("args[1]", "/args/1", "changed", "b", "x"), ("args[2]", "/args/2", "removed", "c", ABSENT)]
    twice = [{"name": "a", "v": 1}, {"name": "a", "v": 2}]
    assert found({"l": twice}, {"l": [twice[0], {"name": "a", "v": 3}]}) == [("l[1].v", "/l/1/v", "changed", 2, 3)]


def test_keys_that_are_no_plain_word_are_quoted_and_pointers_escaped() -> None:
    old = {"metadata": {"annotations": {"app.kubernetes.io/name": "a", 'say "hi"': "x"}}}
    new = {"metadata": {"annotations": {"app.kubernetes.io/name": "b", 'say "hi"': "y"}}}
    assert found(old, new) == [
        ('metadata.annotations["app.kubernetes.io/name"]', "/metadata/annotations/app.kubernetes.io~1name",
         "changed", "a", "b"),
        ('metadata.annotations["say \\"hi\\""]', '/metadata/annotations/say "hi"', "changed", "x", "y")]


def test_a_value_that_changes_type_is_one_change_with_both_whole_values() -> None:
    assert found({"a": {"b": 1}}, {"a": [1]}) == [("a", "/a", "changed", {"b": 1}, [1])]


def _masked(group: str, kind: str, old: dict, new: dict, masker: SecretMasker | None = None):
    masker = masker or SecretMasker(b"k" * 32)
    return [(d.path, *masker.mask(d, group, kind, old, new)) for d in differences(old, new)]


def test_a_secret_shows_its_identity_and_hashes_everything_else() -> None:
    old = {"metadata": {"name": "db", "labels": {"tier": "a"}, "annotations": {"note": "p4ss"}},
           "type": "Opaque", "data": {"password": "b2xk"}}
    new = {"metadata": {"name": "db2", "labels": {"tier": "b"}, "annotations": {"note": "n3w"}},
           "type": "kubernetes.io/basic-auth", "data": {"password": "bmV3"}, "stringData": {"extra": "plain"}}
    shown = {path: (old_value, new_value, redacted) for path, old_value, new_value, redacted in
             _masked("", "Secret", old, new)}
    assert shown["metadata.name"] == ("db", "db2", False)
    assert shown["metadata.labels.tier"] == ("a", "b", False)
    assert shown["type"] == ("Opaque", "kubernetes.io/basic-auth", False)
    for path in ("metadata.annotations.note", "data.password"):
        old_value, new_value, redacted = shown[path]
        assert redacted and isinstance(old_value, Redacted) and isinstance(new_value, Redacted)
    old_value, new_value, redacted = shown["stringData"]  # added as a whole: hashed leaf by leaf
    assert redacted and old_value is ABSENT and isinstance(new_value["extra"], Redacted)
    assert "plain" not in repr(shown) and "p4ss" not in repr(shown) and "b2xk" not in repr(shown)


def test_a_sealed_secret_hashes_its_ciphertext_and_template_data_only() -> None:
    old = {"spec": {"encryptedData": {"k": "AgBy1"}, "template": {"metadata": {"name": "a"}, "data": {"c": "x"}}}}
    new = {"spec": {"encryptedData": {"k": "AgBy2"}, "template": {"metadata": {"name": "b"}, "data": {"c": "y"}}}}
    shown = {path: redacted for path, _, _, redacted in _masked("bitnami.com", "SealedSecret", old, new)}
    assert shown == {"spec.encryptedData.k": True, "spec.template.metadata.name": False, "spec.template.data.c": True}


def test_elsewhere_credential_names_and_formats_are_hashed_and_other_values_shown() -> None:
    old = {"data": {"DB_PASSWORD": "one-secret", "DB_PASSWORD_FILE": "/run/a", "LOG": "info",
                    "banner": "ghp_" + "a" * 36, "enabled": True}}
    new = {"data": {"DB_PASSWORD": "two-secret", "DB_PASSWORD_FILE": "/run/b", "LOG": "debug",
                    "banner": "ghp_" + "b" * 36, "enabled": False}}
    shown = {path: (redacted, old_value) for path, old_value, _, redacted in _masked("", "ConfigMap", old, new)}
    assert shown["data.DB_PASSWORD"][0] and shown["data.banner"][0]
    assert shown["data.DB_PASSWORD_FILE"] == (False, "/run/a")  # a setting about a credential
    assert shown["data.LOG"] == (False, "info") and shown["data.enabled"] == (False, True)


def test_hashes_are_equal_for_equal_values_within_a_run_and_differ_across_runs() -> None:
    first, second = SecretMasker(), SecretMasker()
    assert first.digest("hunter2") == first.digest("hunter2") != first.digest("hunter3")
    assert first.digest("hunter2") != second.digest("hunter2")
    assert len(first.digest("x").digest) == 8 and str(first.digest("x")).startswith("<secret ")


def _resource(body: dict, name: str = "web") -> Resource:
    return Resource("v1", "ConfigMap", "shop", name, body, Source("apps/a.yaml"))


def test_an_object_with_very_many_changes_lists_a_bounded_number_and_counts_the_rest() -> None:
    key = ObjectKey(None, None, "", "ConfigMap", "shop", "web")
    old = {"data": {f"k{i}": "a" for i in range(MAX_FIELDS + 25)}}
    new = {"data": {f"k{i}": "b" for i in range(MAX_FIELDS + 25)}}
    comparer = Comparer({key: Recorded(old, "v1", Location("apps/a.yaml", 1, 1))})
    comparer(_resource(new))
    [environment] = comparer.finish()
    [change] = environment.changed
    assert len(change.fields) == MAX_FIELDS and change.omitted_fields == 25


def test_objects_of_the_same_identity_in_one_environment_are_told_apart_in_order() -> None:
    comparer = Comparer({})
    comparer(_resource({"data": {}}))
    comparer(_resource({"data": {}}))
    [environment] = comparer.finish()
    assert [c.key.label for c in environment.added] == ["ConfigMap/shop/web", "ConfigMap/shop/web (#2)"]
