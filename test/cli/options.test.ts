import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { defineCommand, type CommandIO } from "../../src/cli/command.js";
import { parseOptions } from "../../src/cli/options.js";
import { renderOptionTable } from "../../src/cli/usage.js";
import { UsageError } from "../../src/errors.js";
import { FileError } from "../../src/io/errors.js";
import { projectPath } from "../../src/paths.js";

const OPTIONS = {
  input: { type: "string", metavar: "FILE", required: true, help: "rollout JSONL" },
  format: { type: "string", choices: ["paper", "trl"], default: "paper", help: "export format" },
  seed: { type: "int", min: 0, default: 0, help: "seed" },
  beta: { type: "number", min: 0, help: "KL weight" },
  k: { type: "ints", min: 1, help: "k values" },
  skip: { type: "list", choices: ["a", "b"], help: "filters to skip" },
  lenient: { type: "boolean", help: "skip bad rows" },
  code: { type: "string", short: "c", metavar: "CODE", help: "code to run" },
} as const;

const usageError = (args: string[], message: string) =>
  assert.throws(() => parseOptions(OPTIONS, [], args), (e: unknown) => e instanceof UsageError && e.message === message);

test("one parser: --name value, --name=value, flags, defaults, typed values", () => {
  const { values, positionals } = parseOptions(OPTIONS, [{ name: "FILE", variadic: true }], ["--input", "r.jsonl", "x", "--seed=7", "--beta", "0.1", "--k", "1,2,4", "--skip", "a,b", "--lenient", "-c", "print(1)", "--", "--not-an-option"]);
  assert.deepEqual(values, { input: "r.jsonl", format: "paper", seed: 7, beta: 0.1, k: [1, 2, 4], skip: ["a", "b"], lenient: true, code: "print(1)" });
  assert.deepEqual(positionals, ["x", "--not-an-option"]);
  const seed: number = values.seed;
  const format: "paper" | "trl" = values.format;
  assert.equal(typeof seed + typeof format, "numberstring");
});

test("one set of error texts: FLAG: expected WHAT, found VALUE", () => {
  usageError(["--seed", "1"], "--input is required");
  usageError(["--input", "f", "--seed", "-1"], '--seed: expected an integer ≥ 0, found "-1"');
  usageError(["--input", "f", "--seed", "1.5"], '--seed: expected an integer ≥ 0, found "1.5"');
  usageError(["--input", "f", "--seed", ""], '--seed: expected an integer ≥ 0, found ""');
  usageError(["--input", "f", "--beta", "abc"], '--beta: expected a number ≥ 0, found "abc"');
  usageError(["--input", "f", "--format", "csv"], '--format: expected one of paper, trl, found "csv"');
  usageError(["--input", "f", "--k", "1,x"], '--k: expected a list of comma-separated integers ≥ 1, found "1,x"');
  usageError(["--input", "f", "--skip", "a,c"], '--skip: expected a comma-separated list of a, b, found "a,c"');
  usageError(["--input"], "--input needs a value (FILE)");
  usageError(["--input", "f", "--lenient=yes"], "--lenient takes no value");
  usageError(["--inptu", "f"], "unknown option --inptu (did you mean --input?)");
  usageError(["-x"], "unknown option -x");
  usageError(["--input", "f", "stray"], 'unexpected argument "stray"');
});

test("positional actions are checked against their table; an input that must exist is named when it does not", () => {
  const action = [{ name: "action", required: true, choices: { fetch: "", verify: "" } }] as const;
  assert.throws(() => parseOptions({}, action, []), /^UsageError: missing action \(one of fetch, verify\)$/);
  assert.throws(() => parseOptions({}, action, ["frob"]), /action: expected one of fetch, verify, found "frob"/);
  const exists = { model: { type: "string", exists: "directory", help: "" } } as const;
  assert.throws(() => parseOptions(exists, [], ["--model", "/no/such/dir"]), (e: unknown) => e instanceof FileError && e.message === "/no/such/dir: no such file");
  assert.throws(() => parseOptions(exists, [], ["--model", projectPath("package.json")]), /package\.json: is a file, expected a directory/);
});

test("the usage text and the docs table come from the declaration", async () => {
  const out: string[] = [];
  const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: () => true }, stdin: process.stdin } as unknown as CommandIO;
  const cmd = defineCommand({
    name: "demo",
    summary: "a demo",
    description: "Does nothing.",
    options: OPTIONS,
    async run({ values, io: o }) {
      o.stdout.write(`${values.input} ${values.seed}\n`);
      return 0;
    },
  });
  assert.equal(await cmd.run(["--input", "f", "--seed", "3"], io), 0);
  assert.deepEqual(out, ["f 3\n"]);
  assert.match(cmd.usage, /^usage: mathagent demo --input FILE \[options\]\n\nDoes nothing\.\n\noptions:\n/);
  assert.match(cmd.usage, /^  --format TEXT +export format \(paper \| trl\) \(default paper\)$/m);
  assert.match(cmd.usage, /^  --input FILE +rollout JSONL \(required\)$/m);
  assert.match(cmd.usage, /^  -c, --code CODE +code to run$/m);
  assert.match(renderOptionTable(cmd.declaration!), /^\| `--seed` \| an integer ≥ 0 \| `0` \| seed \|$/m);
});

test("no command imports another command", () => {
  const dir = projectPath("src", "cli", "commands");
  const offenders = fs
    .readdirSync(dir)
    .filter((f) => /from "\.\/[a-z-]+(\.js)?"/.test(fs.readFileSync(path.join(dir, f), "utf8")));
  assert.deepEqual(offenders, []);
});
