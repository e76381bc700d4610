#!/usr/bin/env bash
# Installs every Debian package the project needs to build, test and run.
# Idempotent: packages already present are skipped by apt-get. Runs as root
# (or through sudo when available).
set -euo pipefail

PACKAGES=(
  bazel-bootstrap bazel-rules-java bazel-rules-proto
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev
  libpqxx-dev libpq-dev postgresql
  # The controller's HTTP endpoint (JSON API and dashboard).
  libcpp-httplib-dev
  libssl-dev
  libtorch-dev
  # PNG and JPEG decoding for image-folder datasets.
  libpng-dev libjpeg-dev
  libgtest-dev libgmock-dev
  prometheus-cpp-dev prometheus
  clang-14 libclang-rt-14-dev openssl
  # The GPU check's CMake build, tried here with bench/gpu/run_on_device.sh --cpu-dry-run.
  cmake ninja-build
  dataset-fashion-mnist
  python3
  # Peers the benchmarks compare against, and the TorchScript export check.
  python3-torch python3-optuna python3-psycopg2
  # The Python client (python/, docs/python.md): its stubs, pandas frames, progress bars, plots,
  # tests and install into a virtual environment.
  python3-grpcio python3-grpc-tools python3-protobuf python3-pandas python3-tqdm python3-matplotlib
  python3-pytest python3-setuptools python3-pip python3-venv
  # The dashboard's real-browser test (tests/dashboard/), driven by puppeteer-core.
  chromium
)

# npm packages for the Kubernetes manifest test (the Kubernetes, KEDA and
# Prometheus Operator schemas) and the dashboard's browser test, kept outside
# the repository.
NODE_MODULES_DIR=${NAS_NODE_MODULES:-$HOME/.cache/nas-npm/node_modules}
install_npm_packages() {
  [ -d "$NODE_MODULES_DIR/kubernetes-models" ] && [ -d "$NODE_MODULES_DIR/js-yaml" ] &&
    [ -d "$NODE_MODULES_DIR/puppeteer-core" ] && [ -d "$NODE_MODULES_DIR/@kubernetes-models/keda" ] &&
    [ -d "$NODE_MODULES_DIR/@kubernetes-models/prometheus-operator" ] && return 0
  mkdir -p "$(dirname "$NODE_MODULES_DIR")"
  (cd "$(dirname "$NODE_MODULES_DIR")" &&
    npm install --no-audit --no-fund --silent kubernetes-models@5.1.0 js-yaml@4.1.0 \
      puppeteer-core@24.43.1 @kubernetes-models/keda@2.0.0 \
      @kubernetes-models/prometheus-operator@6.0.0 >/dev/null)
}

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from elsewhere than Debian (then Debian's npm conflicts).
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
# The Kubernetes manifest test renders deploy/k8s with kubectl's built-in
# kustomize. kubectl is not in Debian's main archive (it may come from another
# apt source), so its absence is no reason to fail everything else: it is
# installed on its own below, best effort, and only that test needs it.
need_kubectl=false
command -v kubectl >/dev/null || need_kubectl=true
install_kubectl() {
  $need_kubectl || return 0
  $SUDO apt-get install -y -qq --no-install-recommends kubectl >/dev/null 2>&1 ||
    echo "install_deps.sh: no kubectl package here; //tests/deploy:manifests_test needs one" >&2
}
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if [ ${#missing[@]} -eq 0 ] && ! $need_kubectl; then
  install_npm_packages
  exit 0
fi

echo "installing: ${missing[*]}$($need_kubectl && echo " kubectl")" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
install_kubectl
install_npm_packages
