"""One module per benchmark scenario, named as `python -m bench.run --only` names it."""
