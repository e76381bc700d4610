#!/usr/bin/env bash
# Builds the training code against LibTorch 2.x and trains with it, on a machine
# whose own LibTorch is Debian 12's 1.13. A throwaway Debian 13 root (mmdebstrap)
# holds Debian 13's libtorch-dev and python3-torch (LibTorch 2.6) with GCC 14,
# CMake and ninja; in it, bench/gpu/run_on_device.sh --cpu-dry-run builds the
# GPU check's CMake targets (bench/gpu/CMakeLists.txt: the trainer, the
# supernet, the data readers and the three benchmarks) against that LibTorch
# and the libraries scripts/pack_gpu_deps.sh packs here, just as on a GPU
# machine, then runs every step of the GPU check on the CPU and checks the JSON.
#
#   scripts/check_libtorch2.sh      as root; exits 0 when it built and every step ran
#
# Environment: NAS_DEBIAN13_ROOT (where the root is kept for the next run;
# default ~/.cache/nas-debian13-root), OUT (where gpu_check.json and its log
# go; default a temporary directory).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CHROOT=${NAS_DEBIAN13_ROOT:-$HOME/.cache/nas-debian13-root}
OUT_DIR=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/nas-libtorch2.XXXXXX")}
PACKAGES=g++,cmake,ninja-build,libtorch-dev,python3-torch,python3-numpy
MIRROR="deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main"

die() {
  echo "check_libtorch2: $*" >&2
  exit 1
}
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap and chroot)"
command -v mmdebstrap >/dev/null ||
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q mmdebstrap >/dev/null ||
  die "could not install mmdebstrap"

# The root is made once per package list; a half-made one is made again.
if [ "$(cat "$CHROOT/.nas-packages" 2>/dev/null)" != "$PACKAGES" ]; then
  echo "check_libtorch2: making a Debian 13 root in $CHROOT ($PACKAGES)" >&2
  rm -rf "$CHROOT"
  mkdir -p "$(dirname "$CHROOT")"
  mmdebstrap --quiet --variant=apt --mode=root --include="$PACKAGES" trixie "$CHROOT" "$MIRROR" ||
    die "mmdebstrap failed"
  echo "$PACKAGES" >"$CHROOT/.nas-packages"
fi
version=$(awk '/^#define TORCH_VERSION_(MAJOR|MINOR|PATCH) /{print $3}' \
  "$CHROOT/usr/include/torch/csrc/api/include/torch/version.h" | paste -sd.)
case "$version" in
  2.*) ;;
  *) die "the Debian 13 root's LibTorch is ${version:-unknown}, not 2.x" ;;
esac

# The working tree (tracked and untracked files git does not ignore), over the
# last run's, whose CMake build directory stays for an incremental build.
find "$CHROOT/src" -mindepth 1 -maxdepth 1 ! -name cmake-build -exec rm -rf {} + 2>/dev/null || true
mkdir -p "$CHROOT/src" "$CHROOT/out"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
  tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$CHROOT/src"
bash "$ROOT/scripts/pack_gpu_deps.sh" "$CHROOT/src/.gpu-deps" >&2

mount -t proc proc "$CHROOT/proc"
trap 'umount "$CHROOT/proc"' EXIT
rm -rf "$CHROOT/out"/*
echo "check_libtorch2: LibTorch $version, GCC $(chroot "$CHROOT" gcc -dumpversion)" >&2
# Debian 13's oneDNN 3.6 crashes PyTorch Python's convolution backward with its
# AVX-512 kernels on an AMD EPYC; limited to AVX2 it runs, for both sides of
# the throughput comparison. Its convolutions are still wrong there for some
# channel counts: the C++ side's start-up check (as a worker's) turns it off.
rc=0
chroot "$CHROOT" env ONEDNN_MAX_CPU_ISA=AVX2 OUT=/out HOME=/root \
  bash -c 'cd /src && bash bench/gpu/run_on_device.sh --cpu-dry-run' || rc=$?
cp "$CHROOT"/out/* "$OUT_DIR"/ 2>/dev/null || true
[ -f "$OUT_DIR/gpu_check.json" ] || die "no gpu_check.json (run_on_device.sh exited $rc)"
python3 "$ROOT/bench/gpu/check_dry_run_report.py" "$OUT_DIR/gpu_check.json" >&2 || rc=1
grep -m 1 "CPU convolutions:" "$OUT_DIR/gpu_check.log" >&2 || true
echo "check_libtorch2: LibTorch $version: $([ "$rc" = 0 ] && echo built, trained and checked || echo FAILED), report in $OUT_DIR/gpu_check.json" >&2
exit "$rc"
