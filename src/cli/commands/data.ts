import * as path from "node:path";
import { defineCommand } from "../command.js";
import { dataDir, diagnoseDatasetFile, fetchDatasets, type FileStatus, readManifest, verifyDatasets } from "../../data/index.js";

function describe(s: FileStatus, dir: string): Promise<string> {
  if (s.state === "not-a-file") return Promise.resolve(` (${s.what}, expected a file)`);
  if (s.state !== "corrupted") return Promise.resolve("");
  const entry = readManifest().find((f) => f.path === s.path)!;
  return diagnoseDatasetFile(path.join(dir, s.path), entry).then((d) => ` (sha256 ${s.actual}, expected ${s.expected}${d ? `; ${d}` : ""})`);
}

export const command = defineCommand({
  name: "data",
  summary: "download and verify the GSM8K / MATH / MATH-500 files",
  description: `Every dataset file is listed in data/manifest.json with its SHA-256 and row count. Loading a dataset checks the file against it and refuses a file that differs, pointing here; set MATHAGENT_DATA_CHECK=rows (same row count) or MATHAGENT_DATA_CHECK=off to load your own edited copy.`,
  positionals: [
    {
      name: "action",
      required: true,
      choices: {
        fetch: "download every dataset file that is missing or fails its SHA-256 (written atomically: a failed download leaves nothing)",
        verify: "check every dataset file against its SHA-256; a file that fails is shown with its row count and first bad line; exit 1 if any is missing, not a file or corrupted",
        path: "print the data directory",
      },
    },
  ],
  options: {
    dir: { type: "string", metavar: "DIR", help: "data directory", defaultText: "$MATHAGENT_DATA_DIR, else data/datasets" },
    mirror: { type: "string", metavar: "URL", help: "download from URL/<path> instead of each file's public home" },
  },
  async run({ values, positionals, io }) {
    const dir = values.dir ?? dataDir();
    const action = positionals[0];
    if (action === "path") {
      io.stdout.write(dir + "\n");
      return 0;
    }
    if (action === "verify") {
      let bad = 0;
      for (const s of verifyDatasets(dir)) {
        if (s.state !== "ok") bad++;
        io.stdout.write(`${s.state.padEnd(10)} ${s.path}${await describe(s, dir)}\n`);
      }
      io.stdout.write(bad ? `${bad} file(s) need \`mathagent data fetch\` (data directory: ${dir})\n` : `all files verified in ${dir}\n`);
      return bad ? 1 : 0;
    }
    const statuses = await fetchDatasets({
      dir,
      ...(values.mirror ? { mirror: values.mirror } : {}),
      onFile: (p, state) => io.stderr.write(`${state === "present" ? "ok        " : "downloaded"} ${p}\n`),
    });
    io.stdout.write(`${statuses.length} files verified in ${dir}\n`);
    return 0;
  },
});
