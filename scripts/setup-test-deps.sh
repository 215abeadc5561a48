#!/usr/bin/env bash
# Installs what the browser and end-to-end tests need besides npm packages: Debian's Chromium
# and a real VS Code (code-server, via ../shared/tools/install-code-server.sh when present).
# Idempotent: seconds when everything is already there. Runs before `npm test` (pretest).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup-test-deps: installing Debian's chromium (browser tests)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
  else
    echo "setup-test-deps: chromium is missing; install Debian's 'chromium' package (browser and e2e tests need /usr/bin/chromium)" >&2
    [ "${CI:-}" = "true" ] && exit 1
  fi
fi

# Mesa's EGL and llvmpipe: the tfjs-webgpu test (test/unit/train-webgpu.test.ts) runs Dawn's
# OpenGL backend on them, with no display and no GPU (it skips, saying why, without them).
if ! ls /usr/lib/*/libEGL_mesa.so.0 /usr/lib/*/dri/swrast_dri.so >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup-test-deps: installing Mesa's EGL and llvmpipe (tfjs-webgpu test)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq libegl-mesa0 libgl1-mesa-dri >/dev/null
  else
    echo "setup-test-deps: Mesa's EGL is missing (Debian: libegl-mesa0 libgl1-mesa-dri); the tfjs-webgpu test will be skipped" >&2
  fi
fi

installer=../shared/tools/install-code-server.sh
if [ -f "$installer" ]; then
  bash "$installer" "${DAGR_CODE_SERVER_DIR:-$HOME/.cache/code-server-e2e}" >&2
elif [ "${CI:-}" = "true" ]; then
  echo "setup-test-deps: $installer not found; the end-to-end test needs it" >&2
  exit 1
else
  echo "setup-test-deps: $installer not found; the end-to-end test will be skipped" >&2
fi
