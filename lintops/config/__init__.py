"""The run's configuration: .lintops.yaml and --policy read, validated against schemas/ and merged with the
command line (settings), the gate the tree cannot switch off (policy), the target Kubernetes versions
(targets) and how staging is told from production (environments)."""
