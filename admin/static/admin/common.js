/* What the staff pages share beyond /static/js (api.js, dom.js, socket.js): messages in an
 * alert or status element, the client's own few texts, times and names as the pages show
 * them, and the sign-out button of the top bar (wired when this module is first imported).
 *
 * Promises:
 * - `showError(el, err)` shows the server's message exactly as it came (it is already in
 *   the page's language); only an error without one (no connection, a proxy's error page, a
 *   check made in the page) is said in the client's own words, `errorText(err)`.
 * - `t(key, params)`: the few texts this JavaScript needs itself (no connection, session
 *   expired, …): the catalog's "staff.<key>" where it has one, else the German text below.
 * - Times and waits are shown in the location's time zone, in German.
 */

import { ApiError, api } from "/static/js/api.js";
import * as catalog from "/static/js/catalog.js";
import { $$, h } from "/static/js/dom.js";

export { ApiError, api };

// The client's own texts, German, until the catalog has them as "staff.<key>" (base.html
// hands the page the catalog's "staff." strings). The server's messages never pass here.
const TEXTS = {
  "error.network": "Keine Verbindung zum Server. Bitte Netzwerk prüfen und erneut versuchen.",
  "error.http": "Der Server antwortete mit Status {status}. Bitte erneut versuchen.",
  "error.aborted": "Die Anfrage wurde abgebrochen.",
  "error.unknown": "Etwas ist schiefgegangen. Bitte erneut versuchen.",
  "session.expired": "Ihre Anmeldung ist abgelaufen. Bitte neu anmelden.",
  "session.sign_in_again": "Neu anmelden",
  "message.close": "Meldung schließen",
  "signin.missing": "Bitte Benutzername und Passwort eingeben.",
  "manage.no_location": "Bitte zuerst einen Standort anlegen.",
};

/** A client text by key, with {name} filled from `params`: the catalog's "staff.<key>",
 * else the German text here. */
export function t(key, params = {}) {
  const fromCatalog = catalog.t(`staff.${key}`, params);
  if (fromCatalog !== `staff.${key}`) return fromCatalog;
  return catalog.fill(TEXTS[key] ?? key, params);
}

/** An error raised by the page itself (a check before any request), shown like a refusal. */
export function pageError(message, field = null) {
  return new ApiError("invalid", message, { status: 0, field });
}

/** What to say about `err`: the server's message as it came, else the client's own words. */
export function errorText(err) {
  if (err instanceof ApiError) {
    if (err.message) return err.message;
    if (err.code === "http") return t("error.http", { status: err.status });
    if (TEXTS[`error.${err.code}`]) return t(`error.${err.code}`);
    return t("error.unknown");
  }
  return (err && err.message) || t("error.unknown");
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
    type: "button", class: "close small link", "aria-label": t("message.close"),
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
  showError(el, pageError(t("session.expired")), h("button", {
    type: "button", class: "small", onclick: () => window.location.assign("/staff/"),
  }, t("session.sign_in_again")));
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
  if (minutes < 1) return "< 1 Min.";
  if (minutes < 60) return `${minutes} Min.`;
  const hours = Math.floor(minutes / 60);
  return `${hours} Std. ${String(minutes % 60).padStart(2, "0")} Min.`;
}

const formats = new Map();
function format(options, timeZone) {
  const key = JSON.stringify([options, timeZone || ""]);
  if (!formats.has(key)) {
    let made;
    try {
      made = new Intl.DateTimeFormat("de-DE", { ...options, timeZone: timeZone || undefined });
    } catch (_err) { // an unknown zone name: the browser's zone is better than nothing
      made = new Intl.DateTimeFormat("de-DE", options);
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

/** "21.11. 14:05" in the given time zone. */
export function dayAndTime(iso, timeZone) {
  if (!iso) return "–";
  return `${format({ day: "2-digit", month: "2-digit" }, timeZone).format(new Date(iso))} ${clockTime(iso, timeZone)}`;
}

let languageNames = null;
/** The German name of a language code ("uk" → "Ukrainisch"), from the browser's own data,
 * so no page keeps a list of languages; the code itself where the browser has none. */
export function languageName(code) {
  try {
    languageNames = languageNames || new Intl.DisplayNames(["de"], { type: "language" });
    return languageNames.of(code) || code;
  } catch (_err) {
    return code;
  }
}

/** A topic's German name (else any name, else `fallback`). */
export function topicName(names, fallback) {
  return (names && (names.de || Object.values(names)[0])) || fallback || "";
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

// Modules run after the document is parsed: the top bar is there.
for (const button of $$("[data-sign-out]")) {
  button.addEventListener("click", () => signOut(button));
}
