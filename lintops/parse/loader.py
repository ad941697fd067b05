"""libyaml's composer with the scalar tags Kubernetes reads.

libyaml composes the node tree, the expensive part, in C; every node keeps the marks (line, column)
that positions are read from. :class:`Loader` is the loader every text of the parse stage is composed
with, also when a released document is composed again to position a finding (:mod:`.documents`).
"""

from __future__ import annotations

import yaml

from .scalars import MAP, SEQ, STR, implicit_tag

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: How many plain scalars' tags are remembered at most (the keys and values manifests repeat fit many times over).
_TAGS_KEPT = 8192
_DEFAULT_TAGS = {yaml.ScalarNode: STR, yaml.SequenceNode: SEQ, yaml.MappingNode: MAP}


class Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """libyaml's safe loader with a memoised implicit resolver.

    libyaml calls back into Python to resolve every plain scalar's tag (a chain of regular
    expressions) and to consult path resolvers, which nothing here registers. Manifests repeat the
    same keys and values endlessly, so remembering each plain scalar's tag, and skipping the path
    resolver calls (see below), makes composing about a fifth faster with the same nodes and tags.
    """

    _tags: dict[str, str] = {}

    def resolve(self, kind, value, implicit, _resolve=_BaseLoader.resolve, _scalar=yaml.ScalarNode):
        if kind is _scalar and implicit[0]:
            tag = self._tags.get(value)
            if tag is None:
                tag = _resolve(self, kind, value, implicit)
                if tag != STR:
                    tag = implicit_tag(tag, value)
                if len(self._tags) >= _TAGS_KEPT:  # forget and start again: the keys that repeat come back
                    self._tags.clear()  # at once, and a run's unique values are not kept for its length
                self._tags[value] = tag
            return tag
        # A quoted scalar or an untagged collection: the default tag (what the base resolver answers
        # when no path resolver is registered, and none is: see below), without a second call.
        return _DEFAULT_TAGS[kind]

    #: The composer calls these around every node, for path resolvers, which nothing registers: a
    #: C-level callable that ignores its arguments costs a fraction of a Python method call (the
    #: composer ignores what they return).
    descend_resolver = {}.get
    ascend_resolver = ().__len__

