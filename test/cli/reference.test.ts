import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { cliReference } from "../../src/cli/reference.js";
import { projectPath } from "../../src/paths.js";

test("docs/cli.md matches every command's --help (regenerate with scripts/cli-reference.ts)", async () => {
  const committed = fs.readFileSync(projectPath("docs", "cli.md"), "utf8");
  assert.equal(committed, await cliReference(), "run: node --import tsx scripts/cli-reference.ts");
});
