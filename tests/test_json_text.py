"""Reports written with orjson are byte for byte those the standard library writes (lintops.reporters.json_text)."""

from __future__ import annotations

import json
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from lintops.reporters import json_text

# what a report holds: strings (any code point but lone surrogates, which JSON text cannot carry in
# UTF-8), integers, booleans, null, lists and string-keyed mappings
_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_scalars = st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | _text
_documents = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(_text, inner, max_size=4), max_leaves=30)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(_documents)
def test_any_report_document_is_written_as_the_standard_library_writes_it(document):
    assert json_text.dumps(document) == json.dumps(document, indent=2)


def test_the_characters_the_encoders_write_differently_are_escaped_alike():
    document = {"é": ["\x7f", "\u2028", "😀", "\x00\x1f\b\f\n\r\t\"\\/", "ascii"], "n": 2**64, "e": [], "o": {}}
    assert json_text.dumps(document) == json.dumps(document, indent=2)
    assert json_text.dumps({"lone": "\ud800"}) == json.dumps({"lone": "\ud800"}, indent=2)
    assert json_text.dumps({1: "non-string key"}) == json.dumps({1: "non-string key"}, indent=2)


def test_reports_are_identical_without_orjson(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from lintops.cli import main

    (tmp_path / "a.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: wéb}\nspec:\n"
        "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
        "    spec:\n      containers:\n      - {name: web, image: 'nginx:latest'}\n", encoding="utf-8")

    def reports() -> dict[str, str]:
        out = {}
        for name in ("json", "sarif", "codequality"):
            result = CliRunner().invoke(main, ["check", str(tmp_path / "a.yaml"), "--format", name])
            assert result.exit_code == 1, result.output
            out[name] = result.output
        return out

    with_orjson = reports()
    assert "orjson" in sys.modules
    monkeypatch.setitem(sys.modules, "orjson", None)  # import orjson now raises ImportError
    assert reports() == with_orjson
    assert "w\\u00e9b" in with_orjson["json"]


def test_floats_and_non_finite_numbers_fall_back_to_the_standard_library():
    # orjson writes 1e-7 and null where the standard library writes 1e-07 and NaN: such a document is
    # written by the standard library (a report holds none, but a plugin's document may)
    for value in (1e16, 0.1, 1e-7, float("nan"), float("inf"), -0.0, 2.5e300, (1, 0.5)):
        document = {"v": [value, {"k": value}], "s": "\ud800"}
        assert json_text.dumps(document) == json.dumps(document, indent=2)
    # a caller that knows its document holds no float skips the look
    document = {"a": ["x", 1, None, True, {"b": []}]}
    assert json_text.dumps(document, floats=False) == json.dumps(document, indent=2)
