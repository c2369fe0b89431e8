"""Repair schedules: solve, read back, report, save and load.

Importing the package registers the schedule checker on ``fieldopt.check``.
"""

import fieldopt.checks.schedule  # noqa: F401  (registers the checker)
