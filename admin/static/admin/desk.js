/* Counselor desk view: choose location and desk, watch the queue live (Socket.IO /staff),
 * call the next person and move the ticket at this desk. A desk has one occupant: choosing
 * a desk takes it (an occupied one only after confirming a take-over), the queue's `desks`
 * say who sits where, and when someone else takes this page's desk over the server says so
 * at once (`desk_taken_over`): the page tells the counselor and stops offering calls there.
 * Every action goes through the JSON API. The page knows no rule of the queue: the server's payload says which moves a
 * ticket offers now (`moves`), which tickets this counselor serves (`served`), which one
 * call-next takes (`next_id`), and gives the waiting list in calling order. What is shown
 * is derived from the latest `queue` snapshot, with the tickets changed since (the `ticket`
 * events and the answers to this page's own moves) put in their place until the next one.
 * Today's appointments, follow-ups and client cards are their own modules (appointments.js,
 * cards.js), given what they need of this page's state through `shared`. */

import {
  ApiError, api, clear, clockTime, formatWait, languageName, minutesSince, pageError,
  showError, showNote, showSessionExpired, topicName,
} from "./common.js";
import { $, h, refocus, replaceChildrenKeepingFocus } from "/static/js/dom.js";
import { live } from "/static/js/socket.js";
import { createAppointments } from "./appointments.js";
import { createCards } from "./cards.js";

const els = {
  location: $("#location"), desk: $("#desk"), connection: $("#connection"),
  message: $("#message"), status: $("#status"),
  callNext: $("#call-next"), callHint: $("#call-hint"), current: $("#current"), actions: $("#actions"),
  waiting: $("#waiting-list"), queueCount: $("#queue-count"), queueTopics: $("#queue-topics"),
  queueEmpty: $("#queue-empty"), othersToggle: $("#others-toggle"), others: $("#others"),
  waitingOther: $("#waiting-other"), atDesksCount: $("#at-desks-count"),
  atDesksList: $("#at-desks-list"), printers: $("#printers"),
  toast: $("#toast"), toastText: $("#toast-text"), undo: $("#undo"), toastClose: $("#toast-close"),
  transferDialog: $("#transfer-dialog"), transferTopic: $("#transfer-topic"),
  transferWhat: $("#transfer-what"),
  seatText: $("#seat-text"), takeOver: $("#take-over"), leaveDesk: $("#leave-desk"),
  deskNotice: $("#desk-notice"),
};

// Moves whose result can be taken back for a few seconds (with a requeue, when offered).
const UNDOABLE = { "no-show": "als nicht erschienen markiert", finish: "abgeschlossen", cancel: "storniert" };
const UNDO_SECONDS = 10;
const POLL_MS = 15000;
// How often the queue is asked for again while live: a desk whose occupant has gone idle
// is shown as free without any event.
const RESYNC_MS = 60000;
const LONG_WAIT_MINUTES = 30;
// Why a waiting ticket stands where it does in this counselor's list (the payload's `step`).
const STEP_LABELS = {
  appointment: "Termin", appointment_soon: "Termin gleich", waiting_long: "wartet lange",
  for_you: "Ihr Klient",
};
// How a ticket's state is shown (labels only; which moves it allows comes with the ticket).
const STATE_LABELS = {
  waiting: "Wartet", called: "Aufgerufen", serving: "In Beratung", done: "Abgeschlossen",
  no_show: "Nicht erschienen", cancelled: "Storniert",
};

const STORE_LOCATION = "servicepoint.staff.location";
const storeDeskKey = (slug) => `servicepoint.staff.desk.${slug}`;
const store = {
  get(key) {
    try { return window.localStorage.getItem(key); } catch (_err) { return null; }
  },
  set(key, value) {
    try {
      if (value === null || value === undefined || value === "") window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, String(value));
    } catch (_err) { /* private mode: the choice is simply not remembered */ }
  },
};

const state = {
  locations: [],
  slug: "",
  desks: [],
  deskId: null,
  queue: null,          // the latest queue payload, as the server sent it
  fresh: new Map(),     // id → ticket changed since that payload (events, own answers)
  offset: 0,            // server clock minus this clock, in ms
  busy: false,
  live: null,           // the live() connection of the chosen location
  connection: "closed", // its state, for the badge
  showOthers: false,
  printersShown: "",    // what the printer banner shows now, rewritten only on a change
  me: null,             // the signed-in staff member (GET /session)
  sittingAt: null,      // the desk this page last knew its counselor sat at
  desksShown: "",       // what the desk chooser shows now, rewritten only on a change
};

const now = () => Date.now() + state.offset;

/** A time of day as the location's clock shows it. */
function clock(iso) {
  const location = state.locations.find((l) => l.slug === state.slug);
  return clockTime(iso, location ? location.timezone : undefined);
}

// --- what is shown, derived from the payload ------------------------------------------------

function desk() {
  return state.desks.find((d) => d.id === state.deskId) || null;
}

/** Who sits at `d`, as this counselor sees it: "mine", "taken" (someone else) or "free". */
function seatOf(d) {
  if (!d || !d.occupant) return "free";
  return state.me && d.occupant.id === state.me.id ? "mine" : "taken";
}

/** Whether this page may call to (and move the ticket at) the chosen desk: it is open and
 * nobody else sits there (a free desk becomes this counselor's with the call). */
