"""The kustomization fields that set a value without a patch: generators, images, replicas, labels, ...

When a rendered value is neither in the origin file nor in a patch, a kustomization field set it
(``images:`` a tag, ``namespace:`` the namespace); the finding belongs on that field.
"""

from __future__ import annotations

from typing import Any

from ...model import Position, join_pointer
from .objects import RenderedObject, name_matches
from .references import Kustomization

_CONTAINER_LISTS = frozenset({"containers", "initContainers", "ephemeralContainers"})


def generator_position(kustomization: Kustomization, field_name: str, name: str | None) -> Position:
    """The generator entry (``configMapGenerator:`` ...) that made the object ``name``, else the field.

    A ``helmCharts`` entry names its objects after its release (``releaseName``), not after the chart;
    the only entry of a field made the object whatever it is called.
    """
    best, best_length = None, -1
    entries = kustomization.items(field_name)
    for index, entry in entries:
        for key in ("name", "releaseName") if field_name == "helmCharts" else ("name",):
            entry_name = entry.get(key) if isinstance(entry, dict) else None
            if isinstance(entry_name, str) and name and entry_name in name and len(entry_name) > best_length:
                best, best_length = index, len(entry_name)
    if best is None and len(entries) == 1:
        best = entries[0][0]
    if best is not None:
        return kustomization.position(join_pointer(f"/{field_name}", best))
    if field_name and field_name in kustomization.data:
        return kustomization.position(f"/{field_name}", at_key=True)
    return Position(1, 1)


def _image_name(image: Any) -> str | None:
    if not isinstance(image, str):
        return None
    image = image.split("@", 1)[0]
    colon = image.rfind(":")
    return image[:colon] if colon > image.rfind("/") else image


def transformer_pointer(kustomization: Kustomization, tokens: list[str], value: Any, obj: RenderedObject,
                        original_name: str | None, origin_value: Any) -> str | None:
    """The kustomization field that set a scalar the origin file does not have (or has otherwise)."""
    if tokens == ["metadata", "namespace"]:
        return "/namespace" if kustomization.data.get("namespace") == value else None
    if tokens == ["metadata", "name"]:
        return _affix_pointer(kustomization, value, original_name)
    if tokens == ["spec", "replicas"]:
        return _replicas_pointer(kustomization, value, obj, original_name)
    if len(tokens) >= 3 and tokens[-1] == "image" and tokens[-3] in _CONTAINER_LISTS:
        return _image_pointer(kustomization, value, origin_value)
    if len(tokens) >= 2 and tokens[-2] in ("labels", "matchLabels"):
        return _label_pointer(kustomization, tokens[-1], value)
    if len(tokens) >= 2 and tokens[-2] == "annotations":
        common = kustomization.data.get("commonAnnotations")
        if isinstance(common, dict) and common.get(tokens[-1]) == value:
            return join_pointer("/commonAnnotations", tokens[-1])
    return None


def _affix_pointer(kustomization: Kustomization, value: Any, original_name: str | None) -> str | None:
    """The ``namePrefix`` or ``nameSuffix`` that made a rendered name differ from the name its file writes."""
    if not isinstance(value, str) or not original_name or original_name == value:
        return None
    prefix, suffix = kustomization.data.get("namePrefix"), kustomization.data.get("nameSuffix")
    if isinstance(prefix, str) and prefix and value.startswith(prefix):
        return "/namePrefix"
    if isinstance(suffix, str) and suffix and value.endswith(suffix):
        return "/nameSuffix"
    return None


def _replicas_pointer(kustomization: Kustomization, value: Any, obj: RenderedObject,
                      original_name: str | None) -> str | None:
    """The ``replicas:`` entry that set the object's count."""
    for index, entry in kustomization.items("replicas"):
        if isinstance(entry, dict) and entry.get("count") == value and name_matches(entry.get("name"), obj,
                                                                                    original_name):
            return join_pointer("/replicas", index, "count")
    return None


def _image_pointer(kustomization: Kustomization, value: Any, origin_value: Any) -> str | None:
    """The ``images:`` entry (its ``newTag``, ``digest`` or ``newName`` when that is what changed) that set a
    container's image."""
    names = {_image_name(origin_value), _image_name(value)} - {None}
    for index, entry in kustomization.items("images"):
        if isinstance(entry, dict) and entry.get("name") in names:
            for key in ("newTag", "digest", "newName"):
                if key in entry and str(entry[key]) in str(value):
                    return join_pointer("/images", index, key)
            return join_pointer("/images", index)
    return None


def _label_pointer(kustomization: Kustomization, label: str, value: Any) -> str | None:
    """The ``commonLabels`` key or ``labels`` pair that set a label."""
    common = kustomization.data.get("commonLabels")
    if isinstance(common, dict) and common.get(label) == value:
        return join_pointer("/commonLabels", label)
    for index, entry in kustomization.items("labels"):
        pairs = entry.get("pairs") if isinstance(entry, dict) else None
        if isinstance(pairs, dict) and pairs.get(label) == value:
            return join_pointer("/labels", index, "pairs", label)
    return None
