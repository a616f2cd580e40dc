import { type Command, parseCommandArgs, UsageError } from "../command.js";
import { dataDir, fetchDatasets, verifyDatasets } from "../../data/index.js";

const usage = `usage: mathagent data <fetch|verify|path> [--dir DIR] [--mirror URL]

  fetch    download every dataset file that is missing or fails its SHA-256 (data/manifest.json)
  verify   check every dataset file against its SHA-256; exit 1 if any is missing or corrupted
  path     print the data directory

options:
  --dir DIR      data directory (default: $MATHAGENT_DATA_DIR, else data/datasets)
  --mirror URL   download from URL/<path> instead of each file's public home`;

export const command: Command = {
  name: "data",
  summary: "download and verify the GSM8K / MATH / MATH-500 files",
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { dir: { type: "string" }, mirror: { type: "string" } }, true);
    const dir = values.dir ?? dataDir();
    const [action] = positionals;
    if (action === "path") {
      io.stdout.write(dir + "\n");
      return 0;
    }
    if (action === "verify") {
      let bad = 0;
      for (const s of verifyDatasets(dir)) {
        if (s.state !== "ok") bad++;
        const detail = s.state === "corrupted" ? ` (sha256 ${s.actual}, expected ${s.expected})` : "";
        io.stdout.write(`${s.state.padEnd(9)} ${s.path}${detail}\n`);
      }
      io.stdout.write(bad ? `${bad} file(s) need \`mathagent data fetch\` (data directory: ${dir})\n` : `all files verified in ${dir}\n`);
      return bad ? 1 : 0;
    }
    if (action === "fetch") {
      const statuses = await fetchDatasets({
        dir,
        mirror: values.mirror,
        onFile: (p, state) => io.stderr.write(`${state === "present" ? "ok        " : "downloaded"} ${p}\n`),
      });
      io.stdout.write(`${statuses.length} files verified in ${dir}\n`);
      return 0;
    }
    throw new UsageError(action ? `unknown action "${action}"` : "missing action");
  },
};