function mayCall() {
  const chosen = desk();
  return Boolean(chosen) && chosen.active && seatOf(chosen) !== "taken";
}

/** A ticket as last heard of: a `ticket` event's copy carries no `step` (only the queue's
 * list says it), so the list's one is kept until the next snapshot. */
const latest = (ticket) => {
  const fresh = state.fresh.get(ticket.id);
  return fresh ? { step: ticket.step, for_you: ticket.for_you, ...fresh } : ticket;
};

/** The waiting tickets in the server's order, split by whether this counselor serves them. */
function waitingLists() {
  const waiting = (state.queue ? state.queue.waiting : [])
    .map(latest)
    .filter((t) => t.state === "waiting"); // called or cancelled since: gone from the list
  return {
    mine: waiting.filter((t) => t.served !== false),
    others: waiting.filter((t) => t.served === false),
  };
}

/** The tickets at desks: the payload's, changed ones in their place, and ones this page
 * has just called (the next snapshot lists them). */
function atDesks() {
  const listed = state.queue ? state.queue.active.map(latest) : [];
  const ids = new Set(state.queue ? [...state.queue.waiting, ...state.queue.active].map((t) => t.id) : []);
  const called = [...state.fresh.values()].filter((t) => !ids.has(t.id) && t.desk_id !== null && t.state !== "waiting");
  return [...listed, ...called];
}

/** The ticket at this desk: the one called here last. */
function currentTicket() {
  if (state.deskId === null) return null;
  let found = null;
  for (const ticket of atDesks()) {
    if (ticket.desk_id !== state.deskId) continue;
    if (!found || Date.parse(ticket.called_at || 0) > Date.parse(found.called_at || 0)) found = ticket;
  }
  return found;
}

function nextTicket() {
  if (!state.queue || state.queue.next_id === undefined || state.queue.next_id === null) return null;
  return waitingLists().mine.find((t) => t.id === state.queue.next_id) || null;
}

/** Whether the server said that call-next has nobody to call for this counselor. */
function nobodyNext() {
  return Boolean(state.queue) && state.queue.next_id === null;
}

const moves = (ticket) => (ticket && Array.isArray(ticket.moves) ? ticket.moves : []);

function topicLabel(ticket) {
  return topicName(ticket.topic_names, ticket.topic);
}

// --- applying server state ------------------------------------------------------------------

function setQueue(data) {
  if (!data || !Array.isArray(data.waiting)) return;
  state.queue = {
    ...data,
    active: Array.isArray(data.active) ? data.active : [],
    topics: Array.isArray(data.topics) ? data.topics : [],
    printers: Array.isArray(data.printers) ? data.printers : [],
  };
  state.fresh.clear();
  if (data.server_time) state.offset = Date.parse(data.server_time) - Date.now();
  if (Array.isArray(data.desks)) setDesks(data.desks);
  render();
  appointmentsView.render(); // topic names and "my topics" come with the queue
}

/** Who sits where (the queue's `desks`, or an occupy answer): when this page's desk went to
 * someone else while the notice could not reach it, the counselor is told now. */
function setDesks(desks) {
  state.desks = desks;
  const chosen = desk();
  if (chosen && state.sittingAt === chosen.id && seatOf(chosen) === "taken") {
    showTakenNotice(chosen, chosen.occupant);
  }
  state.sittingAt = chosen && seatOf(chosen) === "mine" ? chosen.id : null;
  renderDesks();
}

/** One desk's new state (the answer to occupy or leave); a counselor sits at one desk. */
function applyDesk(changed) {
  const mine = changed.occupant && state.me && changed.occupant.id === state.me.id;
  setDesks(state.desks.map((d) => {
    if (d.id === changed.id) return changed;
    if (mine && d.occupant && d.occupant.id === state.me.id) return { ...d, occupant: null, occupied_since: null };
    return d;
  }));
}

/** One ticket changed (a `ticket` event): shown in its place until the next snapshot. */
function applyTicket(ticket) {
  if (!ticket || typeof ticket.id !== "number") return;
  state.fresh.set(ticket.id, ticket);
  render();
  if (undo.ticket && undo.ticket.id === ticket.id) renderUndo();
}

/** The answer to this page's own move: shown at once, and the whole queue asked for again
 * (where the ticket now stands, and who is next, only the server knows). */
function applyAnswer(ticket) {
  if (ticket && Array.isArray(ticket.moves)) applyTicket(ticket);
  if (state.live) state.live.resync();
}

// --- rendering ----------------------------------------------------------------------------

function render() {
  appointmentsView.renderFollowUpButton();
  renderSeat();
  renderControls();
  renderCurrent();
  renderQueue();
  renderAtDesks();
  renderPrinters();
}

function renderLocations() {
  const options = [h("option", { value: "" }, "– wählen –")];
  for (const loc of state.locations) {
    options.push(h("option", { value: loc.slug, selected: loc.slug === state.slug }, loc.name));
  }
  els.location.replaceChildren(...options);
  els.location.value = state.slug;
}

/** A desk as the chooser names it: with who sits there (a free desk by its name alone). */
function deskLabel(d) {
  if (!d.active) return `${d.name} (geschlossen)`;
  const seat = seatOf(d);
  if (seat === "mine") return `${d.name} – Sie`;
  if (seat === "taken") return `${d.name} – besetzt: ${d.occupant.display_name}`;
  return d.name;
}

