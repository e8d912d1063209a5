// Values from outside (the server's JSON, a Retry-After header, the embed's attributes) made safe to use.
//
// Like every part of the widget this is a plain script: the service joins the parts into one function
// scope for the browser, and under node each part is a module (its guarded export at the bottom).
"use strict";

const str = (value) => (typeof value === "string" ? value : value == null ? "" : String(value));
const intOrNull = (value) => (Number.isFinite(value) ? Math.trunc(value) : null);

// Links only for absolute http(s) URLs; javascript:, data: and the like give no link at all.
function safeHttpUrl(value) {
  try {
    const url = new URL(str(value));
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch (e) {
    return null;
  }
}

// A colour for the CSS custom property; var() and url() could pull in the page's values or a request.
function validColor(value) {
  if (!value || /var\(|url\(/i.test(value)) return null;
  return typeof CSS !== "undefined" && CSS.supports("color", value) ? value : null;
}

// Seconds to wait, from a Retry-After header: a number of seconds or an HTTP date (at least 1 then).
function retryAfterSeconds(value) {
  if (!value) return null;
  if (/^\s*\d+\s*$/.test(value)) return parseInt(value, 10);
  const when = Date.parse(value);
  return isNaN(when) ? null : Math.max(1, Math.ceil((when - Date.now()) / 1000));
}

// The server's sources with every field of the type the renderer expects; entries without an
// integer id (which the answer's [n] markers refer to) are dropped. `untitled`: the title of a source without one.
function normalizeSources(list, untitled = "Untitled document") {
  if (!Array.isArray(list)) return [];
  return list.filter((s) => s && typeof s === "object" && Number.isInteger(s.id)).map((s) => ({
    id: s.id, document_id: str(s.document_id), title: str(s.title) || untitled,
    url: str(s.url) || null, date: str(s.date), kind: str(s.kind), heading: str(s.heading),
    page: intOrNull(s.page), text: str(s.text), start: intOrNull(s.start), end: intOrNull(s.end),
  }));
}

// The server's sentence spans: offsets in the answer, the source ids each cites, and where its quote
// sits in the first cited source's `text` (passage_start/passage_end, null when not given). null when
// the payload has none.
function normalizeSentences(list) {
  if (!Array.isArray(list)) return null;
  return list.filter((x) => x && typeof x === "object").map((x) => ({
    start: intOrNull(x.start), end: intOrNull(x.end),
    sources: Array.isArray(x.sources) ? x.sources.filter(Number.isInteger) : [],
    passage_start: intOrNull(x.passage_start), passage_end: intOrNull(x.passage_end),
  }));
}

if (typeof module !== "undefined") {
  module.exports = { str, intOrNull, safeHttpUrl, validColor, retryAfterSeconds, normalizeSources, normalizeSentences };
}
