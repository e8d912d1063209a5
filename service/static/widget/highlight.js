// Where a cited sentence sits in its source passage, so the passage view can mark it, and the passage
// as the view shows it.
//
// The answer rarely quotes a passage byte for byte: lines wrap differently, quotes are curly or
// straight, case changes at a sentence start. Matching runs on a normalized copy and maps back.
"use strict";

// See citations.js: under node, take the neighbour's function; joined, this line does nothing.
if (typeof module !== "undefined") var { stripMarkers } = require("./citations.js");

// Case-, quote- and whitespace-insensitive copy of a text with a map back to original offsets
// (`map[i]` is the offset in `text` of the normalized character i).
function normalize(text) {
  const out = [];
  const map = [];
  let lastWasSpace = true;
  for (let i = 0; i < text.length; i++) {
    let ch = text[i];
    if (/\s/.test(ch)) {
      if (lastWasSpace) continue;
      ch = " ";
    } else if (ch === "\u2018" || ch === "\u2019") ch = "'";
    else if (ch === "\u201c" || ch === "\u201d") ch = '"';
    else if (ch.toLowerCase().length === 1) ch = ch.toLowerCase();
    lastWasSpace = ch === " ";
    out.push(ch);
    map.push(i);
  }
  return { text: out.join(""), map };
}

// {start, length} of the longest substring of `a` that also occurs in `b` (start is an offset in `a`).
function longestCommonSubstring(a, b) {
  let prev = new Uint16Array(b.length + 1);
  let cur = new Uint16Array(b.length + 1);
  let best = 0;
  let bestEnd = 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : 0;
      if (cur[j] > best) [best, bestEnd] = [cur[j], i];
    }
    [prev, cur] = [cur, prev];
  }
  return { start: bestEnd - best, length: best };
}

// {start, end} in the passage: the sentence itself, else its longest overlapping span when that is
// long enough to mean something; null means "highlight nothing".
function findHighlight(passage, sentence) {
  const needle = normalize(stripMarkers(sentence)).text.trim().slice(0, 600);
  if (needle.length < 4) return null;
  const hay = normalize(passage);
  let at = hay.text.indexOf(needle);
  let length = needle.length;
  if (at === -1) {
    if (hay.text.length * needle.length > 5e6) return null;
    const common = longestCommonSubstring(hay.text, needle);
    if (common.length < Math.max(12, Math.min(40, Math.ceil(needle.length / 2)))) return null;
    [at, length] = [common.start, common.length];
  }
  let start = hay.map[at];
  let end = hay.map[at + length - 1] + 1;
  // Widen a partial overlap to whole words so the mark does not cut words in half; no edge spaces.
  while (start < end && /\s/.test(passage[start])) start++;
  while (end > start && /\s/.test(passage[end - 1])) end--;
  while (start > 0 && /\w/.test(passage[start - 1]) && /\w/.test(passage[start])) start--;
  while (end < passage.length && /\w/.test(passage[end]) && /\w/.test(passage[end - 1])) end++;
  return { start, end };
}

// The passage as the widget shows it: without the Markdown heading marks ("## ") at line starts, which
// the service keeps in `text` (its offsets count them) but drops from quotes. `map[i]` is the shown
// offset of the passage's offset i (0..length; a removed mark maps to where its heading text begins).
function stripHeadingMarks(passage) {
  const re = /^[ \t]*#{1,6}[ \t]+/gm; // the service's own pattern (tidy() in service/answer/extractive.py)
  const map = new Array(passage.length + 1);
  let text = "";
  let at = 0;
  const keep = (end) => {
    for (let i = at; i < end; i++) map[i] = text.length + i - at;
    text += passage.slice(at, end);
  };
  let match;
  while ((match = re.exec(passage))) {
    keep(match.index);
    at = match.index + match[0].length;
    for (let i = match.index; i < at; i++) map[i] = text.length;
  }
  keep(passage.length);
  map[passage.length] = text.length;
  return { text, map };
}

// The server's quote offsets ({start, end} in the passage's `text`) when they fit it; null otherwise.
function exactSpan(passage, span) {
  if (!span || !Number.isInteger(span.start) || !Number.isInteger(span.end)) return null;
  if (span.start < 0 || span.end <= span.start || span.end > passage.length) return null;
  return { start: span.start, end: span.end };
}

// What the passage view shows: {text, mark, exact}. The text without heading marks; the mark ({start,
// end} in that text, or null) from the server's offsets when they fit (mapped past the removed
// marks), else found by matching the cited sentence; `exact` says which.
function passageDisplay(passage, citedText, span) {
  const shown = stripHeadingMarks(passage);
  const given = exactSpan(passage, span);
  if (given) {
    let start = shown.map[given.start];
    let end = shown.map[given.end];
    while (start < end && /\s/.test(shown.text[start])) start++;
    while (end > start && /\s/.test(shown.text[end - 1])) end--;
    if (end > start) return { text: shown.text, mark: { start, end }, exact: true };
  }
  return { text: shown.text, mark: findHighlight(shown.text, citedText || ""), exact: false };
}

if (typeof module !== "undefined") {
  module.exports = { normalize, longestCommonSubstring, findHighlight, stripHeadingMarks, exactSpan, passageDisplay };
}