/** The desk chooser; its options are rewritten only when a label changed (an open list
 * keeps its place). */
function renderDesks() {
  const labels = state.desks.map((d) => [d.id, d.active, deskLabel(d)]);
  const shown = JSON.stringify(labels);
  if (shown !== state.desksShown || els.desk.options.length !== labels.length + 1) {
    state.desksShown = shown;
    const options = [h("option", { value: "" }, state.desks.length ? "– wählen –" : "– keine Plätze –")];
    for (const [id, active, label] of labels) {
      options.push(h("option", { value: id, disabled: !active }, label));
    }
    els.desk.replaceChildren(...options);
  }
  els.desk.value = state.deskId === null ? "" : String(state.deskId);
  els.desk.disabled = !state.slug || !state.desks.length;
}

/** Who sits at the chosen desk, and what this counselor can do about it. */
function renderSeat() {
  const chosen = desk();
  const seat = seatOf(chosen);
  let text = "";
  let cls = "seat-text";
  if (chosen && seat === "mine") {
    text = `Sie sitzen an ${chosen.name}${chosen.occupied_since ? ` (seit ${clock(chosen.occupied_since)})` : ""}.`;
    cls += " mine";
  } else if (chosen && seat === "taken") {
    const since = chosen.occupied_since ? ` (seit ${clock(chosen.occupied_since)})` : "";
    text = `An ${chosen.name} sitzt ${chosen.occupant.display_name}${since}.`;
    cls += " taken";
  } else if (chosen && chosen.active) {
    text = `${chosen.name} ist frei.`;
  }
  // Rewritten only on a change: the polite live region speaks changes, not every refresh.
  if (els.seatText.textContent !== text) els.seatText.textContent = text;
  els.seatText.className = cls;
  els.takeOver.hidden = !(chosen && chosen.active && seat === "taken");
  els.takeOver.textContent = chosen ? `${chosen.name} übernehmen…` : "Platz übernehmen…";
  els.leaveDesk.hidden = !(chosen && seat === "mine");
  els.takeOver.disabled = state.busy;
  els.leaveDesk.disabled = state.busy;
}

function renderControls() {
  const current = currentTicket();
  const chosen = desk();
  const next = nextTicket();
  els.callNext.disabled = state.busy || !mayCall() || nobodyNext();
  let hint = "";
  if (!state.slug) hint = "Bitte zuerst den Standort wählen.";
  else if (!chosen) hint = "Bitte zuerst Ihren Platz wählen.";
  else if (!chosen.active) hint = `${chosen.name} ist geschlossen.`;
  else if (seatOf(chosen) === "taken") {
    hint = `Nur ${chosen.occupant.display_name} ruft zu ${chosen.name} auf. Bitte wählen Sie einen anderen Platz.`;
  }
  else if (current && current.state === "called") hint = `${current.code} ist noch aufgerufen.`;
  else if (nobodyNext()) hint = "Niemand wartet auf Ihre Themen.";
  else if (next && current && current.state === "serving") {
    hint = `Schließt ${current.code} ab und ruft ${next.code} auf.`;
  } else if (next) hint = `Als Nächstes: ${next.code} (${topicLabel(next)})`;
  els.callHint.textContent = hint;
}

function renderCurrent() {
  const ticket = currentTicket();
  const card = els.current;
  card.className = "current";
  if (!ticket) {
    card.replaceChildren(h("p", { class: "empty" },
      desk() ? `Niemand ist zu ${desk().name} aufgerufen.` : "Kein Platz gewählt."));
    els.actions.hidden = true;
    return;
  }
  card.classList.add(ticket.state);
  const times = ticket.state === "called"
    ? `aufgerufen ${clock(ticket.called_at)}${ticket.call_count > 1 ? ` (${ticket.call_count}×)` : ""}`
    : ticket.started_at ? `in Beratung seit ${clock(ticket.started_at)}` : `aufgerufen ${clock(ticket.called_at)}`;
  card.replaceChildren(
    h("div", { class: "head" },
      h("span", { class: "code" }, ticket.code),
      h("span", { class: "state" }, STATE_LABELS[ticket.state] || ticket.state)),
    h("p", { class: "topic" }, topicLabel(ticket)),
    h("p", { class: "times" },
      `Sprache: ${languageName(ticket.language)} · gezogen ${clock(ticket.issued_at)} · ${times}`),
  );
  // The ticket at a desk someone else sits at is theirs to move.
  const offered = mayCall() ? moves(ticket) : [];
  let shown = 0;
  for (const button of els.actions.querySelectorAll("[data-move]")) {
    button.hidden = !offered.includes(button.dataset.move);
    button.disabled = state.busy;
    if (!button.hidden) shown += 1;
  }
  els.actions.hidden = shown === 0;
}

function waitText(issuedAt) {
  return `wartet ${formatWait(minutesSince(issuedAt, now()))}`;
}

