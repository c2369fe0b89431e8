"""Optimisation models: indices, integers and arrays only (no domain imports)."""
