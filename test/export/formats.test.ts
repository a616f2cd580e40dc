import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FORMAT_NAMES, FORMATS, loadExportTokenizer } from "../../src/export/index.js";
import { CharTokenizer } from "../../src/losses/index.js";
import { readExport, readParquetMeta } from "../../src/export/index.js";
import { projectPath } from "../../src/paths.js";
import { gsm8k, pairOf } from "./helpers.js";

test("every format of the table has its row in docs/export.md, with the same verdict on masking", () => {
  const doc = fs.readFileSync(projectPath("docs", "export.md"), "utf8");
  const verdict = { yes: /^(\*\*)?yes/, no: /^\*\*no\*\*/, "Gemma-1/2 only": /^\*\*only for Gemma-1\/2 tokenizers\*\*/ } as const;
  for (const name of FORMAT_NAMES) {
    const row = doc.split("\n").find((l) => l.startsWith(`| \`${name}\` |`));
    assert.ok(row, `docs/export.md has no table row for ${name}`);
    const cells = row.split("|").map((c) => c.trim());
    assert.match(cells[4]!, verdict[FORMATS[name].masked], `${name}: docs say "${cells[4]}", the table says ${FORMATS[name].masked}`);
    assert.equal(FORMATS[name].notice === null, FORMATS[name].masked === "yes", `${name}: a format that does not train the masked objective says so when chosen`);
  }
});

test("paper into a named Parquet file: the folder holds only it, the metadata sits in its key-value metadata and beside the folder", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-export-paper-"));
  try {
    const pairs = (await gsm8k(2)).map((p, i) => pairOf("gemma", p, [i, i + 5]));
    const out = path.join(dir, "iter1.paper", "train.parquet");
    const res = await FORMATS.paper.write({ kind: "pairs", pairs }, { out, meta: { seed: 9 }, seed: 9 });
    assert.equal(res.rows, 2);
    assert.deepEqual(fs.readdirSync(path.join(dir, "iter1.paper")), ["train.parquet"]);
    assert.deepEqual(((await readParquetMeta(out)) as Record<string, unknown>).seed, 9);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "iter1.paper.meta.json"), "utf8")).rows, 2);
    const rows = await readExport(out);
    assert.equal((rows[0]!.chosen as { model_written: boolean }[]).filter((m) => m.model_written).length, 3);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("--tokenizer: a CharTokenizer JSON and a missing file; the facts recorded name the file's sha256 and its BOS/EOS", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-export-tok-"));
  try {
    const file = path.join(dir, "tiny.json");
    fs.writeFileSync(file, JSON.stringify(CharTokenizer.fromCorpus(["ab"]).toJSON()));
    const { facts } = loadExportTokenizer(file);
    assert.deepEqual([facts.vocabSize, facts.bosToken, facts.bosId, facts.eosToken, facts.eosId], [6, "<bos>", 1, "<eos>", 2]);
    assert.match(facts.sha256, /^[0-9a-f]{64}$/);
    assert.throws(() => loadExportTokenizer(dir), /--tokenizer .*: no tokenizer\.json in that folder/);
    fs.writeFileSync(path.join(dir, "tokenizer.json"), "{oops");
    assert.throws(() => loadExportTokenizer(dir), /tokenizer\.json: not valid JSON/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