function ticketItem(ticket, { next = false } = {}) {
  const minutes = minutesSince(ticket.issued_at, now());
  const chosen = desk();
  const button = moves(ticket).includes("call") ? h("button", {
    type: "button", class: "small", "aria-label": `${ticket.code} aufrufen`,
    "data-focus-key": `call-${ticket.id}`,
    title: next ? "Diese Person aufrufen" : "Diese Person außer der Reihe aufrufen",
    disabled: state.busy || !chosen || !mayCall(),
    onclick: (event) => callChosen(ticket, event.currentTarget),
  }, "Aufrufen") : null;
  const step = STEP_LABELS[ticket.step] || null;
  // A ticket of this counselor's topics they may not call now: greyed, with the reason.
  const held = "step" in ticket && ticket.step === null && ticket.served !== false ? heldReason(ticket) : null;
  const classes = [next ? "next" : "", ticket.for_you ? "for-you" : "", held ? "held" : ""].filter(Boolean).join(" ");
  return h("li", { "data-testid": `waiting-${ticket.code}`, class: classes || null },
    h("span", { class: "code" }, ticket.code,
      next ? h("span", { class: "next-mark" }, "als Nächstes") : null),
    h("span", { class: "info" },
      h("span", { class: "topic", title: topicLabel(ticket) }, topicLabel(ticket)),
      step || (ticket.for_you && ticket.step !== "for_you") || held ? h("span", { class: "labels" },
        step ? h("span", { class: `step-label ${ticket.step}`, "data-testid": "step" }, step) : null,
        ticket.for_you && ticket.step !== "for_you"
          ? h("span", { class: "step-label for_you", "data-testid": "for-you" }, "für Sie") : null,
        held ? h("span", { class: "held-reason", "data-testid": "held" }, held) : null) : null,
      h("span", { class: "sub" },
        h("span", {
          class: minutes >= LONG_WAIT_MINUTES ? "wait long" : "wait",
          dataset: { issued: ticket.issued_at },
          title: `gezogen um ${clock(ticket.issued_at)}`,
        }, waitText(ticket.issued_at)),
        ` · ${languageName(ticket.language)}`)),
    button);
}

/** Why this counselor cannot call a ticket of their topics now (from how it came). */
function heldReason(ticket) {
  const mine = state.me && ticket.for_staff_id === state.me.id;
  if (ticket.channel === "appointment" && ticket.due_at) {
    return mine || ticket.for_staff_id === null
      ? `Termin um ${clock(ticket.due_at)} – noch nicht fällig`
      : `Termin bei Kollegin/Kollege um ${clock(ticket.due_at)}`;
  }
  if (ticket.for_staff_id !== null && ticket.for_staff_id !== undefined && !mine) {
    return "vorerst für Kollegin/Kollege reserviert";
  }
  return "jetzt nicht aufrufbar";
}

function renderQueue() {
  const { mine, others } = waitingLists();
  const have = Boolean(state.queue);
  const nextId = state.queue ? state.queue.next_id : null;
  els.queueCount.textContent = have ? `(${mine.length})` : "";
  // The topics this counselor serves, when the payload names them.
  const served = have ? state.queue.topics.filter((t) => t.served === true) : [];
  els.queueTopics.textContent = served.length
    ? `Ihre Themen: ${served.map((t) => topicName(t.names, t.key)).join(", ")}` : "";
  els.queueTopics.hidden = !served.length;
  replaceChildrenKeepingFocus(els.waiting, mine.map((t) => ticketItem(t, { next: t.id === nextId })));
  els.queueEmpty.hidden = !have || mine.length > 0;
  els.queueEmpty.textContent = state.slug ? "Niemand wartet auf Ihre Themen." : "";

  els.othersToggle.hidden = others.length === 0;
  els.othersToggle.textContent = `${state.showOthers ? "Andere Themen ausblenden" : "Andere Themen anzeigen"} (${others.length})`;
  els.othersToggle.setAttribute("aria-expanded", String(state.showOthers));
  els.others.hidden = !state.showOthers || others.length === 0;
  replaceChildrenKeepingFocus(els.waitingOther, others.map((t) => ticketItem(t, { next: t.id === nextId })));
}

/** Every open desk with who sits there and the ticket at it; then tickets at desks this page
 * does not know (closed ones). */
function renderAtDesks() {
  const rows = atDesks();
  const ticketText = (t) => [h("strong", {}, t.code), ` ${STATE_LABELS[t.state] || t.state} ${clock(t.started_at || t.called_at)}`];
  const items = [];
  const shown = new Set();
  for (const d of state.desks) {
    const here = rows.filter((t) => t.desk_id === d.id);
    if (!d.active && !here.length) continue;
    here.forEach((t) => shown.add(t.id));
    const seat = seatOf(d);
    const who = seat === "mine" ? "Sie" : seat === "taken" ? d.occupant.display_name : "frei";
    items.push(h("li", { "data-testid": `at-desk-${d.id}` },
      h("span", { class: "desk-name" }, d.name), ` · ${who}`,
      ...here.flatMap((t) => [" · ", ...ticketText(t)])));
  }
  for (const t of rows.filter((r) => !shown.has(r.id))) {
    items.push(h("li", {}, `${t.desk || "?"} · `, ...ticketText(t), t.staff ? ` · ${t.staff}` : ""));
  }
  const occupied = state.desks.filter((d) => d.occupant).length;
  els.atDesksCount.textContent = state.desks.length ? `(${occupied} besetzt, ${rows.length} aufgerufen)` : `(${rows.length})`;
  if (!items.length) items.push(h("li", { class: "muted" }, "An keinem Platz ist jemand."));
  els.atDesksList.replaceChildren(...items);
}

