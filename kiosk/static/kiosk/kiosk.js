/* The kiosk touchscreen: language choice, live topic tiles, drawing a ticket, the ticket
 * screen with its countdown, and a friendly problem screen with a retry.
 *
 * Screens: #start → (tap a topic) → #ticket → (done, or after ticketSeconds) → #start
 *                                  ↘ #problem (retry / back)
 * Going back to #start always restores the default language, so the next visitor starts
 * fresh. Topics come with the page, then live from Socket.IO namespace /kiosk (`topics`).
 * Consultation sessions decide which topics take tickets (servicepoint/offer.py): a closed
 * topic's tile is shown dimmed and says when it is next offered, in the visitor's language
 * and the location's time; with nothing open the next consultation hours are listed. The
 * page asks again at `changes_at` (the next opening or closing) and every minute.
 *
 * A kiosk with a printer is opened once as /kiosk/<slug>?kiosk=<token>: the page keeps the
 * token in localStorage (per location) and takes it out of the address bar at once, so later
 * loads of /kiosk/<slug> use the stored one and no request line, history entry or photo of
 * the screen shows it; `?kiosk=` again replaces it (empty: forgets it). The token is sent with
 * every ticket and with the /kiosk connection, whose `print_status` events say how each
 * ticket's printing went. The ticket screen then says "being printed" → "take your
 * ticket"; when the printer fails, is known to be unavailable or gives no answer in time,
 * it switches to the fallback: the number and QR code extra large, "please note your
 * number". The screen always shows the whole ticket, so no visitor loses their turn.
 */
import { api, ApiError } from "/static/js/api.js";
import * as catalog from "/static/js/catalog.js";
import { $, $$, announce as speak, h, svg } from "/static/js/dom.js";
import { live } from "/static/js/socket.js";

const config = JSON.parse($("#kiosk-config").textContent);
const DEFAULT_LANGUAGE = catalog.current(); // the page was rendered in it
const t = catalog.t;
const REQUEST_TIMEOUT_MS = 10000;
const GHOST_TAP_MS = 700; // taps right after returning to the start are leftovers
const IDLE_LANGUAGE_RESET_MS = 60000; // a chosen language without a ticket drawn
const MAX_EXTRA_SECONDS = 300; // "more time" can extend to at most this
const TOPIC_POLL_MS = 60000; // only when Socket.IO is unavailable
const OFFER_REFRESH_MS = 60000; // open and closed topics, asked again even with Socket.IO
const PRINT_ANSWER_MS = 8000; // no print_status by then: the screen is the ticket
const PRINT_STATUS_MEMORY = 20; // statuses that came before their ticket's answer
const KIOSK_TOKEN_KEY = "servicepoint.kiosk-token:" + config.slug; // in localStorage

const screens = { start: $("#start"), ticket: $("#ticket"), problem: $("#problem") };
const el = {
  html: document.documentElement,
  topics: $("#topics"),
  noTopics: $("#no-topics"),
  nextHours: $("#next-hours"),
  nextHoursList: $("#next-hours ul"),
  busy: $("#busy"),
  announce: $("#announce"),
  place: $(".kiosk-place"),
  code: $("[data-testid=ticket-code]"),
  topicName: $(".ticket-topic-name"),
  topicGerman: $(".ticket-topic-de"),
  ahead: $("[data-testid=ticket-people-ahead]"),
  wait: $("[data-testid=ticket-wait]"),
  qr: $("[data-testid=ticket-qr]"),
  url: $("[data-testid=ticket-status-url]"),
  countdownText: $("[data-testid=ticket-countdown]"),
  countdownBar: $(".countdown-bar span"),
  problemMessage: $("[data-testid=problem-message]"),
  retry: $("[data-testid=problem-retry]"),
  note: $(".ticket-note"),
  print: $("[data-testid=print-state]"),
  printPending: $(".print-pending"),
  printPrinted: $(".print-printed"),
  printFailed: $("[data-testid=print-fallback]"),
};

