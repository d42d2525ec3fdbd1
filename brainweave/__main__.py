"""`python -m brainweave` runs the CLI."""

from brainweave.cli import main

main()
