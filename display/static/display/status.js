/* The visitor's phone status page, live.
 *
 * The server renders the page complete; this module keeps it current from Socket.IO
 * namespace /ticket (auth {token}, event `status`, sent again on every reconnect; polling
 * GET /t/api/v1/tickets/<token> while Socket.IO cannot connect), switches the language in
 * place, rings when the ticket is called (vibrates, plays ring.wav, shows a system
 * notification where the visitor allowed one), shows a note while the connection is lost,
 * and lets the visitor give the ticket back after a confirm step. Whether that is allowed
 * now is the payload's `can_cancel`: the page keeps no rule of its own.
 *
 * Ringing: a phone plays sound only after a tap on the page, so the first tap anywhere
 * unlocks the audio element (played muted once). Notifications are asked for only by the
 * visitor's tap on "Notify me when it's my turn", never on load; the button shows only
 * where the browser can notify and has not been answered yet, else a line says what the
 * phone will do. Where the page cannot build a Notification itself (Chrome on Android), a
 * small service worker (ring-worker.js) shows it. While the ticket is open the screen is
 * kept awake (Wake Lock API where there is one), asked again whenever the page is shown
 * again, released once the visit is over. The room is named in the page's language where
 * the desk has a name in it (`desk_names`), with its German name below.
 *
 * The page lives in the public half (/t/…, all a proxy on the public host publishes): it is
 * served from /t/static/display/status.js and imports the shared modules beside it
 * (/t/static/js/…); its API, catalog and Socket.IO addresses come from the server
 * (#status-config, #catalog), all below /t/.
 */
import { api, ApiError } from "../js/api.js";
import * as catalog from "../js/catalog.js";
import { $, $$ } from "../js/dom.js";
import { live } from "../js/socket.js";

const config = JSON.parse($("#status-config").textContent);
const t = catalog.t;
const POLL_MS = 15000; // only when Socket.IO is unavailable
const VIBRATION = [400, 200, 400, 200, 800];

const el = {
  code: $("[data-testid=status-code]"),
  topicName: $(".topic-name"),
  stateText: $("[data-testid=status-state]"),
  call: $(".call"),
  callLabel: $(".call-label"),
  desk: $("[data-testid=status-desk]"),
  deskDe: $("[data-testid=status-desk-de]"),
  notify: $("[data-testid=status-notify]"),
  notifyButton: $("[data-testid=status-notify-button]"),
  notifyNote: $("[data-testid=status-notify-note]"),
  ring: $("[data-testid=status-ring]"),
  calledAgain: $(".called-again"),
  facts: $(".facts"),
  appointment: $("[data-testid=status-appointment]"),
  ahead: $("[data-testid=status-ahead]"),
  wait: $("[data-testid=status-wait]"),
  keepOpen: $(".keep-open"),
  connection: $(".connection"),
  connectionText: $(".connection-text"),
  cancel: $(".cancel"),
  cancelButton: $("[data-testid=status-cancel]"),
  confirm: $("#cancel-confirm"),
  question: $("#cancel-question"),
  confirmYes: $("[data-testid=status-cancel-confirm]"),
  confirmNo: $("[data-testid=status-cancel-keep]"),
  cancelError: $("[data-testid=status-cancel-error]"),
  langSwitch: $(".lang-switch"),
  langCurrent: $(".lang-current"),
};

const state = {
  lang: catalog.current(),
  status: config.status,
  notFound: false,
  cancelling: false,
};

// --- numbers -----------------------------------------------------------------------------

/** A locale for Intl with Latin digits, as on the ticket code and the lobby screen. */
function locale() {
  return catalog.intlLocale(state.lang);
}

function number(value) {
  try {
    return new Intl.NumberFormat(locale()).format(value);
  } catch (error) {
    return String(value);
  }
}

/** "30 Minuten", "30 хвилин" … with the language's own plural rules where Intl knows them;
 * the catalog's "{n} min" where the browser does not know the language (Tigrinya, Pashto…). */
function minutes(value) {
  if (!catalog.intlKnows(state.lang)) return t("status.minutes", { n: value });
  try {
    return new Intl.NumberFormat(locale(), {
      style: "unit",
      unit: "minute",
      unitDisplay: "long",
    }).format(value);
  } catch (error) {
    return t("status.minutes", { n: value });
  }
}

