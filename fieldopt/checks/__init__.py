"""Independent checkers, one module per model; ``fieldopt.check.checkers`` is their table."""
