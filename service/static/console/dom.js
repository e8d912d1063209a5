/* Building the console's page: elements, cells and the status line, from service values as TEXT only.
 *
 * Every value from the service goes into the page through textContent or an attribute value, never as
 * markup: the page's CSP forbids inline script, and this keeps a stored title from becoming one.
 */

export const $ = (id) => document.getElementById(id);

/* One element: `class`, `text` (textContent), `on<event>` handlers, other attributes; then its children. */
export function el(tag, props = {}, children = []) {
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

export const text = (value) => (value == null ? "" : String(value));
export const cell = (value, cls) => el("td", { class: cls, text: text(value) });
export const when = (iso) => (iso ? text(iso).replace("T", " ").replace(/(\.\d+)?(\+00:00|Z)$/, " UTC") : "");
export const shorten = (value, n = 160) => {
  const s = text(value);
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
};

/* Long text in a cell: the start, and the whole on demand (a native <details>, keyboard-ready). */
export function longCell(value) {
  const s = text(value);
  if (s.length <= 160) return el("td", { dir: "auto", text: s });
  return el("td", { dir: "auto" }, [el("details", {}, [el("summary", { text: shorten(s) }), el("p", { text: s })])]);
}

/* The status line under the tabs (a live region): `kind` "error" shows it as one. */
export function say(message, kind = "info") {
  const status = $("status");
  status.textContent = message;
  status.dataset.kind = kind;
}
