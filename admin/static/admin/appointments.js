/* The desk's appointments: today's list beside the queue ("Heute": mine, my topics or all),
 * check-in, moving and cancelling from the list, the missed ones to book again, "your 10:00
 * is here" when a visitor of this counselor checked in, and the follow-up dialog (the free
 * slots with me or a colleague: a tap on a slot books it, then the slip can be printed).
 *
 * The page knows no rule of appointments: the server's day list says each one's `state`
 * and `overdue`, the slots endpoint which times are free, and a refusal is shown as it came.
 * The list follows the `/staff` socket's `appointment` events (desk.js hands them in) and is
 * read again when the connection comes back and every minute (overdue marks change with
 * the time alone). */

import {
  api, clear, clockTime, errorText, languageName, locale, showError, t, topicName,
} from "./common.js";
import { printInto } from "./printing.js";
import { $, h, refocus, replaceChildrenKeepingFocus } from "/static/js/dom.js";

// The desk's own words, from the catalog in the page's language ("staff.appointments.*").
const STATES = ["booked", "checked_in", "called", "serving", "done", "late", "no_show", "cancelled"];
const TEXTS = {
  get states() { return Object.fromEntries(STATES.map((s) => [s, t(`appointments.state_${s}`)])); },
  get overdue() { return t("appointments.overdue"); },
  get overdueTitle() { return t("appointments.overdue_title"); },
  get noCounselor() { return t("appointments.no_counselor"); },
  get checkIn() { return t("appointments.check_in"); },
  checkInLabel: (a) => t("appointments.check_in_label", a),
  get move() { return t("appointments.move"); },
  moveLabel: (a) => t("appointments.move_label", a),
  get cancel() { return t("appointments.cancel"); },
  cancelLabel: (a) => t("appointments.cancel_label", a),
  cancelConfirm: (a) => t("appointments.cancel_confirm", a),
  get rebook() { return t("appointments.rebook_more"); },
  rebookLabel: (a) => t("appointments.rebook_label", a),
  checkedIn: (a, ticket, late) => (late
    ? t("appointments.checked_in_late", { ...a, ticket })
    : t("appointments.checked_in", { ...a, ticket })),
  cancelled: (a) => t("appointments.cancelled", a),
  moved: (a) => t("appointments.moved", a),
  get none() {
    return { mine: t("appointments.none_mine"), topics: t("appointments.none_topics"), all: t("appointments.none_all") };
  },
  get loading() { return t("appointments.loading"); },
  arrived: (time, ticket) => (ticket
    ? t("appointments.arrived_ticket", { time, ticket }) : t("appointments.arrived", { time })),
  arrivedLate: (time, ticket) => (ticket
    ? t("appointments.arrived_late_ticket", { time, ticket }) : t("appointments.arrived_late", { time })),
  get closeNotice() { return t("desk.close_notice"); },
  get followUpHeading() { return t("appointments.follow_up_heading"); },
  get bookHeading() { return t("appointments.book_heading"); },
  get rebookHeading() { return t("appointments.rebook_heading"); },
  get moveHeading() { return t("appointments.move_heading"); },
  forTicket: (code, topic) => t("appointments.for_ticket", { code, topic }),
  forMissed: (a) => t("appointments.for_missed", a),
  forMove: (a) => t("appointments.for_move", a),
  ticketCard: (code) => t("appointments.ticket_card_code", { code }),
  get slotsLoading() { return t("appointments.slots_loading"); },
  slotsFound: (n) => (n === 1 ? t("appointments.slots_found_one") : t("appointments.slots_found", { n })),
  slotsMoveFound: (n) => (n === 1 ? t("appointments.slots_move_found_one") : t("appointments.slots_move_found", { n })),
  slotsNone: (days, name) => (name
    ? t("appointments.slots_none_with", { days, name }) : t("appointments.slots_none", { days })),
  get noColleague() { return t("appointments.no_colleague"); },
  get chooseColleague() { return t("desk.choose"); },
  slotLabel: (day, from, to, who) => (who
    ? t("appointments.slot_label_with", { day, from, to, who }) : t("appointments.slot_label", { day, from, to })),
  slotMoveLabel: (day, from, to) => t("appointments.slot_move_label", { day, from, to }),
  booked: (a) => t(a.card ? "appointments.booked_card" : "appointments.booked", a),
  bookedNote: (a) => t("appointments.booked_note", a),
  get moreDays() { return t("appointments.more_days"); },
  get today() { return t("appointments.today_lower"); },
  get withCard() { return t("appointments.with_card"); },
};

