#!/usr/bin/env bash
# The main job: worked shape calculations (later: render the demo deck's assets).
set -euo pipefail
cd "$(dirname "$0")/.."
C=.venv/bin/convanim
$C shape conv -i 6x6 -k 3 -s 2 -p 1
$C shape transposed -i 3x3 -k 3 -s 2 -p 1 --output-padding 1
$C shape pool -i 5 -k 3 --kind max --ceil-mode -s 2
$C shape stack --preset wavenet
