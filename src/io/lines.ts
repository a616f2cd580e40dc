/**
 * Lines of a text file with byte-exact positions. Offsets count the file's bytes as they are: a
 * CRLF ending, a UTF-8 byte-order mark or an invalid UTF-8 sequence never shifts them, so
 * `offset` is where a resume may truncate the file to drop a line and everything after it.
 */
import * as fs from "node:fs";
import { isUtf8 } from "node:buffer";
import { fileErrorOf, requireFile, RowError } from "./errors.js";

/** The longest line read (a longer one is an error naming its line, not an out-of-memory crash). */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;

const CHUNK_BYTES = 1 << 20;
const BOM = [0xef, 0xbb, 0xbf] as const;

/** One line and where it sits in the file. */
export interface LineRecord {
  /** 1-based line number; blank lines count. */
  line: number;
  /** Byte offset of the line's first byte (0 for line 1, even after a byte-order mark). */
  offset: number;
  /** Byte offset just past the line's "\n" (the next line's `offset`), or the file size for a last line without one. */
  end: number;
  /** The line decoded as UTF-8 (invalid bytes become U+FFFD), without its "\n" or "\r\n", without a leading BOM. */
  text: string;
  /** The line ended with "\n" (false only for a last line cut short, e.g. by a crash mid-write). */
  terminated: boolean;
  /** The line's bytes are valid UTF-8. */
  validUtf8: boolean;
}

function decode(bytes: Buffer, first: boolean): { text: string; validUtf8: boolean } {
  let start = 0;
  let stop = bytes.length;
  if (first && stop >= 3 && bytes[0] === BOM[0] && bytes[1] === BOM[1] && bytes[2] === BOM[2]) start = 3;
  if (stop > start && bytes[stop - 1] === 0x0d) stop--;
  const body = bytes.subarray(start, stop);
  return { text: body.toString("utf8"), validUtf8: isUtf8(body) };
}

/** Every line of `file` with its positions and whether it was complete and valid UTF-8. */
export async function* readLineRecords(file: string): AsyncGenerator<LineRecord> {
  requireFile(file);
  const fh = await fs.promises.open(file, "r").catch((err: unknown) => {
    throw fileErrorOf(file, err);
  });
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let pos = 0;
    let lineStart = 0;
    let line = 0;
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, CHUNK_BYTES, pos);
      if (bytesRead === 0) break;
      let from = 0;
      while (from < bytesRead) {
        const nl = chunk.indexOf(0x0a, from);
        if (nl === -1 || nl >= bytesRead) {
          pending.push(Buffer.from(chunk.subarray(from, bytesRead)));
          pendingBytes += bytesRead - from;
          if (pendingBytes > MAX_LINE_BYTES) throw new RowError(file, line + 1, `line longer than ${MAX_LINE_BYTES / 2 ** 20} MiB (not a text file?)`);
          break;
        }
        const piece = chunk.subarray(from, nl);
        const bytes = pendingBytes > 0 ? Buffer.concat([...pending, piece]) : piece;
        pending = [];
        pendingBytes = 0;
        line++;
        const end = pos + nl + 1;
        yield { line, offset: lineStart, end, terminated: true, ...decode(bytes, line === 1) };
        lineStart = end;
        from = nl + 1;
      }
      pos += bytesRead;
    }
    if (pendingBytes > 0) {
      line++;
      yield { line, offset: lineStart, end: pos, terminated: false, ...decode(Buffer.concat(pending), line === 1) };
    }
  } finally {
    await fh.close();
  }
}

/**
 * Every line of `file`: its 1-based number, the byte offsets where it starts and where the next
 * line starts (`end`, the file size for an unterminated last line), and its text (BOM and "\r"
 * stripped). A missing file or a directory is a FileError naming the path.
 */
export async function* readLines(file: string): AsyncGenerator<{ line: number; offset: number; end: number; text: string }> {
  for await (const r of readLineRecords(file)) yield { line: r.line, offset: r.offset, end: r.end, text: r.text };
}
