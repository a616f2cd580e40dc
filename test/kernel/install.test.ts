import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runCli } from "../helpers/cli.js";
import { sharedDataDir } from "../helpers/env.js";

test("kernel install records the data directory in the kernel's environment and says so", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-kernel-"));
  const data = sharedDataDir();
  const r = await runCli(["kernel", "install", "--dir", dir], { env: { MATHAGENT_DATA_DIR: data } });
  assert.equal(r.code, 0, r.stderr);
  const spec = JSON.parse(fs.readFileSync(path.join(dir, "kernels/mathagent/kernel.json"), "utf8")) as { env: Record<string, string> };
  assert.equal(spec.env["MATHAGENT_DATA_DIR"], path.resolve(data));
  assert.match(r.stdout, new RegExp(`its data directory: ${path.resolve(data).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}; to use another, set MATHAGENT_DATA_DIR`));
  const missing = await runCli(["kernel", "install", "--dir", dir], { env: { MATHAGENT_DATA_DIR: path.join(dir, "nowhere") } });
  assert.match(missing.stdout, /nowhere \(missing: run `mathagent data fetch`\)/);
  fs.rmSync(dir, { recursive: true, force: true });
});