/** "10:00": an appointment's time on the location's clock, as the server renders it. */
function appointmentTime(status) {
  const zone = status.location && status.location.timezone;
  try {
    return new Intl.DateTimeFormat(locale(), {
      timeZone: zone || undefined,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(new Date(status.appointment_at));
  } catch (error) {
    return "";
  }
}

// --- rendering ---------------------------------------------------------------------------

/** What to show: the server says when a ticket of another day has simply expired. */
function shownState(status) {
  return status.expired ? "expired" : status.state;
}

function render(status, isLive) {
  const previous = state.status;
  state.status = status;
  const shown = state.notFound ? "not_found" : shownState(status);
  document.body.dataset.state = shown;

  el.code.textContent = status.code || "";
  const names = status.topic_names || {};
  el.topicName.textContent = names[state.lang] || names.de || "";
  el.topicName.lang = names[state.lang] ? state.lang : "de";

  const text = state.notFound ? t("status.not_found") : t("status.state_" + shown);
  el.stateText.textContent = text;
  el.stateText.dataset.state = shown;

  const atDesk = (shown === "called" || shown === "serving") && Boolean(status.desk);
  const desk = atDesk ? deskName(status) : "";
  el.call.hidden = !atDesk;
  el.callLabel.textContent = t(shown === "serving" ? "status.serving_at" : "status.go_to");
  el.desk.textContent = desk;
  if (desk && desk !== status.desk) el.desk.lang = state.lang;
  else el.desk.removeAttribute("lang");
  el.deskDe.textContent = atDesk ? status.desk : "";
  el.deskDe.hidden = !desk || desk === status.desk;
  el.calledAgain.hidden = !(shown === "called" && status.call_count > 1);

  // An appointment's ticket shows its time instead of a wait: it is called when due.
  const appointment = shown === "waiting" && status.appointment_at ? appointmentTime(status) : "";
  el.appointment.textContent = appointment ? t("status.appointment", { time: appointment }) : "";
  el.appointment.hidden = !appointment;

  // Unknown until the first live status when the server did not render it.
  el.facts.hidden =
    shown !== "waiting" || typeof status.people_ahead !== "number" || Boolean(appointment);
  if (typeof status.people_ahead === "number") {
    const ahead = status.people_ahead;
    el.ahead.textContent = number(ahead);
    const unknown = status.nobody_on_duty === true;
    el.wait.classList.toggle("is-next", ahead === 0 && !unknown);
    el.wait.classList.toggle("is-unknown", unknown);
    el.wait.closest(".fact-wait-box").classList.toggle("is-unknown", unknown);
    el.wait.textContent = unknown
      ? t("status.nobody_on_duty")
      : ahead === 0
        ? t("status.you_are_next")
        : t("status.about", { time: minutes(Math.max(1, Number(status.estimated_wait_minutes) || 0)) });
  }

  el.keepOpen.hidden = state.notFound || status.open !== true;
  el.cancel.hidden = state.notFound || status.can_cancel !== true;
  if (el.cancel.hidden) closeConfirm(false);

  document.title = (status.code || "") + " · " + text + (atDesk ? " " + desk : "");

  const open = !state.notFound && status.open === true;
  renderNotify(open);
  keepAwake(open);

  const newlyCalled =
    shown === "called" &&
    previous &&
    (previous.state !== "called" || (status.call_count || 0) > (previous.call_count || 0));
  if (isLive && newlyCalled) alertCalled(status);
}

/** The room in the page's language where the desk has a name in it, else its German one. */
function deskName(status) {
  const names = status.desk_names || {};
  return names[state.lang] || status.desk || "";
}

function alertCalled(status) {
  if (typeof navigator.vibrate === "function") {
    try {
      navigator.vibrate(VIBRATION);
    } catch (error) {
      /* some browsers refuse without a prior tap; the page itself still shows it */
    }
  }
  ring();
  showNotification(status);
  const reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  window.scrollTo({ top: 0, behavior: reduce ? "auto" : "smooth" });
}

// --- ringing: sound, notification, the screen kept awake ---------------------------------

const ringing = { unlocked: false, wakeLock: null, wantAwake: false, worker: null };

/** Play the call's sound (a phone plays it only once a tap has unlocked the audio). */
function ring() {
  try {
    el.ring.muted = false;
    el.ring.currentTime = 0;
    const played = el.ring.play();
    if (played && typeof played.catch === "function") played.catch(() => {});
  } catch (error) {
    /* no sound: the page, the vibration and the notification still tell */
  }
}

/** The first tap on the page: play the sound muted once, so the call may play it aloud. */
function unlockAudio() {
  if (ringing.unlocked) return;
  ringing.unlocked = true;
  try {
    el.ring.muted = true;
    const played = el.ring.play();
    const stop = () => {
      el.ring.pause();
      el.ring.currentTime = 0;
      el.ring.muted = false;
    };
    if (played && typeof played.then === "function") played.then(stop, stop);
    else stop();
  } catch (error) {
    ringing.unlocked = false;
  }
}

for (const kind of ["pointerdown", "keydown", "touchend"]) {
  document.addEventListener(kind, unlockAudio, { capture: true, passive: true });
}

function canNotify() {
  return typeof window.Notification === "function";
}

/** The button while the visitor has not answered; else a line saying what happens. */
function renderNotify(open) {
  el.notify.hidden = !open;
  if (!open) return;
  const permission = canNotify() ? window.Notification.permission : "unsupported";
  el.notifyButton.hidden = permission !== "default";
  el.notifyButton.textContent = t("status.notify_button");
  const note = {
    granted: "status.notify_on",
    denied: "status.notify_denied",
    unsupported: "status.notify_unsupported",
  }[permission];
  el.notifyNote.textContent = note ? t(note) : "";
  el.notifyNote.hidden = !note;
}

async function askToNotify() {
  unlockAudio();
  try {
    const asked = window.Notification.requestPermission();
    if (asked && typeof asked.then === "function") await asked;
  } catch (error) {
    /* the answer stays "default": the button stays */
  }
  renderNotify(!state.notFound && state.status.open === true);
  if (el.notifyButton.hidden) el.notifyNote.focus();
}

el.notifyButton.addEventListener("click", askToNotify);
el.notifyNote.tabIndex = -1;

/** "B012 — Raum 2": a system notification, where the visitor allowed them. */
function showNotification(status) {
  if (!canNotify() || window.Notification.permission !== "granted") return;
  const desk = deskName(status);
  const title = status.code + (desk ? " — " + desk : "");
  const options = {
    body: t("status.state_called"),
    lang: state.lang,
    dir: catalog.dir(state.lang),
    tag: "servicepoint-" + status.code,
    renotify: true,
    requireInteraction: true,
    vibrate: VIBRATION,
  };
  try {
    new window.Notification(title, options);
  } catch (error) {
    // Chrome on Android builds notifications only through a service worker.
    notifyThroughWorker(title, options);
  }
}

async function notifyThroughWorker(title, options) {
  if (!("serviceWorker" in navigator) || !config.ringWorkerUrl) return;
  try {
    ringing.worker = ringing.worker || (await navigator.serviceWorker.register(config.ringWorkerUrl));
    await ringing.worker.showNotification(title, options);
  } catch (error) {
    /* no notification: the sound, the vibration and the page still tell */
  }
}

/** Keep the screen on while the ticket is open (where the browser can); let it go after. */
async function keepAwake(wanted) {
  ringing.wantAwake = wanted;
  if (!wanted) {
    const lock = ringing.wakeLock;
    ringing.wakeLock = null;
    if (lock) lock.release().catch(() => {});
    return;
  }
  if (ringing.wakeLock || !("wakeLock" in navigator) || document.visibilityState !== "visible") {
    return;
  }
  try {
    const lock = await navigator.wakeLock.request("screen");
    if (!ringing.wantAwake) {
      lock.release().catch(() => {});
      return;
    }
    ringing.wakeLock = lock;
    document.body.dataset.awake = "true";
    lock.addEventListener("release", () => {
      if (ringing.wakeLock === lock) ringing.wakeLock = null;
      delete document.body.dataset.awake;
    });
  } catch (error) {
    /* refused (battery saver) or not now: asked again when the page is shown again */
  }
}

// The browser lets go of the lock whenever the page is hidden: ask again when it is back.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && ringing.wantAwake) keepAwake(true);
});

