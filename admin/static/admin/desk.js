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
  showError, showNote, showSessionExpired, t, topicName,
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

// Moves whose result can be taken back for a few seconds (with a requeue, when offered):
// what the toast says of them.
const UNDOABLE = { "no-show": "desk.undo_no_show", finish: "desk.undo_finish", cancel: "desk.undo_cancel" };
const UNDO_SECONDS = 10;
const POLL_MS = 15000;
// How often the queue is asked for again while live: a desk whose occupant has gone idle
// is shown as free without any event.
const RESYNC_MS = 60000;
const LONG_WAIT_MINUTES = 30;
// Why a waiting ticket stands where it does in this counselor's list (the payload's `step`).
const STEP_LABELS = {
  appointment: "desk.step_appointment", appointment_soon: "desk.step_appointment_soon",
  waiting_long: "desk.step_waiting_long", for_you: "desk.step_for_you",
};
// How a ticket's state is shown (labels only; which moves it allows comes with the ticket).
const STATE_LABELS = {
  waiting: "desk.state_waiting", called: "desk.state_called", serving: "desk.state_serving",
  done: "desk.state_done", no_show: "desk.state_no_show", cancelled: "desk.state_cancelled",
};
const stateLabel = (state) => (STATE_LABELS[state] ? t(STATE_LABELS[state]) : state);

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
  const options = [h("option", { value: "" }, t("desk.choose"))];
  for (const loc of state.locations) {
    options.push(h("option", { value: loc.slug, selected: loc.slug === state.slug }, loc.name));
  }
  els.location.replaceChildren(...options);
  els.location.value = state.slug;
}

/** A desk as the chooser names it: with who sits there (a free desk by its name alone). */
function deskLabel(d) {
  if (!d.active) return t("desk.desk_closed_label", { desk: d.name });
  const seat = seatOf(d);
  if (seat === "mine") return t("desk.desk_mine_label", { desk: d.name });
  if (seat === "taken") return t("desk.desk_taken_label", { desk: d.name, name: d.occupant.display_name });
  return d.name;
}

/** The desk chooser; its options are rewritten only when a label changed (an open list
 * keeps its place). */
function renderDesks() {
  const labels = state.desks.map((d) => [d.id, d.active, deskLabel(d)]);
  const shown = JSON.stringify(labels);
  if (shown !== state.desksShown || els.desk.options.length !== labels.length + 1) {
    state.desksShown = shown;
    const options = [h("option", { value: "" }, t(state.desks.length ? "desk.choose" : "desk.no_desks"))];
    for (const [id, active, label] of labels) {
      options.push(h("option", { value: id, disabled: !active }, label));
    }
    els.desk.replaceChildren(...options);
  }
  els.desk.value = state.deskId === null ? "" : String(state.deskId);
  els.desk.disabled = !state.slug || !state.desks.length;
}

/** "An Raum 2 sitzt Beratung 1 (seit 09:12)." */
function takenText(chosen) {
  const values = { desk: chosen.name, name: chosen.occupant.display_name };
  return chosen.occupied_since
    ? t("desk.seat_taken_since", { ...values, time: clock(chosen.occupied_since) })
    : t("desk.seat_taken", values);
}

