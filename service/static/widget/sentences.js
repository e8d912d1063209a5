// The answer cut into sentences, the way the server's old splitter did it.
//
// The fallback when the server sent no `sentences` spans (while an answer streams, or an older
// server): re.split(r"(?<=[.!?])\s+", answer) with nothing removed. The class below is exactly
// Python's str `\s`; no look-behind, so that older Safari can still parse this file.
"use strict";

// [{text, sep}]: each sentence and the whitespace that followed it ("" after the last one), so that
// joining them all gives the answer back unchanged.
function splitSentences(text) {
  const space = /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;
  const parts = [];
  let start = 0;
  let match;
  while ((match = space.exec(text))) {
    if (match.index > 0 && ".!?".includes(text[match.index - 1])) {
      parts.push({ text: text.slice(start, match.index), sep: match[0] });
      start = match.index + match[0].length;
    }
  }
  parts.push({ text: text.slice(start), sep: "" });
  return parts;
}

if (typeof module !== "undefined") module.exports = { splitSentences };
