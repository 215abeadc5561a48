#!/usr/bin/env bash
# Packs what bench/gpu-check.sh needs on a GPU machine that has no Node.js and no npm registry (the
# project library's `device` machines): the release itself (the linux-x64 VSIX's extension folder:
# the bundled CLI and its node_modules, natives included), the benchmark helpers bundled beside it,
# and this machine's node binary, into one .gpu/runtime.tar.xz (about 40 MB; .git/info/exclude
# ignores .gpu/). gpu-check.sh unpacks it when the checkout has no node_modules or GPU_PACK=1.
# So the GPU check runs the shipped package, not the development tree.
# Usage: bash bench/gpu-pack.sh        (builds build/dagr-lens-linux-x64.vsix first)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ "$(uname -m)" = x86_64 ] || { echo "gpu-pack: the pack holds this machine's node binary; build it on x86-64 Linux" >&2; exit 1; }
npm run --silent package -- --target linux-x64 >/dev/null
STAGE="$(mktemp -d -t dagr-gpu-pack-XXXXXX)"
trap 'rm -rf "$STAGE"' EXIT
(cd "$STAGE" && unzip -q "$ROOT/build/dagr-lens-linux-x64.vsix" 'extension/*')
mv "$STAGE/extension" "$STAGE/app"
# the CLI is not in the VSIX (.vscodeignore); it is the same build's bundle, loading the same node_modules
cp dist/cli.js "$STAGE/app/dist/cli.js"
# the benchmark helpers, bundled so they need only the package's node_modules
EXTERNAL=(--external:onnxruntime-node --external:'@tensorflow/*' --external:webgpu)
for entry in inspect-data report-diff train-webgpu stages; do
  npx esbuild "bench/$entry.ts" --bundle --platform=node --format=cjs --target=es2022 --log-level=warning \
    "${EXTERNAL[@]}" --outfile="$STAGE/app/bench/$entry.js"
done
cp bench/reference_metrics.py bench/reference_metrics_torch.py "$STAGE/app/bench/"
mkdir -p "$STAGE/bin" && cp "$(readlink -f "$(command -v node)")" "$STAGE/bin/node"
mkdir -p .gpu
tar -C "$STAGE" -cf - app bin | xz -T0 -6 > .gpu/runtime.tar.xz.part
mv .gpu/runtime.tar.xz.part .gpu/runtime.tar.xz
echo "wrote .gpu/runtime.tar.xz ($(du -h .gpu/runtime.tar.xz | cut -f1)): node $(node -v), $(git rev-parse --short HEAD)"