/** Who sits at the chosen desk, and what this counselor can do about it. */
function renderSeat() {
  const chosen = desk();
  const seat = seatOf(chosen);
  let text = "";
  let cls = "seat-text";
  if (chosen && seat === "mine") {
    text = chosen.occupied_since
      ? t("desk.seat_mine_since", { desk: chosen.name, time: clock(chosen.occupied_since) })
      : t("desk.seat_mine", { desk: chosen.name });
    cls += " mine";
  } else if (chosen && seat === "taken") {
    text = takenText(chosen);
    cls += " taken";
  } else if (chosen && chosen.active) {
    text = t("desk.seat_free", { desk: chosen.name });
  }
  // Rewritten only on a change: the polite live region speaks changes, not every refresh.
  if (els.seatText.textContent !== text) els.seatText.textContent = text;
  els.seatText.className = cls;
  els.takeOver.hidden = !(chosen && chosen.active && seat === "taken");
  els.takeOver.textContent = chosen ? t("desk.take_over_desk", { desk: chosen.name }) : t("desk.take_over");
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
  if (!state.slug) hint = t("desk.hint_location");
  else if (!chosen) hint = t("desk.hint_desk");
  else if (!chosen.active) hint = t("desk.hint_closed", { desk: chosen.name });
  else if (seatOf(chosen) === "taken") {
    hint = t("desk.hint_taken", { name: chosen.occupant.display_name, desk: chosen.name });
  }
  else if (current && current.state === "called") hint = t("desk.hint_still_called", { code: current.code });
  else if (nobodyNext()) hint = t("desk.nobody_waiting");
  else if (next && current && current.state === "serving") {
    hint = t("desk.hint_finish_and_call", { code: current.code, next: next.code });
  } else if (next) hint = t("desk.hint_next", { code: next.code, topic: topicLabel(next) });
  els.callHint.textContent = hint;
}

