import { defineCommand } from "../command.js";
import { MathagentError } from "../../errors.js";
import { requireDirectory } from "../../io/errors.js";
import { TinyModel } from "../../tiny/model.js";
import { serveTiny } from "../../tiny/serve.js";

function loadModel(dir: string): TinyModel {
  requireDirectory(dir);
  try {
    return TinyModel.load(dir);
  } catch (e) {
    const msg = (e as Error).message;
    throw new MathagentError(msg.includes(dir) ? msg : `${dir}: not a loadable tiny policy (${msg})`);
  }
}

export const command = defineCommand({
  name: "serve",
  summary: "serve the tiny policy as an OpenAI-compatible completions endpoint on 127.0.0.1",
  description: `Serve a built-in tiny policy as an OpenAI-compatible completions endpoint on 127.0.0.1 (GET /v1/models, POST /v1/completions), so \`mathagent rollout --server http://127.0.0.1:PORT\` drives it over HTTP exactly as it drives vLLM. Stops on Ctrl-C.`,
  options: {
    model: { type: "string", metavar: "DIR", default: "data/tiny/sft", help: "a saved tiny policy" },
    port: { type: "int", min: 0, max: 65535, default: 8000, help: "port (0 picks a free one)" },
    name: { type: "string", metavar: "NAME", default: "tiny", help: "model name reported by /v1/models" },
  },
  async run({ values, io }) {
    const model = loadModel(values.model);
    let server;
    try {
      server = await serveTiny(model, { port: values.port, modelName: values.name, log: (l) => io.stderr.write(l + "\n") });
    } catch (e) {
      throw new MathagentError(`cannot listen on 127.0.0.1:${values.port}: ${(e as Error).message}`);
    }
    io.stdout.write(`serving ${values.model} at ${server.url}/v1 (model "${values.name}"); Ctrl-C stops\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await server.close();
    return 0;
  },
});
