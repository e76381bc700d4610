#!/usr/bin/env bash
# Builds the controller and CPU worker OCI images without a Docker engine, as
# deploy/docker/Dockerfile.controller and Dockerfile.worker-cpu describe them:
# the binaries with the project's Bazel build, a Debian bookworm root
# filesystem holding the packages each Dockerfile's last stage installs
# (mmdebstrap, from the machine's Debian sources), and the image from both
# (buildah), run as user 65534. Then runs each image's binary on the image's
# own libraries: the controller serves on a throwaway PostgreSQL until it
# writes its port, the worker lists its job kinds.
#   scripts/build_images.sh [TAG]
# makes localhost/nas-controller:TAG and localhost/nas-worker-cpu:TAG (TAG
# defaults to dev, the tag deploy/k8s/overlays/trial runs). Push them with
# `buildah push localhost/nas-controller:TAG docker://REGISTRY/nas-controller:TAG`.
# Runs as root (chroot, buildah mount). NAS_IMAGE_COMPILATION_MODE=fastbuild
# skips the optimised build (for checking the script itself).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TAG=${1:-dev}
MODE=${NAS_IMAGE_COMPILATION_MODE:-opt}
export STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}  # Works in any container; overlay may not.
[ "$(id -u)" -eq 0 ] || { echo "build_images.sh: run as root (chroot, buildah mount)" >&2; exit 2; }
for tool in mmdebstrap buildah; do
  command -v "$tool" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends mmdebstrap buildah uidmap >/dev/null
done
SOURCES=$(ls /etc/apt/sources.list.d/debian.sources 2>/dev/null || echo /etc/apt/sources.list)
WORK=$(mktemp -d /tmp/nas-images.XXXXXX)
PG_DIR=""
cleanup() {
  [ -z "$PG_DIR" ] || bash "$ROOT/scripts/throwaway_pg.sh" stop "$PG_DIR"
  rm -rf "$WORK"
}
trap cleanup EXIT

bazel build -c "$MODE" --noshow_progress --ui_event_filters=-info //controller:nas_controller \
  //controller/cli:nasctl //worker:nas_worker //worker/export:nas_export
BIN=$(bazel info -c "$MODE" bazel-bin 2>/dev/null)

# The packages `apt-get install` names in a Dockerfile's last stage.
runtime_packages() {
  awk '/^FROM /{stage=""} {stage=stage $0 " "} END{print stage}' "$1" | tr -d '\\' |
    grep -o 'no-install-recommends[^&]*' | head -n 1 | cut -d' ' -f2- | xargs | tr ' ' ','
}

# build_image NAME DOCKERFILE ENTRYPOINT_JSON BINARY...
build_image() {
  local name=$1 dockerfile=$2 entrypoint=$3
  shift 3
  local packages
  packages=$(runtime_packages "$dockerfile")
  echo "build_images.sh: $name: bookworm with $packages" >&2
  mmdebstrap --quiet --variant=essential --include="$packages" bookworm "$WORK/$name.tar" "$SOURCES"
  local ctr
  ctr=$(buildah from scratch)
  buildah add --quiet "$ctr" "$WORK/$name.tar" / >/dev/null
  for binary in "$@"; do buildah copy --quiet --chmod 0755 "$ctr" "$BIN/$binary" /usr/local/bin/ >/dev/null; done
  buildah config --user 65534:65534 --entrypoint "$entrypoint" --cmd '' \
    --label org.opencontainers.image.source=deploy/docker/"$(basename "$dockerfile")" "$ctr"
  buildah commit --quiet "$ctr" "localhost/$name:$TAG" >/dev/null
  buildah rm "$ctr" >/dev/null
  echo "build_images.sh: built localhost/$name:$TAG" >&2
}

# run_in_image IMAGE COMMAND...: runs COMMAND in the image's root filesystem as user 65534.
run_in_image() {
  local image=$1 ctr mnt status=0
  shift
  ctr=$(buildah from --quiet "$image")
  mnt=$(buildah mount "$ctr")
  mkdir -p "$mnt/tmp" && chmod 1777 "$mnt/tmp"
  chroot --userspec=65534:65534 "$mnt" "$@" || status=$?
  buildah umount "$ctr" >/dev/null
  buildah rm "$ctr" >/dev/null
  return "$status"
}

build_image nas-controller deploy/docker/Dockerfile.controller '["/usr/local/bin/nas_controller"]' \
  controller/nas_controller controller/cli/nasctl
build_image nas-worker-cpu deploy/docker/Dockerfile.worker-cpu \
  '["/usr/local/bin/nas_worker", "--device=cpu"]' worker/nas_worker controller/cli/nasctl \
  worker/export/nas_export

# The controller from the image serves: it migrates a fresh database and binds its port.
PG_DIR=$(mktemp -d /tmp/nas-test-pg.XXXXXX)
DSN=$(bash scripts/throwaway_pg.sh start "$PG_DIR")
run_in_image "localhost/nas-controller:$TAG" /bin/sh -c "
  /usr/local/bin/nas_controller --database='$DSN' --listen=127.0.0.1:0 --port_file=/tmp/port \
    >/tmp/log 2>&1 & pid=\$!
  for i in \$(seq 300); do [ -s /tmp/port ] && break; sleep 0.1; done
  kill \$pid; wait \$pid
  [ -s /tmp/port ] || { cat /tmp/log; exit 1; }
  echo \"image localhost/nas-controller:$TAG served on port \$(cat /tmp/port)\""
# The worker from the image loads LibTorch and lists what it runs; the data is there.
run_in_image "localhost/nas-worker-cpu:$TAG" /bin/sh -c "
  /usr/local/bin/nas_worker --list_job_kinds >/tmp/kinds && grep -q train_candidate /tmp/kinds &&
  ls /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz >/dev/null &&
  echo \"image localhost/nas-worker-cpu:$TAG lists \$(wc -l </tmp/kinds) job kind lines\""
