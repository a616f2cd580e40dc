import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import { projectPath } from "../../src/paths.js";

/**
 * Notebooks import src/ through tslab, which type-checks every imported module with its own
 * TypeScript 5.0 in non-strict mode: narrowing that works under the project's strict 5.9 can fail
 * there (without strictNullChecks, `x.field === undefined` does not narrow a union). This compiles
 * every src/ module the way tslab does, so such a module fails here rather than in a notebook.
 */
test("every src/ module type-checks under tslab's TypeScript and settings", () => {
  const ts = createRequire(projectPath("package.json"))("@tslab/typescript-for-tslab") as typeof import("typescript");
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") && !p.includes(`${path.sep}cli${path.sep}`)) files.push(p);
    }
  };
  walk(projectPath("src"));
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.NodeJs,
    lib: ["lib.es2022.d.ts"],
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: ["node"],
    typeRoots: [projectPath("node_modules", "@types")],
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${path.relative(projectPath(), d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : "";
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
  assert.deepEqual(diagnostics, []);
});
