import { type Command, parseCommandArgs, UsageError } from "../command.js";
import { TinyModel } from "../../tiny/model.js";
import { serveTiny } from "../../tiny/serve.js";

const usage = `usage: mathagent serve [--model DIR] [--port N] [--name NAME]

Serve a built-in tiny policy as an OpenAI-compatible completions endpoint on 127.0.0.1
(GET /v1/models, POST /v1/completions), so \`mathagent rollout --server http://127.0.0.1:PORT\`
drives it over HTTP exactly as it drives vLLM. Stops on Ctrl-C.

options:
  --model DIR   a saved tiny policy (default data/tiny/sft)
  --port N      port (default 8000; 0 picks a free one)
  --name NAME   model name reported by /v1/models (default tiny)`;

export const command: Command = {
  name: "serve",
  summary: "serve the tiny policy as an OpenAI-compatible completions endpoint on 127.0.0.1",
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { model: { type: "string" }, port: { type: "string" }, name: { type: "string" } });
    const port = values.port === undefined ? 8000 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer in [0, 65535], got "${values.port}"`);
    let model: TinyModel;
    try {
      model = TinyModel.load(values.model ?? "data/tiny/sft");
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    let server;
    try {
      server = await serveTiny(model, { port, modelName: values.name ?? "tiny", log: (l) => io.stderr.write(l + "\n") });
    } catch (e) {
      io.stderr.write(`cannot listen on 127.0.0.1:${port}: ${(e as Error).message}\n`);
      return 1;
    }
    io.stdout.write(`serving ${values.model ?? "data/tiny/sft"} at ${server.url}/v1 (model "${values.name ?? "tiny"}"); Ctrl-C stops\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await server.close();
    return 0;
  },
};