function renderCurrent() {
  const ticket = currentTicket();
  const card = els.current;
  card.className = "current";
  if (!ticket) {
    card.replaceChildren(h("p", { class: "empty" },
      desk() ? t("desk.nobody_called", { desk: desk().name }) : t("desk.no_desk_chosen")));
    els.actions.hidden = true;
    return;
  }
  card.classList.add(ticket.state);
  const times = ticket.state === "called" && ticket.call_count > 1
    ? t("desk.called_at_times", { time: clock(ticket.called_at), n: ticket.call_count })
    : ticket.state !== "called" && ticket.started_at
      ? t("desk.serving_since", { time: clock(ticket.started_at) })
      : t("desk.called_at", { time: clock(ticket.called_at) });
  card.replaceChildren(
    h("div", { class: "head" },
      h("span", { class: "code" }, ticket.code),
      h("span", { class: "state" }, stateLabel(ticket.state))),
    h("p", { class: "topic" }, topicLabel(ticket)),
    h("p", { class: "times" },
      t("desk.ticket_times", { language: languageName(ticket.language), time: clock(ticket.issued_at), times })),
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
  return t("desk.waits", { wait: formatWait(minutesSince(issuedAt, now())) });
}

function ticketItem(ticket, { next = false } = {}) {
  const minutes = minutesSince(ticket.issued_at, now());
  const chosen = desk();
  const button = moves(ticket).includes("call") ? h("button", {
    type: "button", class: "small", "aria-label": t("desk.call_code", { code: ticket.code }),
    "data-focus-key": `call-${ticket.id}`,
    title: next ? t("desk.call_this_person") : t("desk.call_out_of_turn"),
    disabled: state.busy || !chosen || !mayCall(),
    onclick: (event) => callChosen(ticket, event.currentTarget),
  }, t("desk.call")) : null;
  const step = STEP_LABELS[ticket.step] ? t(STEP_LABELS[ticket.step]) : null;
  // A ticket of this counselor's topics they may not call now: greyed, with the reason.
  const held = "step" in ticket && ticket.step === null && ticket.served !== false ? heldReason(ticket) : null;
  const classes = [next ? "next" : "", ticket.for_you ? "for-you" : "", held ? "held" : ""].filter(Boolean).join(" ");
  return h("li", { "data-testid": `waiting-${ticket.code}`, class: classes || null },
    h("span", { class: "code" }, ticket.code,
      next ? h("span", { class: "next-mark" }, t("desk.next_mark")) : null),
    h("span", { class: "info" },
      h("span", { class: "topic", title: topicLabel(ticket) }, topicLabel(ticket)),
      step || (ticket.for_you && ticket.step !== "for_you") || held ? h("span", { class: "labels" },
        step ? h("span", { class: `step-label ${ticket.step}`, "data-testid": "step" }, step) : null,
        ticket.for_you && ticket.step !== "for_you"
          ? h("span", { class: "step-label for_you", "data-testid": "for-you" }, t("desk.for_you")) : null,
        held ? h("span", { class: "held-reason", "data-testid": "held" }, held) : null) : null,
      h("span", { class: "sub" },
        h("span", {
          class: minutes >= LONG_WAIT_MINUTES ? "wait long" : "wait",
          dataset: { issued: ticket.issued_at },
          title: t("desk.drawn_at", { time: clock(ticket.issued_at) }),
        }, waitText(ticket.issued_at)),
        ` · ${languageName(ticket.language)}`)),
    button);
}

/** Why this counselor cannot call a ticket of their topics now (from how it came). */
function heldReason(ticket) {
  const mine = state.me && ticket.for_staff_id === state.me.id;
  if (ticket.channel === "appointment" && ticket.due_at) {
    return mine || ticket.for_staff_id === null
      ? t("desk.held_not_due", { time: clock(ticket.due_at) })
      : t("desk.held_colleague_appointment", { time: clock(ticket.due_at) });
  }
  if (ticket.for_staff_id !== null && ticket.for_staff_id !== undefined && !mine) {
    return t("desk.held_for_colleague");
  }
  return t("desk.held");
}

function renderQueue() {
  const { mine, others } = waitingLists();
  const have = Boolean(state.queue);
  const nextId = state.queue ? state.queue.next_id : null;
  els.queueCount.textContent = have ? `(${mine.length})` : "";
  // The topics this counselor serves, when the payload names them.
  const served = have ? state.queue.topics.filter((t) => t.served === true) : [];
  els.queueTopics.textContent = served.length
    ? t("desk.your_topics", { topics: served.map((s) => topicName(s.names, s.key)).join(", ") }) : "";
  els.queueTopics.hidden = !served.length;
  replaceChildrenKeepingFocus(els.waiting, mine.map((t) => ticketItem(t, { next: t.id === nextId })));
  els.queueEmpty.hidden = !have || mine.length > 0;
  els.queueEmpty.textContent = state.slug ? t("desk.nobody_waiting") : "";

  els.othersToggle.hidden = others.length === 0;
  els.othersToggle.textContent = t(state.showOthers ? "desk.others_hide" : "desk.others_show", { n: others.length });
  els.othersToggle.setAttribute("aria-expanded", String(state.showOthers));
  els.others.hidden = !state.showOthers || others.length === 0;
  replaceChildrenKeepingFocus(els.waitingOther, others.map((t) => ticketItem(t, { next: t.id === nextId })));
}

/** Every open desk with who sits there and the ticket at it; then tickets at desks this page
 * does not know (closed ones). */
function renderAtDesks() {
  const rows = atDesks();
  const ticketText = (r) => [h("strong", {}, r.code), ` ${stateLabel(r.state)} ${clock(r.started_at || r.called_at)}`];
  const items = [];
  const shown = new Set();
  for (const d of state.desks) {
    const here = rows.filter((t) => t.desk_id === d.id);
    if (!d.active && !here.length) continue;
    here.forEach((r) => shown.add(r.id));
    const seat = seatOf(d);
    const who = seat === "mine" ? t("desk.you") : seat === "taken" ? d.occupant.display_name : t("desk.free");
    items.push(h("li", { "data-testid": `at-desk-${d.id}` },
      h("span", { class: "desk-name" }, d.name), ` · ${who}`,
      ...here.flatMap((r) => [" · ", ...ticketText(r)])));
  }
  for (const r of rows.filter((row) => !shown.has(row.id))) {
    items.push(h("li", {}, `${r.desk || "?"} · `, ...ticketText(r), r.staff ? ` · ${r.staff}` : ""));
  }
  const occupied = state.desks.filter((d) => d.occupant).length;
  els.atDesksCount.textContent = state.desks.length
    ? t("desk.at_desks_count", { occupied, called: rows.length }) : `(${rows.length})`;
  if (!items.length) items.push(h("li", { class: "muted" }, t("desk.nobody_at_desks")));
  els.atDesksList.replaceChildren(...items);
}

// --- kiosk printers -------------------------------------------------------------------------

const PRINTER_PROBLEMS = new Set(["agent_away", "offline", "paper_out", "paper_low", "error"]);

/** What is wrong with a kiosk's printer (the server's ``problem``), in the page's
 * language, or null. */
function printerProblem(printer) {
  if (!printer.problem) return null;
  return PRINTER_PROBLEMS.has(printer.problem) ? t(`desk.printer_${printer.problem}`) : printer.problem;
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
        h("span", {}, h("strong", {}, t("desk.printer_problem", { kiosk: printer.kiosk, problem })),
          detail ? h("span", { class: "detail", lang: "en", title: detail }, detail) : null));
    }
    const ready = printer.state === "ok";
    return h("p", {
      ...attrs, class: ready ? "printer-chip ready" : "printer-chip unknown",
      title: ready ? t("desk.printer_ready_title") : t("desk.printer_unknown_title"),
    },
    h("span", { class: "icon", "aria-hidden": "true" }, ready ? "✓" : "?"),
    ready ? t("desk.printer_ready") : t("desk.printer_unknown"),
    printers.length > 1 ? ` · ${printer.kiosk}` : "");
  });
  if (troubled.length) {
    items.push(h("p", { class: "printer-hint" },
      t("desk.printer_hint")));
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

// The badge's class per connection state; its words are "desk.connection_<state>" (and a
// title "desk.connection_<state>_title" where there is one).
const CONNECTION_BADGES = {
  live: "badge live", connecting: "badge offline", reconnecting: "badge offline",
  unavailable: "badge offline", closed: "badge offline",
};

function renderConnection() {
  let shown = state.slug ? state.connection : "closed";
  if (!CONNECTION_BADGES[shown]) shown = "closed";
  els.connection.className = CONNECTION_BADGES[shown];
  els.connection.textContent = t(`desk.connection_${shown}`);
  els.connection.title = shown === "closed" ? "" : t(`desk.connection_${shown}_title`, { seconds: POLL_MS / 1000 });
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
      h("strong", {}, t("desk.taken_over_by", { name: by.display_name, desk: taken.name })),
      " ", t("desk.taken_over_explain", { desk: taken.name })),
    h("button", {
      type: "button", class: "small", "data-testid": "choose-other-desk",
      onclick: () => els.desk.focus(),
    }, t("desk.choose_other_desk")),
    h("button", {
      type: "button", class: "close small link", "aria-label": t("desk.close_notice"),
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
    note(t("desk.called_to", { code: ticket.code, desk: ticket.desk }));
  });
}

