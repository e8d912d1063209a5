/* The embed: the script tag that loaded the widget, its configuration, the <accords-chat> element and
 * the floating launcher. The last part, and the only one that does anything at load: the others only
 * define functions and classes.
 *
 * Launcher (floating button + panel):
 *   <script src="https://HOST/widget.js" data-site-key="pk_..." async></script>
 *   optional: data-title, data-greeting, data-placeholder, data-position="bottom-right|bottom-left",
 *             data-primary-color (any CSS colour), data-open (panel open at load),
 *             data-mode="inline" (only define <accords-chat>, never add a launcher),
 *             data-lang="en|fr|es|de" (the widget's language), data-strings='{"send": "Go"}' (override
 *             any of its words: the keys of STRINGS.en in strings.js)
 * Inline (panel rendered in place, no launcher; the script tag above must be on the page too):
 *   <accords-chat site-key="pk_..." title="..." greeting="..." placeholder="..." lang="fr"
 *                 strings='{...}'></accords-chat>   (lang and strings default to the script tag's)
 *   Its height is the custom property `--accords-height` on the element (default 560px).
 *
 * Every request goes to the origin this script was loaded from (the service origin):
 *   POST /chat/stream (Server-Sent Events), POST /feedback (thumbs under an answer) and
 *   GET /widget/status (after a network failure).
 */
"use strict";

const TAG = "accords-chat";

function findOwnScript() {
  const current = document.currentScript;
  if (current && current.src) return current;
  // currentScript can be null (e.g. when a tag manager injects us): take the last embed snippet,
  // preferring one that carries a site key.
  const candidates = [...document.querySelectorAll('script[src*="widget.js"]')];
  return candidates.reverse().find((s) => s.hasAttribute("data-site-key")) || candidates[0] || null;
}

// The service origin, from the script's own URL; null when that is not http(s).
function originOf(script) {
  try {
    const origin = new URL(script.src, location.href).origin;
    return /^https?:\/\//.test(origin) ? origin : null;
  } catch (e) {
    return null;
  }
}

// No widget without custom elements or streaming fetch. The snippet pasted twice: the first copy owns
// the element and the launcher. Read now, while the script runs: document.currentScript is gone later.
const SUPPORTED = !!(window.customElements && window.fetch && window.ReadableStream) && !customElements.get(TAG);
const SCRIPT = SUPPORTED ? findOwnScript() : null;
const ORIGIN = SCRIPT ? originOf(SCRIPT) : null;

const instances = new WeakMap();
const launcherConfigs = new WeakMap();

function scriptConfig() {
  const d = SCRIPT.dataset;
  const t = resolveStrings(d.lang, d.strings);
  return {
    siteKey: d.siteKey || "",
    t,
    title: d.title || t.title,
    greeting: d.greeting || t.greeting,
    placeholder: d.placeholder || t.placeholder,
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
  const d = SCRIPT.dataset;
  const t = resolveStrings(el.getAttribute("lang") || d.lang, el.getAttribute("strings") || d.strings);
  return {
    siteKey: el.getAttribute("site-key") || scriptConfig().siteKey,
    t,
    title: title || t.title,
    greeting: el.getAttribute("greeting") || t.greeting,
    placeholder: el.getAttribute("placeholder") || t.placeholder,
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

function mountLauncher() {
  if (SCRIPT.getAttribute("data-mode") === "inline") return;
  // An inline <accords-chat> on the page (or a launcher already there) means no floating launcher.
  if (document.querySelector(TAG)) return;
  const el = document.createElement(TAG);
  launcherConfigs.set(el, scriptConfig());
  document.body.append(el);
}

if (ORIGIN) {
  customElements.define(TAG, AccordsChat);
  // An async script may run before the body is parsed, and inline elements may still be coming.
  if (document.readyState !== "loading") mountLauncher();
  else document.addEventListener("DOMContentLoaded", mountLauncher, { once: true });
}
