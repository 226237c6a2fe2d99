/* The language catalog in the browser: the same strings Jinja and the printers use.
 *
 * Promises:
 * - On import it reads the page's `<script type="application/json" id="catalog">` (written
 *   by `catalog_json()` in servicepoint/i18n/flask.py): the language the page is shown in,
 *   the offered languages `{code, name, dir, locale}` and their strings under flat dotted
 *   keys ("kiosk.choose_topic"), each missing string already filled from English, then
 *   German. A page without that element starts empty; `init(data)` adds data later.
 * - `t(key, params)` is the string in the current language, `{name}` placeholders filled
 *   from `params`; a key the current language lacks comes from English, then German, then
 *   is the key itself. `tIn(code, key, params)` does the same in another language.
 * - `use(code)` switches the current language when its strings are here (else it keeps
 *   the current one) and sets `<html lang dir>` to the language actually shown; it returns
 *   that language's code. `load(code)` fetches `/i18n/<code>.json` first when needed.
 * - `isRtl(code)`, `dir(code)` come from the server's one list; `languages()` is the offered
 *   languages in order, `language(code)` one of them (or null).
 * - `translate(root)` sets the text of every `[data-i18n]` element below `root` (default:
 *   the document) to `t(its key)`.
 * - `intlLocale(code)` is the tag `Intl` formats `code`'s numbers and dates with: the
 *   catalog's locale (Dari is fa-AF) with Latin digits; `intlKnows(code)` whether the
 *   browser has that language's data at all (Chromium lacks Tigrinya, Pashto, Kurmanji:
 *   pages then use the catalog's own words rather than let Intl answer in English).
 */

const state = {
  lang: "de",
  fallback: ["en", "de"],
  languages: [],
  rtl: new Set(),
  prefixes: [],
  url: "/i18n/",
  strings: {},
};

/** Add catalog data (the shape `catalog_json()` writes); returns the current language. */
export function init(data) {
  if (!data) return state.lang;
  if (Array.isArray(data.fallback)) state.fallback = data.fallback;
  if (Array.isArray(data.languages)) {
    for (const entry of data.languages) {
      if (!state.languages.some((known) => known.code === entry.code)) state.languages.push(entry);
      if (entry.dir === "rtl") state.rtl.add(entry.code);
    }
  }
  if (Array.isArray(data.rtl)) data.rtl.forEach((code) => state.rtl.add(code));
  if (Array.isArray(data.prefixes)) state.prefixes = data.prefixes;
  if (typeof data.url === "string") state.url = data.url;
  for (const [code, strings] of Object.entries(data.strings || {})) {
    state.strings[code] = { ...(state.strings[code] || {}), ...strings };
  }
  if (typeof data.lang === "string" && state.strings[data.lang]) state.lang = data.lang;
  return state.lang;
}

function readPage() {
  const node = typeof document !== "undefined" ? document.getElementById("catalog") : null;
  if (!node) return;
  try {
    init(JSON.parse(node.textContent));
  } catch (error) {
    if (window.console) window.console.error("catalog: unreadable #catalog", error);
  }
}

/** Replace each `{name}` in `text` by `params[name]`; unknown placeholders stay. */
export function fill(text, params) {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole
  );
}

/** The string `key` in language `code`, with fallback and placeholders filled. */
export function tIn(code, key, params) {
  for (const source of [code, ...state.fallback]) {
    const strings = state.strings[source];
    if (strings && typeof strings[key] === "string") return fill(strings[key], params);
  }
  return key;
}

/** The string `key` in the current language. */
export function t(key, params) {
  return tIn(state.lang, key, params);
}

/** The language shown now. */
export function current() {
  return state.lang;
}

/** Whether the strings of `code` are here, so the page may switch to it at once. */
export function has(code) {
  return Boolean(state.strings[code]);
}

export function isRtl(code) {
  return state.rtl.has(code);
}

export function dir(code) {
  return isRtl(code) ? "rtl" : "ltr";
}

/** The offered languages, in order: `[{code, name, dir, locale}]`. */
export function languages() {
  return state.languages.map((entry) => ({ ...entry }));
}

export function language(code) {
  const found = state.languages.find((entry) => entry.code === code);
  return found ? { ...found } : null;
}

/** Show the page in `code` if its strings are here; `<html lang dir>` tell the truth. */
export function use(code, root = document.documentElement) {
  if (has(code)) state.lang = code;
  if (root) {
    root.lang = state.lang;
    root.dir = dir(state.lang);
  }
  return state.lang;
}

/** Make sure the strings of `code` are here (fetching `/i18n/<code>.json` if not). */
export async function load(code, { signal } = {}) {
  if (has(code)) return true;
  const query = state.prefixes.map((prefix) => "prefix=" + encodeURIComponent(prefix)).join("&");
  try {
    const response = await fetch(state.url + encodeURIComponent(code) + ".json" + (query ? "?" + query : ""), {
      headers: { Accept: "application/json" },
      signal,
    });
    if (!response.ok) return false;
    const data = await response.json();
    init({ languages: [data.language], strings: { [data.lang]: data.strings } });
    return has(code);
  } catch (error) {
    return false;
  }
}

/** The BCP 47 tag for `Intl` in language `code`, with Latin digits ("fa-AF-u-nu-latn"). */
export function intlLocale(code = state.lang) {
  const found = state.languages.find((entry) => entry.code === code);
  return ((found && found.locale) || code) + "-u-nu-latn";
}

/** Whether `Intl` knows language `code` (else it would format in the browser's own). */
export function intlKnows(code = state.lang) {
  try {
    return Intl.NumberFormat.supportedLocalesOf([intlLocale(code)]).length > 0;
  } catch (error) {
    return false;
  }
}

/** Set every `[data-i18n]` element below `root` to its string in the current language. */
export function translate(root = document) {
  root.querySelectorAll("[data-i18n]").forEach((node) => {
    node.textContent = t(node.dataset.i18n);
  });
}

readPage();
