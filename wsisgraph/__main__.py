"""`python -m wsisgraph` runs the CLI."""
from .cli import main

main()