const state = {
  language: DEFAULT_LANGUAGE,
  topics: [],
  nextSessions: [],
  changesTimer: null,
  busy: false,
  ignoreTapsUntil: 0,
  lastRequest: null,
  ticket: null,
  problem: null,
  deadline: 0,
  total: 0,
  countdownTimer: null,
  idleTimer: null,
  // This kiosk's token (from ?kiosk=, else stored), never shown; dropped for the page's
  // lifetime if the server no longer knows it, so tickets keep coming (on screen).
  kiosk: readKioskToken(),
  print: null, // { jobId, state: "pending" | "printed" | "failed", timer }
  printStatuses: new Map(), // job id → print_status that arrived before the ticket did
};

function validKioskToken(token) {
  return token && /^[A-Za-z0-9_-]{16,64}$/.test(token) ? token : null;
}

/** The token from ?kiosk= (then stored, and removed from the address), else the stored one. */
function readKioskToken() {
  const url = new URL(window.location.href);
  if (!url.searchParams.has("kiosk")) return validKioskToken(storedKioskToken());
  const token = validKioskToken(url.searchParams.get("kiosk"));
  url.searchParams.delete("kiosk");
  window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  try {
    if (token) window.localStorage.setItem(KIOSK_TOKEN_KEY, token);
    else window.localStorage.removeItem(KIOSK_TOKEN_KEY);
  } catch (error) {
    /* no storage (private mode): the token serves this page only */
  }
  return token;
}

function storedKioskToken() {
  try {
    return window.localStorage.getItem(KIOSK_TOKEN_KEY);
  } catch (error) {
    return null;
  }
}

// --- strings ---------------------------------------------------------------------------

/** A locale for Intl with Latin digits, as ticket codes and the lobby screen use them. */
function locale() {
  return catalog.intlLocale(state.language);
}

/** "30 Minuten", "30 хвилин", "30 دقيقة" … with the language's own plural rules; the
 * catalog's "{n} min" where the browser does not know the language (Tigrinya, Pashto…). */
function duration(value, unit) {
  if (!catalog.intlKnows(state.language)) {
    return t(unit === "minute" ? "kiosk.minutes" : "kiosk.seconds", { n: value });
  }
  try {
    return new Intl.NumberFormat(locale(), { style: "unit", unit, unitDisplay: "long" }).format(value);
  } catch (error) {
    return value + (unit === "minute" ? " min" : " s");
  }
}

function topicName(names, language) {
  return (names && (names[language] || names.de || names.en)) || "";
}

// --- language --------------------------------------------------------------------------

/** Show the page in `code`; `<html lang dir>` name the language actually shown. */
function setLanguage(code) {
  state.language = catalog.use(code);
  catalog.translate();
  document.title = t("kiosk.title") + " · " + el.place.textContent;
  $$(".lang-button").forEach((button) => {
    button.setAttribute("aria-pressed", String(button.dataset.lang === state.language));
  });
  renderTopics();
  if (state.problem) {
    el.problemMessage.textContent =
      state.problem === "closed" ? closedProblem() : t("kiosk.error_" + state.problem);
  }
}

// --- topics ----------------------------------------------------------------------------

function setTopics(topics) {
  // The server sends the active topics in kiosk order, each saying whether it takes tickets
  // now and, if not, from when: shown as they come. A closed topic with no session ahead
  // is left out.
  state.topics = topics
    .filter((topic) => topic.open !== false || topic.next_open)
    .map((topic) => ({
      key: topic.key,
      names: topic.names || {},
      open: topic.open !== false,
      nextOpen: topic.next_open ? new Date(topic.next_open) : null,
      reason: topic.closed_because || null,
    }));
  renderTopics();
}

/** A moment in the location's time zone, in the visitor's language: "today, 13:00" or
 * "Thursday, 10 December, 13:00". */
