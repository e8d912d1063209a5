/* The feedback tab: the ratings of answers, filtered and paged, the same filters as a CSV file, and deleting
 * one rating (a visitor's request, a comment that must not stay).
 *
 * The CSV comes through the API wrapper (it needs the Bearer header), then downloads from a blob URL.
 */
import { PAGE, api, failed, query, since, until } from "./api.js";
import { $, cell, el, longCell, say, text, when } from "./dom.js";

let offset = 0;
const filters = () => ({
  rating: $("fb-rating").value, since: since($("fb-since").value), until: until($("fb-until").value),
  site_key: $("fb-key").value.trim(), q: $("fb-q").value.trim(),
});

export async function loadFeedback() {
  let body;
  try {
    body = await api(`admin/feedback${query({ ...filters(), limit: PAGE, offset })}`);
  } catch (error) {
    return failed(error);
  }
  const items = body.items || [];
  const total = Number(body.total) || 0;
  $("fb-summary").textContent = total ? `${offset + 1}–${offset + items.length} of ${total} ratings.` : "No feedback yet.";
  $("fb-prev").disabled = offset === 0;
  $("fb-next").disabled = offset + items.length >= total;
  $("fb-table").tBodies[0].replaceChildren(...items.map((f) => el("tr", {}, [
    cell(when(f.created_at)),
    el("td", { class: `rating ${f.rating === "down" ? "down" : "up"}`, text: f.rating === "down" ? "👎 down" : "👍 up" }),
    longCell(f.question), longCell(`${f.found === false ? "[not found] " : ""}${text(f.answer)}`), longCell(f.comment),
    el("td", {}, (f.sources || []).map((s) => el("div", { dir: "auto", text: text(s.title) || text(s.document_id) }))),
    cell(f.site_key, "mono"),
    el("td", { class: "actions" }, [
      el("button", { type: "button", class: "danger", text: "Delete", "aria-label": `Delete the rating of ${when(f.created_at)}`,
        onclick: () => deleteRating(f) }),
    ]),
  ])));
}

async function deleteRating(f) {
  if (!confirm(`Delete this ${f.rating === "down" ? "thumbs down" : "thumbs up"} and its comment?`)) return;
  try {
    await api(`admin/feedback/${encodeURIComponent(text(f.id))}`, { method: "DELETE" });
  } catch (error) {
    return failed(error);
  }
  say("Rating deleted.");
  await loadFeedback();
}

async function exportCsv() {
  let response;
  try {
    response = await api(`admin/feedback.csv${query(filters())}`, { raw: true });
  } catch (error) {
    return failed(error);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = el("a", { href: url, download: `accords-feedback-${new Date().toISOString().slice(0, 10)}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  say("Feedback exported as CSV.");
}

export function wireFeedback() {
  $("fb-filters").addEventListener("submit", (e) => (e.preventDefault(), (offset = 0), loadFeedback()));
  $("fb-prev").addEventListener("click", () => ((offset = Math.max(0, offset - PAGE)), loadFeedback()));
  $("fb-next").addEventListener("click", () => ((offset += PAGE), loadFeedback()));
  $("fb-csv").addEventListener("click", exportCsv);
}
