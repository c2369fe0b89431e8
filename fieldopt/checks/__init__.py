"""Independent checkers, one module per model, registered on ``fieldopt.check.check``."""
