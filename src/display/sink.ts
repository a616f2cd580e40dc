import { createRequire } from "node:module";
import { projectPath } from "../paths.js";

/** A MIME bundle: one output, several representations; the front end picks the richest it knows. */
export type MimeBundle = Record<string, unknown>;

/** Where displays go: the notebook when running in the mathagent kernel, the terminal otherwise. */
export interface DisplaySink {
  readonly inNotebook: boolean;
  /** Shows a bundle; with an id, a later call with `update` replaces it in place. */
  show(bundle: MimeBundle, displayId?: string, update?: boolean): void;
}

type WriteDisplayData = (msg: { data: MimeBundle; metadata: object; transient: object }, update: boolean) => void;

const requireFromProject = createRequire(projectPath("package.json"));

/** tslab's internal writer: its public API sends one MIME type per output, a bundle needs this. */
function tslabWriter(): WriteDisplayData | null {
  if (!process.env["MATHAGENT_KERNEL"]) return null;
  try {
    const jupyter = requireFromProject("tslab/dist/jupyter") as { lastWriteDisplayData: WriteDisplayData | null };
    return jupyter.lastWriteDisplayData ? (msg, update) => jupyter.lastWriteDisplayData!(msg, update) : null;
  } catch {
    return null;
  }
}

const notebookSink: DisplaySink = {
  inNotebook: true,
  show(bundle, displayId, update = false) {
    const write = tslabWriter();
    if (!write) return terminalSink.show(bundle, displayId, update);
    write({ data: bundle, metadata: {}, transient: displayId ? { display_id: displayId } : {} }, update);
  },
};

const terminalSink: DisplaySink = {
  inNotebook: false,
  show(bundle) {
    const text = bundle["text/plain"];
    if (typeof text === "string") process.stdout.write(text.endsWith("\n") ? text : text + "\n");
  },
};

/** The sink for this process. */
export function displaySink(): DisplaySink {
  return tslabWriter() ? notebookSink : terminalSink;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
