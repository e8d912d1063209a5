/* Ingest jobs (the upload tab's lower half): start one on a folder of the server, follow its progress,
 * list the recent ones.
 *
 * A running job is polled every 500 ms until it ends; then the list is loaded again.
 */
import { api, failed } from "./api.js";
import { $, cell, el, say, text, when } from "./dom.js";

let polling = null;

async function startJob(event) {
  event.preventDefault();
  let job;
  try {
    job = await api("admin/ingest-jobs", {
      method: "POST", json: { path: $("ingest-path").value.trim(), prune: $("ingest-prune").checked },
    });
  } catch (error) {
    return failed(error);
  }
  say(`Ingest job ${text(job.id)} started.`);
  followJob(job.id);
}

function followJob(id) {
  clearTimeout(polling);
  $("job-progress").hidden = false;
  const tick = async () => {
    let job;
    try {
      job = await api(`admin/ingest-jobs/${encodeURIComponent(id)}`);
    } catch (error) {
      return failed(error);
    }
    drawJob(job);
    if (job.status === "queued" || job.status === "running") polling = setTimeout(tick, 500);
    else loadJobs();
  };
  tick();
}

function drawJob(job) {
  const p = job.progress || {};
  const bar = $("job-bar");
  if (p.documents_total) {
    bar.max = p.documents_total;
    bar.value = p.documents_done || 0;
  } else if (job.status === "succeeded" || job.status === "failed") {
    bar.max = 1;
    bar.value = 1;
  } else bar.removeAttribute("value");
  const t = job.totals || {};
  const totals = job.totals ? ` Added ${text(t.added ?? 0)}, updated ${text(t.updated ?? 0)}, unchanged ${text(t.unchanged ?? 0)}, failed ${text(t.failed ?? 0)}.` : "";
  $("job-label").textContent = `Job ${text(job.id)} ${text(job.status)}: ${text(p.documents_done ?? 0)} of ${text(p.documents_total ?? "?")} documents, ` +
    `${text(p.chunks_embedded ?? 0)} chunks embedded.${totals}${job.error ? ` ${text(job.error)}` : ""}`;
  $("job-errors").replaceChildren(...(job.errors || []).map((e) => el("li", {
    text: `${text(e.path)}: ${text(e.status)}${e.reason ? ` — ${text(e.reason)}` : ""}`,
  })));
}

export async function loadJobs() {
  let body;
  try {
    body = await api("admin/ingest-jobs");
  } catch (error) {
    return failed(error);
  }
  $("job-table").tBodies[0].replaceChildren(...(body.jobs || []).map((job) => {
    const p = job.progress || {};
    return el("tr", {}, [cell(job.id, "mono"), cell(job.path), el("td", { class: `st-${text(job.status)}`, text: text(job.status) }),
      cell(`${text(p.documents_done ?? 0)}/${text(p.documents_total ?? "?")}`), cell(when(job.started_at || job.created_at))]);
  }));
}

export function wireJobs() {
  $("ingest-form").addEventListener("submit", startJob);
}
