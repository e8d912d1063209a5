/* The admin API as the console calls it: the admin key, one fetch wrapper, the service's error words.
 *
 * The key lives in sessionStorage (this tab only; in memory when storage is disabled) and travels as
 * `Authorization: Bearer`, never in a URL. A 401 calls the handler set by `whenUnauthorized` (the
 * session signs out), so this module needs nothing from the page's tabs.
 */
import { say, text } from "./dom.js";

const KEY_STORAGE = "accords-admin-key";
export const PAGE = 50; // rows per page of the feedback list and the question log

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

let memoryKey = null; // when sessionStorage is disabled: this page only
export const getKey = () => {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch (e) {
    return memoryKey;
  }
};
export function setKey(value) {
  memoryKey = value;
  try {
    if (value) sessionStorage.setItem(KEY_STORAGE, value);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch (e) { /* kept in memory */ }
}

let onUnauthorized = () => {};
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/* The service's own words for a failed request: {detail}, {error: {message}} or {error: "..."}. */
async function errorOf(response) {
  const body = await response.json().catch(() => null);
  let detail = body && (body.detail || body.error || body.message);
  if (detail && typeof detail === "object" && !Array.isArray(detail)) detail = detail.message || detail.detail;
  if (Array.isArray(detail)) detail = detail.map((d) => (d && d.msg) || text(d)).join("; ");
  return new ApiError(response.status, text(detail) || `HTTP ${response.status}`);
}

export async function api(path, { method = "GET", json, form, raw = false } = {}) {
  const headers = { Authorization: `Bearer ${getKey() || ""}`, Accept: "application/json" };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) body = form;
  const response = await fetch(path, { method, headers, body, credentials: "omit", cache: "no-store" });
  if (response.status === 401) {
    onUnauthorized("The admin key was refused (revoked or wrong). Sign in again.");
    throw new ApiError(401, "unauthorized");
  }
  if (!response.ok) throw await errorOf(response);
  return raw ? response : response.json();
}

/* A failed call on the status line (a 401 already signed out: nothing more to say). */
export function failed(error) {
  if (error instanceof ApiError && error.status === 401) return;
  say(error instanceof ApiError ? error.message : `The service cannot be reached (${error.message}).`, "error");
}

export const query = (params) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const one of Array.isArray(v) ? v : [v]) if (one != null && one !== "") q.append(k, one);
  }
  const s = q.toString();
  return s ? `?${s}` : "";
};
export const docPath = (id) => text(id).split("/").map(encodeURIComponent).join("/");
// A date input as the bounds of whole days, in UTC.
export const since = (value) => (value ? `${value}T00:00:00Z` : "");
export const until = (value) => (value ? `${value}T23:59:59Z` : "");
