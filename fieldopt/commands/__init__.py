"""Subcommands of each model, registered on the ``fieldopt`` app by ``fieldopt.cli``.

Each module exposes ``register(app)``: it adds its commands to the main app, and
``DEMO_STEPS``: the steps it adds to ``fieldopt demo``. The benchmarks (``fieldopt bench``)
live in the ``benchmarks`` package of a checkout (``fieldopt.cli`` adds them).
"""

import importlib.util

_PLANNED = (
    "fieldopt.commands.dispatch",
    "fieldopt.commands.schedule",
    "fieldopt.commands.inventory",
    "fieldopt.commands.batch",
)
# Models land one by one; the app lists the commands of those present.
MODEL_MODULES = tuple(name for name in _PLANNED if importlib.util.find_spec(name) is not None)