function when(moment) {
  const zone = { timeZone: config.timezone };
  const time = new Intl.DateTimeFormat(locale(), { ...zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const day = new Intl.DateTimeFormat("en-CA", { ...zone, year: "numeric", month: "2-digit", day: "2-digit" });
  if (day.format(moment) === day.format(new Date())) {
    return t("kiosk.today_at", { time: time.format(moment) });
  }
  if (!catalog.intlKnows(state.language)) {
    // The browser does not know the language: its own weekday and month names, not English.
    const parts = {};
    new Intl.DateTimeFormat("en-US", { ...zone, weekday: "short", day: "numeric", month: "numeric" })
      .formatToParts(moment)
      .forEach((part) => (parts[part.type] = part.value));
    const weekday = t("lobby.weekday_" + parts.weekday.toLowerCase());
    return `${weekday}, ${parts.day} ${t("lobby.month_" + parts.month)}, ${time.format(moment)}`;
  }
  return new Intl.DateTimeFormat(locale(), {
    ...zone,
    weekday: "long",
    day: "numeric",
    month: "long",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(moment);
}

/** "Thursday, 10 December, 13:00 – 17:00" for the list of next consultation hours. */
function sessionText(session) {
  const end = new Intl.DateTimeFormat(locale(), {
    timeZone: config.timezone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date(session.end));
  return when(new Date(session.start)) + " – " + end;
}

function renderNextSessions() {
  const open = state.topics.some((topic) => topic.open);
  const next = open ? [] : state.nextSessions;
  el.noTopics.textContent = t(next.length ? "kiosk.closed_now" : "kiosk.no_topics");
  el.nextHours.hidden = next.length === 0;
  el.nextHoursList.replaceChildren(
    ...next.map((session) => h("li", { dir: "auto" }, sessionText(session)))
  );
}

/** Columns for portrait and landscape screens, so tiles fill the screen evenly. */
function columns(count) {
  const portrait = count <= 3 ? 1 : count <= 10 ? 2 : 3;
  const landscape = count <= 4 ? Math.max(count, 1) : count <= 6 ? 3 : count <= 8 ? 4 : 5;
  return { portrait, landscape };
}

function renderTopics() {
  const language = state.language;
  const items = state.topics.map((topic) => {
    const name = topicName(topic.names, language);
    const german = topic.names.de;
    const noteId = "topic-note-" + topic.key;
    const note = topic.open ? null : closedNote(topic);
    const button = h(
      "button",
      {
        type: "button",
        class: topic.open ? "topic" : "topic is-closed",
        "data-testid": "topic-" + topic.key,
        "aria-disabled": topic.open ? null : "true",
        "aria-describedby": note ? noteId : null,
        dataset: { topic: topic.key, names: JSON.stringify(topic.names) },
      },
      h("span", { class: "topic-name", lang: topic.names[language] ? language : "de" }, name),
      language !== "de" && german && german !== name
        ? h("span", { class: "topic-de", lang: "de", dir: "auto" }, german)
        : null,
      note ? h("span", { class: "topic-next", id: noteId, "data-testid": "topic-next-" + topic.key }, note) : null,
      topic.open ? arrowIcon() : null
    );
    return h("li", null, button);
  });
  el.topics.replaceChildren(...items);
  const cols = columns(items.length);
  el.topics.style.setProperty("--cols-portrait", cols.portrait);
  el.topics.style.setProperty("--cols-landscape", cols.landscape);
  el.topics.toggleAttribute("data-odd-portrait", cols.portrait === 2 && items.length % 2 === 1);
  el.topics.hidden = items.length === 0;
  const anyOpen = state.topics.some((topic) => topic.open);
  el.noTopics.hidden = anyOpen;
  renderNextSessions();
  fitTopicNames();
}

/** Why a closed tile takes no tickets now, and when it is next offered. */
function closedNote(topic) {
  const full = topic.reason === "full" || topic.reason === "cap_reached";
  const next = topic.nextOpen ? t("kiosk.topic_next", { when: when(topic.nextOpen) }) : "";
  return full ? [t("kiosk.topic_full"), next].filter(Boolean).join(" · ") : next;
}

/** Shrink a tile's name until its longest word fits (no hyphenation dictionaries offline). */
function fitTopicNames() {
  if (screens.start.hidden) return;
  el.topics.querySelectorAll(".topic-name").forEach((node) => {
    node.style.fontSize = "";
    node.classList.remove("is-breaking");
    let size = parseFloat(window.getComputedStyle(node).fontSize);
    const smallest = size * 0.65;
    while (node.scrollWidth > node.clientWidth + 1 && size > smallest) {
      size -= 1;
      node.style.fontSize = size + "px";
    }
    if (node.scrollWidth > node.clientWidth + 1) node.classList.add("is-breaking");
  });
}

function arrowIcon() {
  return svg(
    "svg",
    { class: "topic-arrow", viewBox: "0 0 24 24", "aria-hidden": "true", focusable: "false" },
    svg("path", { d: "M9 5l7 7-7 7" })
  );
}

function fetchTopics() {
  return api("GET", config.topicsUrl, null, { timeoutMs: REQUEST_TIMEOUT_MS });
}

function receiveTopics(payload) {
  if (!payload || !Array.isArray(payload.topics)) return;
  state.nextSessions = Array.isArray(payload.next_sessions) ? payload.next_sessions : [];
  setTopics(payload.topics);
  // Ask again right after the next opening or closing the clock brings.
  window.clearTimeout(state.changesTimer);
  if (payload.changes_at) {
    const wait = new Date(payload.changes_at).getTime() - Date.now() + 1000;
    state.changesTimer = window.setTimeout(loadTopics, Math.min(Math.max(wait, 1000), 2 ** 31 - 1));
  }
}

async function loadTopics() {
  try {
    receiveTopics(await fetchTopics());
  } catch (error) {
    /* keep the tiles we have; the next event or poll brings fresh ones */
  }
}

function connectLive() {
  live("/kiosk", {
    auth: socketAuth, // read again at every attempt: a refused token is dropped
    events: {
      topics: receiveTopics,
      print_status: (payload) => {
        if (payload && typeof payload.job_id === "number") printStatus(payload);
      },
    },
    poll: fetchTopics, // only while Socket.IO cannot connect
    onPoll: receiveTopics,
    pollEveryMs: TOPIC_POLL_MS,
    retryRefusedMs: 15000,
    onRefused: (error) => {
      if (error && error.message === "unknown kiosk" && state.kiosk) {
        forgetKiosk();
        return "now";
      }
      return "retry";
    },
  });
}

function socketAuth() {
  return state.kiosk ? { location: config.slug, kiosk: state.kiosk } : { location: config.slug };
}

/** The server does not know this kiosk's token (replaced, or the kiosk switched off):
 * go on without printing, the screen is the ticket. */
function forgetKiosk() {
  if (window.console) window.console.warn("kiosk token refused: tickets are shown on screen only");
  state.kiosk = null;
}

// --- screens ---------------------------------------------------------------------------

function show(name) {
  for (const [key, screen] of Object.entries(screens)) screen.hidden = key !== name;
  el.html.dataset.screen = name;
  window.scrollTo(0, 0);
}

function announce(text) {
  speak(el.announce, text);
}

function focusHeading(screen) {
  const heading = screen.querySelector("h1");
  if (heading) heading.focus({ preventScroll: true });
}

/** Back to the start in the default language, with nothing of the last visitor left. */
function resetToStart() {
  stopCountdown();
  window.clearTimeout(state.idleTimer);
  state.ticket = null;
  state.problem = null;
  state.lastRequest = null;
  el.code.textContent = "";
  el.ahead.textContent = "";
  el.wait.textContent = "";
  el.url.textContent = "";
  el.qr.removeAttribute("src");
  el.qr.alt = "";
  el.problemMessage.textContent = "";
  stopPrint();
  state.ignoreTapsUntil = Date.now() + GHOST_TAP_MS;
  show("start");
  setLanguage(DEFAULT_LANGUAGE);
}

// --- drawing a ticket ------------------------------------------------------------------

/** A new id for one tap; a retry of the same tap sends it again and gets the same ticket. */
function newRequestId() {
  const bytes = new Uint8Array(16); // getRandomValues works without HTTPS, randomUUID not
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function drawTicket(topicKey, requestId) {
  if (state.busy || Date.now() < state.ignoreTapsUntil) return;
  state.busy = true;
  state.lastRequest = {
    topic: topicKey,
    language: state.language,
    request_id: requestId || newRequestId(),
  };
  el.html.classList.add("is-busy");
  const chosen = el.topics.querySelector(`[data-topic="${CSS.escape(topicKey)}"]`);
  if (chosen) chosen.classList.add("is-chosen");
  const busyTimer = window.setTimeout(() => {
    el.busy.hidden = false;
  }, 300);
  try {
    let ticket;
    try {
      ticket = await requestTicket();
    } catch (error) {
      if (!(state.kiosk && kioskRefused(error))) throw error;
      forgetKiosk();
      ticket = await requestTicket();
    }
    if (ticket && ticket.code) showTicket(ticket);
    else showProblem("server");
  } catch (error) {
    showProblem(problemKind(error));
  } finally {
    window.clearTimeout(busyTimer);
    el.busy.hidden = true;
    el.html.classList.remove("is-busy");
    if (chosen) chosen.classList.remove("is-chosen");
    state.busy = false;
  }
}

function requestTicket() {
  const body = state.kiosk ? { ...state.lastRequest, kiosk: state.kiosk } : state.lastRequest;
  return api("POST", config.ticketsUrl, body, { timeoutMs: REQUEST_TIMEOUT_MS });
}

/** The refusal is about the kiosk's token, not the ticket (see kiosk/api.py). */
function kioskRefused(error) {
  return error instanceof ApiError && error.code === "unknown_kiosk";
}

/** Which problem to show for a failed draw: network, closed (topic or place), busy (the
 * server's limit of tickets per minute: wait a minute, then retry) or server. */
function problemKind(error) {
  if (!(error instanceof ApiError) || error.code === "network" || error.code === "aborted") {
    return "network";
  }
  if (error.status === 429) return "busy";
  if (error.code === "topic_closed" || error.status === 404) {
    // The tile was stale (the session ended or filled up since): fetch the current ones and
    // say when the topic is next offered.
    loadTopics().then(() => {
      if (state.problem === "closed") el.problemMessage.textContent = closedProblem();
    });
    return "closed";
  }
  return "server";
}

function showTicket(ticket) {
  state.ticket = ticket;
  const names = ticket.topic_names || {};
  el.code.textContent = ticket.code;
  el.topicName.textContent = topicName(names, state.language);
  el.topicName.lang = names[state.language] ? state.language : "de";
  const german = names.de && state.language !== "de" && names.de !== el.topicName.textContent;
  el.topicGerman.textContent = german ? names.de : "";
  el.topicGerman.hidden = !german;

  const ahead = Number(ticket.people_ahead) || 0;
  el.ahead.textContent = new Intl.NumberFormat(locale()).format(ahead);
  el.wait.classList.toggle("is-unknown", ticket.nobody_on_duty === true);
  if (ticket.nobody_on_duty === true) {
    el.wait.textContent = t("kiosk.nobody_on_duty");
    el.wait.classList.remove("is-next");
  } else if (ahead === 0) {
    el.wait.textContent = t("kiosk.you_are_next");
    el.wait.classList.add("is-next");
  } else {
    const minutes = Math.max(1, Number(ticket.estimated_wait_minutes) || 0);
    el.wait.textContent = t("kiosk.about", { time: duration(minutes, "minute") });
    el.wait.classList.remove("is-next");
  }

  el.qr.hidden = false;
  el.qr.alt = t("kiosk.qr_alt", { code: ticket.code });
  el.qr.src = ticket.qr_url;
  el.url.textContent = ticket.status_url || "";

  show("ticket");
  focusHeading(screens.ticket);
  startCountdown();
  const printing = startPrint(ticket.print);
  announce(t("kiosk.your_number") + ": " + ticket.code + (printing ? ". " + printing : ""));
}

// --- printing ----------------------------------------------------------------------------

/** Show how this ticket's printing starts; returns the text to announce (or ""). */
function startPrint(print) {
  stopPrint();
  if (!print || typeof print.job_id !== "number") return "";
  state.print = { jobId: print.job_id, state: "pending", timer: null };
  if (print.state === "unavailable") return setPrintState("failed", { quiet: true });
  const early = state.printStatuses.get(print.job_id);
  if (early) return setPrintState(early.state === "printed" ? "printed" : "failed", { quiet: true });
  state.print.timer = window.setTimeout(() => setPrintState("failed"), PRINT_ANSWER_MS);
  return setPrintState("pending", { quiet: true });
}

/** A ``print_status`` from /kiosk: ``{job_id, code, state: printed|failed|expired, error}``. */
function printStatus(status) {
  if (status.state !== "printed" && status.state !== "failed" && status.state !== "expired") return;
  if (state.print && state.print.jobId === status.job_id) {
    // A ticket that comes out late still came out: say so, even after the fallback.
    if (status.state === "printed") setPrintState("printed");
    else if (state.print.state === "pending") setPrintState("failed");
    return;
  }
  // The answer may overtake the ticket's own HTTP response: keep it for startPrint.
  state.printStatuses.set(status.job_id, status);
  if (state.printStatuses.size > PRINT_STATUS_MEMORY) {
    state.printStatuses.delete(state.printStatuses.keys().next().value);
  }
}

function setPrintState(kind, { quiet = false } = {}) {
  const print = state.print;
  if (!print) return "";
  if (kind !== "pending") window.clearTimeout(print.timer);
  const wasFailed = print.state === "failed";
  print.state = kind;
  el.print.dataset.state = kind;
  el.print.hidden = false;
  el.note.hidden = true;
  el.printPending.hidden = kind !== "pending";
  el.printPrinted.hidden = kind !== "printed";
  el.printFailed.hidden = kind !== "failed";
  screens.ticket.dataset.print = kind;
  const text =
    kind === "pending" ? t("kiosk.print_pending")
    : kind === "printed" ? t("kiosk.print_take")
    : t("kiosk.print_failed_title") + " " + t("kiosk.print_failed_help");
  if (kind === "failed" && !wasFailed && !quiet) {
    // The visitor now has to note the number: give them the full time again.
    startCountdown();
  }
  if (!quiet) announce(text);
  return text;
}

function stopPrint() {
  if (state.print) window.clearTimeout(state.print.timer);
  state.print = null;
  el.print.hidden = true;
  el.print.dataset.state = "none";
  el.note.hidden = false;
  delete screens.ticket.dataset.print;
}

/** "No waiting numbers for this topic right now …", and from when it is offered again. */
function closedProblem() {
  const key = state.lastRequest && state.lastRequest.topic;
  const topic = state.topics.find((item) => item.key === key);
  const note = topic && !topic.open ? closedNote(topic) : "";
  return [t("kiosk.error_closed"), note].filter(Boolean).join(" ");
}

function showProblem(kind) {
  state.problem = kind;
  el.problemMessage.textContent = kind === "closed" ? closedProblem() : t("kiosk.error_" + kind);
  // Retrying does not help when the topic takes no tickets; going back does.
  el.retry.hidden = kind === "closed";
  screens.problem.dataset.kind = kind;
  show("problem");
  focusHeading(screens.problem);
  announce(t("kiosk.error_title") + ". " + t("kiosk.error_" + kind));
  // Nobody there any more? Go back to the start after a while.
  window.clearTimeout(state.idleTimer);
  state.idleTimer = window.setTimeout(resetToStart, Math.max(30, config.ticketSeconds * 2) * 1000);
}

// --- countdown on the ticket screen ----------------------------------------------------

function startCountdown() {
  stopCountdown();
  state.total = config.ticketSeconds * 1000;
  state.deadline = Date.now() + state.total;
  tick();
  state.countdownTimer = window.setInterval(tick, 250);
}

function stopCountdown() {
  window.clearInterval(state.countdownTimer);
  state.countdownTimer = null;
}

function moreTime() {
  const now = Date.now();
  const extra = config.ticketSeconds * 1000;
  state.deadline = Math.min(state.deadline + extra, now + MAX_EXTRA_SECONDS * 1000);
  state.total = Math.max(state.total, state.deadline - now);
  tick();
}

function tick() {
  const remaining = Math.max(0, state.deadline - Date.now());
  const seconds = Math.ceil(remaining / 1000);
  const text = t("kiosk.returns_in", { time: duration(seconds, "second") });
  if (el.countdownText.textContent !== text) el.countdownText.textContent = text;
  el.countdownBar.style.inlineSize = ((100 * remaining) / state.total).toFixed(2) + "%";
  if (remaining <= 0) resetToStart();
}

// --- idle ------------------------------------------------------------------------------

/** A visitor who chose a language but walked away: give the next one the default. */
function noteActivity() {
  if (screens.start.hidden) return;
  window.clearTimeout(state.idleTimer);
  if (state.language !== DEFAULT_LANGUAGE) {
    state.idleTimer = window.setTimeout(() => {
      if (!screens.start.hidden && !state.busy) setLanguage(DEFAULT_LANGUAGE);
    }, IDLE_LANGUAGE_RESET_MS);
  }
}

// --- wiring ----------------------------------------------------------------------------

$(".language-list").addEventListener("click", (event) => {
  const button = event.target.closest(".lang-button");
  if (!button || state.busy) return;
  setLanguage(button.dataset.lang);
  noteActivity();
});

el.topics.addEventListener("click", (event) => {
  const button = event.target.closest(".topic");
  if (button && button.getAttribute("aria-disabled") === "true") {
    const note = button.querySelector(".topic-next");
    if (note) announce(note.textContent); // a closed tile says when, and draws nothing
    return;
  }
  if (button) drawTicket(button.dataset.topic);
});

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-action]");
  if (!button) return;
  switch (button.dataset.action) {
    case "done":
    case "back":
      resetToStart();
      break;
    case "more-time":
      moreTime();
      break;
    case "retry":
      if (state.lastRequest) {
        window.clearTimeout(state.idleTimer);
        drawTicket(state.lastRequest.topic, state.lastRequest.request_id);
      } else {
        resetToStart();
      }
      break;
  }
});

// Without the QR image the address below it still leads to the status page.
el.qr.addEventListener("error", () => {
  if (el.qr.getAttribute("src")) el.qr.hidden = true;
});

let resizeTimer = null;
window.addEventListener("resize", () => {
  window.clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(fitTopicNames, 150);
});

document.addEventListener("pointerdown", noteActivity, { passive: true });
// No long-press menus or accidental text selection on a public touchscreen.
document.addEventListener("contextmenu", (event) => event.preventDefault());

show("start");
setLanguage(DEFAULT_LANGUAGE);
receiveTopics(config.offer);
window.setInterval(loadTopics, OFFER_REFRESH_MS);
connectLive();
