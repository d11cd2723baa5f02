#!/usr/bin/env bash
# The main job: worked shape calculations, then the demo deck built into a reveal.js page.
set -euo pipefail
cd "$(dirname "$0")/.."
C=.venv/bin/convanim
$C shape conv -i 6x6 -k 3 -s 2 -p 1
$C shape transposed -i 3x3 -k 3 -s 2 -p 1 --output-padding 1
$C shape pool -i 5 -k 3 --kind max --ceil-mode -s 2
$C shape stack --preset wavenet

# The lecture's convolution slides (demo/04-convolutional_layers.md): every GIF, figure and the
# FIR video rendered (only what is missing or stale) and embedded. Videos render at 480p15 by
# default to keep this quick; CONVANIM_QUALITY=high gives the deck's 1080p60.
$C build demo/04-convolutional_layers.md --html --quality "${CONVANIM_QUALITY:-low}"
echo "open demo/build/04-convolutional_layers.html in a browser (no server needed)"
