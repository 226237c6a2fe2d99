/* The kiosk touchscreen: language choice, live topic tiles, drawing a ticket, the ticket
 * screen with its countdown, and a friendly problem screen with a retry.
 *
 * Screens: #start → (tap a topic) → #ticket → (done, or after ticketSeconds) → #start
 *                                  ↘ #problem (retry / back)
 *          #start → "I have an appointment" → #appointment (keypad: the slip's 6 digits)
 *                                              → check-in → #ticket ("your appointment at …")
 *          #start → "I have a card" → #card (the card's code) → #choice (the counselor's
 *                   topics open now, or why not: their next session, a colleague now)
 *                                              → #ticket
 *                   or their next free time booked here → #booked (its code, a slip printed)
 * A USB barcode scanner types what it read and Enter (scanner.js): on the start, keypad and
 * choice screens the slip's link checks in, a card's code opens the card, wherever the
 * visitor is (a burst that is only the end of a code the keypad holds whole, split by a
 * pause, is the keypad's). A refusal (wrong code, too early, another day …) is the server's
 * message in the visitor's language, shown on the keypad's screen with what was typed kept.
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
import { CARD_ALPHABET, CARD_LENGTH, CODE_LENGTH, Scanner, readScan } from "./scanner.js";

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
const ENTRY_IDLE_MS = config.ticketSeconds * 3 * 1000; // keypads and choices: 1 min (20 s)
const SCANNING = new Set(["start", "appointment", "card", "choice"]); // screens that take scans

const screens = {
  start: $("#start"),
  appointment: $("#appointment"),
  card: $("#card"),
  choice: $("#choice"),
  booked: $("#booked"),
  ticket: $("#ticket"),
  problem: $("#problem"),
};
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
  facts: $(".ticket-facts"),
  appointment: $("[data-testid=ticket-appointment]"),
  entries: {
    appointment: { boxes: $("[data-testid=appointment-code]"), error: $("[data-testid=appointment-error]") },
    card: { boxes: $("[data-testid=card-code]"), error: $("[data-testid=card-error]") },
  },
  choiceTitle: $("#choice-title"),
  choiceMessage: $("[data-testid=card-message]"),
  choiceNext: $("[data-testid=card-next]"),
  choiceTopicsTitle: $("#choice-topics-title"),
  choiceTopics: $("[data-testid=choice-topics]"),
  colleague: $("[data-testid=card-colleague]"),
  book: $("[data-testid=card-book]"),
  choiceError: $("[data-testid=choice-error]"),
  bookedWhen: $("[data-testid=booked-when]"),
  bookedCode: $("[data-testid=booked-code]"),
  bookedNote: $("[data-testid=booked-note]"),
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
  problemText: "", // a refusal's own message (problem "message")
  entry: { appointment: "", card: "" }, // what the visitor typed on the keypads
  entryBefore: null, // the keypads before the current burst of keys (a scan is taken back)
  card: null, // the card read: {code, counselor, topics, works_today, next_session}
  choice: "card", // the choice screen: the card's counselor ("card") or a colleague
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

/** A name set into a sentence, isolated from its direction: "Job Service" stays whole in an
 * Arabic sentence, and the sentence's colon and full stop stay where they belong. */
