// The widget's Server-Sent Events parser (service/static/widget/sse.js): the service's stream arrives
// cut at arbitrary byte boundaries, so every event must come out whole whatever the chunking.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { createSseParser, readEventStream } = require("../../service/static/widget/sse.js");

// Feeds the chunks to a fresh parser and returns the events it dispatched.
function parse(chunks, { end = true } = {}) {
  const events = [];
  const parser = createSseParser((event) => events.push(event));
  for (const chunk of chunks) parser.push(chunk);
  if (end) parser.end();
  return events;
}

const STREAM =
  'event: sources\ndata: [{"id":1}]\n\n' +
  ': keep-alive\n\n' +
  'event: delta\ndata: {"text":"Hé"}\n\n' +
  'event: done\ndata: {"answer":"Hé [1]"}\n\n';
const EXPECTED = [
  { type: "sources", data: '[{"id":1}]' },
  { type: "delta", data: '{"text":"Hé"}' },
  { type: "done", data: '{"answer":"Hé [1]"}' },
];

test("events come out whole", () => {
  assert.deepEqual(parse([STREAM]), EXPECTED);
});

test("an event split across chunks at every possible point is the same event", () => {
  for (let cut = 1; cut < STREAM.length; cut++) {
    assert.deepEqual(parse([STREAM.slice(0, cut), STREAM.slice(cut)]), EXPECTED, `cut at ${cut}`);
  }
  assert.deepEqual(parse([...STREAM]), EXPECTED, "one character per chunk");
});

test("CRLF and lone CR end lines too, even with the CR and LF in different chunks", () => {
  const crlf = STREAM.replace(/\n/g, "\r\n");
  assert.deepEqual(parse([crlf]), EXPECTED);
  assert.deepEqual(parse([...crlf]), EXPECTED);
  for (let cut = 1; cut < crlf.length; cut++) {
    assert.deepEqual(parse([crlf.slice(0, cut), crlf.slice(cut)]), EXPECTED, `cut at ${cut}`);
  }
  assert.deepEqual(parse([STREAM.replace(/\n/g, "\r")]), EXPECTED);
  // "\r" then "\n" in the next chunk is one line end, not a line end and then an empty line.
  assert.deepEqual(parse(["data: a\r", "\ndata: b\r", "\n\r", "\n"]), [{ type: "message", data: "a\nb" }]);
});

test("comment lines are skipped and do not end an event", () => {
  assert.deepEqual(parse([": ping\ndata: a\n: ping again\ndata: b\n\n"]), [{ type: "message", data: "a\nb" }]);
  assert.deepEqual(parse([":\n\n: only comments\n\n"]), []);
});

test("multi-line data is joined with newlines", () => {
  const events = parse(['event: delta\ndata: {"text":\ndata: "two\ndata:  lines"}\n\n']);
  assert.deepEqual(events, [{ type: "delta", data: '{"text":\n"two\n lines"}' }]);
});

test("one space after the colon is dropped, the rest of the value is kept", () => {
  assert.deepEqual(parse(["data:x\n\ndata:  y \n\n"]), [
    { type: "message", data: "x" },
    { type: "message", data: " y " },
  ]);
});

test("a field name alone counts as an empty value", () => {
  assert.deepEqual(parse(["data\ndata\n\n"]), [{ type: "message", data: "\n" }]);
});

test("id and retry fields are ignored: they neither make events nor change data", () => {
  const events = parse(["retry: 3000\nid: 7\n\nevent: delta\nretry: 10\ndata: x\nid: 8\n\n"]);
  assert.deepEqual(events, [{ type: "delta", data: "x" }]);
});

test("an event without data is not dispatched, and its type does not carry over", () => {
  assert.deepEqual(parse(["event: delta\n\ndata: x\n\n"]), [{ type: "message", data: "x" }]);
});

test("end() dispatches a last event that lacks its blank line; before end() nothing is guessed", () => {
  assert.deepEqual(parse(["event: done\ndata: {}"], { end: false }), []);
  assert.deepEqual(parse(["event: done\ndata: {}"]), [{ type: "done", data: "{}" }]);
  assert.deepEqual(parse(["event: done\ndata: {}\n"]), [{ type: "done", data: "{}" }]);
});

test("readEventStream decodes UTF-8 split between chunks and reports every chunk", async () => {
  const bytes = new TextEncoder().encode('event: delta\ndata: {"text":"é — ↗"}\n\n');
  const chunks = [];
  for (let at = 0; at < bytes.length; at += 3) chunks.push(bytes.slice(at, at + 3)); // cuts inside characters
  const body = new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  const events = [];
  let reads = 0;
  await readEventStream(body, (event) => events.push(event), () => reads++);
  assert.deepEqual(events, [{ type: "delta", data: '{"text":"é — ↗"}' }]);
  assert.equal(reads, chunks.length);
});
