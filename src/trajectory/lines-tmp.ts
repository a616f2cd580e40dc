/**
 * Private stand-in for `src/io/lines.ts` (interface 3 of the coordination contract): the lead
 * replaces the import of this file by `../io/lines.js` and deletes it at merge.
 *
 * The lines of a file with byte-exact offsets: `offset` is the byte where the line starts, `end` the
 * byte after its terminator (or the end of the file). A UTF-8 BOM is stripped from the first line's
 * text (its offset stays 0); "\r\n" and "\n" both end a line; `text` excludes the terminator.
 */
import * as fs from "node:fs";

export async function* readLines(file: string): AsyncGenerator<{ line: number; offset: number; end: number; text: string }> {
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 16 });
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let offset = 0;
  let line = 0;
  const decode = (buf: Buffer): string => {
    let s = buf.toString("utf8");
    if (line === 1 && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    if (s.endsWith("\r")) s = s.slice(0, -1);
    return s;
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      const buf = pendingLen ? Buffer.concat([...pending, piece]) : piece;
      pending = [];
      pendingLen = 0;
      line++;
      const end = offset + buf.length + 1;
      yield { line, offset, end, text: decode(buf) };
      offset = end;
      start = nl + 1;
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingLen += chunk.length - start;
    }
  }
  if (pendingLen) {
    const buf = Buffer.concat(pending);
    line++;
    yield { line, offset, end: offset + buf.length, text: decode(buf) };
  }
}
