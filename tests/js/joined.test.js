// The parts joined as the service joins them (service/routes/widget.py: one IIFE, in parts.txt order,
// `module` shadowed): a clash between parts (two declarations of one name) or a part that does
// something at load before what it needs is defined shows up here, not in a visitor's browser.
// tests/service/test_widget_routes.py parses the bytes the service actually serves.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");

const DIR = path.join(__dirname, "..", "..", "service", "static", "widget");
const names = fs.readFileSync(path.join(DIR, "parts.txt"), "utf8").split("\n")
  .map((line) => line.trim()).filter((line) => line && !line.startsWith("#"));

function joined() {
  const parts = names.map((name) => `\n// ---- ${name}\n${fs.readFileSync(path.join(DIR, name), "utf8")}\n`);
  return `(() => {\n"use strict";\nconst module = undefined;\n${parts.join("")}})();\n`;
}

test("parts.txt lists every part once, and only parts that exist", () => {
  const onDisk = fs.readdirSync(DIR).filter((name) => name.endsWith(".js")).sort();
  assert.deepEqual([...names].sort(), onDisk);
  assert.equal(new Set(names).size, names.length);
  assert.equal(names[names.length - 1], "embed.js", "the part that starts the widget comes last");
});

test("every part is a valid script on its own", () => {
  for (const name of names) {
    assert.doesNotThrow(() => new vm.Script(fs.readFileSync(path.join(DIR, name), "utf8"), { filename: name }), name);
  }
});

test("the joined script parses", () => {
  assert.doesNotThrow(() => new vm.Script(joined(), { filename: "widget.js" }));
});

// Runs the joined script in a bare context standing in for a page; returns what it did there.
function load(src, { supported = true, alreadyDefined = false, readyState = "loading" } = {}) {
  const calls = { define: [], listeners: [] };
  const customElements = {
    get: () => (alreadyDefined ? class {} : undefined),
    define: (tag, cls) => calls.define.push(tag),
  };
  const window = supported ? { customElements, fetch() {}, ReadableStream: class {} } : {};
  const document = {
    currentScript: { src, dataset: {}, getAttribute: () => null },
    readyState,
    addEventListener: (type) => calls.listeners.push(type),
    querySelectorAll: () => [],
  };
  const page = { window, customElements, document, location: { href: "https://site.example/" }, URL, HTMLElement: class {} };
  const context = vm.createContext(page);
  const before = Object.keys(page).sort();
  new vm.Script(joined(), { filename: "widget.js" }).runInContext(context);
  assert.deepEqual(Object.keys(context).sort(), before, "nothing leaks to the page's globals");
  return calls;
}

test("loaded from an http(s) origin, it defines <accords-chat> and waits for the page to mount the launcher", () => {
  const calls = load("https://service.example/widget.js");
  assert.deepEqual(calls, { define: ["accords-chat"], listeners: ["DOMContentLoaded"] });
});

test("without custom elements, pasted twice, or loaded from a non-http origin, it does nothing", () => {
  const nothing = { define: [], listeners: [] };
  assert.deepEqual(load("https://service.example/widget.js", { supported: false }), nothing);
  assert.deepEqual(load("https://service.example/widget.js", { alreadyDefined: true }), nothing);
  assert.deepEqual(load("file:///tmp/widget.js"), nothing);
});