// --- language ----------------------------------------------------------------------------

let languageChosen = 0; // the latest choice: a language whose strings come later gives way

async function setLanguage(code) {
  const mine = ++languageChosen;
  if (!(await catalog.load(code)) || mine !== languageChosen) return;
  state.lang = catalog.use(code);
  catalog.translate();
  el.cancel.setAttribute("aria-label", t("status.cancel"));
  $$(".lang-list a").forEach((link) => {
    const current = link.dataset.lang === state.lang;
    if (current) {
      link.setAttribute("aria-current", "true");
      el.langCurrent.textContent = link.textContent;
      el.langCurrent.lang = state.lang;
      el.langCurrent.dir = catalog.dir(state.lang);
    } else {
      link.removeAttribute("aria-current");
    }
  });
  if (el.cancelError.textContent) el.cancelError.textContent = t("status.cancel_failed");
  render(state.status, false);
  try {
    const url = new URL(window.location.href);
    url.searchParams.set("lang", state.lang);
    window.history.replaceState(null, "", url);
  } catch (error) {
    /* the address stays as it was; nothing else depends on it */
  }
}

el.langSwitch.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-lang]");
  if (!link) return;
  event.preventDefault();
  setLanguage(link.dataset.lang);
  el.langSwitch.open = false;
  el.langSwitch.querySelector("summary").focus();
});

