/*! accords chat widget. Vanilla JS, no build step; it loads nothing but its own requests.
 *
 * Launcher (floating button + panel):
 *   <script src="https://HOST/widget.js" data-site-key="pk_..." async></script>
 *   optional: data-title, data-greeting, data-placeholder, data-position="bottom-right|bottom-left",
 *             data-primary-color (any CSS colour), data-open (panel open at load),
 *             data-mode="inline" (only define <accords-chat>, never add a launcher)
 * Inline (panel rendered in place, no launcher; the script tag above must be on the page too):
 *   <accords-chat site-key="pk_..." title="..." greeting="..." placeholder="..."></accords-chat>
 *   Its height is the custom property `--accords-height` on the element (default 560px).
 *
 * Every request goes to the origin this script was loaded from (the service origin):
 *   POST /chat/stream (Server-Sent Events) and GET /widget/status (after a network failure).
 */
(() => {
  "use strict";

  const TAG = "accords-chat";
  const DEFAULTS = {
    title: "Ask the documents",
    greeting: "Ask a question about the documents. Every answer cites the passages it comes from.",
    placeholder: "Ask a question…",
  };
  const IDLE_TIMEOUT_MS = 60000; // abort when the service sends no byte for this long
  const STATUS_TIMEOUT_MS = 10000;
  const MAX_STORED_MESSAGES = 40; // sessionStorage is small (~5 MB) and sources carry passages

  if (!window.customElements || !window.fetch || !window.ReadableStream) return;
  // The snippet pasted twice: the first copy owns the element and the launcher.
  if (customElements.get(TAG)) return;

  // ------------------------------------------------------------------ script tag, service origin

  function findOwnScript() {
    const current = document.currentScript;
    if (current && current.src) return current;
    // currentScript can be null (e.g. when a tag manager injects us): take the last embed snippet,
    // preferring one that carries a site key.
    const candidates = [...document.querySelectorAll('script[src*="widget.js"]')];
    return candidates.reverse().find((s) => s.hasAttribute("data-site-key")) || candidates[0] || null;
  }

  const SCRIPT = findOwnScript();
  if (!SCRIPT) return;
  let ORIGIN = null;
  try {
    ORIGIN = new URL(SCRIPT.src, location.href).origin;
  } catch (e) {
    return;
  }
  if (!/^https?:\/\//.test(ORIGIN)) return;

  // ------------------------------------------------------------------ small pure helpers

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

  function validColor(value) {
    if (!value || /var\(|url\(/i.test(value)) return null;
    return window.CSS && CSS.supports("color", value) ? value : null;
  }

  function passageLink(source) {
    if (!source.document_id || source.start == null || source.end == null) return null;
    const id = encodeURIComponent(source.document_id);
    return `${ORIGIN}/documents/${id}/text?start=${source.start}&end=${source.end}`;
  }

  // The fallback when the server sent no `sentences` spans (while an answer streams, or an older
  // server): the old server splitter, re.split(r"(?<=[.!?])\s+", answer) with nothing removed. The class
  // below is exactly Python's str `\s`; no look-behind, so that older Safari can still parse this file.
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

  // Citation markers "[1]", "[1][2]". A fresh regex per call: a shared /g regex keeps state.
  function findMarkers(text) {
    const re = /\[(\d{1,4})\]/g;
    const found = [];
    let match;
    while ((match = re.exec(text))) found.push({ index: match.index, length: match[0].length, id: +match[1] });
    return found;
  }

  const stripMarkers = (text) => text.replace(/\[\d{1,4}\]/g, "").trim();

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
  // The server's spans when it sent them (`unsupported` indexes point into that list), else the split above.
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

  // Case-, quote- and whitespace-insensitive copy of a text with a map back to original offsets, so
  // that an answer sentence is found in a passage that wraps its lines differently.
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

  // Where the cited sentence sits in the passage: the sentence itself, else its longest overlapping
  // span when that is long enough to mean something; null means "highlight nothing".
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

  function retryAfterSeconds(value) {
    if (!value) return null;
    if (/^\s*\d+\s*$/.test(value)) return parseInt(value, 10);
    const when = Date.parse(value); // Retry-After may also be an HTTP date
    return isNaN(when) ? null : Math.max(1, Math.ceil((when - Date.now()) / 1000));
  }

  function normalizeSources(list) {
    if (!Array.isArray(list)) return [];
    return list.filter((s) => s && typeof s === "object" && Number.isInteger(s.id)).map((s) => ({
      id: s.id, document_id: str(s.document_id), title: str(s.title) || "Untitled document",
      url: str(s.url) || null, date: str(s.date), kind: str(s.kind), heading: str(s.heading),
      page: intOrNull(s.page), text: str(s.text), start: intOrNull(s.start), end: intOrNull(s.end),
    }));
  }

  // ------------------------------------------------------------------ Server-Sent Events

  // Hand-written, because EventSource cannot POST. Fields `event:` and `data:`; a blank line ends an
  // event; multi-line data is joined with "\n"; lines starting with ":" are comments (keep-alives).
  function createSseParser(onEvent) {
    let buffer = "";
    let pendingCR = false; // a "\r" ending a chunk may be the first half of "\r\n"
    let type = "";
    let data = [];
    const dispatch = () => {
      if (data.length) onEvent({ type: type || "message", data: data.join("\n") });
      type = "";
      data = [];
    };
    const line = (text) => {
      if (text === "") return dispatch();
      if (text[0] === ":") return;
      const colon = text.indexOf(":");
      const field = colon === -1 ? text : text.slice(0, colon);
      let value = colon === -1 ? "" : text.slice(colon + 1);
      if (value[0] === " ") value = value.slice(1);
      if (field === "event") type = value;
      else if (field === "data") data.push(value);
      // `id` and `retry` are ignored: an answer is never resumed.
    };
    return {
      push(chunk) {
        let text = (pendingCR ? "\r" : "") + chunk;
        pendingCR = text.endsWith("\r");
        if (pendingCR) text = text.slice(0, -1);
        buffer += text.replace(/\r\n?/g, "\n");
        let nl;
        while ((nl = buffer.indexOf("\n")) !== -1) {
          const current = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          line(current);
        }
      },
      end() {
        if (buffer) line(buffer);
        buffer = "";
        dispatch(); // lenient: a last event without its closing blank line still counts
      },
    };
  }

  async function readEventStream(body, onEvent, onBytes) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const parser = createSseParser(onEvent);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      onBytes();
      parser.push(decoder.decode(value, { stream: true }));
    }
    parser.push(decoder.decode());
    parser.end();
  }

  // ------------------------------------------------------------------ DOM helpers (text only)

  // Tag and attribute names are ours; data only ever goes in as text nodes or attribute values,
  // never as markup.
  function h(tag, props = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value == null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) if (child != null && child !== false) node.append(child);
    return node;
  }

  const ICON_CHAT = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
  const ICON_CLOSE = "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z";
  function icon(pathData) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    const attrs = { viewBox: "0 0 24 24", width: 24, height: 24, "aria-hidden": true, focusable: false };
    for (const [key, value] of Object.entries(attrs)) svg.setAttribute(key, String(value));
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", pathData);
    path.setAttribute("fill", "currentColor");
    svg.append(path);
    return svg;
  }

  const externalLink = (href, label) =>
    h("a", { class: "ext", href, target: "_blank", rel: "noopener noreferrer", text: label });

  // sessionStorage may be disabled, full or corrupted: then the chat still works, it just does not
  // survive a reload.
  function storageGet(key) {
    try {
      return JSON.parse(sessionStorage.getItem(key) || "null");
    } catch (e) {
      return null;
    }
  }

  function storageSet(key, value) {
    try {
      if (value == null) sessionStorage.removeItem(key);
      else sessionStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* see above */ }
  }

  // ------------------------------------------------------------------ styles

  // `all: initial !important` on the host beats a page's `* { all: unset !important }` (for
  // !important rules the shadow tree wins over the page) and cuts inheritance from the page.
  // All sizes are px, never rem: the page's root font size must not matter.
  const CSS_TEXT = `
:host{all:initial !important;display:block !important;}
*,*::before,*::after{box-sizing:border-box;} [hidden]{display:none !important;}
.root{--ac-primary:#1f5fbf;--ac-on-primary:#fff;--ac-bg:#fff;--ac-fg:#1b1f24;--ac-muted:#5b6470;
  --ac-border:#d0d5dc;--ac-soft:#f1f3f6;--ac-user:#e3edfc;--ac-mark:#ffe97a;--ac-mark-fg:#1b1f24;
  --ac-danger:#b42318;--ac-warn:#8a5a00;color-scheme:light;display:block;color:var(--ac-fg);
  font:400 15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
  text-align:start;letter-spacing:normal;word-spacing:normal;overflow-wrap:anywhere;}
@media (prefers-color-scheme:dark){.root{--ac-primary:#7aa7ff;--ac-on-primary:#0b1a33;--ac-bg:#1b1e23;
  --ac-fg:#e7e9ec;--ac-muted:#a3abb6;--ac-border:#3a404a;--ac-soft:#262a31;--ac-user:#22324d;
  --ac-mark:#6b5a00;--ac-mark-fg:#fff8d6;--ac-danger:#ff8a80;--ac-warn:#f2c36b;color-scheme:dark;}}
button{display:inline-flex;align-items:center;justify-content:center;gap:4px;margin:0;padding:0;border:0;
  font:inherit;color:inherit;background:none;cursor:pointer;text-transform:none;}
button:disabled{cursor:default;opacity:.5;} :focus-visible{outline:2px solid var(--ac-primary);outline-offset:2px;}
a.ext{display:inline;color:var(--ac-primary);text-decoration:underline;}
.launcher{position:fixed;z-index:2147483000;bottom:20px;right:20px;width:56px;height:56px;border-radius:50%;
  background:var(--ac-primary);color:var(--ac-on-primary);box-shadow:0 6px 20px rgba(0,0,0,.25);}
.panel{display:flex;flex-direction:column;overflow:hidden;background:var(--ac-bg);color:var(--ac-fg);
  border:1px solid var(--ac-border);border-radius:12px;}
.floating .panel{position:fixed;z-index:2147483001;bottom:88px;right:20px;width:380px;height:600px;
  max-width:calc(100vw - 40px);max-height:calc(100vh - 108px);box-shadow:0 12px 32px rgba(0,0,0,.22);}
.left .launcher,.floating.left .panel{right:auto;left:20px;}
.inline .panel{position:relative;width:100%;height:var(--accords-height,560px);min-height:320px;}
@media (max-width:480px),(max-height:480px){.floating .panel{top:0;left:0;right:0;bottom:0;width:auto;max-width:none;
  height:auto;max-height:none;border:0;border-radius:0;}}
.head{display:flex;flex:0 0 auto;align-items:center;gap:8px;padding:10px 12px;
  border-bottom:1px solid var(--ac-border);}
.title{display:block;flex:1 1 auto;min-width:0;margin:0;font-size:16px;font-weight:600;
  overflow:hidden;text-overflow:ellipsis;white-space:nowrap;}
.tool{height:32px;min-width:32px;padding:0 8px;border-radius:6px;font-size:13px;color:var(--ac-muted);
  white-space:nowrap;} .tool:hover{background:var(--ac-soft);color:var(--ac-fg);}
.view{display:flex;flex-direction:column;flex:1 1 auto;min-height:0;}
.log{display:block;flex:1 1 auto;min-height:0;overflow-y:auto;overscroll-behavior:contain;padding:12px;}
.msg{display:flex;flex-direction:column;align-items:flex-start;margin:0 0 14px;}
.bubble{display:block;max-width:92%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;
  overflow-wrap:anywhere;background:var(--ac-soft);}
.msg.user{align-items:flex-end;} .user .bubble{background:var(--ac-user);}
.not-found .bubble{background:transparent;border:1px dashed var(--ac-border);color:var(--ac-muted);}
.label{display:flex;align-items:center;gap:6px;margin:0 0 4px;font-size:13px;font-weight:600;color:var(--ac-muted);}
.label-icon{display:inline-block;position:relative;width:16px;height:16px;border:2px solid;border-radius:50%;}
.label-icon::after{content:"";position:absolute;left:5px;top:-2px;width:2px;height:16px;
  background:currentColor;transform:rotate(45deg);}
.chip{display:inline-flex;vertical-align:baseline;min-width:22px;height:20px;padding:0 6px;margin:0 1px;
  border:1px solid var(--ac-primary);border-radius:10px;color:var(--ac-primary);background:var(--ac-bg);
  font-size:12px;font-weight:600;line-height:18px;white-space:nowrap;}
.chip:hover{background:var(--ac-primary);color:var(--ac-on-primary);}
.unsupported .said{text-decoration:underline dotted var(--ac-warn);text-underline-offset:3px;}
.flag{display:inline;margin:0 2px;font-size:12px;font-style:italic;color:var(--ac-warn);}
.notice{display:block;max-width:92%;margin:6px 0 0;font-size:13px;color:var(--ac-muted);}
.notice.error{color:var(--ac-danger);}
.typing{display:flex;align-items:center;gap:8px;font-size:14px;color:var(--ac-muted);}
.dots{display:inline-flex;gap:3px;} .dots span{display:block;width:6px;height:6px;border-radius:50%;
  background:currentColor;animation:ac-blink 1.2s infinite ease-in-out;}
.dots span:nth-child(2){animation-delay:.2s;} .dots span:nth-child(3){animation-delay:.4s;}
@keyframes ac-blink{0%,80%,100%{opacity:.25}40%{opacity:1}}
@media (prefers-reduced-motion:reduce){.dots span{animation:none;}}
.sources{display:block;max-width:92%;margin:8px 0 0;font-size:13px;}
.sources-title{display:block;margin:0 0 4px;font-size:12px;font-weight:600;color:var(--ac-muted);
  text-transform:uppercase;letter-spacing:.04em;}
.sources ol{display:block;margin:0;padding:0;list-style:none;} .sources li{display:block;margin:0 0 4px;}
.src-open{display:inline;text-align:start;font-weight:500;color:var(--ac-fg);text-decoration:underline;}
.src-meta{color:var(--ac-muted);}
.composer{display:flex;flex:0 0 auto;align-items:flex-end;gap:8px;padding:10px;
  border-top:1px solid var(--ac-border);}
textarea{display:block;flex:1 1 auto;min-width:0;height:42px;min-height:42px;max-height:140px;margin:0;
  padding:9px 10px;resize:none;font:inherit;font-size:16px;line-height:22px;color:var(--ac-fg);
  background:var(--ac-bg);border:1px solid var(--ac-border);border-radius:8px;}
.send,.stop{flex:0 0 auto;height:42px;padding:0 14px;border-radius:8px;font-weight:600;}
.send{background:var(--ac-primary);color:var(--ac-on-primary);} .stop{border:1px solid var(--ac-border);}
.passage{display:block;flex:1 1 auto;min-height:0;overflow-y:auto;padding:12px 14px;}
.back{height:32px;margin:0 0 10px;padding:0 10px;border:1px solid var(--ac-border);border-radius:6px;}
.p-title{display:block;margin:0 0 4px;font-size:16px;font-weight:600;}
.p-meta,.p-note{display:block;margin:0 0 8px;font-size:13px;color:var(--ac-muted);}
.p-text{display:block;margin:0 0 10px;padding:10px 12px;white-space:pre-wrap;overflow-wrap:anywhere;
  background:var(--ac-soft);border-left:3px solid var(--ac-primary);border-radius:4px;}
mark{padding:0 1px;border-radius:2px;background:var(--ac-mark);color:var(--ac-mark-fg);}
.p-links{display:flex;flex-wrap:wrap;gap:4px 12px;margin:0;font-size:14px;}
.sr{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;}
`;

  let sharedSheet = null;
  function applyStyles(shadow) {
    // A constructed stylesheet is not blocked by the page's CSP; <style> is the fallback.
    try {
      if (!sharedSheet) {
        sharedSheet = new CSSStyleSheet();
        sharedSheet.replaceSync(CSS_TEXT);
      }
      shadow.adoptedStyleSheets = [sharedSheet];
    } catch (e) {
      shadow.append(h("style", { text: CSS_TEXT }));
    }
  }

  // Black or white text on the primary colour, whichever reads better.
  function textColorOn(parent, color) {
    const probe = h("span", { hidden: true });
    probe.style.color = color;
    parent.append(probe);
    const rgb = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/.exec(getComputedStyle(probe).color);
    probe.remove();
    if (!rgb) return "#fff";
    const [r, g, b] = rgb.slice(1, 4).map(Number);
    return (r * 299 + g * 587 + b * 114) / 1000 > 160 ? "#111" : "#fff"; // perceived brightness
  }

  // ------------------------------------------------------------------ HTTP errors

  async function httpErrorMessage(response) {
    const body = await response.json().catch(() => null);
    let detail = body && body.detail;
    if (Array.isArray(detail)) {
      // FastAPI validation errors (422): [{ "msg": "...", ... }]
      detail = detail.map((d) => (d && typeof d === "object" ? str(d.msg) : str(d))).filter(Boolean).join("; ");
    }
    detail = str(detail);
    if (response.status === 429) {
      let seconds = retryAfterSeconds(response.headers.get("Retry-After"));
      if (seconds == null && body) seconds = intOrNull(body.retry_after);
      return `Too many requests — try again in ${seconds == null ? "a moment" : `${seconds} s`}`;
    }
    if (response.status === 403) return detail || "This site is not allowed to use this chat.";
    if (response.status >= 500) return "The service is unavailable right now.";
    return detail || `The request failed (HTTP ${response.status}).`;
  }

  // fetch() rejects without saying why: the service may be down, or it refused this page's origin
  // (CORS). The status endpoint answers every origin, so ask it which one it is.
  async function diagnoseNetworkFailure(siteKey) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), STATUS_TIMEOUT_MS);
    try {
      const response = await fetch(`${ORIGIN}/widget/status?site_key=${encodeURIComponent(siteKey || "")}`, {
        mode: "cors", credentials: "omit", cache: "no-store", signal: controller.signal,
      });
      const body = await response.json();
      if (body && body.origin_allowed === false) {
        return str(body.message) || "This site is not allowed to use this chat.";
      }
      if (response.ok) return "The connection to the service failed. Please try again.";
    } catch (e) {
      // fall through: the service itself is unreachable
    } finally {
      clearTimeout(timer);
    }
    return "Cannot reach the service.";
  }

  // ------------------------------------------------------------------ the chat widget

  class ChatWidget {
    constructor(host, cfg) {
      this.host = host;
      this.cfg = cfg;
      this.floating = !cfg.inline;
      const ns = `accords:${cfg.siteKey || "default"}:`;
      this.keys = { conversation: ns + "conversation", transcript: ns + "transcript" };
      this.messages = storageGet(this.keys.transcript) || [];
      this.conversationId = storageGet(this.keys.conversation);
      this.request = null; // { controller, reason } while a question is in flight
      this.build();
      this.restore();
      if (this.floating) this.setOpen(!!cfg.open, false);
    }

    build() {
      const cfg = this.cfg;
      const shadow = this.host.shadowRoot || this.host.attachShadow({ mode: "open" });
      applyStyles(shadow);
      this.input = h("textarea", {
        rows: 1, placeholder: cfg.placeholder, "aria-label": "Your question", enterkeyhint: "send",
        oninput: () => this.autoGrow(),
        onkeydown: (e) => {
          // Enter sends, Shift+Enter is a newline; never send in the middle of an IME composition.
          if (e.key !== "Enter" || e.shiftKey || e.isComposing || e.keyCode === 229) return;
          e.preventDefault();
          this.submit();
        },
      });
      this.sendButton = h("button", { type: "submit", class: "send", text: "Send" });
      this.stopButton = h("button", {
        type: "button", class: "stop", text: "Stop", hidden: true, "aria-label": "Stop the answer",
        onclick: () => this.abort("stop"),
      });
      this.log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
      const composer = h("form", { class: "composer", onsubmit: (e) => (e.preventDefault(), this.submit()) },
        [this.input, this.sendButton, this.stopButton]);
      this.chatView = h("div", { class: "view" }, [this.log, composer]);
      this.passageView = h("div", { class: "view", hidden: true });
      const head = h("div", { class: "head" }, [
        h("h2", { class: "title", text: cfg.title }),
        h("button", { type: "button", class: "tool", text: "New chat", onclick: () => this.reset() }),
        this.floating && h("button", {
          type: "button", class: "tool close", "aria-label": "Close chat",
          onclick: () => this.setOpen(false, true),
        }, [icon(ICON_CLOSE)]),
      ]);
      this.panel = h("section", {
        class: "panel", id: "accords-panel", role: this.floating ? "dialog" : "region", "aria-label": cfg.title,
      }, [head, this.chatView, this.passageView]);
      const position = cfg.position === "bottom-left" ? " left" : "";
      this.root = h("div", {
        class: `root ${this.floating ? "floating" : "inline"}${position}`,
        onkeydown: (e) => e.key === "Escape" && this.onEscape(e),
      });
      if (this.floating) {
        this.launcher = h("button", {
          type: "button", class: "launcher", "aria-controls": "accords-panel", "aria-expanded": "false",
          onclick: () => this.setOpen(this.panel.hidden, true),
        });
        this.root.append(this.launcher);
      }
      this.root.append(this.panel);
      shadow.append(this.root);
      if (cfg.color) {
        this.root.style.setProperty("--ac-primary", cfg.color);
        this.root.style.setProperty("--ac-on-primary", textColorOn(this.root, cfg.color));
      }
    }

    setOpen(open, moveFocus) {
      this.panel.hidden = !open;
      this.launcher.setAttribute("aria-expanded", String(open));
      this.launcher.setAttribute("aria-label", `${open ? "Close" : "Open"} chat: ${this.cfg.title}`);
      this.launcher.replaceChildren(icon(open ? ICON_CLOSE : ICON_CHAT));
      // data-open at page load must not steal the page's focus; a person's click does move it.
      if (moveFocus) (open ? this.input : this.launcher).focus();
    }

    onEscape(e) {
      if (!this.passageView.hidden) this.closePassage();
      else if (this.floating && !this.panel.hidden) this.setOpen(false, true);
      else return;
      e.preventDefault();
    }

    autoGrow() {
      this.input.style.height = "auto";
      this.input.style.height = `${Math.min(this.input.scrollHeight + 2, 140)}px`;
    }

    save() {
      this.messages = this.messages.slice(-MAX_STORED_MESSAGES);
      storageSet(this.keys.transcript, this.messages.length ? this.messages : null);
      storageSet(this.keys.conversation, this.conversationId || null);
    }

    restore() {
      const greeting = h("div", { class: "bubble", text: this.cfg.greeting });
      this.log.replaceChildren(h("div", { class: "msg bot greeting" }, [greeting]));
      for (const msg of this.messages) {
        if (msg.pending) {
          // The page was reloaded while this answer was streaming.
          msg.pending = false;
          msg.notices = (msg.notices || []).concat([{ kind: "error", text: "This answer was interrupted." }]);
        }
        this.log.append(this.renderMessage(msg));
      }
      this.log.scrollTop = this.log.scrollHeight;
    }

    reset() {
      this.abort("reset");
      this.messages = [];
      this.conversationId = null;
      this.save();
      this.closePassage();
      this.restore();
      this.input.focus();
    }

    abort(reason) {
      if (!this.request) return;
      this.request.reason = reason;
      this.request.controller.abort();
    }

    submit() {
      const question = this.input.value.trim();
      if (!question || this.request) return;
      this.input.value = "";
      this.autoGrow();
      this.ask(question);
    }

    // ---------------------------------------------------------------- one question, one answer

    async ask(question) {
      this.closePassage();
      const user = { role: "user", text: question };
      const bot = { role: "assistant", answer: "", sources: [], found: true, degraded: false,
        degraded_reason: null, unsupported: [], notices: [], pending: true };
      this.messages.push(user, bot);
      const botNode = this.renderMessage(bot);
      this.log.append(this.renderMessage(user), botNode);
      this.log.scrollTop = this.log.scrollHeight;
      const update = () => {
        // Follow the answer as it grows, unless the reader has scrolled up.
        const log = this.log;
        const stick = log.scrollHeight - log.scrollTop - log.clientHeight < 120;
        this.fillAssistant(botNode, bot);
        if (stick) log.scrollTop = log.scrollHeight;
      };
      const request = { controller: new AbortController(), reason: null };
      this.request = request;
      this.sendButton.disabled = true;
      this.stopButton.hidden = false;
      this.save();
      let timer = null;
      const timeout = () => ((request.reason = "timeout"), request.controller.abort());
      const kick = () => (clearTimeout(timer), (timer = setTimeout(timeout, IDLE_TIMEOUT_MS)));
      let gotBytes = false;
      kick();
      try {
        const headers = { "Content-Type": "application/json", Accept: "text/event-stream" };
        if (this.cfg.siteKey) headers["X-Accords-Site-Key"] = this.cfg.siteKey;
        const response = await fetch(`${ORIGIN}/chat/stream`, {
          method: "POST", mode: "cors", credentials: "omit", cache: "no-store", headers,
          body: JSON.stringify({ question, conversation_id: this.conversationId || undefined }),
          signal: request.controller.signal,
        });
        kick();
        if (!response.ok) {
          bot.notices.push({ kind: "error", text: await httpErrorMessage(response) });
        } else if (/application\/json/.test(response.headers.get("Content-Type") || "")) {
          this.applyDone(bot, await response.json()); // tolerated: a plain JSON answer, shaped like `done`
        } else {
          const onEvent = (event) => (this.handleEvent(bot, event), update());
          await readEventStream(response.body, onEvent, () => ((gotBytes = true), kick()));
          if (!bot.done && !bot.notices.length) {
            const text = bot.answer ? "The answer stopped before it was complete." :
              "The service closed the connection without an answer.";
            bot.notices.push({ kind: "error", text });
          }
        }
      } catch (err) {
        const notice = await this.failureNotice(request.reason, gotBytes);
        if (notice) bot.notices.push(notice);
      } finally {
        clearTimeout(timer);
        this.request = null;
        bot.pending = false;
        this.sendButton.disabled = false;
        this.stopButton.hidden = true;
        if (request.reason !== "reset") {
          update();
          this.save();
        }
      }
    }

    // Why a request ended early, in words; none after "New chat", whose answer is gone anyway.
    async failureNotice(reason, gotBytes) {
      const error = (text) => ({ kind: "error", text });
      if (reason === "reset") return null;
      if (reason === "stop") return { kind: "info", text: "Stopped." };
      if (reason === "timeout") return error("No response from the service for 60 s. Please try again.");
      if (gotBytes) return error("The connection was interrupted before the answer was complete.");
      return error(await diagnoseNetworkFailure(this.cfg.siteKey));
    }

    handleEvent(bot, event) {
      let payload;
      try {
        payload = JSON.parse(event.data);
      } catch (e) {
        return; // one malformed event must not kill an answer that is otherwise fine
      }
      if (event.type === "sources") bot.sources = normalizeSources(payload);
      else if (event.type === "delta") bot.answer += str(payload && payload.text);
      else if (event.type === "done") this.applyDone(bot, payload);
      else if (event.type === "error") {
        const message = payload && str(payload.message);
        bot.notices.push({ kind: "error", text: message || "Something went wrong while answering." });
      }
    }

    // The `done` payload is authoritative: it replaces whatever the deltas built up.
    applyDone(bot, payload) {
      if (!payload || typeof payload !== "object") return;
      bot.done = true;
      if (typeof payload.answer === "string") bot.answer = payload.answer;
      bot.found = payload.found !== false;
      bot.degraded = payload.degraded === true;
      bot.degraded_reason = str(payload.degraded_reason) || null;
      bot.unsupported = Array.isArray(payload.unsupported) ? payload.unsupported.filter(Number.isInteger) : [];
      bot.sentences = Array.isArray(payload.sentences) ? payload.sentences.filter((x) => x && typeof x === "object")
        .map((x) => ({ start: intOrNull(x.start), end: intOrNull(x.end) })) : null;
      if (Array.isArray(payload.sources)) bot.sources = normalizeSources(payload.sources);
      if (typeof payload.conversation_id === "string" && payload.conversation_id) {
        this.conversationId = payload.conversation_id;
      }
    }

    // ---------------------------------------------------------------- rendering messages

    renderMessage(msg) {
      if (msg.role === "user") {
        return h("div", { class: "msg user" }, [h("span", { class: "sr", text: "You: " }),
          h("div", { class: "bubble", text: str(msg.text) })]);
      }
      const node = h("div", { class: "msg bot" });
      this.fillAssistant(node, msg);
      return node;
    }

    fillAssistant(node, bot) {
      // aria-busy keeps screen readers from re-reading the answer at every streamed piece.
      node.setAttribute("aria-busy", String(!!bot.pending));
      node.classList.toggle("not-found", bot.found === false);
      const byId = {};
      for (const s of bot.sources || []) byId[s.id] = s;
      const parts = [];
      if (bot.found === false) {
        parts.push(h("div", { class: "label" }, [h("span", { class: "label-icon", "aria-hidden": "true" }),
          "Not found in the documents"]));
      }
      if (bot.answer) {
        parts.push(this.renderAnswer(bot, byId));
      } else if (bot.pending) {
        parts.push(h("div", { class: "bubble typing" }, [
          h("span", { class: "dots", "aria-hidden": "true" }, [h("span"), h("span"), h("span")]),
          "Searching the documents…",
        ]));
      }
      if (bot.degraded) {
        const reason = bot.degraded_reason ? `: ${bot.degraded_reason}` : ".";
        parts.push(h("p", { class: "notice degraded", text: `Answered without the language model${reason}` }));
      }
      for (const n of bot.notices || []) {
        const role = n.kind === "error" ? "alert" : null;
        parts.push(h("p", { class: `notice ${n.kind}`, role, text: n.text }));
      }
      if (!bot.pending && bot.found !== false) parts.push(this.renderSources(bot, byId));
      node.replaceChildren(...parts.filter(Boolean));
    }

    // The answer sentence by sentence (so `unsupported` indexes can be marked), its [n] markers
    // turned into citation chips when n is one of this answer's sources, plain text otherwise.
    renderAnswer(bot, byId) {
      const container = h("div", { class: "bubble answer" });
      const unsupported = bot.pending ? [] : bot.unsupported || [];
      const cited = citedTexts(bot.answer, bot.sentences);
      let offset = 0;
      for (const run of answerRuns(bot.answer, bot.sentences)) {
        const said = h("span", { class: "said" });
        let last = 0;
        for (const m of findMarkers(run.text)) {
          if (!byId[m.id]) continue;
          said.append(run.text.slice(last, m.index), this.renderChip(byId[m.id], cited[offset + m.index]));
          last = m.index + m.length;
        }
        said.append(run.text.slice(last));
        offset += run.text.length;
        if (run.index == null) {
          container.append(...said.childNodes); // between sentences: no sentence of its own
          continue;
        }
        const sentence = h("span", { class: "sentence" }, [said]);
        if (unsupported.includes(run.index)) {
          sentence.classList.add("unsupported");
          sentence.title = "Unsupported by the cited passage";
          sentence.append(h("span", { class: "flag", text: "(unsupported by the cited passage)" }));
        }
        container.append(sentence);
      }
      return container;
    }

    renderChip(source, citedText) {
      const chip = h("button", {
        type: "button", class: "chip", text: String(source.id),
        "aria-label": `Source ${source.id}: ${source.title}`,
        onclick: () => this.openPassage(source, citedText, chip),
      });
      return chip;
    }

    // Cited sources in order of first citation; all sources when the answer cites none.
    renderSources(bot, byId) {
      const order = [];
      const firstCited = {};
      const cited = citedTexts(bot.answer, bot.sentences);
      for (const m of findMarkers(bot.answer)) {
        if (!byId[m.id] || order.includes(m.id)) continue;
        order.push(m.id);
        firstCited[m.id] = cited[m.index];
      }
      const sources = order.length ? order.map((id) => byId[id]) : bot.sources || [];
      if (!sources.length) return null;
      const items = sources.map((s) => {
        const href = safeHttpUrl(s.url);
        const button = h("button", {
          type: "button", class: "src-open", text: `[${s.id}] ${s.title}`,
          "aria-label": `Show passage ${s.id}: ${s.title}`,
          onclick: () => this.openPassage(s, firstCited[s.id] || "", button),
        });
        return h("li", {}, [button, s.date && h("span", { class: "src-meta", text: ` · ${s.date}` }),
          href && " · ", href && externalLink(href, "original ↗")]);
      });
      const heading = h("h3", { class: "sources-title", text: "Sources" });
      return h("div", { class: "sources" }, [heading, h("ol", {}, items)]);
    }

    // ---------------------------------------------------------------- passage view

    openPassage(source, citedText, opener) {
      this.opener = opener || null;
      this.logScroll = this.log.scrollTop; // display:none forgets the scroll position
      const text = source.text;
      const mark = text ? findHighlight(text, citedText || "") : null;
      const body = h("blockquote", { class: "p-text" });
      if (mark) {
        const highlighted = h("mark", { text: text.slice(mark.start, mark.end) });
        body.append(text.slice(0, mark.start), highlighted, text.slice(mark.end));
      } else {
        body.textContent = text || "(The passage text is not available.)";
      }
      const page = source.page != null ? `page ${source.page}` : "";
      const meta = [source.date, source.heading, page, source.kind].filter(Boolean).join(" · ");
      const original = safeHttpUrl(source.url);
      const exact = passageLink(source);
      const note = mark ? "Highlighted: the part that the answer cites." : citedText ?
        "The cited sentence could not be located exactly; showing the whole passage." : "The whole passage:";
      const title = h("h3", { class: "p-title", tabindex: "-1", text: source.title });
      const content = h("div", { class: "passage", role: "document", "aria-label": `Source ${source.id}` }, [
        h("button", {
          type: "button", class: "back", text: "← Back to chat", onclick: () => this.closePassage(),
        }),
        title,
        meta && h("p", { class: "p-meta", text: meta }),
        h("p", { class: "p-note", text: note }),
        body,
        h("p", { class: "p-links" }, [original && externalLink(original, "Open the original ↗"),
          exact && externalLink(exact, "This passage on the service ↗")]),
      ]);
      this.passageView.replaceChildren(content);
      this.chatView.hidden = true;
      this.passageView.hidden = false;
      // Scroll only inside the panel: focus() or scrollIntoView() could also move the host page.
      title.focus({ preventScroll: true });
      const marked = content.querySelector("mark");
      if (marked) content.scrollTop = marked.offsetTop - content.offsetTop - content.clientHeight / 3;
    }

    closePassage() {
      if (this.passageView.hidden) return;
      this.passageView.hidden = true;
      this.passageView.replaceChildren();
      this.chatView.hidden = false;
      this.log.scrollTop = this.logScroll || 0;
      const opener = this.opener;
      this.opener = null;
      (opener && opener.isConnected ? opener : this.input).focus();
    }
  }

  // ------------------------------------------------------------------ custom element and launcher

  const instances = new WeakMap();
  const launcherConfigs = new WeakMap();

  function scriptConfig() {
    const d = SCRIPT.dataset;
    return {
      siteKey: d.siteKey || "",
      title: d.title || DEFAULTS.title,
      greeting: d.greeting || DEFAULTS.greeting,
      placeholder: d.placeholder || DEFAULTS.placeholder,
      position: d.position === "bottom-left" ? "bottom-left" : "bottom-right",
      color: validColor(d.primaryColor),
      open: d.open != null && d.open !== "false",
      inline: false,
    };
  }

  function inlineConfig(el) {
    const title = el.getAttribute("title");
    // The global `title` attribute would be a tooltip over the whole panel: take it and drop it.
    if (title != null) el.removeAttribute("title");
    return {
      siteKey: el.getAttribute("site-key") || scriptConfig().siteKey,
      title: title || DEFAULTS.title,
      greeting: el.getAttribute("greeting") || DEFAULTS.greeting,
      placeholder: el.getAttribute("placeholder") || DEFAULTS.placeholder,
      color: validColor(el.getAttribute("primary-color")) || scriptConfig().color,
      inline: true,
    };
  }

  class AccordsChat extends HTMLElement {
    connectedCallback() {
      if (instances.has(this)) return; // moved in the page: keep the conversation as it is
      instances.set(this, new ChatWidget(this, launcherConfigs.get(this) || inlineConfig(this)));
    }

    disconnectedCallback() {
      const chat = instances.get(this);
      if (chat) chat.abort("reset");
    }
  }
  customElements.define(TAG, AccordsChat);

  function mountLauncher() {
    if (SCRIPT.getAttribute("data-mode") === "inline") return;
    // An inline <accords-chat> on the page (or a launcher already there) means no floating launcher.
    if (document.querySelector(TAG)) return;
    const el = document.createElement(TAG);
    launcherConfigs.set(el, scriptConfig());
    document.body.append(el);
  }

  // An async script may run before the body is parsed, and inline elements may still be coming.
  if (document.readyState !== "loading") mountLauncher();
  else document.addEventListener("DOMContentLoaded", mountLauncher, { once: true });
})();
