/** The usage text and the Markdown reference of a declared command, both derived from its declaration. */
import { expected, type OptionSpec, type OptionSpecs, type PositionalSpec } from "./options.js";

const WIDTH = 100;

/** What `mathagent <name> --help` and docs/cli.md need to know about a command. */
export interface Declaration {
  name: string;
  summary: string;
  description: string;
  positionals?: readonly PositionalSpec[];
  options: OptionSpecs;
}

function metavarOf(name: string, spec: OptionSpec): string {
  if (spec.type === "boolean") return "";
  return spec.metavar ?? ({ string: "TEXT", int: "N", number: "X", list: "LIST", ints: "N,N,…" } as const)[spec.type];
}

function defaultOf(spec: OptionSpec): string | undefined {
  if (spec.type === "boolean") return undefined;
  if (spec.defaultText) return spec.defaultText;
  if (spec.default === undefined) return undefined;
  return Array.isArray(spec.default) ? spec.default.join(",") : String(spec.default);
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split("\n")) {
    let line = "";
    for (const word of para.split(" ")) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out;
}

/** Two columns: the left one padded, the right one wrapped under itself. */
function table(rows: [string, string][]): string[] {
  const left = Math.min(28, Math.max(...rows.map(([l]) => l.length)));
  const lines: string[] = [];
  for (const [l, r] of rows) {
    const body = wrap(r, WIDTH - left - 4);
    if (l.length > left) lines.push(`  ${l}`, ...body.map((b) => `  ${"".padEnd(left)}  ${b}`));
    else lines.push(`  ${l.padEnd(left)}  ${body[0]}`, ...body.slice(1).map((b) => `  ${"".padEnd(left)}  ${b}`));
  }
  return lines;
}

function optionHelp(spec: OptionSpec): string {
  const parts = [spec.help];
  if (spec.type === "string" && spec.choices && !spec.help.includes(spec.choices[0]!)) parts.push(`(${spec.choices.join(" | ")})`);
  const d = defaultOf(spec);
  if (d !== undefined) parts.push(`(default ${d})`);
  if (spec.type !== "boolean" && spec.required) parts.push("(required)");
  return parts.join(" ");
}

function synopsis(d: Declaration): string {
  const pos = (d.positionals ?? []).map((p) => {
    const body = p.choices ? Object.keys(p.choices).join("|") : p.name;
    const word = p.variadic ? `${body}…` : body;
    return p.required ? (p.choices ? `<${word}>` : word) : `[${word}]`;
  });
  const required = Object.entries(d.options)
    .filter(([, s]) => s.type !== "boolean" && s.required)
    .map(([n, s]) => `--${n} ${metavarOf(n, s)}`);
  return ["usage: mathagent", d.name, ...pos, ...required, "[options]"].join(" ");
}

/** The text of `mathagent <name> --help`. */
export function renderUsage(d: Declaration): string {
  const out = [synopsis(d), "", ...wrap(d.description.trim(), WIDTH)];
  for (const p of d.positionals ?? []) {
    if (p.choices) out.push("", `${p.name}:`, ...table(Object.entries(p.choices)));
    else if (p.help) out.push("", "arguments:", ...table([[p.variadic ? `${p.name}…` : p.name, p.help]]));
  }
  const rows = Object.entries(d.options).map(([n, s]): [string, string] => [`${s.short ? `-${s.short}, ` : ""}--${n}${s.type === "boolean" ? "" : ` ${metavarOf(n, s)}`}`, optionHelp(s)]);
  if (rows.length > 0) out.push("", "options:", ...table(rows));
  return out.join("\n");
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The Markdown table of a declared command's options for docs/cli.md. */
export function renderOptionTable(d: Declaration): string {
  const rows = Object.entries(d.options).map(([n, s]) => {
    const d0 = defaultOf(s);
    return `| \`--${n}\` | ${cell(expected(s))} | ${d0 === undefined ? "" : `\`${cell(d0)}\``} | ${cell(s.help)} |`;
  });
  if (rows.length === 0) return "";
  return ["| option | value | default | meaning |", "|---|---|---|---|", ...rows].join("\n");
}
