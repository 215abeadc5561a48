#!/usr/bin/env bash
# GPU check of the diagnostics engine (DESIGN.md section 4), for a maintainer on a Linux x64
# machine with an NVIDIA GPU and CUDA 12. Run from anywhere:  bash bench/gpu-check.sh
#   1. finds onnxruntime's CUDA provider; where the repo's onnxruntime-node is the CPU build (the
#      project's .npmrc says onnxruntime-node-install=skip), installs the same version with
#      ONNXRUNTIME_NODE_INSTALL=cuda12 into a temp copy of the repo, leaving this checkout alone
#   2. `dagr engine --device cuda --json` (exits 2 with the reason if CUDA cannot be used)
#   3. `dagr inspect` of the N = 8192, d = 768 benchmark pair (all rows in the O(N^2) metrics)
#      with --device cuda and --device cpu: both wall times and the largest relative difference
# Needs network access for step 1 only. Env: N, D (sizes), KEEP=1 keeps the temp copy.
set -euo pipefail
[ -n "${EPOCHREALTIME:-}" ] || { echo 'gpu-check: needs bash 5 (EPOCHREALTIME)' >&2; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${N:-8192}"
D="${D:-768}"
cd "$ROOT"

ORT_VERSION="$(node -p "require('onnxruntime-node/package.json').version")"
has_cuda() { # $1: a folder holding node_modules/onnxruntime-node
  ls "$1"/node_modules/onnxruntime-node/bin/napi-v*/linux/x64/libonnxruntime_providers_cuda.so >/dev/null 2>&1
}

RUN_ROOT="$ROOT"
if ! has_cuda "$ROOT"; then
  TMP="$(mktemp -d -t dagr-gpu-XXXXXX)"
  [ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$TMP"' EXIT
  echo "== onnxruntime-node $ORT_VERSION here is the CPU build; installing its CUDA provider into $TMP"
  # A separate prefix, outside the project (whose .npmrc skips the CUDA download).
  mkdir -p "$TMP/ort"
  (cd "$TMP/ort" && echo '{"private":true}' > package.json &&
    ONNXRUNTIME_NODE_INSTALL=cuda12 npm install --no-audit --no-fund --onnxruntime-node-install=cuda12 "onnxruntime-node@$ORT_VERSION")
  has_cuda "$TMP/ort" || { echo "gpu-check: the cuda12 install did not leave libonnxruntime_providers_cuda.so" >&2; exit 1; }
  # The temp copy: the sources, and every dependency linked from here except onnxruntime-node.
  mkdir -p "$TMP/repo/node_modules"
  cp -a src bin bench package.json tsconfig.json "$TMP/repo/"
  for dep in node_modules/* node_modules/.bin; do
    [ "$(basename "$dep")" = onnxruntime-node ] || ln -s "$ROOT/$dep" "$TMP/repo/node_modules/"
  done
  ln -s "$TMP/ort/node_modules/onnxruntime-node" "$TMP/repo/node_modules/onnxruntime-node"
  RUN_ROOT="$TMP/repo"
fi
cd "$RUN_ROOT"
dagr() { node --import tsx src/cli/main.ts "$@"; }

echo "== dagr engine --device cuda --json"
dagr engine --device cuda --json

DATA="$ROOT/bench/out/pair-n$N-d$D"
echo "== benchmark data: $DATA (written once, seeded)"
node --import tsx -e "require('./bench/inspect-data').writePair('$DATA/audio.npy', '$DATA/visual.npy', $N, $D, 8192)"  # the seed bench/inspect-vs-numpy.ts uses, so the cached files match

OUT="$(mktemp -d -t dagr-gpu-out-XXXXXX)"
seconds() { # runs dagr inspect on device $1, the report in $OUT/$1.json; prints the wall seconds
  local t0="$EPOCHREALTIME"
  dagr inspect "$DATA" --max-pairwise-rows 0 --device "$1" --json > "$OUT/$1.json"
  awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }'
}
echo "== dagr inspect N=$N d=$D, all rows: --device cuda, then --device cpu"
T_CUDA="$(seconds cuda)"
T_CPU="$(seconds cpu)"
printf 'cuda: %.2f s  (%s)\n' "$T_CUDA" "$(node -p "require('$OUT/cuda.json').engine.device")"
printf 'cpu:  %.2f s  (%s threads)\n' "$T_CPU" "$(node -p "require('$OUT/cpu.json').engine.threads")"
echo "== largest relative difference, cuda vs cpu (reports in $OUT)"
node --import tsx bench/report-diff.ts "$OUT/cuda.json" "$OUT/cpu.json"
