"""The stages the engine composes for each input, one module each, as functions over one run's state.

In the order a finding passes them:

* :mod:`.documents` (parse and resources): read one file, parse it, turn its documents into resources
  one at a time, and hand each to the check stage; parse problems become findings of their rules;
* :mod:`.check`: every enabled rule over a resource (a check that raises is an internal error), each
  violation positioned as a finding; CustomResourceDefinitions registered with the run's schemas;
* :mod:`.filter`: per-path severity, exemptions and the baseline, one function over a batch of findings;
* :mod:`.rendered`: charts and overlays rendered, every rendered text linted, each root accounted for;
* :mod:`.finish`: what checks held back until the last file, the Rollouts' workload references, and the
  counts of every report (:func:`.finish.report`);
* :mod:`.merge`: one finding per place for findings several objects share.

:class:`.state.RunState` is what they share: the rules, options, exemption policy and baseline of the
run, its summary, and what one file leaves for the end of the run. :mod:`lintops.engine` composes the
stages and owns none of their logic; each stage can be called and tested alone.
"""
