#!/usr/bin/env bash
# Build ecgdig on Debian 12 and either run the demo or the test suite.
#
#   sudo ./scripts/quickstart.sh demo   # build, digitize the bundled sample, score it
#   sudo ./scripts/quickstart.sh test   # build, run the whole test suite
#
# Root is needed only when Debian packages are missing. Extra CMake arguments
# can be passed in ECGDIG_CMAKE_ARGS (e.g. "-DECGDIG_WITH_TORCH=OFF").
set -euo pipefail

# Every Debian package the build, the tests and the demo need.
readonly PACKAGES=(
  build-essential cmake pkg-config ccache
  libopencv-dev libtorch-dev libeigen3-dev libfmt-dev
  libgtest-dev libbenchmark-dev libgoogle-perftools-dev libcli11-dev
  libpoppler-cpp-dev nlohmann-json3-dev
  python3-numpy python3-scipy
  fonts-dejavu-core fonts-liberation2 fonts-freefont-ttf
)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly BUILD_DIR="$ROOT/build/release"
readonly DEMO_DIR="$ROOT/out/demo"
readonly SAMPLE="$ROOT/tests/data/ptbxl/00841_hr"
JOBS="$(nproc)"
readonly JOBS

usage() {
  echo "usage: $0 demo|test" >&2
  exit 2
}

install_missing_packages() {
  local missing=() pkg
  for pkg in "${PACKAGES[@]}"; do
    if [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null)" != ii* ]]; then
      missing+=("$pkg")
    fi
  done
  ((${#missing[@]} == 0)) && return 0
  if ((EUID != 0)); then
    echo "quickstart: missing Debian packages: ${missing[*]}" >&2
    echo "quickstart: run as root (sudo $0 ...) to install them" >&2
    exit 1
  fi
  echo "quickstart: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {
  # shellcheck disable=SC2086  # ECGDIG_CMAKE_ARGS is a list of words on purpose
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release ${ECGDIG_CMAKE_ARGS:-}
  cmake --build "$BUILD_DIR" -j "$JOBS"
}

# Digitizes the bundled sample page, then scores it against the record as the
# page shows it (each lead only in its panel's time window; the renderer
# reproduces the page's ecg-image-kit geometry to give that truth).
run_demo() {
  local ecgdig="$BUILD_DIR/bin/ecgdig"
  rm -rf "$DEMO_DIR"
  mkdir -p "$DEMO_DIR"
  "$ecgdig" digitize "$SAMPLE-0.png" -o "$DEMO_DIR" --format wfdb,csv,json --overlay
  "$ecgdig" render --record "$SAMPLE" --geometry ecg-image-kit -o "$DEMO_DIR/truth" > /dev/null
  echo
  echo "Score of the digitized page against the truth ${SAMPLE#"$ROOT"/}:"
  "$ecgdig" eval "$DEMO_DIR/00841_hr_0" "$DEMO_DIR/truth/00841_hr_0" --out "$DEMO_DIR/score.txt"
  cat "$DEMO_DIR/score.txt"
  echo
  echo "Outputs are in $DEMO_DIR:"
  echo "  00841_hr_0.hea/.dat (WFDB), .csv, .json: the 12 leads in mV at 500 Hz"
  echo "  00841_hr_0_overlay.png: what was found, drawn over the page"
  echo "  score.txt: the score above; truth/: the page's true signal"
}

run_tests() {
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS"
}

main() {
  (($# == 1)) || usage
  case "$1" in
    demo | test) ;;
    *) usage ;;
  esac
  install_missing_packages
  build
  if [[ "$1" == demo ]]; then
    run_demo
  else
    run_tests
  fi
}

main "$@"
