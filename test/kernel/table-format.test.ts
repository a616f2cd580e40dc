import { test } from "node:test";
import assert from "node:assert/strict";
import * as aq from "arquero";
import { tableBundle } from "../../src/display/table.js";

test("a count in a column of fractions prints as a whole number, not 200.0000", () => {
  const t = aq.from([{ side: "chosen", n: 200, mean: 0.123456, when: new Date(0), msgs: [{ role: "user" }] }, { side: "<b>", n: 3, mean: 2, when: null, msgs: [] }]);
  const b = tableBundle(t);
  const text = String(b["text/plain"]);
  assert.match(text, /\|chosen\|200\|0\.1235\|1970-01-01T00:00:00\.000Z\|\[\{"role":"user"\}\]\|/);
  assert.match(text, /\|<b>\|3\|2\|null\|\[\]\|/);
  const mixed = tableBundle(aq.from([{ x: 200 }, { x: 0.5 }]));
  assert.match(String(mixed["text/plain"]), /\|200\|\n\|0\.5\|/);
  assert.doesNotMatch(String(mixed["text/html"]), /200\.0/);
  assert.match(String(b["text/html"]), /&lt;b&gt;/);
});
