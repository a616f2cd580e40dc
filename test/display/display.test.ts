import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import * as aq from "arquero";
import { plotBundle, plotHtml, Progress, tableBundle } from "../../src/display/index.js";

test("a big table shows its size and only the first rows", () => {
  const t = aq.table({ i: Array.from({ length: 1000 }, (_, i) => i), x: Array.from({ length: 1000 }, (_, i) => i / 3) });
  const b = tableBundle(t, { limit: 15, title: "thirds" });
  const html = String(b["text/html"]);
  assert.match(html, /thirds.*1,000 rows × 2 columns, first 15 shown/);
  assert.equal((html.match(/<tr>/g) ?? []).length, 16, "header + 15 rows");
  assert.match(String(b["text/plain"]), /first 15 shown/);
  const small = tableBundle(aq.table({ a: [1] }));
  assert.match(String(small["text/html"]), /1 row × 1 column</);
});

test("a plot is a plotly JSON bundle with an HTML fallback that cannot break out of its script", () => {
  const fig = { data: [{ type: "bar" as const, x: ["</script><b>x"], y: [1] }], layout: { title: { text: "t" } } };
  const b = plotBundle(fig);
  assert.deepEqual((b["application/vnd.plotly.v1+json"] as { data: unknown }).data, fig.data);
  const html = plotHtml(fig);
  assert.ok(!html.includes("</script><b>"), "data is escaped");
  assert.equal((html.match(/<\/script>/g) ?? []).length, 1);
  assert.equal(b["text/plain"], '[plot "t": 1 trace]');
});

test("progress on a non-terminal stream writes lines with count, rate and ETA", () => {
  let out = "";
  const stream = new Writable({ write: (chunk, _enc, cb) => ((out += chunk), cb()) });
  const p = new Progress({ total: 4, label: "grading", intervalMs: 0, stream, status: () => "acc 0.50" });
  p.tick(); p.tick(); p.tick(); p.tick();
  p.finish();
  p.finish();
  const lines = out.trim().split("\n");
  assert.equal(lines.length, 5, out);
  assert.match(lines[0]!, /^grading \[#{7}\.{21}\] 1\/4 \(25%\) · [\d.]+\/s · ETA .* · acc 0\.50$/);
  assert.match(lines[4]!, /4\/4 \(100%\)/);
});