// --- kiosk printers -------------------------------------------------------------------------

const PRINTER_PROBLEMS = {
  agent_away: "Druck-Agent nicht verbunden",
  offline: "Drucker nicht erreichbar",
  paper_out: "Papier leer",
  paper_low: "Papier fast leer",
  error: "Druckerfehler",
};

/** What is wrong with a kiosk's printer (the server's ``problem``), in German, or null. */
function printerProblem(printer) {
  return printer.problem ? PRINTER_PROBLEMS[printer.problem] || printer.problem : null;
}

/** A chip per printer: green when ready, grey when its state is unknown, a clear warning
 * naming the kiosk and the reason otherwise, problems first. Rewritten only when something
 * changed, so the polite live region announces changes and not every queue refresh. */
function renderPrinters() {
  const printers = state.slug && state.queue ? state.queue.printers : [];
  const shown = JSON.stringify(printers.map((p) =>
    [p.kiosk_id, p.kiosk, p.mode, p.state, p.detail, p.agent_connected]));
  if (shown === state.printersShown) return;
  state.printersShown = shown;
  const troubled = printers.filter(printerProblem);
  const items = [...troubled, ...printers.filter((p) => !printerProblem(p))].map((printer) => {
    const problem = printerProblem(printer);
    const attrs = { "data-testid": `printer-${printer.kiosk_id}`, "data-state": printer.state };
    if (problem) {
      // The server's detail (for whoever fixes the printer); not when it only repeats that
      // the agent is away.
      const detail = printer.problem === "agent_away" ? "" : printer.detail;
      return h("p", { ...attrs, class: "printer-chip problem" },
        h("span", { class: "icon", "aria-hidden": "true" }, "⚠"),
        h("span", {}, h("strong", {}, `Kiosk ${printer.kiosk}: ${problem}`),
          detail ? h("span", { class: "detail", lang: "en", title: detail }, detail) : null));
    }
    const ready = printer.state === "ok";
    return h("p", {
      ...attrs, class: ready ? "printer-chip ready" : "printer-chip unknown",
      title: ready ? "Der Ticketdrucker dieses Kiosks ist bereit." : "Der Drucker hat noch keinen Zustand gemeldet.",
    },
    h("span", { class: "icon", "aria-hidden": "true" }, ready ? "✓" : "?"),
    ready ? "Drucker bereit" : "Druckerstatus unbekannt",
    printers.length > 1 ? ` · ${printer.kiosk}` : "");
  });
  if (troubled.length) {
    items.push(h("p", { class: "printer-hint" },
      "Wartenummern werden weiter ausgegeben – Besucher sehen ihre Nummer groß am Kiosk-Bildschirm."));
  }
  els.printers.classList.toggle("has-problem", troubled.length > 0);
  els.printers.replaceChildren(...items);
}

/** Refresh only the waiting times (every few seconds), not the whole list. */
function tick() {
  for (const span of document.querySelectorAll(".queue-list .wait[data-issued]")) {
    const minutes = minutesSince(span.dataset.issued, now());
    span.textContent = waitText(span.dataset.issued);
    span.classList.toggle("long", minutes >= LONG_WAIT_MINUTES);
  }
}

const CONNECTION_TEXTS = {
  live: ["badge live", "Live", "Live-Verbindung zur Warteschlange"],
  connecting: ["badge offline", "Verbinde…", "Die Live-Verbindung wird aufgebaut."],
  reconnecting: ["badge offline", "Verbindung getrennt – wird wiederhergestellt…",
    `Getrennt: die Warteschlange wird alle ${POLL_MS / 1000} s neu geladen, bis die Live-Verbindung zurück ist.`],
  unavailable: ["badge offline", "Keine Live-Verbindung",
    `Die Warteschlange wird alle ${POLL_MS / 1000} s neu geladen.`],
  closed: ["badge offline", "Nicht verbunden", ""],
};

function renderConnection() {
  const [cls, text, title] = CONNECTION_TEXTS[state.slug ? state.connection : "closed"]
    || CONNECTION_TEXTS.closed;
  els.connection.className = cls;
  els.connection.textContent = text;
  els.connection.title = title;
}

// --- messages ---------------------------------------------------------------------------

function note(text) {
  showNote(els.status, text);
}

function fail(err) {
  clear(els.status);
  if (err instanceof ApiError && err.status === 401) sessionExpired();
  else showError(els.message, err);
  // Someone else sits at the desk: the queue's desks say who, from now on.
  if (err instanceof ApiError && err.code === "desk_taken" && state.live) state.live.resync();
}

/** Someone else took this page's desk over: said at once (an alert), with the way on. */
function showTakenNotice(taken, by) {
  const active = document.activeElement;
  // Focus on a control that is about to be switched off goes to the notice instead.
  const stranded = active === els.callNext || els.actions.contains(active)
    || els.waiting.contains(active) || els.waitingOther.contains(active);
  els.deskNotice.replaceChildren(
    h("p", { class: "text" },
      h("strong", {}, `${by.display_name} hat ${taken.name} übernommen.`),
      ` Sie können zu ${taken.name} nicht mehr aufrufen. Bitte wählen Sie einen anderen Platz.`),
    h("button", {
      type: "button", class: "small", "data-testid": "choose-other-desk",
      onclick: () => els.desk.focus(),
    }, "Anderen Platz wählen"),
    h("button", {
      type: "button", class: "close small link", "aria-label": "Hinweis schließen",
      onclick: () => { clearNotice(); refocus(els.desk); },
    }));
  clear(els.status);  // what this page said about its calls there is past
  if (stranded) els.deskNotice.focus();
}

