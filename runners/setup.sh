#!/usr/bin/env bash
# Idempotent set-up, sourced by bench.sh and test.sh (or run alone):
#   1. Debian packages (apt-get when root; otherwise prints the command, stops)
#   2. a venv at .venv made from /usr/bin/python3 --system-site-packages
#   3. the locality Python package installed into it (no network)
#   4. CMake configure and build in build/, pointed at that venv's Python
# Each step is skipped when already done. Nothing is downloaded outside apt.
set -euo pipefail

LOCALITY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCALITY_VENV="${LOCALITY_VENV:-$LOCALITY_ROOT/.venv}"
LOCALITY_BUILD="${LOCALITY_BUILD:-$LOCALITY_ROOT/build}"
export LOCALITY_ROOT LOCALITY_VENV LOCALITY_BUILD

LOCALITY_PACKAGES=(
  cmake g++ make git pkg-config
  libbenchmark-dev libbenchmark-tools libgtest-dev nlohmann-json3-dev
  libhwy-dev libhwloc-dev
  libpapi-dev papi-tools valgrind
  likwid mbw
  pybind11-dev python3-pybind11 python3-dev python3-venv python3-pip python3-setuptools python3-wheel
  python3-matplotlib python3-numpy python3-pandas python3-scipy python3-pytest python3-jsonschema python3-yaml
)
# Added by runners/test.sh: what only the tests need (LaTeX to compile the
# generated snippets, Chromium to open the HTML page).
LOCALITY_PACKAGES+=(${LOCALITY_EXTRA_PACKAGES:-})

log() { printf 'setup: %s\n' "$*" >&2; }
# shellcheck source=runners/debian.sh
source "$LOCALITY_ROOT/runners/debian.sh"

# Where there is no apt: the same packages under dnf's and Homebrew's names
# (not tested here; PAPI and valgrind are optional and left out on macOS).
print_other_managers() {
  if command -v dnf >/dev/null 2>&1; then
    log "no apt-get here; with dnf (Fedora, RHEL) the equivalent is:"
    printf '  sudo dnf install -y %s\n' "cmake gcc-c++ make git pkgconf google-benchmark-devel gtest-devel json-devel highway-devel hwloc-devel papi-devel valgrind-devel pybind11-devel python3-devel python3-matplotlib python3-numpy python3-pandas python3-scipy python3-pytest python3-jsonschema python3-pyyaml" >&2
  fi
  if command -v brew >/dev/null 2>&1; then
    log "no apt-get here; with Homebrew (macOS) the equivalent is:"
    printf '  brew install %s\n' "cmake google-benchmark googletest nlohmann-json highway hwloc pybind11 python numpy scipy python-matplotlib" >&2
    log "then: python3 -m pip install pandas jsonschema pyyaml pytest (PAPI and valgrind do not exist there; the suite builds without them)"
  fi
  if ! command -v dnf >/dev/null 2>&1 && ! command -v brew >/dev/null 2>&1; then
    log "no apt-get, dnf or brew found: install the packages listed in runners/setup.sh by hand"
  fi
}

install_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    print_other_managers
    exit 1
  fi
  apt_ensure setup "${LOCALITY_PACKAGES[@]}"
}

make_venv() {
  if [ ! -x "$LOCALITY_VENV/bin/python" ] || ! "$LOCALITY_VENV/bin/python" -c 'import matplotlib, pandas' 2>/dev/null; then
    log "creating $LOCALITY_VENV from /usr/bin/python3 (with Debian's site packages)"
    rm -rf "$LOCALITY_VENV"
    /usr/bin/python3 -m venv --system-site-packages "$LOCALITY_VENV"
  fi
  # Reinstalled every time: cheap, and the installed copy never lags the source.
  "$LOCALITY_VENV/bin/python" -m pip install --quiet --no-build-isolation --no-deps --no-index \
    --disable-pip-version-check "$LOCALITY_ROOT"
}

build() {
  cmake -S "$LOCALITY_ROOT" -B "$LOCALITY_BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DPython3_EXECUTABLE="$LOCALITY_VENV/bin/python" >/dev/null
  cmake --build "$LOCALITY_BUILD" --parallel "$(nproc)"
}

install_packages
make_venv
build
