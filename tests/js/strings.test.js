// The widget's words (service/static/widget/strings.js): four built-in languages, overrides, placeholders.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { STRINGS, CODE_STRINGS, pickLanguage, resolveStrings, fill } = require("../../service/static/widget/strings.js");

const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test("every language has every English entry, with the same placeholders, and nothing else", () => {
  const keys = Object.keys(STRINGS.en).sort();
  assert.deepEqual(Object.keys(STRINGS).sort(), ["de", "en", "es", "fr"]);
  for (const [lang, strings] of Object.entries(STRINGS)) {
    assert.deepEqual(Object.keys(strings).sort(), keys, lang);
    for (const key of keys) {
      assert.equal(typeof strings[key], "string", `${lang}.${key}`);
      assert.ok(strings[key].length > 0, `${lang}.${key}`);
      assert.deepEqual(placeholders(strings[key]), placeholders(STRINGS.en[key]), `${lang}.${key}`);
    }
  }
});

test("the other languages are translations, not copies of the English", () => {
  for (const lang of ["fr", "es", "de"]) {
    for (const key of ["title", "greeting", "placeholder", "send", "newChat", "notFound", "searching", "helpful",
      "notHelpful", "commentLabel", "unreachable", "notAllowed", "tooMany"]) {
      assert.notEqual(STRINGS[lang][key], STRINGS.en[key], `${lang}.${key}`);
    }
  }
});

test("every string the widget's parts use exists, and every entry is used", () => {
  const dir = path.join(__dirname, "..", "..", "service", "static", "widget");
  const source = fs.readdirSync(dir).filter((n) => n.endsWith(".js") && n !== "strings.js")
    .map((n) => fs.readFileSync(path.join(dir, n), "utf8")).join("\n");
  const used = new Set([...source.matchAll(/\bt\.(\w+)/g)].map((m) => m[1]));
  for (const key of Object.values(CODE_STRINGS)) used.add(key);
  used.delete("lang");
  for (const key of used) assert.ok(key in STRINGS.en, `t.${key} is not a string of the widget`);
  for (const key of Object.keys(STRINGS.en)) assert.ok(used.has(key), `${key} is never shown`);
});

test("pickLanguage: the base language of a tag, English for anything else", () => {
  assert.equal(pickLanguage("fr"), "fr");
  assert.equal(pickLanguage("fr-CA"), "fr");
  assert.equal(pickLanguage(" ES_mx "), "es");
  assert.equal(pickLanguage("DE"), "de");
  for (const other of ["it", "", null, undefined, "en-GB", "__proto__", "constructor", 42]) {
    assert.equal(pickLanguage(other), "en", String(other));
  }
});

test("resolveStrings: the language's strings with its code", () => {
  const fr = resolveStrings("fr");
  assert.equal(fr.lang, "fr");
  assert.equal(fr.send, "Envoyer");
  assert.equal(resolveStrings("xx").send, "Send");
  assert.equal(resolveStrings(undefined).lang, "en");
});

test("resolveStrings: data-strings JSON overrides known entries with strings only", () => {
  const t = resolveStrings("de", '{"send": "Los", "title": "Fragen", "nope": "x", "stop": 3, "lang": "fr"}');
  assert.equal(t.send, "Los");
  assert.equal(t.title, "Fragen");
  assert.equal(t.stop, STRINGS.de.stop);
  assert.equal(t.lang, "de");
  assert.ok(!("nope" in t));
  assert.equal(resolveStrings("es", { newChat: "Otra" }).newChat, "Otra");
});

test("resolveStrings: bad data-strings are ignored, never thrown", () => {
  for (const bad of ["{not json", "[1,2]", "null", "42", '"send"', "", null, undefined, '{"__proto__": {"send": "x"}}']) {
    const t = resolveStrings("fr", bad);
    assert.equal(t.send, "Envoyer", String(bad));
    assert.equal({}.send, undefined, "no prototype pollution");
  }
});

test("fill: named placeholders as text; unknown ones stay", () => {
  assert.equal(fill("Source {id}: {title}", { id: 2, title: "<b>x</b>" }), "Source 2: <b>x</b>");
  assert.equal(fill("in {wait}", {}), "in {wait}");
  assert.equal(fill("{a}{a}", { a: "$&" }), "$&$&");
  assert.equal(fill(STRINGS.fr.tooMany, { wait: fill(STRINGS.fr.seconds, { seconds: 5 }) }),
    "Trop de demandes — réessayez dans 5 s");
  assert.equal(fill(null), "");
});