function clearNotice() {
  const hadFocus = els.deskNotice.contains(document.activeElement);
  els.deskNotice.replaceChildren();
  if (hadFocus) refocus(els.desk);
}

/** The server says someone else took a desk this counselor sat at (`desk_taken_over`). */
function deskTakenOver(data) {
  if (!data || !data.desk || !data.by) return;
  const known = state.desks.find((d) => d.id === data.desk.id);
  const chosen = state.deskId === data.desk.id;
  if (chosen || state.sittingAt === data.desk.id) showTakenNotice(data.desk, data.by);
  if (known) {
    state.desks = state.desks.map((d) => (d.id === data.desk.id ? { ...d, occupant: data.by } : d));
  }
  if (state.sittingAt === data.desk.id) state.sittingAt = null;
  renderDesks();
  render();
  if (state.live) state.live.resync();
}

function sessionExpired() {
  if (state.live) state.live.close();
  showSessionExpired(els.message);
}

// --- actions ------------------------------------------------------------------------------

/** Run one request at a time; every action button is disabled while it runs. */
async function run(button, work, ...preferred) {
  if (state.busy) return;
  state.busy = true;
  clear(els.message);
  render();
  button.setAttribute("aria-busy", "true");
  els.undo.disabled = true;
  try {
    await work();
  } catch (err) {
    fail(err);
  } finally {
    button.removeAttribute("aria-busy");
    state.busy = false;
    els.undo.disabled = false;
    render();
    refocus(...preferred, button, els.callNext, els.current);
  }
}

function callNext() {
  const chosen = desk();
  if (!chosen) return;
  run(els.callNext, async () => {
    const ticket = await api("POST", `/desks/${chosen.id}/call-next`);
    applyAnswer(ticket);
    note(`${ticket.code} wurde zu ${ticket.desk} aufgerufen.`);
  });
}

function callChosen(ticket, button) {
  const chosen = desk();
  if (!chosen) return;
  run(button, async () => {
    const called = await api("POST", `/desks/${chosen.id}/call`, { ticket_id: ticket.id });
    applyAnswer(called);
    note(`${called.code} wurde zu ${called.desk} aufgerufen.`);
  });
}

const DONE_NOTES = {
  recall: (t) => `${t.code} wurde erneut aufgerufen (${t.call_count}×).`,
  start: (t) => `Beratung mit ${t.code} begonnen.`,
  finish: (t) => `${t.code} abgeschlossen.`,
  "no-show": (t) => `${t.code} als nicht erschienen markiert.`,
  requeue: (t) => `${t.code} ist wieder in der Warteschlange.`,
  cancel: (t) => `${t.code} wurde storniert.`,
  transfer: (t) => `${t.code} wurde an „${topicLabel(t)}“ weitergeleitet und wartet dort.`,
};

function move(name, button) {
  const ticket = currentTicket();
  if (!ticket || state.busy) return;
  if (name === "transfer") {
    openTransfer(ticket, button);
    return;
  }
  if (name === "cancel" && !window.confirm(
    `Ticket ${ticket.code} wirklich stornieren?\nEs wird aus der Warteschlange genommen.`)) {
    return;
  }
  run(button, async () => {
    const result = await api("POST", `/tickets/${ticket.id}/${name}`);
    applyAnswer(result);
    const undoable = UNDOABLE[name] && (!Array.isArray(result.moves) || result.moves.includes("requeue"));
    note(DONE_NOTES[name](result) + (undoable ? ` Rückgängig ist ${UNDO_SECONDS} Sekunden lang möglich.` : ""));
    if (undoable) offerUndo(result, name);
  }, name === "start" ? els.actions.querySelector('[data-move="finish"]') : null);
}

function openTransfer(ticket, button) {
  const topics = state.queue ? state.queue.topics : [];
  const targets = topics.filter((t) => t.key !== ticket.topic);
  if (!targets.some((t) => t.active !== false)) {
    fail(pageError("Es gibt an diesem Standort kein anderes aktives Thema."));
    return;
  }
  els.transferWhat.textContent = `${ticket.code} (${topicLabel(ticket)}) kommt in die Warteschlange des gewählten Themas.`;
  els.transferTopic.replaceChildren(...targets.map((t) => h("option", { value: t.key, disabled: t.active === false },
    `${t.prefix} · ${topicName(t.names, t.key)}${t.active === false ? " (inaktiv)" : ""}`)));
  const first = targets.find((t) => t.active !== false);
  els.transferTopic.value = first.key;
  els.transferDialog.returnValue = "";
  els.transferDialog.onclose = () => {
    if (els.transferDialog.returnValue !== "ok") {
      refocus(button);
      return;
    }
    const topic = els.transferTopic.value;
    run(button, async () => {
      const result = await api("POST", `/tickets/${ticket.id}/transfer`, { topic });
      applyAnswer(result);
      note(DONE_NOTES.transfer(result));
    });
  };
  els.transferDialog.showModal();
  els.transferTopic.focus();
}

// --- undo toast -------------------------------------------------------------------------------

const undo = { ticket: null, left: 0, timer: null };

