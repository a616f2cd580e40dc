import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { runCli } from "../helpers/cli.js";
import { projectPath } from "../../src/paths.js";

test("--help lists every command file with its summary", async () => {
  const r = await runCli(["--help"]);
  assert.equal(r.code, 0);
  const names = fs.readdirSync(projectPath("src/cli/commands")).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3));
  for (const name of names) assert.match(r.stdout, new RegExp(`^  ${name} +\\S`, "m"), name);
});

test("an unknown command and a bad option are usage errors (exit 2, no stack trace)", async () => {
  const unknown = await runCli(["frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  const bad = await runCli(["data", "verify", "--bogus"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^mathagent data: unknown option --bogus\n/);
  assert.doesNotMatch(bad.stderr, /at .*\.ts:\d+/);
});

test("data verify reports the shared files as verified", async () => {
  const r = await runCli(["data", "verify"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /all files verified/);
});

test("data fetch offline fails fast with what to do, exit 1, no stack trace", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-cli-"));
  const closed = await new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
  const t0 = performance.now();
  const r = await runCli(["data", "fetch", "--dir", dir, "--mirror", `http://127.0.0.1:${closed}`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /could not download gsm8k\/test\.jsonl .*ECONNREFUSED/);
  assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/);
  assert.ok(performance.now() - t0 < 15_000);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("kernel install writes a spec whose paths exist", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-kernel-"));
  const r = await runCli(["kernel", "install", "--dir", dir]);
  assert.equal(r.code, 0, r.stderr);
  const spec = JSON.parse(fs.readFileSync(path.join(dir, "kernels/mathagent/kernel.json"), "utf8")) as { argv: string[]; display_name: string };
  assert.equal(spec.display_name, "mathagent (TypeScript)");
  assert.deepEqual(spec.argv.slice(0, 3), ["/bin/sh", projectPath("kernel", "start.sh"), process.execPath]);
  assert.ok(spec.argv.slice(0, 3).every((f) => fs.existsSync(f)));
  assert.equal((await runCli(["kernel", "uninstall", "--dir", dir])).code, 0);
  assert.ok(!fs.existsSync(path.join(dir, "kernels/mathagent")));
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a file where a directory is expected, or a directory where a file is, is named (exit 1, no stack trace)", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-paths-"));
  const file = path.join(dir, "plain.txt");
  fs.writeFileSync(file, "x");
  const cases: [string[], RegExp][] = [
    [["kernel", "install", "--dir", file], new RegExp(`^mathagent kernel: ${file}/kernels/mathagent: a part of this path is not a directory\\n$`)],
    [["report", "--out", file, path.join(dir, "none.ipynb")], new RegExp(`^mathagent report: ${file}: is a file, expected a directory\\n$`)],
    [["data", "verify", "--dir", file], new RegExp(`^mathagent data: ${file}: is a file, expected a directory\\n$`)],
    [["serve", "--model", path.join(dir, "nope")], new RegExp(`^mathagent serve: ${dir}/nope: no such file\\n$`)],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(" "));
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
