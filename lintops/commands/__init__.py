"""Commands of the command line defined in modules of their own, imported only when a run names them
(:attr:`lintops.cli.DefaultCommandGroup.lazy_commands`)."""
