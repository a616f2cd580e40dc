#!/usr/bin/env bash
# GPU check of the loss utilities on a machine with no network and no Node.js.
#
#   bash bench/losses-gpu.sh pack      # here (needs the npm registry and apt): builds .cache/gpu/pack (~40 MB)
#   bash bench/losses-gpu.sh run OUT   # on the GPU box, from the repo root with .cache/gpu/pack copied over
#
# "pack" bundles bench/losses-gpu.ts (backend report + float64 self-checks), the tfjs loss tests and
# bench/losses.ts with esbuild into single files (tfjs, the wasm and WebGPU backends included), and
# adds an xz-compressed Node binary, the `webgpu` package's Dawn build (npm `webgpu`, linux-x64
# only) and Debian's Vulkan loader. Nothing is installed into the project: @tensorflow/tfjs-backend-webgpu
# and webgpu are optional peers, installed into .cache/gpu only.
# "run" unpacks them under /tmp, points Vulkan at the NVIDIA ICD when it is where the image keeps
# it, and runs the checks, the tests on webgpu/wasm/cpu and the benchmark (about 3–6 minutes).
set -uo pipefail
cd "$(dirname "$0")/.."
mode="${1:-}"

if [ "$mode" = pack ]; then
  set -e
  G=.cache/gpu
  P=$G/pack
  mkdir -p "$P/gl" "$P/node_modules/webgpu"
  [ -f "$G/package.json" ] || echo '{"name":"gpu-scratch","private":true,"version":"0.0.0"}' >"$G/package.json"
  (cd "$G" && npm install --no-audit --no-fund --ignore-scripts @tensorflow/tfjs-backend-webgpu@4.22.0 webgpu@0.6.2)
  # one tfjs-core in the bundle: let the webgpu backend resolve the project's copy
  rm -rf "$G/node_modules/@tensorflow/tfjs-core" "$G/node_modules/@tensorflow/tfjs-backend-cpu"
  printf '%s\n' 'import "../../test/losses/logprobs.test.ts";' 'import "../../test/losses/losses.test.ts";' >"$G/tests-entry.ts"
  node --input-type=module -e '
    import * as esbuild from "esbuild";
    const banner = `import { createRequire as __cr } from "module"; import { fileURLToPath as __fu } from "url"; import { dirname as __dn } from "path"; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);`;
    for (const [entry, out] of [["bench/losses-gpu.ts", "gpu-check.mjs"], ["bench/losses.ts", "bench.mjs"], [".cache/gpu/tests-entry.ts", "tests.mjs"]]) {
      await esbuild.build({ entryPoints: [entry], outfile: ".cache/gpu/pack/" + out, bundle: true, platform: "node", format: "esm", target: "node20", minify: true,
        external: ["webgpu", "@tensorflow/tfjs-node", "@tensorflow/tfjs-node-gpu"], banner: { js: banner }, nodePaths: [".cache/gpu/node_modules"], mainFields: ["main", "module"], logLevel: "warning" });
    }'
  cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$P/"
  cp "$G/node_modules/webgpu/index.js" "$G/node_modules/webgpu/package.json" "$P/node_modules/webgpu/"
  [ -f "$P/dawn.node.xz" ] || xz -T0 -6 -c "$G/node_modules/webgpu/dist/linux-x64/dawn.node" >"$P/dawn.node.xz"
  [ -f "$P/node.xz" ] || xz -T0 -6 -c "$(command -v node)" >"$P/node.xz"
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  mkdir -p /tmp/amd64/partial && apt-get $o update -qq && (cd "$P/gl" && apt-get $o download libvulkan1 libglvnd0 libglx0 libegl1 libgl1 libopengl0 libgles2 libx11-6 libxext6 libxcb1 libxau6 libxdmcp6 libbsd0 libmd0)
  du -sh "$P"
  exit 0
fi

if [ "$mode" != run ]; then
  echo "usage: bash bench/losses-gpu.sh pack | run OUTDIR" >&2
  exit 2
fi

OUT="${2:-/tmp/losses-gpu-out}"
mkdir -p "$OUT"
W=/tmp/mathagent-gpu
rm -rf "$W" && mkdir -p "$W" && cp -r .cache/gpu/pack/. "$W/"
xz -dc "$W/node.xz" >"$W/node" && chmod +x "$W/node"
mkdir -p "$W/node_modules/webgpu/dist/linux-x64" && xz -dc "$W/dawn.node.xz" >"$W/node_modules/webgpu/dist/linux-x64/dawn.node"
# Vulkan loader + GL vendor-neutral dispatch (libGLX_nvidia.so.0, which the NVIDIA ICD names, needs libglvnd)
for f in "$W"/gl/*.deb; do dpkg -x "$f" /; done
ldconfig
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"; break; fi
done
export XDG_RUNTIME_DIR="$(mktemp -d)"
{
  echo "== machine"; nvidia-smi -L 2>&1; uname -r; echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}"
  ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2>&1
  "$W/node" --version
  echo "== backend report and float64 self-checks"
  timeout 150 "$W/node" "$W/gpu-check.mjs"; echo "gpu-check exit $?"
  echo "== loss tests on webgpu, wasm and cpu"
  MATHAGENT_TEST_BACKENDS=webgpu,wasm,cpu timeout 120 "$W/node" --test --test-reporter=dot --test-reporter-destination=stdout --test-reporter=spec --test-reporter-destination="$OUT/tests-spec.log" "$W/tests.mjs"; echo "tests exit $?"
  echo "== benchmark"
  timeout 180 "$W/node" "$W/bench.mjs" --backends webgpu,wasm --reps 3 --json "$OUT/bench.json"; echo "bench exit $?"
} 2>&1 | tee "$OUT/losses-gpu.log"
