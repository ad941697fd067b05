"""Finding a key or a value in a PyYAML node tree, to know where in the text it is written.

Both removing the origin annotation (which lines to drop) and locating inline patches (where the
patch text starts in its kustomization) need the node itself, not only its position.
"""

from __future__ import annotations

import yaml


def key_node_at(root: yaml.Node, keys: list[str]) -> yaml.Node | None:
    """The key node of the mapping entry at ``keys`` (mapping keys only), if it exists."""
    node, key = root, None
    for token in keys:
        if not isinstance(node, yaml.MappingNode):
            return None
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == token:
                node, key = value_node, key_node
                break
        else:
            return None
    return key


def node_at(root: yaml.Node | None, tokens: list[str]) -> yaml.Node | None:
    """The value node at the pointer ``tokens`` (mapping keys and list indexes), if it exists."""
    node = root
    for token in tokens:
        if isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
            node = node.value[int(token)]
            continue
        if not isinstance(node, yaml.MappingNode):
            return None
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == token:
                node = value_node
                break
        else:
            return None
    return node
