"""Sub-commands of the ``trends`` CLI, one module each (see :mod:`trends.cli`)."""