function callChosen(ticket, button) {
  const chosen = desk();
  if (!chosen) return;
  run(button, async () => {
    const called = await api("POST", `/desks/${chosen.id}/call`, { ticket_id: ticket.id });
    applyAnswer(called);
    note(t("desk.called_to", { code: called.code, desk: called.desk }));
  });
}

const DONE_NOTES = {
  recall: (r) => t("desk.done_recall", { code: r.code, n: r.call_count }),
  start: (r) => t("desk.done_start", { code: r.code }),
  finish: (r) => t("desk.done_finish", { code: r.code }),
  "no-show": (r) => t("desk.done_no_show", { code: r.code }),
  requeue: (r) => t("desk.done_requeue", { code: r.code }),
  cancel: (r) => t("desk.done_cancel", { code: r.code }),
  transfer: (r) => t("desk.done_transfer", { code: r.code, topic: topicLabel(r) }),
};

function move(name, button) {
  const ticket = currentTicket();
  if (!ticket || state.busy) return;
  if (name === "transfer") {
    openTransfer(ticket, button);
    return;
  }
  if (name === "cancel" && !window.confirm(t("desk.confirm_cancel", { code: ticket.code }))) {
    return;
  }
  run(button, async () => {
    const result = await api("POST", `/tickets/${ticket.id}/${name}`);
    applyAnswer(result);
    const undoable = UNDOABLE[name] && (!Array.isArray(result.moves) || result.moves.includes("requeue"));
    note(DONE_NOTES[name](result) + (undoable ? ` ${t("desk.undo_possible", { seconds: UNDO_SECONDS })}` : ""));
    if (undoable) offerUndo(result, name);
  }, name === "start" ? els.actions.querySelector('[data-move="finish"]') : null);
}

