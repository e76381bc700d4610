#!/usr/bin/env bash
# Packs what the GPU benchmarks' CMake build (bench/gpu/CMakeLists.txt) needs
# from Debian and a GPU machine lacks: protobuf, Abseil, libpng, libjpeg and
# zlib (headers, shared libraries with their link names, protoc), and the
# first examples of Fashion-MNIST's training set for the benchmarks to train on.
#
#   scripts/pack_gpu_deps.sh              into .gpu-deps/ (git-ignored)
#   scripts/pack_gpu_deps.sh DIR          into DIR
#   EXAMPLES=16384 scripts/pack_gpu_deps.sh   how many training examples (the default)
#
# Static archives are left out: about 23 MB (7 MB of it the examples), which
# travels with the working tree (bench/gpu/run_on_device.sh reads .gpu-deps/).
# Run on the Debian machine the project builds on (scripts/install_deps.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/.gpu-deps}
EXAMPLES=${EXAMPLES:-16384}
DATA=${DATA:-/usr/share/datasets/fashion-mnist}
MULTIARCH=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
LIBDIR=/usr/lib/$MULTIARCH

die() {
  echo "pack_gpu_deps: $*" >&2
  exit 1
}
for f in /usr/include/absl/base/config.h /usr/include/google/protobuf/message.h /usr/bin/protoc \
         /usr/include/png.h /usr/include/jpeglib.h /usr/include/zlib.h "$DATA/train-images-idx3-ubyte.gz"; do
  [ -e "$f" ] || die "$f is missing: run scripts/install_deps.sh"
done

rm -rf "$OUT"
mkdir -p "$OUT/include" "$OUT/lib" "$OUT/bin" "$OUT/data/fashion-mnist"
# Timestamps kept: a build over a fresh pack recompiles only what changed.
cp -rp /usr/include/absl "$OUT/include/"
mkdir -p "$OUT/include/google"
cp -rp /usr/include/google/protobuf "$OUT/include/google/"
cp -p /usr/include/{png.h,pngconf.h,pnglibconf.h,jpeglib.h,jmorecfg.h,jerror.h,zlib.h,zconf.h} "$OUT/include/"
cp -p "/usr/include/$MULTIARCH/jconfig.h" "$OUT/include/"

# Copies the library a link name resolves to, under its soname, with the
# link name beside it: -l<name> finds it, and the binaries record the soname.
pack_library() {
  local link=$1 real soname
  real=$(readlink -f "$LIBDIR/$link") || die "$LIBDIR/$link: no such library"
  soname=$(objdump -p "$real" | awk '/SONAME/{print $2}')
  [ -n "$soname" ] || die "$real has no soname"
  cp -p "$real" "$OUT/lib/$soname"
  [ "$link" = "$soname" ] || ln -sf "$soname" "$OUT/lib/$link"
}
for name in $(grep -o '"-labsl_[a-z0-9_]*"' "$ROOT/third_party/BUILD" | tr -d '"' | sed 's/^-l//'); do
  pack_library "lib$name.so"
done
for link in libprotobuf.so libpng.so libjpeg.so libz.so; do
  pack_library "$link"
done
cp -p "$(readlink -f /usr/bin/protoc)" "$OUT/bin/protoc"
for so in $(objdump -p "$OUT/bin/protoc" | awk '/NEEDED/{print $2}' | grep '^libproto'); do
  [ -e "$OUT/lib/$so" ] || pack_library "$so"
done
# Abseil libraries the listed ones need in turn.
while :; do
  missing=$(for f in "$OUT"/lib/*.so.*; do objdump -p "$f" | awk '/NEEDED/{print $2}'; done |
    sort -u | grep '^libabsl_' | while read -r so; do [ -e "$OUT/lib/$so" ] || echo "$so"; done)
  [ -z "$missing" ] && break
  for so in $missing; do pack_library "$so"; done
done

# idx files of the first EXAMPLES training examples (header counts rewritten).
/usr/bin/python3 - "$DATA" "$OUT/data/fashion-mnist" "$EXAMPLES" <<'EOF'
import gzip, struct, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with gzip.open(f"{src}/train-images-idx3-ubyte.gz") as f:
    magic, total, rows, cols = struct.unpack(">IIII", f.read(16))
    n = min(n, total)
    images = f.read(n * rows * cols)
with gzip.open(f"{src}/train-labels-idx1-ubyte.gz") as f:
    lmagic, ltotal = struct.unpack(">II", f.read(8))
    labels = f.read(n)
with gzip.open(f"{dst}/train-images-idx3-ubyte.gz", "wb", compresslevel=9) as f:
    f.write(struct.pack(">IIII", magic, n, rows, cols) + images)
with gzip.open(f"{dst}/train-labels-idx1-ubyte.gz", "wb", compresslevel=9) as f:
    f.write(struct.pack(">II", lmagic, n) + labels)
EOF

echo "pack_gpu_deps: $(du -sh "$OUT" | cut -f1) in $OUT ($(ls "$OUT/lib" | wc -l) library files," \
  "$EXAMPLES examples)" >&2
