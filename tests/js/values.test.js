// Outside values made safe (service/static/widget/values.js): links, Retry-After, sources, colours.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const values = require("../../service/static/widget/values.js");
const { str, intOrNull, safeHttpUrl, validColor, retryAfterSeconds, normalizeSources, normalizeSentences } = values;

test("safeHttpUrl: absolute http(s) URLs only, normalised", () => {
  assert.equal(safeHttpUrl("https://example.org/a b?x=1#p"), "https://example.org/a%20b?x=1#p");
  assert.equal(safeHttpUrl("HTTP://Example.ORG"), "http://example.org/");
  for (const bad of ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<script>", "vbscript:x",
    "file:///etc/passwd", "ftp://example.org/", "/documents/x", "example.org", "//example.org/x", "", null, undefined, 42]) {
    assert.equal(safeHttpUrl(bad), null, String(bad));
  }
});

test("retryAfterSeconds: a number of seconds, or an HTTP date from now (at least 1 s)", () => {
  assert.equal(retryAfterSeconds("30"), 30);
  assert.equal(retryAfterSeconds(" 7 "), 7);
  assert.equal(retryAfterSeconds("0"), 0);
  const inNinety = new Date(Date.now() + 90_000).toUTCString(); // whole seconds: 89 < wait <= 90
  assert.ok([89, 90].includes(retryAfterSeconds(inNinety)), retryAfterSeconds(inNinety));
  assert.equal(retryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT"), 1); // in the past
  for (const bad of [null, undefined, "", "soon", "1.5e3 seconds"]) assert.equal(retryAfterSeconds(bad), null, String(bad));
});

test("str and intOrNull: what the renderer may put in text and numbers", () => {
  assert.deepEqual([str("a"), str(null), str(undefined), str(3), str(false)], ["a", "", "", "3", "false"]);
  assert.deepEqual([intOrNull(4.9), intOrNull(-4.9), intOrNull(NaN), intOrNull("4"), intOrNull(null)], [4, -4, null, null, null]);
});

test("normalizeSources: typed fields and defaults; entries without an integer id are dropped", () => {
  const sources = normalizeSources([
    { id: 1, document_id: "peace/accord", title: "Accord", url: "https://example.org/a.pdf", date: "2024-01-02",
      kind: "pdf", heading: "Art. 1", page: 3.7, text: "Text.", start: 10, end: 20, extra: "<b>" },
    { id: 2, title: "", url: "", page: "3", start: null },
    { id: "3", title: "string id" }, { id: 4.5 }, null, "x",
  ]);
  assert.deepEqual(sources, [
    { id: 1, document_id: "peace/accord", title: "Accord", url: "https://example.org/a.pdf", date: "2024-01-02",
      kind: "pdf", heading: "Art. 1", page: 3, text: "Text.", start: 10, end: 20 },
    { id: 2, document_id: "", title: "Untitled document", url: null, date: "", kind: "", heading: "",
      page: null, text: "", start: null, end: null },
  ]);
  assert.deepEqual(normalizeSources({ id: 1 }), []);
  assert.deepEqual(normalizeSources(undefined), []);
});

test("validColor: what the browser accepts as a colour, never var() or url()", (t) => {
  assert.equal(validColor("red"), null, "no CSS object (node): no colour");
  const seen = [];
  globalThis.CSS = { supports: (property, value) => (seen.push([property, value]), value !== "nonsense") };
  t.after(() => delete globalThis.CSS);
  assert.equal(validColor("#0a7"), "#0a7");
  assert.equal(validColor("nonsense"), null);
  assert.deepEqual(seen, [["color", "#0a7"], ["color", "nonsense"]]);
  for (const bad of ["var(--x)", "VAR(--page-colour)", "url(https://evil.example/x)", "", null, undefined]) {
    assert.equal(validColor(bad), null, String(bad));
  }
  assert.equal(seen.length, 2, "var()/url() are refused before the browser is asked");
});

test("normalizeSentences: integer offsets, cited ids and passage offsets (null when absent); none: null", () => {
  assert.deepEqual(normalizeSentences([
    { start: 0, end: 12, sources: [2, 1], passage_start: 40, passage_end: 52 },
    { start: 13, end: 20.9, sources: ["1", 3, null], passage_start: "4" },
    { start: 21, end: 30 }, null, "x",
  ]), [
    { start: 0, end: 12, sources: [2, 1], passage_start: 40, passage_end: 52 },
    { start: 13, end: 20, sources: [3], passage_start: null, passage_end: null },
    { start: 21, end: 30, sources: [], passage_start: null, passage_end: null },
  ]);
  assert.deepEqual(normalizeSentences([]), []);
  assert.equal(normalizeSentences(undefined), null);
  assert.equal(normalizeSentences({ start: 0 }), null);
});
