/* What the staff pages share beyond /static/js (api.js, dom.js, socket.js): messages in an
 * alert or status element, the client's own texts, times and names as the pages show
 * them, and the sign-out button of the top bar (wired when this module is first imported).
 *
 * Promises:
 * - `showError(el, err)` shows the server's message exactly as it came (it is already in
 *   the page's language); only an error without one (no connection, a proxy's error page, a
 *   check made in the page) is said in the client's own words, `errorText(err)`.
 * - `t(key, params)`: the texts this JavaScript writes itself, the catalog's "staff.<key>"
 *   in the page's language (German or English, the staff member's choice: base.html hands
 *   the page that language's "staff." strings).
 * - Times and waits are shown in the location's time zone, in the page's language
 *   (`locale()`: de-DE or en-GB, with Latin digits).
 */

import { ApiError, api } from "/static/js/api.js";
import * as catalog from "/static/js/catalog.js";
import { $$, h } from "/static/js/dom.js";

export { ApiError, api };

/** A client text by key, with {name} filled from `params`: the catalog's "staff.<key>" in
 * the page's language. */
export function t(key, params = {}) {
  return catalog.t(`staff.${key}`, params);
}

/** The page's language ("de" or "en"). */
export function pageLanguage() {
  return catalog.current();
}

/** The `Intl` locale of the page's language ("de-DE-u-nu-latn", "en-GB-u-nu-latn"). */
export function locale() {
  return catalog.intlLocale(catalog.current());
}

// The refusals without a server message that the client says in its own words.
const CLIENT_ERRORS = new Set(["network", "aborted"]);

/** An error raised by the page itself (a check before any request), shown like a refusal. */
export function pageError(message, field = null) {
  return new ApiError("invalid", message, { status: 0, field });
}

/** What to say about `err`: the server's message as it came, else the client's own words. */
export function errorText(err) {
  if (err instanceof ApiError) {
    if (err.message) return err.message;
    if (err.code === "http") return t("common.error_http", { status: err.status });
    if (CLIENT_ERRORS.has(err.code)) return t(`common.error_${err.code}`);
    return t("common.error_unknown");
  }
  return (err && err.message) || t("common.error_unknown");
}

/** Only one element carries data-testid="message": the one that spoke last. */
function markMessage(el) {
  for (const other of $$('[data-testid="message"]')) {
    if (other !== el) other.removeAttribute("data-testid");
  }
  el.setAttribute("data-testid", "message");
}

/** Show an error in an alert element (role="alert" is already on it), with a close button. */
export function showError(el, err, ...extra) {
  const text = h("span", { class: "text" }, errorText(err), extra.length ? " " : null, ...extra);
  const close = h("button", {
    type: "button", class: "close small link", "aria-label": t("common.message_close"),
    onclick: () => clear(el),
  });
  el.replaceChildren(text, close);
  markMessage(el);
}

/** Show a short confirmation in a polite status element. */
export function showNote(el, text) {
  el.textContent = text;
}

export function clear(el) {
  if (el) el.replaceChildren();
}

/** The session is gone: say so in `el` with a button back to the sign-in page. */
export function showSessionExpired(el) {
  showError(el, pageError(t("common.session_expired")), h("button", {
    type: "button", class: "small", onclick: () => window.location.assign("/staff/"),
  }, t("common.sign_in_again")));
}

/** While `work` runs, `button` shows aria-busy. */
export async function withBusy(button, work) {
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.removeAttribute("aria-busy");
  }
}

/** Minutes (rounded down) between an ISO time and `now` (ms). */
export function minutesSince(iso, now) {
  return Math.max(0, Math.floor((now - Date.parse(iso)) / 60000));
}

export function formatWait(minutes) {
  if (minutes < 1) return t("common.under_a_minute");
  if (minutes < 60) return t("common.minutes", { n: minutes });
  const hours = Math.floor(minutes / 60);
  return t("common.hours_minutes", { hours, minutes: String(minutes % 60).padStart(2, "0") });
}

const formats = new Map();
function format(options, timeZone) {
  const key = JSON.stringify([options, timeZone || ""]);
  if (!formats.has(key)) {
    let made;
    try {
      made = new Intl.DateTimeFormat(locale(), { ...options, timeZone: timeZone || undefined });
    } catch (_err) { // an unknown zone name: the browser's zone is better than nothing
      made = new Intl.DateTimeFormat(locale(), options);
    }
    formats.set(key, made);
  }
  return formats.get(key);
}

/** "14:05" in the given IANA time zone (the location's), else the browser's. */
export function clockTime(iso, timeZone) {
  if (!iso) return "";
  return format({ hour: "2-digit", minute: "2-digit" }, timeZone).format(new Date(iso));
}

/** "21.11. 14:05" (English: "21/11 14:05") in the given time zone. */
export function dayAndTime(iso, timeZone) {
  if (!iso) return "–";
  return `${format({ day: "2-digit", month: "2-digit" }, timeZone).format(new Date(iso))} ${clockTime(iso, timeZone)}`;
}

let languageNames = null;
/** The name of a language code in the page's language ("uk" → "Ukrainisch", "Ukrainian"),
 * from the browser's own data, so no page keeps a list of languages; the code itself where
 * the browser has none. */
export function languageName(code) {
  try {
    languageNames = languageNames || new Intl.DisplayNames([pageLanguage()], { type: "language" });
    return languageNames.of(code) || code;
  } catch (_err) {
    return code;
  }
}

/** A topic's name in the page's language, else its German name (else any name, else
 * `fallback`). */
export function topicName(names, fallback) {
  return (names && (names[pageLanguage()] || names.de || Object.values(names)[0])) || fallback || "";
}

async function signOut(button) {
  if (button) button.disabled = true;
  try {
    await api("DELETE", "/session");
  } catch (_err) {
    // Signing out of a session the server no longer knows is still signing out.
  }
  window.location.assign("/staff/");
}

/** The language switch (a form in the top bar): sent with fetch() and the page shown again
 * in the choice (a click before this module runs sends the form itself: the server takes
 * it by the browser's Sec-Fetch-Site, and answers with the page). */
async function chooseLanguage(form, button) {
  // The language shown may be this browser's only: choosing it keeps it on the account.
  if (!button || button.getAttribute("aria-busy") === "true") return;
  const body = new URLSearchParams(new FormData(form));
  body.set("language", button.value);
  button.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(form.action, {
      method: "POST", body, redirect: "manual", credentials: "same-origin",
    });
    if (response.type !== "opaqueredirect" && !response.ok) throw new Error(String(response.status));
    window.location.reload();
  } catch (_err) {
    button.removeAttribute("aria-busy");
  }
}

// Modules run after the document is parsed: the top bar is there.
for (const button of $$("[data-sign-out]")) {
  button.addEventListener("click", () => signOut(button));
}
for (const form of $$("form.language-switch")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    chooseLanguage(form, event.submitter);
  });
}
