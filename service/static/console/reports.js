/* What the users asked: the gaps report (unanswered or rated-down questions, grouped) and the question
 * log (when the service keeps one), each with its own filters.
 */
import { PAGE, api, failed, query, since, until } from "./api.js";
import { $, cell, el, longCell, shorten, text, when } from "./dom.js";

export async function loadGaps() {
  let body;
  try {
    body = await api(`admin/reports/gaps${query({ since: since($("gap-since").value), until: until($("gap-until").value) })}`);
  } catch (error) {
    return failed(error);
  }
  const clusters = body.clusters || [];
  $("gap-summary").textContent = clusters.length
    ? `${text(body.questions)} unanswered or rated-down questions in ${clusters.length} groups, largest first.`
    : "Nothing unanswered: no not-found answer and no thumbs-down in this period.";
  $("gap-list").replaceChildren(...clusters.map((c) => {
    const reasons = c.reasons || {};
    const range = c.first_seen === c.last_seen ? when(c.first_seen) : `${when(c.first_seen)} – ${when(c.last_seen)}`;
    return el("li", { class: "cluster" }, [
      el("p", { class: "cluster-head" }, [el("strong", { text: `${text(c.size)} question${c.size === 1 ? "" : "s"}` }),
        el("span", { class: "muted", text: ` · ${text(reasons.not_found ?? 0)} not found, ${text(reasons.thumbs_down ?? 0)} rated down · ${range}` })]),
      el("ul", { class: "examples" }, (c.examples || []).map((q) => el("li", { dir: "auto", text: text(q) }))),
      (c.documents || []).length ? el("p", { class: "muted" }, [
        "Closest documents: ", el("span", { dir: "auto", text: c.documents.map((d) => text(d.title) || text(d.document_id)).join("; ") }),
      ]) : null,
    ]);
  }));
}

let qOffset = 0;
export async function loadQuestions() {
  let body;
  try {
    body = await api(`admin/questions${query({
      q: $("q-q").value.trim(), conversation_id: $("q-conversation").value.trim(),
      since: since($("q-since").value), until: until($("q-until").value), limit: PAGE, offset: qOffset,
    })}`);
  } catch (error) {
    $("q-table").tBodies[0].replaceChildren();
    $("q-summary").textContent = "";
    return failed(error);
  }
  const items = body.items || [];
  const total = Number(body.total) || 0;
  $("q-summary").textContent = total ? `${qOffset + 1}–${qOffset + items.length} of ${total} questions.` : "No questions logged.";
  $("q-prev").disabled = qOffset === 0;
  $("q-next").disabled = qOffset + items.length >= total;
  $("q-table").tBodies[0].replaceChildren(...items.map((q) => el("tr", {}, [
    cell(when(q.created_at)), longCell(q.question), cell(q.found ? "yes" : "no"),
    cell((q.documents || []).join(", "), "mono"), cell(q.latency_ms, "num"), cell(q.site_key, "mono"),
    el("td", { class: "mono" }, [q.conversation_id ? el("button", {
      type: "button", class: "link", text: shorten(q.conversation_id, 14), "aria-label": `Show conversation ${text(q.conversation_id)}`,
      onclick: () => { $("q-conversation").value = text(q.conversation_id); qOffset = 0; loadQuestions(); },
    }) : null]),
  ])));
}

export function wireReports() {
  $("gap-filters").addEventListener("submit", (e) => (e.preventDefault(), loadGaps()));
  $("q-filters").addEventListener("submit", (e) => (e.preventDefault(), (qOffset = 0), loadQuestions()));
  $("q-prev").addEventListener("click", () => ((qOffset = Math.max(0, qOffset - PAGE)), loadQuestions()));
  $("q-next").addEventListener("click", () => ((qOffset += PAGE), loadQuestions()));
}