function offerUndo(ticket, name) {
  hideToast();
  undo.ticket = ticket;
  undo.left = UNDO_SECONDS;
  const explain = name === "no-show"
    ? "Rückgängig stellt es an seinen Platz in der Warteschlange zurück."
    : "Rückgängig legt es zurück in die Warteschlange (nicht an diesen Platz).";
  els.toastText.replaceChildren(
    h("strong", {}, `${ticket.code} ${UNDOABLE[name]}.`), " ",
    h("span", { class: "seconds", "aria-hidden": "true" }, `(${undo.left} s)`),
    h("span", { class: "explain" }, explain));
  els.toast.hidden = false;
  undo.timer = window.setInterval(() => {
    if (els.toast.matches(":hover, :focus-within")) return; // paused while in use
    undo.left -= 1;
    const seconds = els.toastText.querySelector(".seconds");
    if (seconds) seconds.textContent = `(${undo.left} s)`;
    if (undo.left <= 0) hideToast();
  }, 1000);
}

/** A newer copy of the ticket arrived: is the requeue still offered? */
function renderUndo() {
  const ticket = state.fresh.get(undo.ticket.id);
  if (ticket && Array.isArray(ticket.moves) && !ticket.moves.includes("requeue")) {
    undo.ticket = null;
    hideToast();
  }
}

function hideToast() {
  if (undo.timer) window.clearInterval(undo.timer);
  undo.timer = null;
  const hadFocus = els.toast.contains(document.activeElement);
  els.toast.hidden = true;
  if (hadFocus) refocus(els.callNext, els.current);
}

function undoLast() {
  const ticket = undo.ticket;
  if (!ticket) return;
  run(els.undo, async () => {
    try {
      const result = await api("POST", `/tickets/${ticket.id}/requeue`);
      applyAnswer(result);
      note(`Rückgängig: ${result.code} ist wieder in der Warteschlange.`);
    } finally {
      undo.ticket = null;
      hideToast();
    }
  });
}

// --- location, desk, live connection ------------------------------------------------------

async function selectLocation(slug) {
  if (state.live) state.live.close();
  state.live = null;
  state.connection = "closed";
  state.slug = slug;
  state.desks = [];
  state.deskId = null;
  state.queue = null;
  state.fresh.clear();
  store.set(STORE_LOCATION, slug);
  appointmentsView.setLocation(slug);
  cardsView.setLocation(slug);
  renderDesks();
  render();
  renderConnection();
  if (!slug) return;
  try {
    const desks = await api("GET", `/locations/${encodeURIComponent(slug)}/desks`);
    if (slug !== state.slug) return;
    state.desks = desks.desks || [];
  } catch (err) {
    fail(err);
    return;
  }
  const remembered = Number(store.get(storeDeskKey(slug)));
  const found = state.desks.find((d) => d.id === remembered && d.active);
  state.deskId = found ? found.id : null;
  state.sittingAt = found && seatOf(found) === "mine" ? found.id : null;
  renderDesks();
  render();
  connect(slug);
  // The desk this page worked at last: taken again when it is free (someone else sitting
  // there is shown, with the take-over offered).
  if (found && seatOf(found) === "free") await occupy(found, false, els.desk);
}

/** A desk chosen in the chooser: the counselor sits down there; at a desk someone else sits
 * at only after confirming the take-over (else the choice goes back). */
function selectDesk(value) {
  const previous = state.deskId;
  const chosen = value ? state.desks.find((d) => d.id === Number(value)) : null;
  if (!chosen) {
    state.deskId = null;
    store.set(storeDeskKey(state.slug), null);
    render();
    return;
  }
  const seat = seatOf(chosen);
  if (seat === "mine") {
    choose(chosen);
    note(`Sie arbeiten an ${chosen.name}.`);
    return;
  }
  if (seat === "taken" && !confirmTakeOver(chosen)) {
    els.desk.value = previous === null ? "" : String(previous);
    return;
  }
  occupy(chosen, seat === "taken", els.desk);
}

function choose(chosen) {
  state.deskId = chosen.id;
  store.set(storeDeskKey(state.slug), chosen.id);
  clearNotice();
  render();
}

function confirmTakeOver(chosen) {
  const name = chosen.occupant.display_name;
  const since = chosen.occupied_since ? ` (seit ${clock(chosen.occupied_since)})` : "";
  return window.confirm(`An ${chosen.name} sitzt ${name}${since}.\n\n`
    + `${chosen.name} übernehmen? ${name} kann dann nicht mehr zu ${chosen.name} aufrufen `
    + "und sieht sofort einen Hinweis.");
}

/** Sit down at `chosen` (`takeOver`: replacing whoever sits there). */
function occupy(chosen, takeOver, button) {
  const previous = state.deskId;
  return run(button, async () => {
    try {
      const seated = await api("POST", `/desks/${chosen.id}/occupy`, takeOver ? { take_over: true } : undefined);
      applyDesk(seated);
      choose(chosen);
      state.sittingAt = chosen.id;
      note(takeOver ? `Sie haben ${chosen.name} übernommen.` : `Sie sitzen an ${chosen.name}.`);
      if (state.live) state.live.resync();
    } catch (err) {
      els.desk.value = previous === null ? "" : String(previous);
      throw err;
    }
  }, els.callNext);
}

