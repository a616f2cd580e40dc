/** The entries of a dataset as table rows: one per pair or example, with the standard derived columns. */
import type { Entry, TokenCounts } from "./formats.js";
import { type InspectMessage, transcriptOf } from "./messages.js";
import type { TestQuestions } from "./overlap.js";
import { SIDE_COLUMNS, type SideStats, sideStats } from "./stats.js";

export type TableRow = Record<string, unknown>;

/** The columns of one side (SideStats plus token counts), each name prefixed with `P`. */
export type SideColumns<P extends string> = { [K in keyof SideStats as `${P}${K}`]: SideStats[K] } & {
  [K in "tokens" | "model_tokens" as `${P}${K}`]: number | null;
};

/** The columns every row has (see docs/inspect.md). A type, not an interface, so arquero's row functions accept it. */
export type RowHead = {
  row: number;
  source: string;
  problem_id: string | null;
  question: string;
  gold: string | null;
  test_overlap: string | null;
  overlap_kind: string | null;
  duplicate_of: number | null;
};

/** A row of a pairs table, as `data.table.objects()` gives it. */
export type PairRow = RowHead & SideColumns<"chosen_"> & SideColumns<"rejected_"> & {
  answers_differ: boolean | null;
  same_sides: boolean;
  chosen: InspectMessage[];
  rejected: InspectMessage[];
};

/** A row of an examples table (KTO, rollouts). */
export type ExampleRow = RowHead & SideColumns<""> & { label: boolean | null; messages: InspectMessage[] };

/** A row of either table: `"label" in r` tells them apart. */
export type PreferenceRow = PairRow | ExampleRow;

/** A row of `sides(data)`: one side of a pair, or one example. */
export type SideRow = { row: number; side: "chosen" | "rejected" | "desirable" | "undesirable" | "unlabelled" } & SideColumns<"">;

function prefixed(prefix: string, s: SideStats, tokens: TokenCounts | undefined): TableRow {
  const out: TableRow = {};
  for (const k of SIDE_COLUMNS) out[prefix + k] = s[k];
  out[`${prefix}tokens`] = tokens?.total ?? null;
  out[`${prefix}model_tokens`] = tokens?.model ?? null;
  return out;
}

const keyOf = (question: string, ...sides: readonly InspectMessage[][]) => sides.map((s) => transcriptOf(question, s)).join("\u0000");

/** The columns every row has, whatever its layout. */
function head(e: Entry, index: number, source: string, tests: TestQuestions | null): TableRow {
  const hit = tests && e.question !== "" ? tests.overlap(e.question) : null;
  return {
    row: index,
    source,
    problem_id: e.problemId,
    question: e.question,
    gold: e.gold,
    test_overlap: tests ? (hit?.dataset ?? "") : null,
    overlap_kind: tests ? (hit?.kind ?? "") : null,
  };
}

/** The table row of an entry; `seen` maps transcripts already met to their row (for `duplicate_of`). */
export function entryRow(e: Entry, index: number, source: string, tests: TestQuestions | null, seen: Map<string, number>): TableRow {
  const text = e.kind === "pair" ? e.chosen.length + e.rejected.length > 0 : e.messages.length > 0;
  const key = e.kind === "pair" ? keyOf(e.question, e.chosen, e.rejected) : keyOf(e.question, e.messages);
  const first = text ? seen.get(key) : undefined;
  if (text && first === undefined) seen.set(key, index);
  const dup = { duplicate_of: first ?? null };
  if (e.kind === "example") {
    return { ...head(e, index, source, tests), label: e.label, ...prefixed("", sideStats(e.messages), e.tokens), ...dup, messages: e.messages };
  }
  const c = sideStats(e.chosen);
  const r = sideStats(e.rejected);
  return {
    ...head(e, index, source, tests),
    ...prefixed("chosen_", c, e.chosenTokens),
    ...prefixed("rejected_", r, e.rejectedTokens),
    answers_differ: c.answer === null || r.answer === null ? null : c.answer !== r.answer,
    same_sides: text && keyOf(e.question, e.chosen) === keyOf(e.question, e.rejected),
    ...dup,
    chosen: e.chosen,
    rejected: e.rejected,
  };
}
