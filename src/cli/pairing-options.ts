/**
 * The option declarations `pairs` and `kto` share (export and filters), for `defineCommand`. Values
 * the export and filter code check themselves (--format, --max-length, --val-size, --max-tokens,
 * --skip-filter, --reference) stay strings here so their messages stay theirs.
 */
import { type ExportKind, type ExportValues, FORMAT_NAMES, FORMATS } from "../export/index.js";
import { FILTER_NAMES } from "../pairing/index.js";
import { FORCE_OPTION } from "./common-options.js";
import type { OptionSpec } from "./options.js";

const VERDICT = { yes: "masked", "Gemma-1/2 only": "masked for Gemma-1/2 tokenizers only", no: "not masked" } as const;

/** The export options of `kind` (format, where, token-level settings, --force). */
export function exportOptions(kind: ExportKind) {
  const formats = FORMAT_NAMES.map((f) => `${f} (${FORMATS[f].reader}: ${VERDICT[FORMATS[f].masked]})`).join("; ");
  const dropped = kind === "pairs" ? "pairs whose longer side has" : "examples with";
  return {
    format: { type: "string", metavar: "NAME", defaultText: "paper", help: `"masked" = only the model's tokens count (docs/export.md): ${formats}` },
    out: {
      type: "string",
      metavar: "PATH",
      defaultText: `beside the input, *.${kind === "pairs" ? "pairs.<strategy>" : "kto"}.<format>…`,
      help: "paper: a folder holding only train.jsonl, metadata in <folder>.meta.json; llamafactory: a datasets folder; trl/openrlhf: .jsonl or .parquet with a .meta.json beside; tokens: .parquet",
    },
    tokenizer: {
      type: "string",
      metavar: "PATH",
      help: "the policy's tokenizer.json (file or folder): llamafactory and tokens; also counts the tokens of the too-long filter (without it that filter is skipped and says so)",
    },
    "max-length": { type: "string", metavar: "N", help: `llamafactory and tokens: drop (never cut) ${dropped} more than N tokens` },
    "val-size": { type: "string", metavar: "N", defaultText: "0", help: "llamafactory and tokens: hold out N seeded rows as a validation split" },
    check: { type: "boolean", help: "llamafactory and tokens: decode row 0 of what was written, print its counted segments" },
    ...FORCE_OPTION,
  } as const satisfies Record<string, OptionSpec>;
}

/** The paper's filters and the reference-model choice recorded in the metadata. */
export const FILTER_SPECS = {
  reference: {
    type: "string",
    metavar: "previous|sft",
    defaultText: "previous",
    help: "the reference model the trainer should use, recorded in the .meta.json (previous: the previous iteration's model, the paper's main runs; sft: the SFT model every iteration, the paper's Table 2 ablation)",
  },
  "skip-filter": { type: "string", metavar: "LIST", help: `comma-separated filters to switch off (${FILTER_NAMES.join(", ")}, or all)` },
  "max-tokens": { type: "string", metavar: "N", defaultText: "2048, the paper's", help: "token limit of too-long" },
} as const satisfies Record<string, OptionSpec>;

/** The export values as `resolveExportRequest` reads them: a switch that is off is absent, not false. */
export function exportValues(values: ExportValues & { check: boolean; force: boolean }): ExportValues {
  const { check, force, ...rest } = values;
  return { ...rest, ...(check ? { check } : {}), force };
}
