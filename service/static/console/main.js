/* accords console: a client of the admin API, served at /admin (service/routes/console.py).
 *
 * No build step, no framework, no inline script or style (the page's CSP allows neither): native ES
 * modules, one per concern, loaded from this origin. This one wires them to the page: the sign-in form,
 * the tabs and their loaders, each tab's controls, then a sign-in with the key this tab already holds.
 */
import { getKey, whenUnauthorized } from "./api.js";
import { $ } from "./dom.js";
import { loadDocuments, wireDocuments } from "./documents.js";
import { loadFeedback, wireFeedback } from "./feedback.js";
import { loadJobs, wireJobs } from "./jobs.js";
import { loadKeys, wireKeys } from "./keys.js";
import { loadGaps, loadQuestions, wireReports } from "./reports.js";
import { TABS, addTabs, show, signIn, signOut } from "./session.js";
import { wireDropZone } from "./uploads.js";

addTabs({
  documents: loadDocuments, upload: loadJobs, keys: loadKeys, feedback: loadFeedback, gaps: loadGaps,
  questions: loadQuestions,
});
whenUnauthorized(signOut);

$("sign-in-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const ok = await signIn($("admin-key").value.trim());
  if (!ok && !$("sign-in-error").textContent) $("sign-in-error").textContent = "That key was refused.";
});
$("sign-out").addEventListener("click", () => signOut("Signed out."));
for (const button of document.querySelectorAll("#tabs button")) {
  button.addEventListener("click", () => show(button.dataset.tab));
}
wireDocuments();
wireDropZone();
wireJobs();
wireKeys();
wireFeedback();
wireReports();
window.addEventListener("hashchange", () => {
  const tab = location.hash.slice(1);
  if (getKey() && TABS.includes(tab)) show(tab);
});

const stored = getKey();
if (stored) signIn(stored);
else $("admin-key").focus();
