#!/usr/bin/env bash
# GPU check of the diagnostics engine and the trainer (DESIGN.md section 4, issue 11), one
# prepared script for a Linux x64 machine with an NVIDIA GPU, all inside about 8 minutes:
#   1. what the machine offers: nvidia-smi, vulkaninfo --summary, the Vulkan loader, and what
#      onnxruntime sees (`dagr engine` with --device auto, webgpu and cuda)
#   2. `dagr inspect` of seeded pairs at N = 8192 and N = 65536, d = 768 (all rows in the
#      O(N^2) metrics) on --device cpu, webgpu and cuda where each is usable: wall seconds, and
#      the largest relative difference of each GPU report from the CPU's
#   3. DAGR training steps on tfjs-wasm against tfjs-webgpu (bench/train-webgpu.ts)
# Run from anywhere:  bash bench/gpu-check.sh   Env: SIZES ("8192 65536"), D (768), BUDGET
# (seconds per inspect, default 120; a run over it is reported as such, not waited for), DEVICES
# ("cpu webgpu cuda"), TILES (GPU kernel values per tile to compare, e.g. "16777216 67108864";
# default: the engine's), REFS ("numpy torch"; empty for none), TRAIN_BUDGET (150; 0 skips training), STAGES (N to break
# down stage by stage per device, bench/stages.ts; default none).
#
# Vulkan: NVIDIA containers often lack the Vulkan loader (libvulkan.so.1) or the ICD file. Debian
# packages unpacked into .gl/*.deb (see the device notes in the project library) are unpacked
# first; VK_DRIVER_FILES is pointed at the NVIDIA ICD where the container keeps it elsewhere.
# CUDA: onnxruntime-node's CUDA provider is a separate download (onnxruntime-node-install=cuda12);
# where node_modules lacks it and the npm registry is reachable it is installed into a temp
# prefix (this checkout is not touched); with no network the cuda runs are skipped, saying so.
set -uo pipefail
[ -n "${EPOCHREALTIME:-}" ] || { echo 'gpu-check: needs bash 5 (EPOCHREALTIME)' >&2; exit 1; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SIZES="${SIZES:-8192 65536}"
D="${D:-768}"
BUDGET="${BUDGET:-120}"
DEVICES="${DEVICES:-cpu webgpu cuda}"
TILES="${TILES:-}"
REFS="${REFS-numpy torch}"
T0="$EPOCHREALTIME"
elapsed() { awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }'; }
section() { echo; echo "== $* (t = $(elapsed) s)"; }

section "machine"
uname -srm
nproc
(nvidia-smi --query-gpu=name,driver_version,memory.total,utilization.gpu --format=csv 2>&1 || echo 'nvidia-smi: not available') | head -5

# the Vulkan loader and ICD (WebGPU reaches the GPU through Vulkan on Linux)
# (only on a GPU machine: unpacking into / is for the lent, throw-away machines the notes describe)
if ls .gl/*.deb >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1 && ! ldconfig -p | grep -q 'libvulkan.so.1'; then
  echo "unpacking .gl/*.deb (Vulkan/EGL loaders)"
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ] && [ -z "${VK_DRIVER_FILES:-}" ]; then export VK_DRIVER_FILES="$icd"; fi
done
[ -f /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ] && export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
echo "Vulkan loader: $(ldconfig -p | grep -m1 -o 'libvulkan.so.1 .*' || echo 'none (libvulkan.so.1 not found)')"
echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}"
if command -v vulkaninfo >/dev/null 2>&1; then timeout 20 vulkaninfo --summary 2>&1 | sed -n '/Devices:/,$p' | head -30; else echo 'vulkaninfo: not installed'; fi

# The runtime: this checkout's node_modules and tsx, or, on a machine with neither (no Node.js, no
# registry), the pack bench/gpu-pack.sh wrote: the linux-x64 release package, its CLI bundle, the
# bundled benchmark helpers and a node binary. GPU_PACK=1 takes the pack even beside node_modules.
if [ -n "${GPU_PACK:-}" ] || [ ! -d "$ROOT/node_modules/onnxruntime-node" ]; then
  PACK="$ROOT/.gpu/runtime.tar.xz"
  [ -f "$PACK" ] || { echo "gpu-check: no node_modules here and no $PACK (run bash bench/gpu-pack.sh first)" >&2; exit 1; }
  RT="$(mktemp -d -t dagr-gpu-rt-XXXXXX)"
  python3 -c "import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" "$PACK" "$RT" || { echo "gpu-check: could not unpack $PACK" >&2; exit 1; }
  NODE="$RT/bin/node"
  APP="$RT/app"
  DAGR=("$NODE" "$APP/dist/cli.js")
  bench_js() { local name="$1"; shift; "$NODE" "$APP/bench/$name.js" "$@"; }
  write_pair() { "$NODE" -e "require('$APP/bench/inspect-data.js').writePair('$1', '$2', $3, $4, 8192)"; }
  echo "runtime: the release pack ($("$NODE" -v), $APP)"
else
  NODE=node
  APP="$ROOT"
  DAGR=(node --import tsx "$ROOT/src/cli/main.ts")
  bench_js() { local name="$1"; shift; (cd "$ROOT" && node --import tsx "bench/$name.ts" "$@"); }
  write_pair() { (cd "$ROOT" && node --import tsx -e "require('./bench/inspect-data').writePair('$1', '$2', $3, $4, 8192)"); }
  echo "runtime: this checkout ($(node -v))"
fi
dagr() { "${DAGR[@]}" "$@"; }

section "onnxruntime: providers and devices"
"$NODE" -p "JSON.stringify(require('$APP/node_modules/onnxruntime-node').listSupportedBackends())"
for dev in auto webgpu cuda; do
  printf '%-7s ' "$dev"; dagr engine --device "$dev" --json 2>&1 | tr -d '\n'; echo
done

# CUDA provider: from node_modules, else a temp prefix when the registry answers
ORT_VERSION="$("$NODE" -p "require('$APP/node_modules/onnxruntime-node/package.json').version")"
CUDAGR=("${DAGR[@]}")
if ! ls "$APP"/node_modules/onnxruntime-node/bin/napi-v*/linux/x64/libonnxruntime_providers_cuda.so >/dev/null 2>&1; then
  if ! nvidia-smi >/dev/null 2>&1; then
    echo "no NVIDIA driver (nvidia-smi): cuda runs skipped"
  elif [ "$APP" != "$ROOT" ]; then
    echo "the release pack has no CUDA provider (a separate download) and this machine no registry: cuda runs show why"
  elif timeout 10 npm ping >/dev/null 2>&1; then
    TMP="$(mktemp -d -t dagr-gpu-XXXXXX)"
    trap 'rm -rf "$TMP"' EXIT
    echo "installing onnxruntime-node $ORT_VERSION with its CUDA provider into $TMP"
    mkdir -p "$TMP/ort" && (cd "$TMP/ort" && echo '{"private":true}' > package.json &&
      ONNXRUNTIME_NODE_INSTALL=cuda12 timeout 90 npm install --no-audit --no-fund --onnxruntime-node-install=cuda12 "onnxruntime-node@$ORT_VERSION" >/dev/null 2>&1)
    if ls "$TMP"/ort/node_modules/onnxruntime-node/bin/napi-v*/linux/x64/libonnxruntime_providers_cuda.so >/dev/null 2>&1; then
      mkdir -p "$TMP/repo/node_modules"
      cp -a src bin bench package.json tsconfig.json "$TMP/repo/"
      for dep in node_modules/* node_modules/.bin; do
        [ "$(basename "$dep")" = onnxruntime-node ] || ln -s "$ROOT/$dep" "$TMP/repo/node_modules/"
      done
      ln -s "$TMP/ort/node_modules/onnxruntime-node" "$TMP/repo/node_modules/onnxruntime-node"
      CUDAGR=(node --import tsx "$TMP/repo/src/cli/main.ts")
    else
      echo "the cuda12 install did not leave the CUDA provider: cuda runs skipped"
    fi
  else
    echo "no CUDA provider in node_modules and no npm registry: cuda runs skipped"
  fi
fi
OUT="${OUT:-$(mktemp -d -t dagr-gpu-out-XXXXXX)}"
TABLE="$OUT/table.md"
DATA_ROOT="${DATA_ROOT:-$ROOT/bench/out}"
echo "| N | d | run | seconds | where | largest relative difference vs the engine on cpu |" > "$TABLE"
echo "|---|---|---|---|---|---|" >> "$TABLE"
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
for N in $SIZES; do
  DATA="$DATA_ROOT/pair-n$N-d$D"
  section "data N=$N d=$D: $DATA"
  write_pair "$DATA/audio.npy" "$DATA/visual.npy" "$N" "$D"
  for dev in $DEVICES; do
    # the CPU keeps its tile; a GPU run per GPU tile size asked for (TILES, kernel values per tile)
    tiles="default"; [ "$dev" != cpu ] && [ -n "$TILES" ] && tiles="$TILES"
    for tile in $tiles; do
      cmd=("${DAGR[@]}"); [ "$dev" = cuda ] && cmd=("${CUDAGR[@]}")
      name="$N-$dev"; label="dagr inspect --device $dev"
      if [ "$tile" != default ]; then name="$name-tile$tile"; label="$label, tiles of $tile"; fi
      t="$EPOCHREALTIME"
      DAGR_GPU_TILE_ELEMENTS="$([ "$tile" = default ] || echo "$tile")" timeout "$BUDGET" "${cmd[@]}" inspect "$DATA" --max-pairwise-rows 0 --device "$dev" --json > "$OUT/$name.json" 2> "$OUT/$name.err"
      rc=$?
      secs="$(since "$t")"
      if [ $rc -eq 0 ]; then
        where="$("$NODE" -p "require('$OUT/$name.json').engine.device")"
        diff='-'
        if [ "$dev" != cpu ] && [ -s "$OUT/$N-cpu.json" ]; then diff="$(bench_js report-diff "$OUT/$name.json" "$OUT/$N-cpu.json" 2>&1 | tail -1)"; fi
        echo "| $N | $D | $label | $secs | $where | $diff |" | tee -a "$TABLE"
      elif [ $rc -eq 124 ]; then
        echo "| $N | $D | $label | > $BUDGET (stopped) | | |" | tee -a "$TABLE"
      else
        echo "| $N | $D | $label | - | not usable: $(head -c 300 "$OUT/$name.err" | tr '\n|' '  ') | |" | tee -a "$TABLE"
      fi
    done
  done
  # the same metrics in numpy (CPU, all threads) and PyTorch (CUDA) where python3 has them: the references
  for ref in $REFS; do
    script="$APP/bench/reference_metrics.py"; [ "$ref" = torch ] && script="$APP/bench/reference_metrics_torch.py"
    python3 -c "import $ref" 2>/dev/null || { echo "| $N | $D | $ref reference | - | python3 has no $ref | |" | tee -a "$TABLE"; continue; }
    t="$EPOCHREALTIME"
    timeout "$BUDGET" python3 "$script" "$DATA/audio.npy" "$DATA/visual.npy" > "$OUT/$N-$ref.json" 2> "$OUT/$N-$ref.err"
    rc=$?
    secs="$(since "$t")"
    if [ $rc -eq 0 ]; then
      detail="$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); s=r['seconds']; print(f\"compute {s['compute']:.2f} s, load {s['load']:.2f} s, {r.get('device', 'cpu')}\")" "$OUT/$N-$ref.json")"
      echo "| $N | $D | $ref reference (process) | $secs | $detail | |" | tee -a "$TABLE"
    elif [ $rc -eq 124 ]; then
      echo "| $N | $D | $ref reference | > $BUDGET (stopped) | | |" | tee -a "$TABLE"
    else
      echo "| $N | $D | $ref reference | - | failed: $(tail -c 300 "$OUT/$N-$ref.err" | tr '\n|' '  ') | |" | tee -a "$TABLE"
    fi
  done
done

# where the time goes, stage by stage, per device (STAGES: the N to break down, at d = D)
for N in ${STAGES:-}; do
  for dev in $DEVICES; do
    section "stages N=$N d=$D device $dev"
    (cd "$ROOT" && timeout "$BUDGET" bash -c "$(declare -f bench_js); NODE='$NODE' APP='$APP' ROOT='$ROOT' bench_js stages --n '$N' --d '$D' --device '$dev'") 2>&1 | grep -v 'artificially reduced' || echo "stages: stopped or failed (rc $?)"
  done
done

section "training steps: tfjs-wasm vs tfjs-webgpu"
[ "${TRAIN_BUDGET:-150}" = 0 ] && echo "skipped (TRAIN_BUDGET=0)" ||
timeout "${TRAIN_BUDGET:-150}" bash -c "$(declare -f bench_js); NODE='$NODE' APP='$APP' ROOT='$ROOT' bench_js train-webgpu --seconds 3 --d '$D' --k 256 --batches 256,1024" 2>&1 | grep -v 'artificially reduced' || echo "train-webgpu: stopped or failed (rc $?)"

section "inspect table"
cat "$TABLE"
echo "(reports and stderr in $OUT; total $(elapsed) s)"
