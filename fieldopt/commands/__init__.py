"""Subcommands of each model, added to the ``fieldopt`` app by ``fieldopt.cli``.

The one table of command modules, :data:`MODEL_MODULES`: each exposes ``register(app)``,
which adds its commands to the main app, and ``DEMO_STEPS``: the steps it adds to
``fieldopt demo``. The benchmarks (``fieldopt bench``) live in the ``benchmarks`` package of a
checkout (``fieldopt.cli`` adds them).
"""

MODEL_MODULES = (
    "fieldopt.commands.dispatch",
    "fieldopt.commands.schedule",
    "fieldopt.commands.inventory",
    "fieldopt.commands.batch",
)
