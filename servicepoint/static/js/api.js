/* The JSON API client shared by every page (staff pages, kiosk, status page, lobby).
 *
 * Promises:
 * - `api(method, path, body, {signal, timeoutMs})` resolves to the parsed JSON body, or
 *   null for 204 No Content; it never resolves for a refusal.
 * - It rejects only with `ApiError`: `.code` is the server's error code ("duplicate",
 *   "invalid", "not_signed_in", …), "http" for an answer without an error body, "network"
 *   when the server could not be reached or did not answer within `timeoutMs`, "aborted"
 *   when the caller's `signal` aborted; `.status` is the HTTP status (0 without an answer);
 *   `.field` names the input at fault (the server's `field`), else null; `.message` is the
 *   server's `message`, already in the page's language, or "" when there is none (then
 *   the page says it in its own words, from the catalog, keyed by `.code`).
 * - Every request sends `Accept-Language: <html lang>`, so the server answers in the
 *   language the page is shown in; the visitor's language on the kiosk once it switches.
 * - Every request names the page's origin (referrer policy "same-origin"), also where the
 *   page's own policy is "no-referrer".
 * - `path` is relative to /api/v1 ("/desks/3/call-next"), unless it already starts with
 *   "/api/", is the API below a path prefix ("/t/api/v1/…", the public half's) or is a
 *   full URL (a URL the server rendered into the page).
 */

const API_ROOT = "/api/v1";

/** A refusal from the API (`{"error", "message", "field"?}`) or a failed request. */
export class ApiError extends Error {
  constructor(code, message = "", { status = 0, field = null, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.field = field;
  }
}

function urlOf(path) {
  if (/^https?:\/\//.test(path) || path.startsWith("/api/") || /^\/[a-z]+\/api\//.test(path)) {
    return path;
  }
  return API_ROOT + (path.startsWith("/") ? path : `/${path}`);
}

/** Call the JSON API; resolves to the parsed body (null for 204), rejects with ApiError. */
export async function api(method, path, body, { signal, timeoutMs } = {}) {
  const headers = { Accept: "application/json" };
  const lang = document.documentElement.lang;
  if (lang) headers["Accept-Language"] = lang;
  // Pages are served with `Referrer-Policy: no-referrer`, under which browsers that follow
  // the Fetch standard send `Origin: null` with a same-origin POST, and the server refuses
  // writes from an origin it does not know. "same-origin" keeps this page's origin (and its
  // address) on requests to this server only; other sites still get nothing.
  const options = {
    method, headers, credentials: "same-origin", cache: "no-store", referrerPolicy: "same-origin",
  };
  if (body !== undefined && body !== null) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }

  // One controller joins the caller's signal and the timeout.
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort();
  if (signal) {
    if (signal.aborted) throw new ApiError("aborted");
    signal.addEventListener("abort", onAbort, { once: true });
  }
  const timer = timeoutMs
    ? setTimeout(() => { timedOut = true; controller.abort(); }, timeoutMs)
    : null;
  options.signal = controller.signal;

  try {
    let response;
    try {
      response = await fetch(urlOf(path), options);
    } catch (error) {
      if (signal && signal.aborted && !timedOut) throw new ApiError("aborted", "", { cause: error });
      throw new ApiError("network", "", { cause: error });
    }
    if (response.status === 204) return null;
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      if (controller.signal.aborted) {
        throw new ApiError(timedOut ? "network" : "aborted", "", { status: response.status, cause: error });
      }
      data = null; // not JSON (a proxy's error page): judged by the status below
    }
    if (!response.ok) {
      if (data && typeof data.error === "string") {
        throw new ApiError(data.error, typeof data.message === "string" ? data.message : "", {
          status: response.status,
          field: typeof data.field === "string" ? data.field : null,
        });
      }
      throw new ApiError("http", "", { status: response.status });
    }
    return data;
  } finally {
    if (timer !== null) clearTimeout(timer);
    if (signal) signal.removeEventListener("abort", onAbort);
  }
}
