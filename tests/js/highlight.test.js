// Highlighting (service/static/widget/highlight.js): the passage view marks the cited sentence in a
// passage that wraps, quotes and capitalises it differently, or marks nothing rather than noise.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { normalize, longestCommonSubstring, findHighlight, stripHeadingMarks, exactSpan, passageDisplay } = require("../../service/static/widget/highlight.js");

// The marked text, or null when nothing is marked.
function marked(passage, sentence) {
  const mark = findHighlight(passage, sentence);
  return mark && passage.slice(mark.start, mark.end);
}

test("normalize: lower case, straight quotes, one space per whitespace run, a map back to the original", () => {
  const source = "  A\n\n\u201cB\u2019 ";
  assert.deepEqual(normalize(source), { text: 'a "b\' ', map: [2, 3, 5, 6, 7, 8] });
  const { text, map } = normalize("Line one\r\n   LINE two");
  assert.equal(text, "line one line two");
  assert.equal(map.length, text.length);
  assert.equal("Line one\r\n   LINE two"[map[text.indexOf("two")]], "t");
});

test("longestCommonSubstring: where in the first string the longest shared run starts, and its length", () => {
  assert.deepEqual(longestCommonSubstring("xxabcdyy", "zabcdz"), { start: 2, length: 4 });
  assert.deepEqual(longestCommonSubstring("abc", "xyz"), { start: 0, length: 0 });
});

test("the cited sentence is found despite line wrapping, case, curly quotes and its markers", () => {
  const passage = "Article 2.\nThe Parties agree that\n\u201call forces\u201d shall WITHDRAW\n   within 30 days.\nArticle 3.";
  const sentence = 'The parties agree that "all forces" shall withdraw within 30 days.[1][2]';
  assert.equal(marked(passage, sentence), "The Parties agree that\n\u201call forces\u201d shall WITHDRAW\n   within 30 days.");
});

test("a paraphrase is marked by its longest overlap, widened to whole words", () => {
  const passage = "Section 5. Disarmament of militias shall be completed before the elections are held.";
  const sentence = "The armament of militias shall be completed soon, the text says.";
  assert.equal(marked(passage, sentence), "Disarmament of militias shall be completed");
});

test("an overlap too short to mean anything marks nothing", () => {
  const passage = "The ceasefire enters into force at midnight on the day of signature.";
  assert.equal(marked(passage, "Refugees may return to their homes in safety."), null);
  assert.equal(marked(passage, "The ceasefire is respected by both sides."), null); // "the ceasefire " is 14 < 21
});

test("sentences under four characters (once markers are gone) mark nothing", () => {
  assert.equal(marked("No. Yes. No.", "No.[1]"), null);
  assert.equal(marked("Anything at all.", "[1]"), null);
  assert.equal(marked("Anything at all.", ""), null);
});

test("the mark has no whitespace at its edges", () => {
  const passage = "Preamble.\n\n   Both sides release all detainees.   \n\nEnd.";
  const mark = findHighlight(passage, "  both sides release all detainees.  ");
  assert.equal(passage.slice(mark.start, mark.end), "Both sides release all detainees.");
});

test("a long passage is not searched for a mere overlap (quadratic); an exact match is still found", () => {
  const sentence = "We read that lorem ipsum dolor sit amet lorem ipsum, which is quoted loosely.";
  const short = "lorem ipsum dolor sit amet ".repeat(4);
  assert.equal(marked(short, sentence), "amet lorem ipsum dolor sit amet lorem ipsum"); // the overlap, whole words
  const long = "lorem ipsum dolor sit amet ".repeat(2500); // 67,500 characters x 77 > 5e6
  assert.equal(findHighlight(long, sentence), null);
  const exact = "The monitoring mission reports every week.";
  assert.equal(marked(long + exact + " " + long, exact), exact);
});

test("stripHeadingMarks: no Markdown heading marks at line starts, and a map from raw to shown offsets", () => {
  const raw = "## Article 2\nText.\n  ### Sub #3\n#hashtag and 7 marks:\n####### x\n# ";
  const { text, map } = stripHeadingMarks(raw);
  assert.equal(text, "Article 2\nText.\nSub #3\n#hashtag and 7 marks:\n####### x\n");
  assert.equal(map.length, raw.length + 1);
  assert.equal(map[raw.length], text.length);
  for (const word of ["Article", "Text.", "Sub", "hashtag"]) {
    assert.equal(text.slice(map[raw.indexOf(word)]).startsWith(word), true, word);
  }
  assert.equal(map[0], 0); // inside a removed mark: where its heading text begins
  assert.equal(map[raw.indexOf("###")], text.indexOf("Sub"));
  assert.deepEqual(stripHeadingMarks("No headings.\nAt all."), { text: "No headings.\nAt all.", map: [...Array(21).keys()] });
  assert.deepEqual(stripHeadingMarks(""), { text: "", map: [0] });
});

test("exactSpan: integer offsets that fit the passage, else null", () => {
  assert.deepEqual(exactSpan("0123456789", { start: 2, end: 10 }), { start: 2, end: 10 });
  for (const bad of [null, undefined, {}, { start: 2 }, { start: 2, end: 11 }, { start: -1, end: 3 },
    { start: 4, end: 4 }, { start: 5, end: 3 }, { start: 1.5, end: 3 }, { start: "1", end: 3 }]) {
    assert.equal(exactSpan("0123456789", bad), null, JSON.stringify(bad));
  }
});

test("passageDisplay: the server's offsets win over matching, mapped past removed heading marks", () => {
  const raw = "## Annex A\n### Lines of contact\nThe lines are on the map. Forces stay put.";
  const start = raw.indexOf("Forces");
  const shown = passageDisplay(raw, "A sentence that matches nothing in it.", { start, end: raw.length });
  assert.equal(shown.text, "Annex A\nLines of contact\nThe lines are on the map. Forces stay put.");
  assert.equal(shown.exact, true);
  assert.equal(shown.text.slice(shown.mark.start, shown.mark.end), "Forces stay put.");
  // A span from the mark's start (the raw "## ...") marks the heading text, never a mark or edge space.
  const heading = passageDisplay(raw, "", { start: 0, end: raw.indexOf("\n###") + 1 });
  assert.equal(heading.text.slice(heading.mark.start, heading.mark.end), "Annex A");
});

test("passageDisplay: without usable offsets, the sentence is matched in the shown text", () => {
  const raw = "## Article 2\nThe parties agree to a ceasefire.";
  for (const span of [null, { start: 0, end: 999 }, { start: 0, end: 3 }]) { // absent, too long, only "## "
    const shown = passageDisplay(raw, "Article 2 The parties agree to a ceasefire.[1]", span);
    assert.equal(shown.exact, false, JSON.stringify(span));
    assert.equal(shown.text.slice(shown.mark.start, shown.mark.end), "Article 2\nThe parties agree to a ceasefire.");
  }
  assert.deepEqual(passageDisplay(raw, "", null), { text: "Article 2\nThe parties agree to a ceasefire.", mark: null, exact: false });
});
