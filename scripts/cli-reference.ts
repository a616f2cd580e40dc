// Regenerates docs/cli.md from every command's --help text.
import * as fs from "node:fs";
import { cliReference } from "../src/cli/reference.js";
import { projectPath } from "../src/paths.js";

fs.writeFileSync(projectPath("docs", "cli.md"), await cliReference());
console.log("wrote docs/cli.md");
