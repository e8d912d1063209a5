// DOM building for the UI parts: elements, icons, links, and sessionStorage that may fail.
"use strict";

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
