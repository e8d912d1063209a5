// The widget's fallback sentence split (service/static/widget/sentences.js) must cut where the
// server's re.split(r"(?<=[.!?])\s+", answer) cuts, and lose nothing: `unsupported` indexes count
// sentences the server's way.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { splitSentences } = require("../../service/static/widget/sentences.js");

const texts = (answer) => splitSentences(answer).map((p) => p.text);
const rejoin = (parts) => parts.map((p) => p.text + p.sep).join("");

test("cuts after . ! ? followed by whitespace, keeping the punctuation", () => {
  assert.deepEqual(texts("One. Two! Three? Four"), ["One.", "Two!", "Three?", "Four"]);
});

test("no cut without whitespace after the punctuation, nor after other characters", () => {
  assert.deepEqual(texts("Article 3.5 applies.[1] See also e.g.x; fine"), ["Article 3.5 applies.[1] See also e.g.x; fine"]);
  assert.deepEqual(texts("Ends with a marker [1] Then more."), ["Ends with a marker [1] Then more."]);
});

test("the whitespace between sentences is kept as `sep`, so the parts give the answer back", () => {
  const answer = "First.  Second!\n\nThird?\tFourth.";
  const parts = splitSentences(answer);
  assert.deepEqual(parts.map((p) => p.sep), ["  ", "\n\n", "\t", ""]);
  assert.equal(rejoin(parts), answer);
});

test("whitespace is Python's \\s: no-break and other Unicode spaces cut too", () => {
  assert.deepEqual(texts("A.\u00a0B.\u2003C.\u3000D."), ["A.", "B.", "C.", "D."]);
  assert.deepEqual(texts("A.\u200bB."), ["A.\u200bB."]); // zero-width space is not \s in Python
});

test("a leading space is no cut, trailing whitespace gives an empty last sentence (as re.split does)", () => {
  assert.deepEqual(splitSentences(" A. B"), [{ text: " A.", sep: " " }, { text: "B", sep: "" }]);
  assert.deepEqual(splitSentences("Done. "), [{ text: "Done.", sep: " " }, { text: "", sep: "" }]);
  assert.deepEqual(splitSentences(""), [{ text: "", sep: "" }]);
});
