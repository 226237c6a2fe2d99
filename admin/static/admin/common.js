/* Shared helpers for the staff pages: the JSON API client, DOM building, messages, sign-out. */
"use strict";

window.SP = (() => {
  /** A refusal from the API ({"error", "message"}) or a network failure. */
  class ApiError extends Error {
    constructor(code, message, status, lang = "en") {
      super(message);
      this.code = code;
      this.status = status;
      this.lang = lang;
    }
  }

  /** Call the JSON API; resolves to the parsed body (null for 204), rejects with ApiError. */
  async function api(method, path, body) {
    const options = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(`/api/v1${path}`, options);
    } catch (_err) {
      throw new ApiError("network", "Der Server ist nicht erreichbar. Bitte Netzwerk prüfen und erneut versuchen.", 0, "de");
    }
    if (response.status === 204) return null;
    let data = null;
    try {
      data = await response.json();
    } catch (_err) {
      data = null;
    }
    if (!response.ok) {
      if (data && typeof data.message === "string") {
        throw new ApiError(data.error || "error", data.message, response.status);
      }
      throw new ApiError("http", `Der Server antwortete mit Status ${response.status}.`, response.status, "de");
    }
    return data;
  }

  /** Build an element: h("li", {class: "x", dataset: {id: 1}, onclick: fn}, "text", child). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "dataset") Object.assign(el.dataset, value);
      else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
      else if (key === "text") el.textContent = value;
      else if (value === true) el.setAttribute(key, "");
      else el.setAttribute(key, value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  // A German headline for each refusal code; the API's own (English) message follows it.
  const ERROR_TITLES = {
    nothing_to_call: "Niemand wartet",
    desk_busy: "Der Platz ist noch belegt",
    illegal_transition: "Nicht möglich",
    ticket_not_waiting: "Das Ticket wartet nicht mehr",
    topic_closed: "Thema geschlossen",
    invalid: "Eingabe ungültig",
    bad_request: "Anfrage ungültig",
    duplicate: "Existiert bereits",
    not_found: "Nicht gefunden",
    not_signed_in: "Nicht angemeldet",
    forbidden: "Keine Berechtigung",
    conflict: "Konflikt",
    unavailable: "Server ausgelastet",
    network: "Keine Verbindung",
    http: "Fehler",
  };

  /** The message nodes for an error: German headline + the server's text (marked lang="en"). */
  function errorNodes(err, title) {
    const headline = title || ERROR_TITLES[err.code] || "Fehler";
    const message = err instanceof ApiError ? err.message : String(err && err.message ? err.message : err);
    const lang = err instanceof ApiError ? err.lang : "en";
    return [h("strong", {}, `${headline}: `), h("span", { lang }, message)];
  }

  /** Only one element carries data-testid="message": the one that spoke last. */
  function markMessage(el) {
    for (const other of document.querySelectorAll('[data-testid="message"]')) {
      if (other !== el) other.removeAttribute("data-testid");
    }
    el.setAttribute("data-testid", "message");
  }

  /** Show an error in an alert element (role="alert" is already on it). */
  function showError(el, err, title) {
    const text = h("span", { class: "text" }, errorNodes(err, title));
    const close = h("button", {
      type: "button", class: "close small link", "aria-label": "Meldung schließen",
      onclick: () => clear(el),
    });
    el.replaceChildren(text, close);
    markMessage(el);
  }

  /** Show a short confirmation in a polite status element. */
  function showNote(el, text) {
    el.textContent = text;
  }

  function clear(el) {
    if (el) el.replaceChildren();
  }

  /** While ``work`` runs, ``button`` shows aria-busy; focus returns to it (or ``fallback``). */
  async function withBusy(button, work) {
    button.setAttribute("aria-busy", "true");
    try {
      return await work();
    } finally {
      button.removeAttribute("aria-busy");
    }
  }

  /** Re-focus ``preferred`` when it can take focus, else the first candidate that can. */
  function refocus(...candidates) {
    const active = document.activeElement;
    if (active && active !== document.body && document.contains(active) && !active.disabled) return;
    for (const el of candidates) {
      if (el && document.contains(el) && !el.disabled && !el.hidden && el.offsetParent !== null) {
        el.focus();
        return;
      }
    }
  }

  /** Minutes (rounded down) between an ISO time and now. */
  function minutesSince(iso, now) {
    return Math.max(0, Math.floor((now - Date.parse(iso)) / 60000));
  }

  function formatWait(minutes) {
    if (minutes < 1) return "< 1 Min.";
    if (minutes < 60) return `${minutes} Min.`;
    const hours = Math.floor(minutes / 60);
    return `${hours} Std. ${String(minutes % 60).padStart(2, "0")} Min.`;
  }

  const timeFormats = {};
  /** "14:05" in the given IANA time zone (the location's), else the browser's. */
  function clockTime(iso, timeZone) {
    if (!iso) return "";
    const key = timeZone || "";
    if (!timeFormats[key]) {
      try {
        timeFormats[key] = new Intl.DateTimeFormat("de-DE", { hour: "2-digit", minute: "2-digit", timeZone: timeZone || undefined });
      } catch (_err) {
        timeFormats[key] = new Intl.DateTimeFormat("de-DE", { hour: "2-digit", minute: "2-digit" });
      }
    }
    return timeFormats[key].format(new Date(iso));
  }

  const LANGUAGE_NAMES = {
    de: "Deutsch", en: "Englisch", uk: "Ukrainisch", ar: "Arabisch", fa: "Persisch",
    tr: "Türkisch", ru: "Russisch", fr: "Französisch", es: "Spanisch", pl: "Polnisch",
    ro: "Rumänisch", bg: "Bulgarisch", ku: "Kurdisch", ti: "Tigrinya", so: "Somali",
  };
  function languageName(code) {
    return LANGUAGE_NAMES[code] || code;
  }

  function topicName(names, fallback) {
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

  document.addEventListener("DOMContentLoaded", () => {
    for (const button of document.querySelectorAll("[data-sign-out]")) {
      button.addEventListener("click", () => signOut(button));
    }
  });

  return {
    ApiError, api, h, errorNodes, showError, showNote, clear, markMessage, withBusy, refocus,
    minutesSince, formatWait, clockTime, languageName, topicName, signOut,
  };
})();
