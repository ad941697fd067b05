"""The parse stage: YAML (and JSON) text to plain data, keeping a position for every node.

Why not ``yaml.load``: it throws the positions away, and a linter without lines is half a linter.
libyaml composes the node tree (the expensive part, in C); this stage builds the plain data from the
nodes itself and keeps each document's tree, so that a JSON pointer is resolved to ``(line, column)``
only when a finding asks for it. Building the data here also lets us see what ``yaml.load`` hides:
duplicate keys (Kubernetes' strict decoding rejects them) and aliases that expand without bound.

Hostile input never raises out of this stage: binary files, invalid UTF-8, files over the size limit,
alias bombs and nesting deeper than libyaml allows each become a ``ParseProblem`` at a position, and
the documents that did parse are still returned.

Modules, in the order a text passes them:

- :mod:`.stream`: bytes or text to documents, one at a time (``parse_text``, ``stream_bytes``, ...),
  a syntax error costing only the document it is in;
- :mod:`.splitters`: how kubectl and Helm cut a text into documents;
- :mod:`.loader`: libyaml's composer with the scalar tags Kubernetes reads;
- :mod:`.scalars`: a scalar node's plain value, and the core tags that cannot hold it;
- :mod:`.build`: a document's nodes to plain data, watching duplicates, aliases and depth;
- :mod:`.limits`: the bounds hostile input meets;
- :mod:`.documents`: the parsed types (``ParsedFile``, ``ParsedDocument``, ``ParseProblem``) and the
  position of a JSON pointer;
- :mod:`.directives`: ``# lintops:`` exemption comments.

Nothing else is imported here: each caller imports the module it needs, so that what one run never uses
(the splitters for Helm, the directives of a file without any) is never loaded. PyYAML, which every
module of this stage needs, is imported first, with its patterns compiled lazily (:mod:`.pyyaml`).
"""

from .pyyaml import import_yaml

import_yaml()