function isolate(name) {
  return "\u2068" + name + "\u2069";
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
  $$("[data-i18n-label]").forEach((node) => {
    node.setAttribute("aria-label", t(node.dataset.i18nLabel));
  });
  // The privacy notice opens in the language the visitor chose.
  $$("[data-testid=kiosk-privacy]").forEach((link) => {
    const url = new URL(link.href);
    url.searchParams.set("lang", state.language);
    link.href = url.toString();
  });
  renderTopics();
  if (state.problem) el.problemMessage.textContent = problemText(state.problem);
  if (state.card) renderChoice();
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
      pictogram: topic.pictogram || null,
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

/** "Tue, 9 Dec" and "10:00" of a moment, in the location's time zone. */
function dayAndTime(moment) {
  const zone = { timeZone: config.timezone };
  const time = new Intl.DateTimeFormat(locale(), { ...zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(moment);
  if (!catalog.intlKnows(state.language)) {
    // The browser does not know the language: its own weekday and month names, as `when` does.
    const parts = {};
    new Intl.DateTimeFormat("en-US", { ...zone, weekday: "short", day: "numeric", month: "numeric" })
      .formatToParts(moment)
      .forEach((part) => (parts[part.type] = part.value));
    const day = `${t("lobby.weekday_" + parts.weekday.toLowerCase())}, ${parts.day} ${t("lobby.month_" + parts.month)}`;
    return { day, time };
  }
  return {
    day: new Intl.DateTimeFormat(locale(), { ...zone, weekday: "short", day: "numeric", month: "short" }).format(moment),
    time,
  };
}

function isToday(moment) {
  const day = new Intl.DateTimeFormat("en-CA", { timeZone: config.timezone, year: "numeric", month: "2-digit", day: "2-digit" });
  return day.format(moment) === day.format(new Date());
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
        class: ["topic", topic.open ? null : "is-closed", topic.pictogram ? "has-pictogram" : null]
          .filter(Boolean).join(" "),
        "data-testid": "topic-" + topic.key,
        "aria-disabled": topic.open ? null : "true",
        "aria-describedby": note ? noteId : null,
        dataset: { topic: topic.key, names: JSON.stringify(topic.names) },
      },
      topic.pictogram ? pictogramIcon(topic.pictogram) : null,
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

/** Shrink a tile's name until its longest word fits (no hyphenation dictionaries offline):
 * the start's tiles, or the card's choice while it is shown. */
function fitTopicNames() {
  const list = !screens.start.hidden ? el.topics : !screens.choice.hidden ? el.choiceTopics : null;
  if (!list) return;
  list.querySelectorAll(".topic-name").forEach((node) => {
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

/** A topic's pictogram (the page's sprite, servicepoint/templates/pictograms.svg):
 * decorative, the tile names the topic in words. */
function pictogramIcon(key) {
  return svg(
    "svg",
    { class: "topic-pictogram", "aria-hidden": "true", focusable: "false", "data-pictogram": key },
    svg("use", { href: "#pictogram-" + key })
  );
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
  state.problemText = "";
  state.lastRequest = null;
  state.entry = { appointment: "", card: "" };
  state.entryBefore = null;
  state.card = null;
  state.choice = "card";
  renderEntry("appointment");
  renderEntry("card");
  showEntryError("appointment", "");
  showEntryError("card", "");
  el.choiceTopics.replaceChildren();
  el.choiceError.hidden = true;
  el.bookedCode.textContent = "";
  el.bookedWhen.textContent = "";
  el.appointment.textContent = "";
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

/** Run `work` with the page busy (taps ignored, the overlay after a moment); false when the
 * page was busy already or the tap is a leftover of the last visitor. */
async function whileBusy(work, chosen = null) {
  if (state.busy || Date.now() < state.ignoreTapsUntil) return false;
  state.busy = true;
  el.html.classList.add("is-busy");
  if (chosen) chosen.classList.add("is-chosen");
  const busyTimer = window.setTimeout(() => {
    el.busy.hidden = false;
  }, 300);
  try {
    await work();
  } finally {
    window.clearTimeout(busyTimer);
    el.busy.hidden = true;
    el.html.classList.remove("is-busy");
    if (chosen) chosen.classList.remove("is-chosen");
    state.busy = false;
  }
  return true;
}

/** POST with this kiosk's token (its printer prints); a token the server no longer knows
 * is dropped and the request sent again without it (the screen is the ticket). */
async function postFromKiosk(url, body) {
  const send = () =>
    api("POST", url, state.kiosk ? { ...body, kiosk: state.kiosk } : body, { timeoutMs: REQUEST_TIMEOUT_MS });
  try {
    return await send();
  } catch (error) {
    if (!(state.kiosk && kioskRefused(error))) throw error;
    forgetKiosk();
    return send();
  }
}

/** Draw a ticket of `topicKey`; `card`: with the visitor's client card (meant for its
 * counselor first). A retry of the same tap sends the same request id. */
function drawTicket(topicKey, requestId, { card = null, chosen = null } = {}) {
  return whileBusy(async () => {
    state.lastRequest = {
      topic: topicKey,
      language: state.language,
      request_id: requestId || newRequestId(),
      ...(card ? { card } : {}),
    };
    try {
      const ticket = await postFromKiosk(config.ticketsUrl, state.lastRequest);
      if (ticket && ticket.code) showTicket(ticket);
      else showProblem("server");
    } catch (error) {
      if (error instanceof ApiError && error.code === "card_not_valid" && error.message) {
        showProblem("message", error.message);
      } else {
        showProblem(problemKind(error));
      }
    }
  }, chosen);
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
  window.clearTimeout(state.idleTimer); // a keypad's: the ticket screen has its countdown
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

  // An appointment's ticket says when (the wait is not the visitor's concern then), or that
  // the visitor came late and now waits for their counselor; a card's names the counselor.
  const appointment = ticket.appointment || null;
  const counselor = ticket.card && ticket.card.counselor;
  el.appointment.textContent = appointment
    ? t(appointment.late ? "kiosk.appointment_late" : "kiosk.appointment_at", { time: appointment.time })
    : counselor ? t("kiosk.counselor", { name: isolate(counselor) }) : "";
  el.appointment.hidden = !el.appointment.textContent;
  el.appointment.classList.toggle("is-late", Boolean(appointment && appointment.late));
  el.facts.hidden = Boolean(appointment && !appointment.late);

  el.qr.hidden = false;
  el.qr.alt = t("kiosk.qr_alt", { code: ticket.code });
  el.qr.src = ticket.qr_url;
  el.url.textContent = ticket.status_url || "";

  show("ticket");
  focusHeading(screens.ticket);
  startCountdown();
  const printing = startPrint(ticket.print);
  const said = [t("kiosk.your_number") + ": " + ticket.code, el.appointment.textContent, printing];
  announce(said.filter(Boolean).join(". "));
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

/** The problem screen's message: a refusal's own words, or the catalog's for the kind. */
function problemText(kind) {
  if (kind === "message") return state.problemText;
  return kind === "closed" ? closedProblem() : t("kiosk.error_" + kind);
}

function showProblem(kind, message = "") {
  state.problem = kind;
  state.problemText = message;
  el.problemMessage.textContent = problemText(kind);
  // Retrying does not help when the topic takes no tickets; going back does.
  el.retry.hidden = kind === "closed";
  screens.problem.dataset.kind = kind;
  show("problem");
  focusHeading(screens.problem);
  announce(t("kiosk.error_title") + ". " + problemText(kind));
  // Nobody there any more? Go back to the start after a while.
  window.clearTimeout(state.idleTimer);
  state.idleTimer = window.setTimeout(resetToStart, Math.max(30, config.ticketSeconds * 2) * 1000);
}

// --- appointments and cards: keypads, scans, the card's choice --------------------------

const ENTRY_SCREENS = new Set(["appointment", "card", "choice", "booked"]);
const ENTRY_LENGTH = { appointment: CODE_LENGTH, card: CARD_LENGTH };

function currentScreen() {
  return el.html.dataset.screen;
}

/** A typed key in the keypad's alphabet (upper case; O, I, L as on the card: 0, 1, 1). */
function entryChar(kind, key) {
  if (kind === "appointment") return /^[0-9]$/.test(key) ? key : null;
  const upper = ({ O: "0", I: "1", L: "1" })[key.toUpperCase()] || key.toUpperCase();
  return upper.length === 1 && CARD_ALPHABET.includes(upper) ? upper : null;
}

/** The keypad's boxes: one per character, the next one marked (a card's in groups 4 4 1). */
function renderEntry(kind) {
  const value = state.entry[kind];
  const length = ENTRY_LENGTH[kind];
  const boxes = Array.from({ length }, (_, i) =>
    h(
      "span",
      {
        class: [
          "entry-box",
          i < value.length ? "is-filled" : "",
          i === value.length ? "is-next" : "",
          kind === "card" && (i === 3 || i === 7) ? "ends-group" : "",
        ].filter(Boolean).join(" "),
      },
      value[i] || ""
    )
  );
  el.entries[kind].boxes.replaceChildren(...boxes);
}

function showEntryError(kind, text) {
  el.entries[kind].error.textContent = text;
  el.entries[kind].error.hidden = !text;
}

function setEntry(kind, value) {
  state.entry[kind] = value.slice(0, ENTRY_LENGTH[kind]);
  renderEntry(kind);
}

/** A key on a keypad (tapped or typed): a character, delete, or OK. */
function pressKey(kind, key) {
  if (state.busy) return;
  if (key === "ok") {
    submitEntry(kind);
    return;
  }
  showEntryError(kind, "");
  if (key === "delete") {
    setEntry(kind, state.entry[kind].slice(0, -1));
    return;
  }
  const char = entryChar(kind, key);
  if (char && state.entry[kind].length < ENTRY_LENGTH[kind]) setEntry(kind, state.entry[kind] + char);
}

function openEntry(kind) {
  renderEntry(kind);
  show(kind);
  focusHeading(screens[kind]);
  noteActivity();
}

function submitEntry(kind) {
  if (kind === "appointment") checkIn({ code: state.entry.appointment });
  else checkCard(state.entry.card);
}

/** What the visitor reads when a code was refused: the server's words (already in their
 * language), or the kiosk's own for a network or server failure. */
function refusalText(error) {
  if (!(error instanceof ApiError) || error.code === "network" || error.code === "aborted") {
    return t("kiosk.error_network");
  }
  if (error.message && error.status >= 400 && error.status < 500) return error.message;
  return t("kiosk.error_server");
}

/** Show a keypad's screen with a refusal; what was typed stays. */
function refuse(kind, text) {
  if (currentScreen() !== kind) {
    renderEntry(kind);
    show(kind);
  }
  showEntryError(kind, text); // a live region (role=alert): said at once
  noteActivity();
}

/** Check an appointment in: `{code}` typed or `{token}` (the slip's scanned link). */
function checkIn(body) {
  return whileBusy(async () => {
    const request = { ...body, language: state.language, request_id: newRequestId() };
    try {
      const ticket = await postFromKiosk(config.checkInUrl, request);
      state.lastRequest = null; // nothing to retry: the ticket is there
      showTicket(ticket);
    } catch (error) {
      refuse("appointment", refusalText(error));
    }
  });
}

/** Read a card: its counselor and their topics open now (or why not). */
function checkCard(code) {
  return whileBusy(async () => {
    try {
      state.card = await api("POST", config.cardUrl, { card: code }, { timeoutMs: REQUEST_TIMEOUT_MS });
      state.choice = "card";
      renderChoice();
      show("choice");
      focusHeading(screens.choice);
      announce(el.choiceTitle.textContent + ". " + el.choiceMessage.textContent);
      noteActivity();
    } catch (error) {
      refuse("card", refusalText(error));
    }
  });
}

/** The choice after a card: the counselor's topics open now; or that they have no
 * consultation today (with their next one here) or none open now, and a colleague now —
 * then any open topic, drawn without the card. */
function renderChoice() {
  const card = state.card;
  if (!card) return;
  const name = card.counselor ? isolate(card.counselor) : t("kiosk.counselor_unknown");
  const next = card.next_session ? new Date(card.next_session) : null;
  const nextText = next && !isToday(next) ? t("kiosk.card_next", { name, ...dayAndTime(next) }) : "";
  let title = card.counselor ? t("kiosk.counselor", { name }) : t("kiosk.card_title");
  let message;
  let keys = [];
  let shownNext = "";
  let colleague = false;
  if (state.choice === "colleague") {
    title = t("kiosk.colleague_title");
    keys = state.topics.filter((topic) => topic.open).map((topic) => topic.key);
    message = keys.length ? t("kiosk.colleague_hint") : t("kiosk.no_topics");
  } else if (!card.works_today) {
    message = t("kiosk.card_not_today", { name });
    shownNext = nextText;
    colleague = true;
  } else if (!card.topics || card.topics.length === 0) {
    message =
      next && isToday(next)
        ? t("kiosk.card_opens", { name, time: dayAndTime(next).time })
        : t("kiosk.card_closed_today", { name });
    shownNext = nextText;
    colleague = true;
  } else {
    message = t("kiosk.card_ready", { name });
    keys = card.topics;
  }
  el.choiceTitle.textContent = title;
  el.choiceMessage.textContent = message;
  el.choiceError.hidden = true;
  el.choiceNext.textContent = shownNext;
  el.choiceNext.hidden = !shownNext;
  el.colleague.hidden = !colleague;
  // Their next free appointment time, to book here and now (with a slip on a printer).
  const slot = colleague && card.next_slot ? card.next_slot : null;
  el.book.textContent = slot ? t("kiosk.book_next", { name, when: when(new Date(slot.start)) }) : "";
  el.book.hidden = !slot;
  el.choiceTopicsTitle.hidden = keys.length === 0;
  el.choiceTopics.hidden = keys.length === 0;
  el.choiceTopics.dataset.choice = state.choice;
  const language = state.language;
  el.choiceTopics.replaceChildren(
    ...keys.map((key) => {
      const topic = state.topics.find((item) => item.key === key) || { key, names: {} };
      const name = topicName(topic.names, language) || key;
      const german = topic.names.de;
      return h(
        "li",
        null,
        h(
          "button",
          { type: "button", class: "topic", "data-testid": "choice-topic-" + key, dataset: { topic: key } },
          h("span", { class: "topic-name", lang: topic.names[language] ? language : "de" }, name),
          language !== "de" && german && german !== name
            ? h("span", { class: "topic-de", lang: "de", dir: "auto" }, german)
            : null,
          arrowIcon()
        )
      );
    })
  );
  const cols = columns(keys.length);
  el.choiceTopics.style.setProperty("--cols-portrait", cols.portrait);
  el.choiceTopics.style.setProperty("--cols-landscape", cols.landscape);
  window.requestAnimationFrame(fitTopicNames); // once the screen is shown
}

/** Book the card's counselor's next free time (`next_slot`) for the visitor: the code on
 * screen, the slip on the kiosk's printer when it has one. A refusal (the time was taken
 * meanwhile) is said on the choice screen. */
function bookNextSlot() {
  const card = state.card;
  if (!card || !card.next_slot) return;
  return whileBusy(async () => {
    el.choiceError.hidden = true;
    try {
      const booked = await postFromKiosk(config.cardBookUrl, {
        card: card.code,
        topic: card.next_slot.topic,
        start: card.next_slot.start,
        language: state.language,
      });
      const counselor = booked.counselor || card.counselor;
      const name = counselor ? isolate(counselor) : t("kiosk.counselor_unknown");
      el.bookedWhen.textContent = t("kiosk.booked_when", { name, when: when(new Date(booked.start)) });
      el.bookedCode.textContent = booked.code;
      const printing = booked.print && booked.print.state === "pending";
      el.bookedNote.textContent = t(printing ? "kiosk.booked_slip" : "kiosk.booked_note");
      show("booked");
      focusHeading(screens.booked);
      announce([t("kiosk.booked_title"), el.bookedWhen.textContent, booked.code].join(". "));
      noteActivity();
    } catch (error) {
      el.choiceError.textContent = refusalText(error);
      el.choiceError.hidden = false;
    }
  });
}

/** What a scan (a burst of keys ending with Enter) does; true when it was one. */
function scanned(text, event) {
  const screen = currentScreen();
  if (!SCANNING.has(screen) || state.busy) return false;
  const read = readScan(text);
  if (!read) {
    if (text.trim().length < 8) return false; // a typed Enter, not a scan
    if (splitFromEntry(screen, text)) return false; // the keypad's OK takes it
    event.preventDefault();
    takeBackBurst();
    refuse(screen === "card" ? "card" : "appointment", t("kiosk.scan_unknown"));
    return true;
  }
  // Six digits on the keypad, a card's code on the card's keypad: typed there already,
  // unless the keypad held something before (then the scan takes its place).
  const ownKeypad = (read.kind === "code" && screen === "appointment") || (read.kind === "card" && screen === "card");
  if (ownKeypad && state.entry[screen] === read.code) return false;
  event.preventDefault();
  takeBackBurst();
  if (read.kind === "appointment") checkIn({ token: read.token });
  else if (read.kind === "code") {
    setEntry("appointment", read.code);
    checkIn({ code: read.code });
  } else {
    setEntry("card", read.code);
    checkCard(read.code);
  }
  return true;
}

/** Whether a burst is only the end of a code typed on this keypad: a pause (a typist, a
 * busy kiosk) split the keys, and the keypad holds the whole code, ending with the burst. */
function splitFromEntry(screen, text) {
  const length = ENTRY_LENGTH[screen];
  if (!length || state.entry[screen].length !== length) return false;
  const typed = Array.from(text.trim().replace(/[\s-]/g, "")).map((ch) => entryChar(screen, ch));
  return typed.length < length && typed.every(Boolean) && state.entry[screen].endsWith(typed.join(""));
}

/** A scan's characters also reached the keypad: put it back as it was before them. */
function takeBackBurst() {
  if (!state.entryBefore) return;
  setEntry("appointment", state.entryBefore.appointment);
  setEntry("card", state.entryBefore.card);
}

const scanner = new Scanner({ onEnter: scanned });

/** Every key: the scanner hears it; on a keypad's screen it types there too. */
function onKey(event) {
  const screen = currentScreen();
  if (!SCANNING.has(screen)) return;
  noteActivity();
  if (scanner.key(event)) return; // a scan, handled
  if (scanner.startsBurst()) state.entryBefore = { ...state.entry };
  if (screen !== "appointment" && screen !== "card") return;
  if (event.ctrlKey || event.altKey || event.metaKey) return;
  if (event.key === "Enter") {
    // A keyboard's Enter on another button (Back) is that button's; else it is OK.
    const focused = document.activeElement;
    if (focused && focused.tagName === "BUTTON" && !focused.classList.contains("key")) return;
    event.preventDefault();
    pressKey(screen, "ok");
  } else if (event.key === "Backspace") {
    event.preventDefault();
    pressKey(screen, "delete");
  } else if (event.key.length === 1 && entryChar(screen, event.key)) {
    event.preventDefault();
    pressKey(screen, event.key);
  }
}

$$(".keypad").forEach((keypad) => {
  keypad.addEventListener("click", (event) => {
    const key = event.target.closest(".key");
    if (key) pressKey(keypad.dataset.entry, key.dataset.key);
  });
});

el.choiceTopics.addEventListener("click", (event) => {
  const button = event.target.closest(".topic");
  if (!button || !state.card) return;
  const card = state.choice === "card" ? state.card.code : null;
  drawTicket(button.dataset.topic, null, { card, chosen: button });
});

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
  if (ENTRY_SCREENS.has(currentScreen())) {
    // On a keypad or a choice, nobody there any more: back to the start.
    window.clearTimeout(state.idleTimer);
    state.idleTimer = window.setTimeout(resetToStart, ENTRY_IDLE_MS);
    return;
  }
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
  if (button) drawTicket(button.dataset.topic, null, { chosen: button });
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
    case "appointment":
    case "card":
      if (Date.now() >= state.ignoreTapsUntil) openEntry(button.dataset.action);
      break;
    case "book":
      bookNextSlot();
      break;
    case "colleague":
      state.choice = "colleague";
      renderChoice();
      focusHeading(screens.choice);
      break;
    case "retry":
      if (state.lastRequest) {
        window.clearTimeout(state.idleTimer);
        drawTicket(state.lastRequest.topic, state.lastRequest.request_id, {
          card: state.lastRequest.card || null,
        });
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
document.addEventListener("keydown", onKey);
// No long-press menus or accidental text selection on a public touchscreen.
document.addEventListener("contextmenu", (event) => event.preventDefault());

show("start");
setLanguage(DEFAULT_LANGUAGE);
receiveTopics(config.offer);
window.setInterval(loadTopics, OFFER_REFRESH_MS);
connectLive();
