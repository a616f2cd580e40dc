import { test } from "node:test";
import assert from "node:assert/strict";
import { gsm8kAnswer, lastBoxed } from "../../src/data/index.js";

test("lastBoxed takes the last box and balances nested braces", () => {
  assert.equal(lastBoxed("so \\boxed{1} then \\boxed{\\frac{a}{b^{2}}}."), "\\frac{a}{b^{2}}");
  assert.equal(lastBoxed("\\boxed{\\{1,2\\}}"), "\\{1,2\\}");
  assert.equal(lastBoxed("answer \\fbox{7}"), "7");
  assert.equal(lastBoxed("$\\boxed 5$"), "5");
  assert.equal(lastBoxed("no box"), null);
  assert.equal(lastBoxed("\\boxed{unclosed {"), null);
});

test("gsm8kAnswer reads the #### line and drops thousands separators", () => {
  assert.equal(gsm8kAnswer("work\n#### 1,200"), "1200");
  assert.equal(gsm8kAnswer("#### -3.5"), "-3.5");
  assert.equal(gsm8kAnswer("no final line"), null);
  assert.equal(gsm8kAnswer("#### "), null);
});
