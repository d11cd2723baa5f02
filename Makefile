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
	# Two workers on two cores: one thread each, or torch/BLAS pools fight over the cores.
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python -m pytest -n 2 -q

bench: setup
	.venv/bin/python benchmarks/run.py