function openTransfer(ticket, button) {
  const topics = state.queue ? state.queue.topics : [];
  const targets = topics.filter((t) => t.key !== ticket.topic);
  if (!targets.some((t) => t.active !== false)) {
    fail(pageError(t("desk.no_other_topic")));
    return;
  }
  els.transferWhat.textContent = t("desk.transfer_what", { code: ticket.code, topic: topicLabel(ticket) });
  els.transferTopic.replaceChildren(...targets.map((o) => h("option", { value: o.key, disabled: o.active === false },
    o.active === false
      ? t("desk.transfer_topic_inactive", { prefix: o.prefix, topic: topicName(o.names, o.key) })
      : `${o.prefix} · ${topicName(o.names, o.key)}`)));
  const first = targets.find((o) => o.active !== false);
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

// What "Undo" takes back: a ticket's move (requeued), or another view's `action` (an
// appointment cancelled by mistake is booked again).
const undo = { ticket: null, action: null, left: 0, timer: null };

function offerUndo(ticket, name) {
  const explain = name === "no-show" ? t("desk.undo_explain_no_show") : t("desk.undo_explain");
  showUndo(t(UNDOABLE[name], { code: ticket.code }), explain);
  undo.ticket = ticket;
}

/** Offer to undo something of another view: `action` (async) runs when "Undo" is pressed. */
function offerUndoAction(headline, explain, action) {
  showUndo(headline, explain);
  undo.action = action;
}

function showUndo(headline, explain) {
  hideToast();
  undo.ticket = null;
  undo.action = null;
  undo.left = UNDO_SECONDS;
  els.toastText.replaceChildren(
    h("strong", {}, headline), " ",
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
  if (undo.action) {
    const action = undo.action;
    run(els.undo, async () => {
      try {
        await action();
      } finally {
        undo.action = null;
        hideToast();
      }
    });
    return;
  }
  const ticket = undo.ticket;
  if (!ticket) return;
  run(els.undo, async () => {
    try {
      const result = await api("POST", `/tickets/${ticket.id}/requeue`);
      applyAnswer(result);
      note(t("desk.undone", { code: result.code }));
    } finally {
      undo.ticket = null;
      hideToast();
    }
  });
}

// --- location, desk, live connection ------------------------------------------------------

let locationChosen = 0; // the latest choice of a location; an older one's desks come too late

async function selectLocation(slug) {
  const mine = ++locationChosen;
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
    // Chosen again meanwhile (even the same location): that choice connects, not this one.
    if (mine !== locationChosen) return;
    state.desks = desks.desks || [];
  } catch (err) {
    if (mine === locationChosen) fail(err);
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
    note(t("desk.working_at", { desk: chosen.name }));
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
  const question = t("desk.confirm_take_over", { desk: chosen.name, name: chosen.occupant.display_name });
  return window.confirm(`${takenText(chosen)}\n\n${question}`);
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
      note(takeOver ? t("desk.took_over", { desk: chosen.name }) : t("desk.seat_mine", { desk: chosen.name }));
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
    note(t("desk.left", { desk: chosen.name }));
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
        if (state.slug === slug) fail(pageError(err.data && err.data.message ? err.data.message : t("desk.not_member")));
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
  offerUndo: (headline, explain, action) => offerUndoAction(headline, explain, action),
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
  else note(t("desk.choose_location_and_desk"));
}

init();
