#!/usr/bin/env bash
# Installs what Descent needs on a fresh Debian/Ubuntu machine that has the Swift toolchain:
# oneDNN (libdnnl-dev), the compute backend, and zlib (zlib1g-dev), which DescentData uses to read
# .gz data files, libjpeg-turbo (libturbojpeg0-dev), libpng (libpng-dev) and libwebp (libwebp-dev), which it
# decodes image folders with, jq, which scripts/search-check.sh reads results.json with, Open MPI (libopenmpi-dev,
# openmpi-bin), which data-parallel training (`mpirun -np N descent train`) runs on, and Debian's fortunes (text
# files under /usr/share/games/fortunes), the corpus of the character-level language model (examples/char-lm.yaml,
# scripts/lm-check.sh). Does nothing when they are already there.
set -euo pipefail

need_apt=()
[ -f /usr/include/oneapi/dnnl/dnnl.h ] || [ -f /usr/include/dnnl.h ] || need_apt+=(libdnnl-dev)
[ -f /usr/include/zlib.h ] || need_apt+=(zlib1g-dev)
[ -f /usr/include/turbojpeg.h ] || need_apt+=(libturbojpeg0-dev)
[ -f /usr/include/png.h ] || need_apt+=(libpng-dev)
[ -f /usr/include/webp/decode.h ] || need_apt+=(libwebp-dev)
command -v jq >/dev/null || need_apt+=(jq)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
pkg-config --exists ompi-c 2>/dev/null || need_apt+=(libopenmpi-dev)
command -v mpirun >/dev/null || need_apt+=(openmpi-bin)
[ -f /usr/share/games/fortunes/fortunes ] || need_apt+=(fortunes)

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} with apt-get" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "setup: the Swift toolchain (swift) is not on PATH; install it from swift.org" >&2; exit 1; }
