"""``python -m fieldopt`` runs the command line."""

from fieldopt.cli import main

main()
