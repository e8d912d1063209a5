// Server-Sent Events, read from a fetch() body.
//
// Hand-written, because EventSource cannot POST. Fields `event:` and `data:`; a blank line ends an
// event; multi-line data is joined with "\n"; lines starting with ":" are comments (keep-alives).
// Chunks arrive cut anywhere, even between the "\r" and "\n" of one line end.
"use strict";

// A parser fed text with push(chunk) and closed with end(); calls onEvent({type, data}) per event.
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

// Reads a response body to its end, decoding UTF-8 across chunk boundaries; onBytes() on every
// chunk (the caller's idle timer), onEvent per event.
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

if (typeof module !== "undefined") module.exports = { createSseParser, readEventStream };
