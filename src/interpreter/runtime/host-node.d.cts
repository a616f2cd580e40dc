export interface HostNode {
  /** The Node binary that runs the interpreter host. */
  path: string;
  /** Its version, e.g. "24.21.0". */
  version: string;
  /** "env" ($MATHAGENT_INTERPRETER_NODE), "pinned" (fetched by setup) or "this process". */
  source: "env" | "pinned" | "this process";
  /** Why a preferred binary was not used, or null. */
  note: string | null;
}
export declare const PIN: { version: string; package: string; integrity: string; platform: string; arch: string };
export declare function bundledPath(): string;
export declare function resolveHostNode(): HostNode;
export declare function probeVersion(bin: string): string | null;
