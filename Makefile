# The two commands of the README: `make demo` (the main job) and `make test` (lint + tests).
# Both run scripts/setup.sh first, which installs whatever is missing on a fresh machine.
.PHONY: setup demo test bench

setup:
	./scripts/setup.sh

demo: setup
	./scripts/demo.sh

test: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/python -m pytest -n 2 -q

bench: setup
	.venv/bin/python benchmarks/run.py
