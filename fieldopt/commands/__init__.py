"""Subcommands of each model, added to the ``fieldopt`` app by ``fieldopt.cli``.

Each module in :data:`MODEL_MODULES` (the one table of command modules) exposes
``register(app, bench)``: it adds its commands to the main app and its benchmarks to
``fieldopt bench``, and ``DEMO_STEPS``: the steps it adds to ``fieldopt demo``.
"""

MODEL_MODULES = (
    "fieldopt.commands.dispatch",
    "fieldopt.commands.schedule",
    "fieldopt.commands.inventory",
    "fieldopt.commands.batch",
)
