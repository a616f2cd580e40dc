import { defineCommand, UsageError } from "../command.js";
import { OPTION_ERRORS } from "../options.js";



export const command = defineCommand({
  name: "backend",
  summary: "show which TensorFlow.js backend the losses use, and why the others were not chosen",
  description: `Select the TensorFlow.js backend the loss utilities use and print which one was chosen and why the others were not. Order: tensorflow-gpu (@tensorflow/tfjs-node-gpu) → tensorflow (@tensorflow/tfjs-node) → webgpu (npm \`webgpu\` + @tensorflow/tfjs-backend-webgpu over a hardware adapter) → wasm → cpu. The first two and webgpu are optional: used only when installed.`,
  options: {
    all: { type: "boolean", help: "probe every candidate, not only up to the first that works" },
    only: { type: "string", metavar: "LIST", help: "comma list of candidates to try (e.g. webgpu,wasm); also $MATHAGENT_BACKEND" },
    "allow-software-gpu": { type: "boolean", help: "accept a software WebGPU adapter (lavapipe); also $MATHAGENT_ALLOW_SOFTWARE_GPU=1" },
    check: { type: "boolean", help: "run a numerical self-check on the chosen backend (log-probs, gradient and an M-DPO loss against float64); exit 1 if it fails" },
    "check-shape": { type: "ints", length: 3, min: 1, metavar: "B,T,V", default: [2, 64, 32000], help: "shape of the self-check (B even)" },
    json: { type: "boolean", help: "print JSON" },
  },
  async run({ values, io }) {
    const { selectBackend, parseBackendList, tf } = await import("../../losses/backend.js");
    let candidates;
    try {
      candidates = values.only ? parseBackendList(values.only) : undefined;
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const shape = values["check-shape"] as [number, number, number];
    if (shape[0] % 2) throw new UsageError(OPTION_ERRORS.bad("--check-shape", "B,T,V with B even", shape.join(",")));
    const report = await selectBackend({
      ...(candidates ? { candidates } : {}),
      stopAtFirst: !values.all,
      ...(values["allow-software-gpu"] ? { allowSoftwareGpu: true } : {}),
    });
    let check: Awaited<ReturnType<typeof import("../../losses/selfcheck.js").selfCheck>> | undefined;
    if (values.check) {
      const { selfCheck } = await import("../../losses/selfcheck.js");
      check = await selfCheck({ B: shape[0], T: shape[1], V: shape[2] });
    }
    if (values.json) {
      io.stdout.write(JSON.stringify({ ...report, tfjsVersion: tf.version.tfjs, ...(check ? { check } : {}) }, null, 2) + "\n");
    } else {
      io.stdout.write(`chosen: ${report.chosen} (tfjs ${tf.version.tfjs}, tf.getBackend() = "${report.tfName}")\n`);
      for (const a of report.attempts) io.stdout.write(`  ${a.ok ? "✓" : "✗"} ${a.name.padEnd(14)} ${a.reason}\n`);
      if (report.gpuAdapter) io.stdout.write(`  WebGPU adapter: ${JSON.stringify(report.gpuAdapter)}\n`);
      if (check) {
        const e = (x: number) => x.toExponential(1);
        io.stdout.write(
          `self-check on ${check.backend} [${check.shape.join(",")}]: ${check.ok ? "ok" : "FAILED"} — ` +
            `log-prob rel err ${e(check.logpRelErr)}, DPO loss rel err ${e(check.lossRelErr)}, gradient rel-L2 ${e(check.gradRelL2)}, ` +
            `max |grad| on masked tokens ${check.maskedGradMax}, ${check.ms.toFixed(0)} ms\n`,
        );
      }
    }
    return check && !check.ok ? 1 : 0;
  },
});
