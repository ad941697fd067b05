"""``lintops diff``: what a merge request changes in every environment, and the findings it introduces.

The tree at the merge base and the working tree are linted the same way (the base from git's objects,
written outside the working tree: :func:`lintops.new_since.base_checkout`); while each is linted, every
object it renders is observed (:mod:`lintops.diff.observe`). Objects are matched per environment by API
group, kind, namespace and name (:class:`~lintops.diff.model.ObjectKey`), so an object that moved to
another file is unchanged; a changed object's fields are compared as plain data (:mod:`lintops.diff.fields`),
with every value a secret may be in replaced by a keyed hash (:mod:`lintops.diff.secrets`). The
result (:class:`~lintops.diff.model.DiffResult`) is written as text, Markdown or JSON
(:mod:`lintops.diff.text`, :mod:`lintops.diff.markdown`, :mod:`lintops.diff.json_contract`).
"""