// --- connection --------------------------------------------------------------------------

function setConnected(connected) {
  el.connection.classList.toggle("is-visible", !connected);
  el.connectionText.hidden = connected;
}

function notFound() {
  state.notFound = true;
  render(state.status, false);
}

function fetchStatus() {
  return api("GET", config.statusUrl);
}

/** A status from the socket or a poll: the page is current again. */
function receive(status) {
  if (!status || typeof status.state !== "string") return;
  setConnected(true);
  // A status read before a change that has already arrived is older news: drop it.
  if (state.status && Number(status.version) < Number(state.status.version)) return;
  render(status, true);
}

live("/ticket", {
  auth: { token: config.token },
  options: { path: config.socketPath }, // the public half's own Socket.IO endpoint
  events: { status: receive },
  resync: "status", // when the phone wakes the page up again
  poll: fetchStatus,
  onPoll: receive,
  onPollError: (error) => {
    if (error instanceof ApiError && error.status === 404) notFound();
    else setConnected(false);
  },
  pollEveryMs: POLL_MS,
  retryRefusedMs: 10000,
  onState: (kind) => {
    if (kind === "live") setConnected(true);
    else if (kind === "reconnecting") setConnected(false);
  },
  onRefused: (error) => {
    if (error && error.message === "unknown ticket") {
      notFound();
      return "stop";
    }
    return "retry";
  },
});

// --- cancel, with a confirm step ---------------------------------------------------------

function openConfirm() {
  el.confirm.hidden = false;
  el.cancelButton.setAttribute("aria-expanded", "true");
  el.cancelError.textContent = "";
  el.question.focus();
}

function closeConfirm(returnFocus) {
  el.confirm.hidden = true;
  el.cancelButton.setAttribute("aria-expanded", "false");
  el.cancelError.textContent = "";
  if (returnFocus) el.cancelButton.focus();
}

async function cancelTicket() {
  if (state.cancelling) return;
  state.cancelling = true;
  el.confirmYes.disabled = true;
  el.confirmNo.disabled = true;
  el.cancelError.textContent = "";
  try {
    render(await api("POST", config.cancelUrl), false);
    el.stateText.focus();
  } catch (error) {
    // Perhaps it was called or finished meanwhile: show what is true now.
    try {
      receive(await fetchStatus());
    } catch (ignored) {
      /* the live connection brings it */
    }
    if (!el.cancel.hidden) el.cancelError.textContent = t("status.cancel_failed");
  } finally {
    state.cancelling = false;
    el.confirmYes.disabled = false;
    el.confirmNo.disabled = false;
  }
}

el.cancelButton.addEventListener("click", () => {
  if (el.confirm.hidden) openConfirm();
  else closeConfirm(true);
});
el.confirmNo.addEventListener("click", () => closeConfirm(true));
el.confirmYes.addEventListener("click", cancelTicket);

// --- start -------------------------------------------------------------------------------

el.stateText.tabIndex = -1;
render(state.status, false);
