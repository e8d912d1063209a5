/* Uploading files: the drop zone (or the file picker), the upload's progress, then each file's outcome.
 *
 * XMLHttpRequest rather than fetch: it reports how much of the body went out, so the bar moves during
 * the upload and turns indeterminate while the service reads, cuts and embeds the documents.
 */
import { getKey } from "./api.js";
import { $, cell, el, say, text } from "./dom.js";
import { signOut } from "./session.js";

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

export function wireDropZone() {
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
