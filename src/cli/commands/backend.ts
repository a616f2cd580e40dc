import { type Command, parseCommandArgs, UsageError } from "../command.js";

const usage = `usage: mathagent backend [options]

Select the TensorFlow.js backend the loss utilities use and print which one was chosen and why
the others were not. Order: tensorflow-gpu (@tensorflow/tfjs-node-gpu) → tensorflow
(@tensorflow/tfjs-node) → webgpu (npm \`webgpu\` + @tensorflow/tfjs-backend-webgpu over a hardware
adapter) → wasm → cpu. The first two and webgpu are optional: used only when installed.

options:
  --all                  probe every candidate, not only up to the first that works
  --only LIST            comma list of candidates to try (e.g. webgpu,wasm); also $MATHAGENT_BACKEND
  --allow-software-gpu   accept a software WebGPU adapter (lavapipe); also $MATHAGENT_ALLOW_SOFTWARE_GPU=1
  --check                run a numerical self-check on the chosen backend (log-probs, gradient and an
                         M-DPO loss against float64); exit 1 if it fails
  --check-shape B,T,V    shape of the self-check (default 2,64,32000)
  --json                 print JSON`;

export const command: Command = {
  name: "backend",
  summary: "show which TensorFlow.js backend the losses use, and why the others were not chosen",
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      all: { type: "boolean", default: false },
      only: { type: "string" },
      "allow-software-gpu": { type: "boolean", default: false },
      check: { type: "boolean", default: false },
      "check-shape": { type: "string" },
      json: { type: "boolean", default: false },
    });
    const { selectBackend, parseBackendList, tf } = await import("../../losses/backend.js");
    let candidates;
    try {
      candidates = values.only ? parseBackendList(values.only) : undefined;
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    let shape: [number, number, number] = [2, 64, 32000];
    if (values["check-shape"]) {
      const s = values["check-shape"].split(",").map(Number);
      if (s.length !== 3 || !s.every((x) => Number.isInteger(x) && x > 0) || s[0]! % 2) throw new UsageError(`--check-shape must be B,T,V positive integers with B even, got "${values["check-shape"]}"`);
      shape = s as [number, number, number];
    }
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
};
