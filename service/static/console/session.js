/* Signing in and out, and the tabs: which section shows, and loading it when it does.
 *
 * Each tab's module hands its loader to `addTabs` (main.js), so this module imports none of them.
 */
import { ApiError, api, failed, setKey } from "./api.js";
import { $, say } from "./dom.js";

export const TABS = ["documents", "upload", "keys", "feedback", "gaps", "questions"];
const loaders = {};

export function addTabs(tabLoaders) {
  Object.assign(loaders, tabLoaders);
}

/* Try `key` on the API; true when it is accepted (then the console shows the tab named in the URL). */
export async function signIn(key) {
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

export function signOut(message) {
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

export function show(tab) {
  for (const name of TABS) $(name).hidden = name !== tab;
  for (const button of document.querySelectorAll("#tabs button")) {
    if (button.dataset.tab === tab) button.setAttribute("aria-current", "page");
    else button.removeAttribute("aria-current");
  }
  if (location.hash !== `#${tab}`) history.replaceState(null, "", `#${tab}`);
  say("");
  loaders[tab]();
}