function takeOverChosen() {
  const chosen = desk();
  if (!chosen || seatOf(chosen) !== "taken" || state.busy) return;
  if (confirmTakeOver(chosen)) occupy(chosen, true, els.takeOver);
}

function leaveDesk() {
  const chosen = desk();
  if (!chosen || state.busy) return;
  run(els.leaveDesk, async () => {
    const left = await api("DELETE", `/desks/${chosen.id}/occupy`);
    applyDesk(left);
    state.deskId = null;
    state.sittingAt = null;
    store.set(storeDeskKey(state.slug), null);
    note(`Sie haben ${chosen.name} verlassen.`);
  }, els.desk);
}

function connect(slug) {
  const mine = (handler) => (...args) => { if (state.slug === slug) handler(...args); };
  state.live = live("/staff", {
    auth: { location: slug },
    // signed_out: this browser signed out elsewhere, or the staff member's access changed.
    events: {
      queue: mine(setQueue), ticket: mine(applyTicket), signed_out: mine(sessionExpired),
      desk_taken_over: mine(deskTakenOver),
      appointment: mine((data) => appointmentsView.onAppointment(data)),
      appointment_arrived: mine((data) => appointmentsView.onArrived(data)),
    },
    resync: "queue",
    resyncEveryMs: RESYNC_MS,
    poll: () => api("GET", `/locations/${encodeURIComponent(slug)}/queue`),
    onPoll: mine(setQueue),
    onPollError: mine((err) => { if (err.status === 401) sessionExpired(); }),
    pollEveryMs: POLL_MS,
    onState: mine((connection) => {
      // Back after a break: the day's appointments may have changed meanwhile.
      if (connection === "live" && state.connection !== "live" && state.connection !== "connecting") {
        appointmentsView.refresh();
      }
      state.connection = connection;
      renderConnection();
    }),
    onRefused: (err) => {
      if (err && err.message === "not_member") {
        // Not (or no longer) working here: the server's reason names the location.
        if (state.slug === slug) fail(pageError(err.data && err.data.message ? err.data.message : "Sie arbeiten nicht an diesem Standort."));
        return "stop";
      }
      if (err && (err.message === "not_signed_in" || err.message === "forbidden")) {
        if (state.slug === slug) sessionExpired();
        return "stop";
      }
      return "retry";
    },
  });
}

// --- appointments and client cards (their own modules) --------------------------------------

const shared = {
  timezone: () => {
    const location = state.locations.find((l) => l.slug === state.slug);
    return location ? location.timezone : undefined;
  },
  me: () => state.me,
  topics: () => (state.queue ? state.queue.topics : []),
  deskId: () => state.deskId,
  currentTicket: () => currentTicket(),
  resync: () => { if (state.live) state.live.resync(); },
  /** The queue (with the location's topics) before the socket has brought it. */
  ensureQueue: async () => {
    const slug = state.slug;
    if (state.queue || !slug) return;
    try {
      const data = await api("GET", `/locations/${encodeURIComponent(slug)}/queue`);
      if (slug === state.slug && !state.queue) setQueue(data);
    } catch (err) {
      fail(err);
    }
  },
  note: (text) => note(text),
  fail: (err) => fail(err),
  focusHome: () => els.callNext,
};
const appointmentsView = createAppointments(shared);
const cardsView = createCards(shared);

// --- start ------------------------------------------------------------------------------

async function init() {
  els.location.addEventListener("change", () => selectLocation(els.location.value));
  els.desk.addEventListener("change", () => selectDesk(els.desk.value));
  els.callNext.addEventListener("click", callNext);
  els.takeOver.addEventListener("click", takeOverChosen);
  els.leaveDesk.addEventListener("click", leaveDesk);
  for (const button of els.actions.querySelectorAll("[data-move]")) {
    button.addEventListener("click", () => move(button.dataset.move, button));
  }
  els.othersToggle.addEventListener("click", () => {
    state.showOthers = !state.showOthers;
    renderQueue();
  });
  els.undo.addEventListener("click", undoLast);
  els.toastClose.addEventListener("click", () => { undo.ticket = null; hideToast(); });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !els.toast.hidden && !document.querySelector("dialog[open]")) {
      undo.ticket = null;
      hideToast();
    }
  });
  window.setInterval(tick, 15000);
  render();
  renderConnection();

  let me;
  let locations;
  try {
    [me, locations] = await Promise.all([api("GET", "/session"), api("GET", "/locations")]);
  } catch (err) {
    if (err.status === 401) {
      window.location.reload();
      return;
    }
    fail(err);
    return;
  }
  state.me = me;
  // Only the locations where this staff member may see the queue (the server says where).
  const where = me.locations || {};
  state.locations = (locations.locations || [])
    .filter((l) => (where[l.slug] || []).includes("view_queue"));
  const slugs = state.locations.map((l) => l.slug);
  const remembered = store.get(STORE_LOCATION);
  const own = (me.memberships || []).map((m) => m.location).filter((s) => slugs.includes(s));
  let slug = "";
  if (remembered && slugs.includes(remembered)) slug = remembered;
  else if (own.length) slug = own[0];
  else if (slugs.length === 1) slug = slugs[0];
  state.slug = slug;
  renderLocations();
  if (slug) await selectLocation(slug);
  else note("Bitte wählen Sie Standort und Platz.");
}

init();
