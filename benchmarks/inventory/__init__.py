"""Inventory benchmarks: reference cases (``cases``), seeded synthetic instances
(``synthetic``) and the scale and carparts runs (``runs``) behind ``fieldopt bench inventory``.
Every result's ``engine`` is ``inventory``."""
