/* The documents tab: the table of stored documents with search and filters, a document's text, delete.
 *
 * The list is fetched whole (pages of 500, at most 10,000) so that the search box filters as one types
 * without asking the service again; kind and dates are filters of the API itself.
 */
import { api, docPath, failed, query } from "./api.js";
import { $, cell, el, say, text } from "./dom.js";

let documents = [];

async function fetchDocuments() {
  const filters = { kind: $("doc-kind").value, date_from: $("doc-from").value, date_to: $("doc-to").value };
  const all = [];
  for (let offset = 0; offset < 10000; offset += 500) {
    const page = await api(`documents${query({ ...filters, limit: 500, offset })}`);
    all.push(...(page.documents || []));
    if (all.length >= page.total || !(page.documents || []).length) break;
  }
  return all;
}

export async function loadDocuments() {
  try {
    documents = await fetchDocuments();
  } catch (error) {
    return failed(error);
  }
  const kinds = $("doc-kind");
  const current = kinds.value;
  const known = new Set([...kinds.options].map((o) => o.value));
  for (const kind of new Set(documents.map((d) => text(d.kind)).filter(Boolean))) {
    if (!known.has(kind)) kinds.append(el("option", { value: kind, text: kind }));
  }
  kinds.value = current;
  drawDocuments();
}

function drawDocuments() {
  const needle = $("doc-search").value.trim().toLowerCase();
  const shown = documents.filter((d) => !needle || `${text(d.title)} ${text(d.id)}`.toLowerCase().includes(needle));
  const chunks = shown.reduce((n, d) => n + (Number(d.chunks) || 0), 0);
  $("doc-summary").textContent = `${shown.length} of ${documents.length} documents, ${chunks} chunks.`;
  $("doc-table").tBodies[0].replaceChildren(...shown.map((d) => el("tr", {}, [
    el("td", { dir: "auto", text: text(d.title) || "(untitled)" }), cell(d.id, "mono"), cell(d.kind), cell(d.date),
    cell(d.chunks, "num"),
    el("td", { class: "actions" }, [
      el("button", { type: "button", text: "Open", "aria-label": `Open ${text(d.title || d.id)}`, onclick: () => openDocument(d) }),
      el("button", { type: "button", class: "danger", text: "Delete", "aria-label": `Delete ${text(d.title || d.id)}`,
        onclick: () => deleteDocument(d) }),
    ]),
  ])));
}

async function openDocument(d) {
  let passage;
  try {
    passage = await api(`documents/${docPath(d.id)}/text`);
  } catch (error) {
    return failed(error);
  }
  $("doc-dialog-title").textContent = text(d.title) || text(d.id);
  $("doc-dialog-meta").textContent = [d.id, d.kind, d.date, `${text(d.chunks)} chunks`, `${text(passage.text).length} characters`]
    .filter(Boolean).join(" · ");
  $("doc-dialog-text").textContent = text(passage.text);
  $("doc-dialog").showModal();
  $("doc-dialog-close").focus();
}

async function deleteDocument(d) {
  if (!confirm(`Delete "${text(d.title || d.id)}" and its ${text(d.chunks)} chunks?`)) return;
  try {
    await api(`admin/documents/${docPath(d.id)}`, { method: "DELETE" });
  } catch (error) {
    return failed(error);
  }
  say(`Deleted ${text(d.id)}.`);
  await loadDocuments();
}

export function wireDocuments() {
  $("doc-filters").addEventListener("submit", (e) => (e.preventDefault(), loadDocuments()));
  $("doc-search").addEventListener("input", drawDocuments);
  $("doc-dialog-close").addEventListener("click", () => $("doc-dialog").close());
}
