import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { openPreferenceData } from "../../src/inspect/index.js";
import { projectPath } from "../../src/paths.js";

const step = projectPath("scripts", "setup.d", "30-kernel-lib.sh");
const stampFile = projectPath("lib", ".stamp");

test("the lib/ build step is idempotent: a second run changes nothing", () => {
  const first = spawnSync("bash", [step], { encoding: "utf8" });
  assert.equal(first.status, 0, first.stderr);
  assert.ok(fs.existsSync(stampFile), `lib/ was not built: ${first.stderr}`);
  const before = fs.statSync(stampFile).mtimeMs;
  const second = spawnSync("bash", [step], { encoding: "utf8" });
  assert.equal(second.status, 0, second.stderr);
  assert.equal(second.stderr, "");
  assert.equal(fs.statSync(stampFile).mtimeMs, before);
  assert.ok(fs.existsSync(projectPath("lib", "inspect", "index.d.ts")));
});

test("lib/ loads the way tslab loads it (require) and reads data as src/ does", async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lib-")), "p.jsonl");
  fs.writeFileSync(file, JSON.stringify({ prompt: "Q?", chosen: "\\boxed{1}", rejected: "\\boxed{2}" }) + "\n");
  const lib = createRequire(import.meta.url)(projectPath("lib", "inspect", "index.js")) as { openPreferenceData: typeof openPreferenceData };
  const [a, b] = await Promise.all([lib.openPreferenceData(file, { dataDir: false }), openPreferenceData(file, { dataDir: false })]);
  assert.equal(a.format, "prompt-chosen-rejected");
  assert.deepEqual(a.table.objects(), b.table.objects());
  assert.equal(createRequire(import.meta.url)(projectPath("lib", "paths.js")).projectRoot, projectPath());
});
