#!/usr/bin/env node
// Entry point: registers tsx so the TypeScript sources run as they are, then hands over to the CLI.
import { register } from "tsx/esm/api";
import { fileURLToPath } from "node:url";
import * as path from "node:path";

register();
// `mathagent … | head` closes stdout early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { main } = await import(path.join(root, "src", "cli", "main.ts"));
const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
try {
  process.exitCode = await main(process.argv.slice(2), io);
} catch (err) {
  process.stderr.write(`mathagent: internal error: ${err?.stack ?? err}\n`);
  process.exitCode = 1;
}