const MINE = "mine";
const FILTER_KEY = "servicepoint.staff.appointments.filter";
const REFRESH_MS = 60000;
const DAYS_PER_ROUND = 7;
const ENOUGH_SLOTS = 8;
const MAX_DAYS = 56;
// States in which an appointment still waits for its visitor (check-in, move, cancel).
const BOOKED = "booked";

const formats = new Map();
function format(options, timeZone) {
  const key = JSON.stringify([options, timeZone || ""]);
  if (!formats.has(key)) {
    let made;
    try {
      made = new Intl.DateTimeFormat(locale(), { ...options, timeZone: timeZone || undefined });
    } catch (_err) {
      made = new Intl.DateTimeFormat(locale(), options);
    }
    formats.set(key, made);
  }
  return formats.get(key);
}

/** "2026-12-07" of a moment in `timeZone`. */
function dateOf(moment, timeZone) {
  const parts = Object.fromEntries(format({ year: "numeric", month: "2-digit", day: "2-digit" }, timeZone)
    .formatToParts(moment).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** The day after "YYYY-MM-DD" (calendar arithmetic, no time zone involved). */
function nextDate(iso, days = 1) {
  const d = new Date(`${iso}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** "123 456": an appointment's code as the slip prints it. */
function groupedCode(code) {
  return code && code.length === 6 ? `${code.slice(0, 3)} ${code.slice(3)}` : code || "";
}

export function createAppointments(ctx) {
  const els = {
    list: $("#appointments-list"), count: $("#appointments-count"), status: $("#appointments-status"),
    rebook: $("#rebook"), rebookList: $("#rebook-list"), rebookCount: $("#rebook-count"),
    filter: $("#appointments-filter"), arrivals: $("#arrivals"),
    book: $("#book-appointment"), followUp: $("#follow-up"),
    dialog: $("#follow-up-dialog"), heading: $("#follow-up-heading"), forText: $("#follow-up-for"),
    message: $("#follow-up-message"), choose: $("#follow-up-choose"),
    topicField: $("#follow-up-topic-field"), topic: $("#follow-up-topic"),
    options: $("#follow-up-options"), language: $("#follow-up-language"),
    cardField: $("#follow-up-card-field"), card: $("#follow-up-card"),
    ticketCardField: $("#follow-up-ticket-card-field"), ticketCard: $("#follow-up-ticket-card"),
    ticketCardText: $("#follow-up-ticket-card-text"),
    tabs: $("#follow-up-tabs"), tabMe: $("#follow-up-tab-me"), tabColleague: $("#follow-up-tab-colleague"),
    panel: $("#follow-up-panel"), colleagueField: $("#follow-up-colleague-field"),
    colleague: $("#follow-up-colleague"), slotsStatus: $("#follow-up-slots-status"),
    slots: $("#follow-up-slots"), more: $("#follow-up-more"),
    done: $("#follow-up-done"), doneText: $("#follow-up-done-text"), code: $("#follow-up-code"),
    print: $("#follow-up-print"), printStatus: $("#follow-up-print-status"),
  };

  const state = {
    slug: "",
    date: "",
    items: [],          // today's appointments as the server sent them
    loaded: false,
    filter: readFilter(),
    busy: false,
    request: 0,         // the newest list request (older answers are dropped)
  };

  // The dialog's state: what it books or moves, with whom, the slots found so far.
  const dialog = {
    mode: "book",       // "book" (a follow-up or a new one) or "move"
    ticket: null,       // the ticket being served, when booked from it
    moving: null,       // the appointment being moved
    tab: MINE,          // MINE or "colleague"
    counselors: [],
    scanned: "",        // the last day searched
    found: [],          // [{date, slots}]
    search: 0,          // the latest slot search (older answers are dropped)
    counselorsAsked: 0, // the latest question for colleagues (older answers are dropped)
    booked: null,       // the appointment just booked
    chosen: null,       // the colleague chosen by hand (kept when the topic changes)
    opener: null,       // the button that opened the dialog (focus goes back there)
  };

  function readFilter() {
    try {
      const value = window.localStorage.getItem(FILTER_KEY);
      return ["mine", "topics", "all"].includes(value) ? value : "mine";
    } catch (_err) {
      return "mine";
    }
  }

  const tz = () => ctx.timezone();
  const time = (iso) => clockTime(iso, tz());
  const dayLabel = (iso) => {
    const date = iso.slice(0, 10);
    if (date === state.date) return TEXTS.today;
    return format({ weekday: "short", day: "2-digit", month: "2-digit" }, tz()).format(new Date(iso));
  };
  const topicLabel = (key) => {
    const topic = ctx.topics().find((t) => t.key === key);
    return topic ? topicName(topic.names, key) : key;
  };
  const who = (a) => (a.staff ? a.staff.display_name : TEXTS.noCounselor);
  /** What the texts say about an appointment. */
  const words = (a) => ({
    time: time(a.start), end: time(a.end), day: dayLabel(a.start), code: a.code,
    codeShown: groupedCode(a.code), topic: topicLabel(a.topic), who: who(a), card: a.card,
  });

  // --- the day list ------------------------------------------------------------------------

  function shown(a) {
    const me = ctx.me();
    if (state.filter === "all") return true;
    if (state.filter === "mine") return Boolean(me && a.staff && a.staff.id === me.id);
    const served = ctx.topics().filter((t) => t.served === true).map((t) => t.key);
    return served.includes(a.topic) || Boolean(me && a.staff && a.staff.id === me.id);
  }

  function badge(a) {
    const label = TEXTS.states[a.state] || a.state;
    const ticket = a.ticket && ["checked_in", "late", "called", "serving"].includes(a.state)
      ? ` (${a.ticket.code})` : "";
    return h("span", { class: `state-badge ${a.state}`, "data-testid": "appointment-state" }, label + ticket);
  }

  function actions(a) {
    const w = words(a);
    if (a.state === BOOKED) {
      return h("span", { class: "row-actions" },
        h("button", {
          type: "button", class: "small", "data-testid": `check-in-${a.code}`,
          "data-focus-key": `check-in-${a.id}`, "aria-label": TEXTS.checkInLabel(w),
          disabled: state.busy, onclick: (e) => checkIn(a, e.currentTarget),
        }, TEXTS.checkIn),
        h("button", {
          type: "button", class: "small", "data-testid": `move-${a.code}`, "aria-haspopup": "dialog",
          "data-focus-key": `move-${a.id}`, "aria-label": TEXTS.moveLabel(w),
          disabled: state.busy, onclick: (e) => openMove(a, e.currentTarget),
        }, TEXTS.move),
        h("button", {
          type: "button", class: "small danger", "data-testid": `cancel-${a.code}`,
          "data-focus-key": `cancel-${a.id}`, "aria-label": TEXTS.cancelLabel(w),
          disabled: state.busy, onclick: (e) => cancel(a, e.currentTarget),
        }, TEXTS.cancel));
    }
    if (a.state === "no_show") {
      return h("span", { class: "row-actions" }, h("button", {
        type: "button", class: "small", "data-testid": `rebook-${a.code}`, "aria-haspopup": "dialog",
        "data-focus-key": `rebook-${a.id}`, "aria-label": TEXTS.rebookLabel(w),
        disabled: state.busy, onclick: (e) => openRebook(a, e.currentTarget),
      }, TEXTS.rebook));
    }
    return null;
  }

  function item(a) {
    const w = words(a);
    const classes = ["appointment", a.state, a.overdue ? "overdue" : ""].filter(Boolean).join(" ");
    return h("li", { class: classes, "data-testid": `appointment-${a.code}` },
      h("span", { class: "when" }, h("span", { class: "time" }, w.time),
        h("span", { class: "until" }, `–${w.end}`)),
      h("span", { class: "info" },
        h("span", { class: "what" }, h("span", { class: "topic" }, w.topic), " · ",
          h("span", { class: "who" }, w.who)),
        h("span", { class: "sub" }, t("appointments.code_line", { code: w.codeShown }),
          a.language && a.language !== "de" ? ` · ${languageName(a.language)}` : "",
          a.card ? ` · ${TEXTS.withCard}` : ""),
        h("span", { class: "marks" }, badge(a),
          a.overdue ? h("span", { class: "overdue-mark", title: TEXTS.overdueTitle, "data-testid": "overdue" },
            h("span", { "aria-hidden": "true" }, "⚠ "), TEXTS.overdue) : null)),
      actions(a));
  }

  function render() {
    const visible = state.items.filter(shown);
    const day = visible.filter((a) => a.state !== "no_show");
    const missed = visible.filter((a) => a.state === "no_show");
    const open = day.filter((a) => !["cancelled", "done", "late"].includes(a.state)).length;
    els.count.textContent = state.loaded ? `(${open})` : "";
    replaceChildrenKeepingFocus(els.list, day.map(item));
    const text = !state.slug ? "" : !state.loaded ? TEXTS.loading : day.length ? "" : TEXTS.none[state.filter];
    if (els.status.textContent !== text) els.status.textContent = text;
    els.rebook.hidden = missed.length === 0;
    els.rebookCount.textContent = `(${missed.length})`;
    replaceChildrenKeepingFocus(els.rebookList, missed.map(item));
    els.book.disabled = !state.slug;
    renderFollowUpButton();
  }

  function renderFollowUpButton() {
    const ticket = ctx.currentTicket();
    els.followUp.hidden = !ticket || !["called", "serving"].includes(ticket.state);
  }

  function upsert(a) {
    if (!a || typeof a.id !== "number") return;
    const rest = state.items.filter((x) => x.id !== a.id);
    if (a.date === state.date) rest.push(a);
    rest.sort((x, y) => Date.parse(x.start) - Date.parse(y.start) || x.id - y.id);
    state.items = rest;
    render();
  }

  async function refresh() {
    const slug = state.slug;
    if (!slug) return;
    const request = ++state.request;
    try {
      const answer = await api("GET", `/locations/${encodeURIComponent(slug)}/appointments`);
      if (slug !== state.slug || request !== state.request) return;
      state.date = answer.date;
      state.items = answer.appointments || [];
      state.loaded = true;
      render();
    } catch (err) {
      if (slug === state.slug) ctx.fail(err);
    }
  }

  function setLocation(slug) {
    state.slug = slug;
    state.items = [];
    state.loaded = false;
    state.date = "";
    state.request += 1;
    clear(els.arrivals);
    render();
    if (slug) refresh();
  }

  /** A run of one request from the list: the list's buttons wait meanwhile. */
  async function run(button, work) {
    if (state.busy) return;
    state.busy = true;
    render();
    button.setAttribute("aria-busy", "true");
    try {
      await work();
    } catch (err) {
      ctx.fail(err);
    } finally {
      button.removeAttribute("aria-busy");
      state.busy = false;
      render();
      refocus(button, els.book);
    }
  }

  function checkIn(a, button) {
    run(button, async () => {
      const answer = await api("POST", `/appointments/${a.id}/check-in`);
      upsert(answer.appointment);
      // One's own visitor: said at once (the socket's appointment_arrived says it again, in
      // the same place, and to this counselor's other views).
      const me = ctx.me();
      if (me && answer.appointment.staff && answer.appointment.staff.id === me.id) {
        onArrived({ kind: answer.late ? "late" : "checked_in", appointment: answer.appointment });
      }
      ctx.resync();
      ctx.note(TEXTS.checkedIn(words(answer.appointment), answer.ticket.code, answer.late));
    });
  }

  function cancel(a, button) {
    if (!window.confirm(TEXTS.cancelConfirm(words(a)))) return;
    run(button, async () => {
      const answer = await api("DELETE", `/appointments/${a.id}`);
      upsert(answer);
      ctx.note(TEXTS.cancelled(words(answer)));
      ctx.offerUndo(TEXTS.cancelled(words(answer)), t("appointments.undo_explain"), async () => {
        const again = await api("POST", `/appointments/${a.id}/restore`);
        upsert(again);
        ctx.note(t("appointments.restored", words(again)));
      });
    });
  }

  // --- live ----------------------------------------------------------------------------------

  function onAppointment(data) {
    if (data && data.appointment) upsert(data.appointment);
  }

  /** "Ihr 10:00-Termin ist da": a polite notice, one per visitor, until closed. */
  function onArrived(data) {
    if (!data || !data.appointment) return;
    const a = data.appointment;
    upsert(a);
    const ticket = a.ticket ? a.ticket.code : "";
    const text = data.kind === "late" ? TEXTS.arrivedLate(time(a.start), ticket) : TEXTS.arrived(time(a.start), ticket);
    const old = els.arrivals.querySelector(`[data-appointment="${a.id}"]`);
    if (old) old.remove();
    const notice = h("p", { class: "arrival", "data-appointment": String(a.id), "data-testid": "arrival" },
      h("span", { class: "icon", "aria-hidden": "true" }, "✓"),
      h("strong", {}, text), ` ${topicLabel(a.topic)}`,
      h("button", {
        type: "button", class: "close small link", "aria-label": TEXTS.closeNotice,
        onclick: () => {
          const hadFocus = notice.contains(document.activeElement);
          notice.remove();
          if (hadFocus) refocus(ctx.focusHome());
        },
      }));
    els.arrivals.append(notice);
  }

  // --- the follow-up dialog --------------------------------------------------------------------

  function setTab(tab) {
    dialog.tab = tab;
    const mine = tab === MINE;
    els.tabMe.setAttribute("aria-selected", String(mine));
    els.tabColleague.setAttribute("aria-selected", String(!mine));
    els.tabMe.tabIndex = mine ? 0 : -1;
    els.tabColleague.tabIndex = mine ? -1 : 0;
    els.panel.setAttribute("aria-labelledby", mine ? els.tabMe.id : els.tabColleague.id);
    els.colleagueField.hidden = mine;
  }

  function openDialog(opener) {
    dialog.opener = opener;
    dialog.booked = null;
    dialog.found = [];
    clear(els.message);
    clear(els.slots);
    els.slotsStatus.textContent = "";
    els.printStatus.textContent = "";
    els.done.hidden = true;
    els.choose.hidden = false;
    els.more.hidden = true;
    els.dialog.returnValue = "";
    els.dialog.showModal();
  }

  function fillTopics(selected) {
    const topics = ctx.topics();
    els.topic.replaceChildren(...topics.map((t) => h("option", { value: t.key }, topicName(t.names, t.key))));
    const served = topics.filter((t) => t.served === true);
    els.topic.value = selected || (served[0] || topics[0] || {}).key || "";
  }

  function fillLanguages(selected) {
    // The languages this installation offers (the page names them), and the visitor's own.
    const codes = (els.dialog.dataset.languages || "de").split(",").filter(Boolean);
    if (!codes.includes("de")) codes.unshift("de");
    if (selected && !codes.includes(selected)) codes.push(selected);
    els.language.replaceChildren(...codes.map((c) => h("option", { value: c }, languageName(c))));
    els.language.value = selected || "de";
  }

  /** Book a follow-up: for the ticket at this desk (`ticket`), instead of a missed
   * appointment (`missed`), or a new one. */
  async function openFollowUp({ ticket = null, missed = null, opener = null } = {}) {
    if (!state.slug) return;
    if (!ctx.topics().length) await ctx.ensureQueue(); // the topics come with the queue
    dialog.mode = "book";
    dialog.ticket = ticket;
    dialog.moving = null;
    els.heading.textContent = ticket ? TEXTS.followUpHeading : missed ? TEXTS.rebookHeading : TEXTS.bookHeading;
    els.forText.textContent = ticket ? TEXTS.forTicket(ticket.code, topicName(ticket.topic_names, ticket.topic))
      : missed ? TEXTS.forMissed(words(missed)) : "";
    els.forText.hidden = !els.forText.textContent;
    els.topicField.hidden = false;
    els.options.hidden = false;
    els.tabs.hidden = false;
    fillTopics(ticket ? ticket.topic : missed ? missed.topic : null);
    fillLanguages(ticket ? ticket.language : missed ? missed.language : "de");
    els.card.value = "";
    const ticketCard = Boolean(ticket && ticket.card);
    els.ticketCardField.hidden = !ticketCard;
    els.ticketCard.checked = ticketCard;
    els.ticketCardText.textContent = ticket ? TEXTS.ticketCard(ticket.code) : "";
    els.cardField.hidden = ticketCard;
    const me = ctx.me();
    const colleague = missed && missed.staff && me && missed.staff.id !== me.id ? missed.staff.id : null;
    dialog.chosen = colleague;
    setTab(colleague ? "colleague" : MINE);
    openDialog(opener);
    (ticket || missed ? els.tabMe : els.topic).focus();
    loadCounselors(colleague).then((current) => current && search());
  }

  function openRebook(a, button) {
    openFollowUp({ missed: a, opener: button });
  }

  async function openMove(a, button) {
    if (!ctx.topics().length) await ctx.ensureQueue();
    dialog.mode = "move";
    dialog.ticket = null;
    dialog.moving = a;
    els.heading.textContent = TEXTS.moveHeading;
    els.forText.textContent = TEXTS.forMove(words(a));
    els.forText.hidden = false;
    els.topicField.hidden = true;
    els.options.hidden = true;
    els.tabs.hidden = true;
    els.colleagueField.hidden = true;
    fillTopics(a.topic);
    openDialog(button);
    els.forText.focus();
    search();
  }

  /** The colleagues who serve the chosen topic; an answer for a topic chosen before the
   *  latest is dropped (false), so the list never names colleagues of another topic. */
  async function loadCounselors(preferred) {
    const asked = ++dialog.counselorsAsked;
    const slug = state.slug;
    const topic = els.topic.value;
    let counselors = [];
    try {
      const answer = await api("GET", `/locations/${encodeURIComponent(slug)}/counselors?topic=${encodeURIComponent(topic)}`);
      const me = ctx.me();
      counselors = (answer.counselors || []).filter((c) => !me || c.id !== me.id);
    } catch (err) {
      if (asked !== dialog.counselorsAsked) return false;
      showError(els.message, err);
    }
    if (asked !== dialog.counselorsAsked) return false;
    dialog.counselors = counselors;
    const options = dialog.counselors.map((c) => h("option", { value: String(c.id) }, c.display_name));
    els.colleague.replaceChildren(...(options.length ? options : [h("option", { value: "" }, TEXTS.noColleague)]));
    els.colleague.disabled = !options.length;
    if (preferred && dialog.counselors.some((c) => c.id === preferred)) els.colleague.value = String(preferred);
    return true;
  }

  /** Whose free slots the dialog shows: a staff id, or null (the session's organisation). */
  function slotStaff() {
    if (dialog.mode === "move") return dialog.moving.staff ? dialog.moving.staff.id : null;
    if (dialog.tab === MINE) return ctx.me() ? ctx.me().id : null;
    return els.colleague.value ? Number(els.colleague.value) : undefined;
  }

  function staffName(id) {
    if (id === null) return TEXTS.noCounselor;
    const me = ctx.me();
    if (me && id === me.id) return me.display_name;
    const found = dialog.counselors.find((c) => c.id === id);
    return found ? found.display_name : "";
  }

  /** Find free slots from today on, a week at a time, until enough are found. */
  async function search(more = false) {
    const search = ++dialog.search;
    const staff = slotStaff();
    if (!more) {
      dialog.found = [];
      dialog.scanned = "";
      clear(els.slots);
    }
    clear(els.message);
    if (staff === undefined) {
      els.slotsStatus.textContent = TEXTS.noColleague;
      els.more.hidden = true;
      return;
    }
    els.slotsStatus.textContent = TEXTS.slotsLoading;
    els.more.hidden = true;
    const topic = dialog.mode === "move" ? dialog.moving.topic : els.topic.value;
    const first = dialog.scanned ? nextDate(dialog.scanned) : state.date || dateOf(new Date(), tz());
    const before = dialog.found.reduce((n, d) => n + d.slots.length, 0);
    let day = first;
    let count = before;
    let scanned = 0;
    try {
      while (count - before < ENOUGH_SLOTS && scanned < MAX_DAYS / 2) {
        const days = Array.from({ length: DAYS_PER_ROUND }, (_, i) => nextDate(day, i));
        const answers = await Promise.all(days.map((date) => {
          const query = new URLSearchParams({ topic, date });
          if (staff !== null) query.set("staff_id", String(staff));
          return api("GET", `/locations/${encodeURIComponent(state.slug)}/slots?${query}`);
        }));
        if (search !== dialog.search) return;
        for (const answer of answers) {
          const slots = dialog.mode === "move"
            ? (answer.slots || []).filter((s) => s.start !== dialog.moving.start) : answer.slots || [];
          if (slots.length) dialog.found.push({ date: answer.date, slots });
          count += slots.length;
        }
        scanned += DAYS_PER_ROUND;
        day = nextDate(day, DAYS_PER_ROUND);
        dialog.scanned = nextDate(day, -1);
      }
    } catch (err) {
      if (search !== dialog.search) return;
      els.slotsStatus.textContent = "";
      showError(els.message, err);
      return;
    }
    renderSlots(staff);
    const total = dialog.found.reduce((n, d) => n + d.slots.length, 0);
    els.slotsStatus.textContent = total
      ? (dialog.mode === "move" ? TEXTS.slotsMoveFound(total) : TEXTS.slotsFound(total))
      : TEXTS.slotsNone(scanned, dialog.mode === "move" ? "" : staffName(staff));
    els.more.hidden = false;
    els.more.textContent = TEXTS.moreDays;
  }

  function renderSlots(staff) {
    const name = dialog.mode === "move" ? "" : staffName(staff);
    const groups = dialog.found.map(({ date, slots }) => {
      const label = dayLabel(slots[0].start);
      const full = format({ weekday: "long", day: "numeric", month: "long" }, tz()).format(new Date(slots[0].start));
      return h("section", { class: "slot-day", "aria-label": full },
        h("h3", {}, label === TEXTS.today ? `${full} (${TEXTS.today})` : full),
        h("div", { class: "slot-buttons" }, slots.map((slot) => {
          const from = time(slot.start);
          const to = time(slot.end);
          return h("button", {
            type: "button", class: "slot", "data-testid": "slot", "data-start": slot.start, "data-date": date,
            "aria-label": dialog.mode === "move" ? TEXTS.slotMoveLabel(full, from, to) : TEXTS.slotLabel(full, from, to, name),
            onclick: (e) => take(slot, staff, e.currentTarget),
          }, from);
        })));
    });
    els.slots.replaceChildren(...groups);
  }

  function take(slot, staff, button) {
    if (dialog.mode === "move") moveTo(slot, button);
    else book(slot, staff, button);
  }

  async function withDialogBusy(button, work) {
    if (state.busy) return;
    state.busy = true;
    const buttons = [...els.slots.querySelectorAll("button")];
    buttons.forEach((b) => { b.disabled = true; });
    button.setAttribute("aria-busy", "true");
    clear(els.message);
    try {
      await work();
    } catch (err) {
      showError(els.message, err);
      // A slot someone else took meanwhile: the free times again.
      if (err && (err.code === "slot_taken" || err.code === "counselor_busy" || err.code === "appointment_past")) {
        search();
      }
    } finally {
      state.busy = false;
      button.removeAttribute("aria-busy");
      buttons.forEach((b) => { b.disabled = false; });
      render();
    }
  }

  function book(slot, staff, button) {
    const body = { topic: els.topic.value, start: slot.start, language: els.language.value };
    if (staff !== null) body.staff_id = staff;
    if (dialog.ticket && dialog.ticket.card && els.ticketCard.checked) body.ticket_id = dialog.ticket.id;
    else if (els.card.value.trim()) body.card = els.card.value.trim();
    withDialogBusy(button, async () => {
      const booked = await api("POST", `/locations/${encodeURIComponent(state.slug)}/appointments`, body);
      upsert(booked);
      showDone(booked, TEXTS.booked(words(booked)));
      ctx.note(TEXTS.bookedNote(words(booked)));
    });
  }

  function moveTo(slot, button) {
    const a = dialog.moving;
    withDialogBusy(button, async () => {
      const moved = await api("PATCH", `/appointments/${a.id}`, { start: slot.start });
      upsert(moved);
      showDone(moved, TEXTS.moved(words(moved)));
      ctx.note(TEXTS.moved(words(moved)));
    });
  }

  function showDone(a, text) {
    dialog.booked = a;
    els.choose.hidden = true;
    els.done.hidden = false;
    els.doneText.textContent = text;
    els.code.textContent = groupedCode(a.code);
    els.printStatus.textContent = "";
    const pdf = els.printStatus.nextElementSibling;
    if (pdf && pdf.classList.contains("print-pdf")) pdf.remove();
    els.print.disabled = false;
    els.done.focus();
  }

  async function printSlip() {
    const a = dialog.booked;
    if (!a) return;
    els.print.disabled = true;
    els.print.setAttribute("aria-busy", "true");
    const body = { language: a.language };
    if (ctx.deskId() !== null) body.desk_id = ctx.deskId();
    const pdf = `/api/v1/appointments/${a.id}/slip.pdf?language=${encodeURIComponent(a.language)}`;
    await printInto(els.printStatus, `/appointments/${a.id}/slip`, body, pdf);
    els.print.removeAttribute("aria-busy");
    els.print.disabled = false;
  }

  // --- wiring ------------------------------------------------------------------------------------

  for (const radio of els.filter.querySelectorAll("input[type=radio]")) {
    radio.checked = radio.value === state.filter;
    radio.addEventListener("change", () => {
      if (!radio.checked) return;
      state.filter = radio.value;
      try { window.localStorage.setItem(FILTER_KEY, radio.value); } catch (_err) { /* not kept */ }
      render();
    });
  }
  els.book.addEventListener("click", () => openFollowUp({ opener: els.book }));
  els.followUp.addEventListener("click", () => {
    const ticket = ctx.currentTicket();
    if (ticket) openFollowUp({ ticket, opener: els.followUp });
  });
  els.tabMe.addEventListener("click", () => { setTab(MINE); search(); });
  els.tabColleague.addEventListener("click", () => { setTab("colleague"); search(); });
  els.tabs.addEventListener("keydown", (event) => {
    if (!["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
    event.preventDefault();
    const target = dialog.tab === MINE ? els.tabColleague : els.tabMe;
    const chosen = event.key === "Home" ? els.tabMe : event.key === "End" ? els.tabColleague : target;
    chosen.focus();
    chosen.click();
  });
  els.topic.addEventListener("change", () => loadCounselors(dialog.chosen).then((current) => current && search()));
  els.colleague.addEventListener("change", () => {
    dialog.chosen = els.colleague.value ? Number(els.colleague.value) : null;
    search();
  });
  els.more.addEventListener("click", () => search(true));
  els.print.addEventListener("click", printSlip);
  els.dialog.addEventListener("close", () => {
    dialog.search += 1;  // an answer still under way is dropped
    // A list button that opened the dialog was drawn anew meanwhile: its successor.
    const key = dialog.opener && dialog.opener.getAttribute("data-focus-key");
    const again = key ? document.querySelector(`[data-focus-key="${CSS.escape(key)}"]`) : null;
    refocus(again, dialog.opener, els.book);
  });
  window.setInterval(() => { if (state.slug) refresh(); }, REFRESH_MS);

  return { setLocation, refresh, render, renderFollowUpButton, onAppointment, onArrived, openFollowUp };
}
