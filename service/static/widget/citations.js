// Citation markers in an answer ("[1]", "[1][2]") and the text each one cites.
"use strict";

// Under node this part is a module of its own and takes what it uses from its neighbour; joined for
// the browser, every part shares one scope (where `module` is undefined) and this line does nothing
// but re-declare, harmlessly, the neighbour's function.
if (typeof module !== "undefined") var { splitSentences } = require("./sentences.js");

// Every marker with its offset and length in `text`. A fresh regex per call: a shared /g regex keeps state.
function findMarkers(text) {
  const re = /\[(\d{1,4})\]/g;
  const found = [];
  let match;
  while ((match = re.exec(text))) found.push({ index: match.index, length: match[0].length, id: +match[1] });
  return found;
}

// The text without its markers. A function declaration, as everything a part takes from a neighbour
// must be: joined, a `const` would clash with that neighbour's `var` line.
function stripMarkers(text) {
  return text.replace(/\[\d{1,4}\]/g, "").trim();
}

// The server's sentence spans ({start, end, sources}: offsets into the answer, markers included),
// when they are ordered, do not overlap and fit the text; null otherwise.
function validSpans(answer, spans) {
  if (!Array.isArray(spans) || !spans.length) return null;
  let at = 0;
  for (const s of spans) {
    if (!s || !Number.isInteger(s.start) || !Number.isInteger(s.end)) return null;
    if (s.start < at || s.end < s.start || s.end > answer.length) return null;
    at = s.end;
  }
  return spans;
}

// The answer cut into runs: sentences ({text, index}) and the text between them ({text, index: null}).
// The server's spans when it sent them (`unsupported` indexes point into that list), else splitSentences.
function answerRuns(answer, spans) {
  const runs = [];
  const given = validSpans(answer, spans);
  if (given) {
    let at = 0;
    given.forEach((s, index) => {
      if (s.start > at) runs.push({ text: answer.slice(at, s.start), index: null });
      runs.push({ text: answer.slice(s.start, s.end), index });
      at = s.end;
    });
    if (at < answer.length) runs.push({ text: answer.slice(at), index: null });
    return runs;
  }
  splitSentences(answer).forEach((part, index) => {
    runs.push({ text: part.text, index });
    if (part.sep) runs.push({ text: part.sep, index: null });
  });
  return runs;
}

// What each marker cites (marker offset in the answer -> text). With the server's spans: the whole
// sentence that holds the marker, markers removed. Without them: the text run just before the marker
// (back to the previous marker), cut to its last sentence — "A.[1] B.[2]" is one sentence for the
// splitter, yet [2] cites "B."; a marker with no text before it (the [2] of "[1][2]") shares the
// previous run.
function citedTexts(answer, spans) {
  const cited = {};
  const given = validSpans(answer, spans);
  if (given) {
    for (const s of given) {
      const sentence = answer.slice(s.start, s.end);
      for (const m of findMarkers(sentence)) cited[s.start + m.index] = stripMarkers(sentence);
    }
    return cited;
  }
  let runStart = 0;
  let current = "";
  for (const m of findMarkers(answer)) {
    const run = splitSentences(answer.slice(runStart, m.index)).map((p) => stripMarkers(p.text));
    current = run.filter(Boolean).pop() || current;
    cited[m.index] = current;
    runStart = m.index + m.length;
  }
  return cited;
}

// Where each marker's quote sits in its passage (marker offset in the answer -> {start, end} in that
// source's `text`), from the server's spans: only for markers of a sentence's first cited source (the
// one its passage_start/passage_end refer to). Markers missing here are matched by text instead.
function citedSpans(answer, spans) {
  const found = {};
  const given = validSpans(answer, spans);
  if (!given) return found;
  for (const s of given) {
    if (!Number.isInteger(s.passage_start) || !Number.isInteger(s.passage_end)) continue;
    const markers = findMarkers(answer.slice(s.start, s.end));
    const first = Array.isArray(s.sources) && s.sources.length ? s.sources[0] : markers.length ? markers[0].id : null;
    for (const m of markers) {
      if (m.id === first) found[s.start + m.index] = { start: s.passage_start, end: s.passage_end };
    }
  }
  return found;
}

if (typeof module !== "undefined") {
  module.exports = { findMarkers, stripMarkers, validSpans, answerRuns, citedTexts, citedSpans };
}
