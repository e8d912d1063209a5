// Citation markers (service/static/widget/citations.js): which [n] become chips, how the answer is cut
// into sentences (the server's spans when valid), and which text each chip opens highlighted.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { findMarkers, stripMarkers, validSpans, answerRuns, citedTexts, citedSpans } = require("../../service/static/widget/citations.js");

test("findMarkers: offset, length and number of every [n] of up to four digits", () => {
  assert.deepEqual(findMarkers("A [1][23] b [4567]."), [
    { index: 2, length: 3, id: 1 },
    { index: 5, length: 4, id: 23 },
    { index: 12, length: 6, id: 4567 },
  ]);
  assert.deepEqual(findMarkers("[12345] [a] [ 1] [] (1) [-1]"), []);
  assert.deepEqual(findMarkers("[007]"), [{ index: 0, length: 5, id: 7 }]);
});

test("findMarkers keeps no state between calls", () => {
  assert.equal(findMarkers("x [1]").length, 1);
  assert.equal(findMarkers("[2]").length, 1); // a shared /g regex would resume at offset 5 and miss it
});

test("stripMarkers removes markers and trims, leaving other brackets", () => {
  assert.equal(stripMarkers("  Troops withdraw.[1][2] "), "Troops withdraw.");
  assert.equal(stripMarkers("See [Annex A] and [12345]."), "See [Annex A] and [12345].");
});

test("validSpans: ordered, non-overlapping integer spans inside the answer, else null", () => {
  const answer = "One [1]. Two [2].";
  const spans = [{ start: 0, end: 8 }, { start: 9, end: 17 }];
  assert.equal(validSpans(answer, spans), spans);
  const touching = [{ start: 0, end: 8 }, { start: 8, end: 8 }, { start: 9, end: 17 }]; // empty, adjacent
  assert.equal(validSpans(answer, touching), touching);
  for (const bad of [
    null, [], "spans", [null],
    [{ start: 0, end: 18 }], // past the end
    [{ start: 0, end: 9 }, { start: 8, end: 17 }], // overlap
    [{ start: 9, end: 17 }, { start: 0, end: 8 }], // out of order
    [{ start: 5, end: 2 }], // backwards
    [{ start: 0.5, end: 8 }], [{ start: "0", end: 8 }], [{ start: 0 }],
  ]) {
    assert.equal(validSpans(answer, bad), null, JSON.stringify(bad));
  }
});

test("answerRuns with the server's spans: sentences numbered in span order, gaps as runs of their own", () => {
  const answer = "Intro: One [1].  Two [2]. tail";
  const spans = [{ start: 7, end: 15 }, { start: 17, end: 25 }];
  const runs = answerRuns(answer, spans);
  assert.deepEqual(runs, [
    { text: "Intro: ", index: null },
    { text: "One [1].", index: 0 },
    { text: "  ", index: null },
    { text: "Two [2].", index: 1 },
    { text: " tail", index: null },
  ]);
  assert.equal(runs.map((r) => r.text).join(""), answer);
});

test("answerRuns without (valid) spans: the sentence split, whitespace between as unnumbered runs", () => {
  const answer = "One [1].  Two [2]! Three";
  const expected = [
    { text: "One [1].", index: 0 },
    { text: "  ", index: null },
    { text: "Two [2]!", index: 1 },
    { text: " ", index: null },
    { text: "Three", index: 2 },
  ];
  assert.deepEqual(answerRuns(answer, null), expected);
  assert.deepEqual(answerRuns(answer, [{ start: 0, end: 99 }]), expected); // invalid spans are ignored
});

test("citedTexts with spans: each marker cites its whole sentence, markers removed", () => {
  // The server says the first two clauses are one sentence: both markers cite all of it (without
  // spans, [1] would cite "Forces withdraw." alone).
  const answer = "Forces withdraw.[1] Within 30 days.[2] Talks resume [3].";
  const spans = [{ start: 0, end: 38 }, { start: 39, end: answer.length }];
  assert.deepEqual(citedTexts(answer, spans), {
    [answer.indexOf("[1]")]: "Forces withdraw. Within 30 days.",
    [answer.indexOf("[2]")]: "Forces withdraw. Within 30 days.",
    [answer.indexOf("[3]")]: "Talks resume .",
  });
  assert.equal(citedTexts(answer, null)[answer.indexOf("[1]")], "Forces withdraw.");
});

test("citedTexts without spans: the last sentence before each marker", () => {
  // "A.[1] B.[2]" is one sentence for the split, yet [2] cites "B."
  const answer = "Forces withdraw.[1] Talks resume.[2]";
  assert.deepEqual(citedTexts(answer, null), { 16: "Forces withdraw.", 33: "Talks resume." });
});

test("citedTexts without spans: a marker right after another shares its text", () => {
  const answer = "The ceasefire holds.[1][2] Prisoners are exchanged [3].";
  assert.deepEqual(citedTexts(answer, null), {
    20: "The ceasefire holds.",
    23: "The ceasefire holds.",
    51: "Prisoners are exchanged",
  });
});

test("citedTexts: a marker at the very start cites nothing; no markers, no entries", () => {
  assert.deepEqual(citedTexts("[1] Text.", null), { 0: "" });
  assert.deepEqual(citedTexts("No citations here.", null), {});
});

test("citedSpans: the server's quote offsets, for the markers of each sentence's first cited source", () => {
  const answer = "Forces withdraw. [2][1] Talks resume. [1] No offsets here. [1]";
  const spans = [
    { start: 0, end: 23, sources: [2, 1], passage_start: 5, passage_end: 21 },
    { start: 24, end: 41, sources: [1], passage_start: 0, passage_end: 13 },
    { start: 42, end: answer.length, sources: [1], passage_start: null, passage_end: null },
  ];
  assert.deepEqual(citedSpans(answer, spans), {
    [answer.indexOf("[2]")]: { start: 5, end: 21 }, // [1] of that sentence is not its first source
    [answer.indexOf("[1]", 24)]: { start: 0, end: 13 },
  });
  // Without `sources`, the sentence's first marker is its first cited source.
  const bare = [{ start: 0, end: 23, passage_start: 5, passage_end: 21 }];
  assert.deepEqual(citedSpans(answer, bare), { [answer.indexOf("[2]")]: { start: 5, end: 21 } });
  assert.deepEqual(citedSpans(answer, null), {});
  assert.deepEqual(citedSpans(answer, [{ start: 0, end: 999, sources: [1], passage_start: 0, passage_end: 4 }]), {});
});
