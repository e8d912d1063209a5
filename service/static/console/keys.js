/* The site keys tab: the keys with their origins and rates, create one (and copy its embed snippet),
 * revoke one. The key file is the one `accords keys` edits.
 */
import { api, failed } from "./api.js";
import { $, cell, el, say, text, when } from "./dom.js";

const snippet = (key) => `<script src="${location.origin}/widget.js" data-site-key="${key}" async></script>`;

async function copy(value, what) {
  try {
    await navigator.clipboard.writeText(value);
    say(`${what} copied.`);
  } catch (e) {
    say(`Copying was refused by the browser: select the ${what.toLowerCase()} and copy it.`, "error");
  }
}

export async function loadKeys() {
  let body;
  try {
    body = await api("admin/site-keys");
  } catch (error) {
    return failed(error);
  }
  $("key-table").tBodies[0].replaceChildren(...(body.keys || []).map((k) => el("tr", { class: k.active ? "" : "revoked" }, [
    cell(k.key, "mono"), el("td", {}, (k.origins || []).map((o) => el("div", { text: text(o) }))),
    cell(`${text(k.rate)}${k.default_rate ? " (default)" : ""}`), cell(when(k.created_at)),
    cell(k.active ? "active" : `revoked ${when(k.revoked_at)}`),
    el("td", { class: "actions" }, k.active ? [
      el("button", { type: "button", text: "Copy snippet", "aria-label": `Copy the embed snippet of ${text(k.key)}`,
        onclick: () => copy(snippet(text(k.key)), "Snippet") }),
      el("button", { type: "button", class: "danger", text: "Revoke", "aria-label": `Revoke ${text(k.key)}`,
        onclick: () => revokeKey(k) }),
    ] : []),
  ])));
}

async function createKey(event) {
  event.preventDefault();
  const origins = $("key-origins").value.split(/[\s,]+/).map((o) => o.trim()).filter(Boolean);
  let key;
  try {
    key = await api("admin/site-keys", { method: "POST", json: { origins, rate: $("key-rate").value.trim() || null } });
  } catch (error) {
    return failed(error);
  }
  $("new-key").hidden = false;
  $("new-key-id").textContent = text(key.key);
  $("new-key-snippet").textContent = snippet(text(key.key));
  $("key-form").reset();
  say(`Created ${text(key.key)} for ${(key.origins || []).join(", ")}.`);
  await loadKeys();
}

async function revokeKey(k) {
  if (!confirm(`Revoke ${text(k.key)}? The widget stops answering on ${(k.origins || []).join(", ")}.`)) return;
  try {
    await api(`admin/site-keys/${encodeURIComponent(text(k.key))}`, { method: "DELETE" });
  } catch (error) {
    return failed(error);
  }
  say(`Revoked ${text(k.key)}.`);
  await loadKeys();
}

export function wireKeys() {
  $("key-form").addEventListener("submit", createKey);
  $("copy-new-key").addEventListener("click", () => copy($("new-key-snippet").textContent, "Snippet"));
}
