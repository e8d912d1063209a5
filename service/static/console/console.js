/* accords console: a client of the admin API, served at /admin (service/routes/console.py).
 *
 * No build step, no framework, no inline script or style (the page's CSP allows neither). Every value
 * from the service goes into the page as text (textContent, attribute values), never as markup. The
 * admin key lives in sessionStorage (this tab only) and travels as `Authorization: Bearer`, never in a
 * URL; a 401 signs out.
 */
"use strict";

(() => {
  const KEY_STORAGE = "accords-admin-key";
  const TABS = ["documents", "upload", "keys", "feedback", "gaps", "questions"];
  const PAGE = 50;
  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ building the page

  function el(tag, props = {}, children = []) {
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

  const text = (value) => (value == null ? "" : String(value));
  const cell = (value, cls) => el("td", { class: cls, text: text(value) });
  const when = (iso) => (iso ? text(iso).replace("T", " ").replace(/(\.\d+)?(\+00:00|Z)$/, " UTC") : "");
  const shorten = (value, n = 160) => {
    const s = text(value);
    return s.length > n ? `${s.slice(0, n - 1)}…` : s;
  };
  // Long text in a cell: the start, and the whole on demand (a native <details>, keyboard-ready).
  function longCell(value) {
    const s = text(value);
    if (s.length <= 160) return el("td", { dir: "auto", text: s });
    return el("td", { dir: "auto" }, [el("details", {}, [el("summary", { text: shorten(s) }), el("p", { text: s })])]);
  }

  function say(message, kind = "info") {
    const status = $("status");
    status.textContent = message;
    status.dataset.kind = kind;
  }

  // ------------------------------------------------------------------ the admin API

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  const getKey = () => {
    try {
      return sessionStorage.getItem(KEY_STORAGE);
    } catch (e) {
      return memoryKey;
    }
  };
  let memoryKey = null; // when sessionStorage is disabled: this page only
  function setKey(value) {
    memoryKey = value;
    try {
      if (value) sessionStorage.setItem(KEY_STORAGE, value);
      else sessionStorage.removeItem(KEY_STORAGE);
    } catch (e) { /* kept in memory */ }
  }

  // The service's own words for a failed request: {detail}, {error: {message}} or {error: "..."}.
  async function errorOf(response) {
    const body = await response.json().catch(() => null);
    let detail = body && (body.detail || body.error || body.message);
    if (detail && typeof detail === "object" && !Array.isArray(detail)) detail = detail.message || detail.detail;
    if (Array.isArray(detail)) detail = detail.map((d) => (d && d.msg) || text(d)).join("; ");
    return new ApiError(response.status, text(detail) || `HTTP ${response.status}`);
  }

  async function api(path, { method = "GET", json, form, raw = false } = {}) {
    const headers = { Authorization: `Bearer ${getKey() || ""}`, Accept: "application/json" };
    let body;
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    } else if (form) body = form;
    const response = await fetch(path, { method, headers, body, credentials: "omit", cache: "no-store" });
    if (response.status === 401) {
      signOut("The admin key was refused (revoked or wrong). Sign in again.");
      throw new ApiError(401, "unauthorized");
    }
    if (!response.ok) throw await errorOf(response);
    return raw ? response : response.json();
  }

  const query = (params) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      for (const one of Array.isArray(v) ? v : [v]) if (one != null && one !== "") q.append(k, one);
    }
    const s = q.toString();
    return s ? `?${s}` : "";
  };
  const docPath = (id) => text(id).split("/").map(encodeURIComponent).join("/");
  // A date input as the bounds of whole days, in UTC.
  const since = (value) => (value ? `${value}T00:00:00Z` : "");
  const until = (value) => (value ? `${value}T23:59:59Z` : "");

  function failed(error) {
    if (error instanceof ApiError && error.status === 401) return;
    say(error instanceof ApiError ? error.message : `The service cannot be reached (${error.message}).`, "error");
  }

  // ------------------------------------------------------------------ signing in, tabs

  async function signIn(key) {
    setKey(key);
    try {
      await api("admin/ingest-jobs");
    } catch (error) {
      setKey(null);
      if (!(error instanceof ApiError && error.status === 401)) failed(error);
      return false;
    }
    $("sign-in").hidden = true;
    $("tabs").hidden = false;
    $("sign-out").hidden = false;
    $("sign-in-error").textContent = "";
    show(TABS.includes(location.hash.slice(1)) ? location.hash.slice(1) : "documents");
    return true;
  }

  function signOut(message) {
    setKey(null);
    for (const tab of TABS) $(tab).hidden = true;
    $("tabs").hidden = true;
    $("sign-out").hidden = true;
    $("sign-in").hidden = false;
    $("sign-in-error").textContent = message || "";
    say("");
    $("admin-key").value = "";
    $("admin-key").focus();
  }

  const loaders = {};
  function show(tab) {
    for (const name of TABS) $(name).hidden = name !== tab;
    for (const button of document.querySelectorAll("#tabs button")) {
      if (button.dataset.tab === tab) button.setAttribute("aria-current", "page");
      else button.removeAttribute("aria-current");
    }
    if (location.hash !== `#${tab}`) history.replaceState(null, "", `#${tab}`);
    say("");
    loaders[tab]();
  }

  // ------------------------------------------------------------------ documents

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

  loaders.documents = async () => {
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
  };

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
    await loaders.documents();
  }

  // ------------------------------------------------------------------ upload and ingest jobs

  // XMLHttpRequest rather than fetch: it reports how much of the body went out.
  function upload(files) {
    if (!files.length) return;
    const form = new FormData();
    for (const file of files) form.append("files", file, file.name);
    const bar = $("upload-bar");
    const label = $("upload-label");
    $("upload-progress").hidden = false;
    bar.value = 0;
    bar.max = 100;
    label.textContent = `Uploading ${files.length} file${files.length > 1 ? "s" : ""}…`;
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "admin/documents");
    xhr.setRequestHeader("Authorization", `Bearer ${getKey() || ""}`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      bar.value = Math.round((100 * e.loaded) / e.total);
      if (e.loaded === e.total) {
        label.textContent = "Reading, cutting and embedding the documents…";
        bar.removeAttribute("value"); // indeterminate until the service answers
      }
    });
    xhr.addEventListener("load", () => {
      $("upload-progress").hidden = true;
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch (e) { /* not JSON */ }
      if (xhr.status === 401) return signOut("The admin key was refused. Sign in again.");
      const results = (body && body.documents) || [];
      if (results.length) drawUpload(results);
      if (xhr.status >= 200 && xhr.status < 300) {
        const added = results.filter((r) => r.status === "added" || r.status === "updated").length;
        say(`Upload done: ${added} added or updated, ${results.length - added} other.`);
      } else {
        const detail = body && (body.detail || (body.error && body.error.message) || body.error);
        say(`Upload refused: ${text(typeof detail === "string" ? detail : "") || `HTTP ${xhr.status}`}`, "error");
      }
    });
    xhr.addEventListener("error", () => {
      $("upload-progress").hidden = true;
      say("The upload failed: the service cannot be reached.", "error");
    });
    xhr.send(form);
  }

  function drawUpload(results) {
    $("upload-results").hidden = false;
    $("upload-results").tBodies[0].replaceChildren(...results.map((r) => el("tr", {}, [
      cell(r.file), cell(r.id, "mono"), el("td", { class: `st-${text(r.status)}`, text: text(r.status) }),
      cell(r.chunks, "num"), cell([r.reason, ...(r.warnings || [])].filter(Boolean).join("; ")),
    ])));
  }

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
      else loaders.upload();
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

  loaders.upload = async () => {
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
  };

  // ------------------------------------------------------------------ site keys

  const snippet = (key) => `<script src="${location.origin}/widget.js" data-site-key="${key}" async></script>`;

  async function copy(value, what) {
    try {
      await navigator.clipboard.writeText(value);
      say(`${what} copied.`);
    } catch (e) {
      say(`Copying was refused by the browser: select the ${what.toLowerCase()} and copy it.`, "error");
    }
  }

  loaders.keys = async () => {
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
  };

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
    await loaders.keys();
  }

  async function revokeKey(k) {
    if (!confirm(`Revoke ${text(k.key)}? The widget stops answering on ${(k.origins || []).join(", ")}.`)) return;
    try {
      await api(`admin/site-keys/${encodeURIComponent(text(k.key))}`, { method: "DELETE" });
    } catch (error) {
      return failed(error);
    }
    say(`Revoked ${text(k.key)}.`);
    await loaders.keys();
  }

  // ------------------------------------------------------------------ feedback

  let fbOffset = 0;
  const fbFilters = () => ({
    rating: $("fb-rating").value, since: since($("fb-since").value), until: until($("fb-until").value),
    site_key: $("fb-key").value.trim(), q: $("fb-q").value.trim(),
  });

  loaders.feedback = async () => {
    let body;
    try {
      body = await api(`admin/feedback${query({ ...fbFilters(), limit: PAGE, offset: fbOffset })}`);
    } catch (error) {
      return failed(error);
    }
    const items = body.items || [];
    const total = Number(body.total) || 0;
    $("fb-summary").textContent = total ? `${fbOffset + 1}–${fbOffset + items.length} of ${total} ratings.` : "No feedback yet.";
    $("fb-prev").disabled = fbOffset === 0;
    $("fb-next").disabled = fbOffset + items.length >= total;
    $("fb-table").tBodies[0].replaceChildren(...items.map((f) => el("tr", {}, [
      cell(when(f.created_at)),
      el("td", { class: `rating ${f.rating === "down" ? "down" : "up"}`, text: f.rating === "down" ? "👎 down" : "👍 up" }),
      longCell(f.question), longCell(`${f.found === false ? "[not found] " : ""}${text(f.answer)}`), longCell(f.comment),
      el("td", {}, (f.sources || []).map((s) => el("div", { dir: "auto", text: text(s.title) || text(s.document_id) }))),
      cell(f.site_key, "mono"),
    ])));
  };

  async function exportCsv() {
    let response;
    try {
      response = await api(`admin/feedback.csv${query(fbFilters())}`, { raw: true });
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

  // ------------------------------------------------------------------ gaps report

  loaders.gaps = async () => {
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
  };

  // ------------------------------------------------------------------ questions

  let qOffset = 0;
  loaders.questions = async () => {
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
        onclick: () => { $("q-conversation").value = text(q.conversation_id); qOffset = 0; loaders.questions(); },
      }) : null]),
    ])));
  };

  // ------------------------------------------------------------------ wiring

  function dropZone() {
    const zone = $("drop-zone");
    const input = $("file-input");
    const choose = () => input.click();
    zone.addEventListener("click", choose);
    zone.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        choose();
      }
    });
    input.addEventListener("change", () => {
      upload([...input.files]);
      input.value = "";
    });
    for (const type of ["dragenter", "dragover"]) {
      zone.addEventListener(type, (e) => {
        e.preventDefault();
        zone.classList.add("over");
      });
    }
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      zone.classList.remove("over");
      upload([...((e.dataTransfer && e.dataTransfer.files) || [])]);
    });
    // A file dropped beside the zone must not navigate away from the console.
    window.addEventListener("dragover", (e) => e.preventDefault());
    window.addEventListener("drop", (e) => e.preventDefault());
  }

  function wire() {
    $("sign-in-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const ok = await signIn($("admin-key").value.trim());
      if (!ok && !$("sign-in-error").textContent) $("sign-in-error").textContent = "That key was refused.";
    });
    $("sign-out").addEventListener("click", () => signOut("Signed out."));
    for (const button of document.querySelectorAll("#tabs button")) {
      button.addEventListener("click", () => show(button.dataset.tab));
    }
    $("doc-filters").addEventListener("submit", (e) => (e.preventDefault(), loaders.documents()));
    $("doc-search").addEventListener("input", drawDocuments);
    $("doc-dialog-close").addEventListener("click", () => $("doc-dialog").close());
    dropZone();
    $("ingest-form").addEventListener("submit", startJob);
    $("key-form").addEventListener("submit", createKey);
    $("copy-new-key").addEventListener("click", () => copy($("new-key-snippet").textContent, "Snippet"));
    $("fb-filters").addEventListener("submit", (e) => (e.preventDefault(), (fbOffset = 0), loaders.feedback()));
    $("fb-prev").addEventListener("click", () => ((fbOffset = Math.max(0, fbOffset - PAGE)), loaders.feedback()));
    $("fb-next").addEventListener("click", () => ((fbOffset += PAGE), loaders.feedback()));
    $("fb-csv").addEventListener("click", exportCsv);
    $("gap-filters").addEventListener("submit", (e) => (e.preventDefault(), loaders.gaps()));
    $("q-filters").addEventListener("submit", (e) => (e.preventDefault(), (qOffset = 0), loaders.questions()));
    $("q-prev").addEventListener("click", () => ((qOffset = Math.max(0, qOffset - PAGE)), loaders.questions()));
    $("q-next").addEventListener("click", () => ((qOffset += PAGE), loaders.questions()));
    window.addEventListener("hashchange", () => {
      const tab = location.hash.slice(1);
      if (getKey() && TABS.includes(tab)) show(tab);
    });
  }

  wire();
  const stored = getKey();
  if (stored) signIn(stored);
  else $("admin-key").focus();
})();
