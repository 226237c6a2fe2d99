/* Managers' page, tab "Sprechstunden" (consultation sessions): the chosen location's consultation sessions as a
 * week or a month of occurrences (holidays, closures and cancelled ones shown beside them),
 * one occurrence cancelled, moved or restored, the rules added, edited and deleted, and the
 * location's own closing days.
 *
 * When a session is held is the server's decision alone (servicepoint/schedule.py): the
 * calendar draws the occurrences the API answers for the range shown, nothing computed here
 * but the dates of the range itself. */

import { api, clear, locale, pageError, pageLanguage, showError, showNote, t, topicName } from "../common.js";
import { $, $$, h } from "/static/js/dom.js";
import { clearForm, formMode, rowButton, showFormError, submitting } from "./forms.js";

const enc = encodeURIComponent;
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
// Weekdays from the catalog ("Mo"/"Mon", "Montag"/"Monday"); months and dates in the page's
// language (German unless the page is English).
const SHORT = (day) => t(`stats.day.${day}`);
const LONG = (day) => t(`manage.weekday.${day}`);
const monthFormat = new Intl.DateTimeFormat(locale(), { month: "long", year: "numeric", timeZone: "UTC" });

// --- calendar dates as "YYYY-MM-DD" (UTC arithmetic: a date has no time zone) ------------

function asDate(iso) { return new Date(`${iso}T00:00:00Z`); }
function iso(date) { return date.toISOString().slice(0, 10); }
function addDays(day, n) { const d = asDate(day); d.setUTCDate(d.getUTCDate() + n); return iso(d); }
function weekday(day) { return (asDate(day).getUTCDay() + 6) % 7; }
function monday(day) { return addDays(day, -weekday(day)); }
function monthStart(day) { return `${day.slice(0, 7)}-01`; }
function addMonths(day, n) {
  const d = asDate(monthStart(day));
  d.setUTCMonth(d.getUTCMonth() + n);
  return iso(d);
}
function monthEnd(day) { return addDays(addMonths(day, 1), -1); }
/** "3.11.2026" on a German page, "3 Nov 2026" on an English one. */
function germanDate(day) {
  if (pageLanguage() !== "de") {
    return asDate(day).toLocaleDateString(locale(), { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  }
  const [y, m, d] = day.split("-");
  return `${Number(d)}.${Number(m)}.${y}`;
}
function longDate(day) { return `${LONG(DAYS[weekday(day)])}, ${germanDate(day)}`; }
/** "Oktober 2026", "October 2026". */
function monthName(first) { return monthFormat.format(asDate(first)); }
function todayIn(timeZone) {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
      .format(new Date());
  } catch (_err) {
    return iso(new Date());
  }
}

/** "Mo, Do · 12:45–16:45 Uhr · alle 2 Wochen" */
function when(rule) {
  const days = rule.extra ? t("manage.sessions.single_on", { date: germanDate(rule.valid_from) }) : rule.weekdays.map(SHORT).join(", ");
  const parts = [days, t("manage.sessions.times", { start: rule.start, end: rule.end })];
  if (rule.week_of_month === -1) parts.push(t("manage.sessions.last_week_of_month"));
  else if (rule.week_of_month) parts.push(t("manage.sessions.week_of_month_n", { n: rule.week_of_month }));
  else if (rule.every_weeks > 1) parts.push(t("manage.sessions.every_n_weeks", { n: rule.every_weeks }));
  if (rule.max_tickets) parts.push(t("manage.sessions.at_most_tickets", { n: rule.max_tickets }));
  return parts.join(" · ");
}

function validity(rule) {
  if (rule.extra) return "—";
  if (rule.valid_from && rule.valid_to) return t("manage.sessions.valid_between", { from: germanDate(rule.valid_from), to: germanDate(rule.valid_to) });
  if (rule.valid_from) return t("manage.sessions.valid_since", { from: germanDate(rule.valid_from) });
  if (rule.valid_to) return t("manage.sessions.valid_until", { to: germanDate(rule.valid_to) });
  return t("manage.sessions.unlimited");
}

export function setup(store) {
  const error = $("#sessions-error");
  const note = $("#sessions-note");
  const calendar = $("#calendar");
  const rangeHeading = $("#calendar-range");
  const occurrenceForm = $("#occurrence-form");
  const ruleForm = $("#rule-form");
  const closureForm = $("#closure-form");
  let view = "week";
  let anchor = null;       // a day in the range shown
  let rules = [];
  let shown = null;        // the API's answer for the range
  let closures = [];
  let staff = [];          // every staff member (those of the location are offered)
  let selected = null;     // {item, cancelled} of the occurrence form
  let editing = null;      // the rule being edited

  const location = () => store.location();
  const today = () => todayIn((location() || {}).timezone || "Europe/Berlin");

  function range() {
    if (view === "week") return [monday(anchor), addDays(monday(anchor), 6)];
    return [monthStart(anchor), monthEnd(anchor)];
  }

  let asked = 0;            // the latest load; an older answer (another range) comes too late

  /** Load the rules, the range's occurrences and the closures; false when a newer load was
   * asked for meanwhile (this answer is then not the one to draw). */
  async function load() {
    const mine = ++asked;
    const slug = store.slug;
    if (!slug) {
      rules = []; shown = null; closures = [];
      return true;
    }
    anchor = anchor || today();
    const [first, last] = range();
    const base = `/locations/${enc(slug)}`;
    let answers;
    try {
      answers = await Promise.all([
        api("GET", `${base}/sessions`),
        api("GET", `${base}/sessions?from=${first}&to=${last}`),
        api("GET", `${base}/closures?from=${addDays(today(), -31)}`),
      ]);
    } catch (err) {
      if (mine !== asked) return false;
      throw err;
    }
    if (mine !== asked || slug !== store.slug) return false;
    const [listed, occurrences, closed] = answers;
    rules = listed.sessions || [];
    shown = occurrences;
    closures = closed.closures || [];
    return true;
  }

  async function reload() {
    try {
      if (!(await load())) return;
    } catch (err) {
      showError(error, err);
    }
    render();
  }

  // --- the calendar --------------------------------------------------------------------

  function entriesOf(day) {
    if (!shown) return [];
    const items = [];
    for (const holiday of shown.holidays.filter((x) => x.date === day)) {
      items.push(h("li", { class: "day-closed" }, t("manage.sessions.holiday", { name: holiday.name })));
    }
    for (const closure of shown.closures.filter((x) => x.date === day)) {
      items.push(h("li", { class: "day-closed" }, closure.reason ? t("manage.sessions.closed_for", { reason: closure.reason }) : t("manage.sessions.closed")));
    }
    for (const item of shown.occurrences.filter((x) => x.date === day)) {
      const marks = [item.changed ? t("manage.sessions.changed_time") : "", item.extra ? t("manage.sessions.extra") : ""].filter(Boolean);
      items.push(h("li", {},
        h("button", {
          type: "button", class: `occurrence${item.changed ? " changed" : ""}`,
          "data-testid": `occurrence-${item.session}-${item.date}`,
        },
        // The name is the visible text with the day before and the action after it (unseen),
        // so a button is spoken in full and still found by what it shows (WCAG 2.5.3).
        h("span", { class: "visually-hidden" }, `${longDate(day)}, `),
        h("span", { class: "occurrence-time" }, `${item.start}–${item.end}`), " ",
        h("span", { class: "occurrence-title" }, item.title),
        ...marks.map((m) => h("span", { class: "pill" }, m)),
        h("span", { class: "visually-hidden" }, `: ${t("manage.sessions.change_or_cancel")}`)),
      ));
    }
    for (const item of shown.cancelled.filter((x) => x.date === day)) {
      items.push(h("li", {},
        h("button", {
          type: "button", class: "occurrence cancelled",
          "data-testid": `cancelled-${item.session}-${item.date}`,
        },
        h("span", { class: "visually-hidden" }, `${longDate(day)}, `),
        h("span", { class: "occurrence-time" }, `${item.start}–${item.end}`), " ",
        h("s", {}, item.title), h("span", { class: "pill off" }, t("manage.sessions.cancelled")),
        h("span", { class: "visually-hidden" }, `; ${t("manage.sessions.set_again")}`)),
      ));
    }
    return items;
  }

  function wire(container) {
    for (const button of $$("button.occurrence", container)) {
      button.addEventListener("click", () => {
        const [kind, session, ...date] = button.dataset.testid.split("-");
        const day = date.join("-");
        const list = kind === "cancelled" ? shown.cancelled : shown.occurrences;
        const item = list.find((x) => String(x.session) === session && x.date === day);
        if (item) openOccurrence(item, kind === "cancelled");
      });
    }
  }

  function renderWeek(first) {
    const days = [...Array(7).keys()].map((n) => addDays(first, n));
    return h("ol", { class: "week", "aria-label": t("manage.sessions.days_of_week") }, ...days.map((day) => {
      const items = entriesOf(day);
      return h("li", { class: `week-day${day === today() ? " today" : ""}`, "data-date": day },
        h("h4", {}, longDate(day), day === today() ? h("span", { class: "pill on" }, t("manage.sessions.today_pill")) : null),
        items.length ? h("ul", { class: "day-items" }, ...items) : h("p", { class: "muted" }, t("manage.sessions.no_session")));
    }));
  }

  function renderMonth(first, last) {
    const rows = [];
    for (let start = monday(first); start <= last; start = addDays(start, 7)) {
      const cells = [...Array(7).keys()].map((n) => {
        const day = addDays(start, n);
        const inMonth = day >= first && day <= last;
        const items = inMonth ? entriesOf(day) : [];
        return h("td", { class: `${inMonth ? "" : "outside"}${day === today() ? " today" : ""}`, "data-date": day },
          h("span", { class: "month-day" }, inMonth ? String(Number(day.slice(8))) : "",
            inMonth ? h("span", { class: "visually-hidden" }, ` ${LONG(DAYS[n])}`) : null),
          items.length ? h("ul", { class: "day-items" }, ...items) : null);
      });
      rows.push(h("tr", {}, ...cells));
    }
    return h("table", { class: "month" },
      h("caption", { class: "visually-hidden" }, t("manage.sessions.month_caption", { month: monthName(first) })),
      h("thead", {}, h("tr", {}, ...DAYS.map((d) => h("th", { scope: "col", abbr: LONG(d) }, SHORT(d))))),
      h("tbody", {}, ...rows));
  }

  function renderCalendar() {
    for (const button of $$("[data-view]")) button.setAttribute("aria-pressed", String(button.dataset.view === view));
    if (!store.slug || !anchor) {
      rangeHeading.textContent = "";
      calendar.replaceChildren(h("p", { class: "muted" }, t("manage.no_location")));
      return;
    }
    const [first, last] = range();
    rangeHeading.textContent = view === "week"
      ? t("manage.sessions.week_range", { from: germanDate(first), to: germanDate(last) })
      : monthName(first);
    calendar.replaceChildren(view === "week" ? renderWeek(first) : renderMonth(first, last));
    wire(calendar);
    const slug = enc(store.slug);
    $("#sessions-programme").href = `/locations/${slug}/programme?month=${first.slice(0, 7)}`;
    $("#sessions-ics").href = `/locations/${slug}/sessions.ics`;
  }

  for (const button of $$("[data-view]")) {
    button.addEventListener("click", async () => {
      view = button.dataset.view;
      await reload();
    });
  }
  for (const button of $$("[data-step]")) {
    button.addEventListener("click", async () => {
      const step = Number(button.dataset.step);
      if (!step) anchor = today();
      else anchor = view === "week" ? addDays(anchor || today(), 7 * step) : addMonths(anchor || today(), step);
      await reload();
    });
  }

  // --- one occurrence ------------------------------------------------------------------

  function openOccurrence(item, cancelled) {
    selected = { item, cancelled };
    clearForm(occurrenceForm);
    clear($(".note", occurrenceForm));
    occurrenceForm.hidden = false;
    const status = cancelled ? ` – ${t("manage.sessions.cancelled")}` : item.changed ? ` – ${t("manage.sessions.with_changed_time")}` : "";
    $("#occurrence-what").textContent = `${longDate(item.date)} · ${t("manage.sessions.times", { start: item.start, end: item.end })} · ${item.title}${status}`;
    occurrenceForm.elements.date.value = item.date;
    $("#occurrence-start").value = item.start;
    $("#occurrence-end").value = item.end;
    $("#occurrence-reason").value = item.reason || "";
    $('[data-action="restore"]', occurrenceForm).hidden = !(cancelled || item.changed);
    $('[data-action="cancel"]', occurrenceForm).hidden = cancelled;
    $('[type="submit"]', occurrenceForm).hidden = cancelled;
    $("#occurrence-heading").focus();
  }

  function closeOccurrence() {
    selected = null;
    occurrenceForm.hidden = true;
  }

  async function change(body) {
    await api("POST", `/sessions/${selected.item.session}/changes`, { date: selected.item.date, ...body });
  }

  async function act(button, work) {
    if (button.disabled) return;
    clearForm(occurrenceForm);
    button.disabled = true;
    try {
      const message = await work();
      closeOccurrence();
      await reload();
      showNote(note, message);
    } catch (err) {
      showFormError(occurrenceForm, err, button);
    } finally {
      button.disabled = false;
    }
  }

  occurrenceForm.addEventListener("submit", (event) => {
    event.preventDefault();
    act($('[type="submit"]', occurrenceForm), async () => {
      await change({ start: $("#occurrence-start").value, end: $("#occurrence-end").value, reason: $("#occurrence-reason").value });
      return t("manage.sessions.moved", { date: germanDate(selected.item.date), start: $("#occurrence-start").value, end: $("#occurrence-end").value });
    });
  });
  $('[data-action="cancel"]', occurrenceForm).addEventListener("click", (event) => {
    act(event.currentTarget, async () => {
      await change({ cancelled: true, reason: $("#occurrence-reason").value });
      return t("manage.sessions.cancelled_on", { date: germanDate(selected.item.date) });
    });
  });
  $('[data-action="restore"]', occurrenceForm).addEventListener("click", (event) => {
    act(event.currentTarget, async () => {
      await api("DELETE", `/sessions/${selected.item.session}/changes?date=${selected.item.date}`);
      return t("manage.sessions.restored", { date: germanDate(selected.item.date) });
    });
  });
  $('[data-action="close"]', occurrenceForm).addEventListener("click", closeOccurrence);

  // --- rules ---------------------------------------------------------------------------

  function staffNames(rule) {
    return rule.staff.map((s) => s.display_name).join(", ") || "—";
  }

  function renderRules() {
    const rows = rules.map((rule) => h("tr", { "data-testid": `rule-${rule.id}` },
      h("td", {}, rule.title, rule.organisation ? h("span", { class: "muted" }, ` · ${rule.organisation.short_name}`) : null),
      h("td", {}, when(rule)),
      h("td", {}, validity(rule)),
      h("td", {}, staffNames(rule)),
      h("td", { class: "buttons" },
        h("button", {
          type: "button", class: "small", "aria-label": t("manage.sessions.edit_named", { name: rule.title }),
          "data-testid": `rule-edit-${rule.id}`, onclick: () => edit(rule),
        }, t("manage.edit")),
        rowButton(t("manage.delete"), {
          label: t("manage.sessions.delete_named", { name: rule.title }), errorEl: error, noteEl: note, cls: "danger",
          testid: `rule-delete-${rule.id}`,
          work: async () => {
            if (!window.confirm(t("manage.sessions.confirm_delete", { name: rule.title, when: when(rule) }))) return null;
            await api("DELETE", `/sessions/${rule.id}`);
            if (editing && editing.id === rule.id) resetRuleForm();
            await reload();
            return t("manage.sessions.deleted", { name: rule.title });
          },
        })),
    ));
    if (!rows.length) {
      rows.push(h("tr", {}, h("td", { colspan: "5", class: "muted" },
        store.slug ? t("manage.sessions.none") : t("manage.no_location"))));
    }
    $("#rules-body").replaceChildren(...rows);
  }

  function renderChoices() {
    const chosenTopics = editing ? editing.topics : [];
    const topics = (store.topics[store.slug] || []);
    $("#rule-topics").replaceChildren(...topics.map((topic) => h("label", { class: "check" },
      h("input", { type: "checkbox", name: "topic", value: topic.key, checked: chosenTopics.includes(topic.key), "data-testid": `rule-topic-${topic.key}` }),
      ` ${topicName(topic.names, topic.key)}${topic.active ? "" : ` (${t("manage.inactive_lower")})`}`)));
    if (!topics.length) $("#rule-topics").replaceChildren(h("p", { class: "muted" }, t("manage.topics.none")));
    const chosenStaff = editing ? editing.staff.map((s) => s.id) : [];
    const members = staff.filter((s) => (s.memberships || []).some((m) => m.location === store.slug));
    $("#rule-staff").replaceChildren(...members.map((member) => h("label", { class: "check" },
      h("input", { type: "checkbox", name: "staff", value: String(member.id), checked: chosenStaff.includes(member.id) }),
      ` ${member.display_name}`)));
    if (!members.length) $("#rule-staff").replaceChildren(h("p", { class: "muted" }, t("manage.sessions.no_staff")));
    const chosenOrganisation = editing && editing.organisation ? editing.organisation.id : null;
    const organisations = (store.organisations || []).filter((o) => o.active || o.id === chosenOrganisation);
    $("#rule-organisation").replaceChildren(
      h("option", { value: "" }, t("manage.sessions.no_organisation")),
      ...organisations.map((o) => h("option", { value: String(o.id), selected: o.id === chosenOrganisation }, `${o.name} (${o.short_name})`))
    );
  }

  function resetRuleForm() {
    editing = null;
    ruleForm.reset();
    formMode(ruleForm, { editing: false, heading: t("manage.sessions.new"), submitText: t("manage.sessions.add") });
    renderChoices();
  }

  function edit(rule) {
    editing = rule;
    ruleForm.reset();
    formMode(ruleForm, { editing: true, heading: t("manage.sessions.edit_named", { name: rule.title }), submitText: t("manage.sessions.save_changes") });
    for (const box of $$('input[name="weekday"]', ruleForm)) box.checked = rule.weekdays.includes(box.value);
    $("#rule-start").value = rule.start;
    $("#rule-end").value = rule.end;
    $("#rule-valid-from").value = rule.valid_from || "";
    $("#rule-valid-to").value = rule.valid_to || "";
    $("#rule-every-weeks").value = String(rule.every_weeks);
    $("#rule-week-of-month").value = rule.week_of_month == null ? "" : String(rule.week_of_month);
    $("#rule-max-tickets").value = rule.max_tickets == null ? "" : String(rule.max_tickets);
    $("#rule-title").value = rule.names.de || "";
    renderChoices();
    ruleForm.scrollIntoView({ block: "start" });
    $("#rule-start").focus();
  }

  function number(input) {
    const value = input.value.trim();
    return value === "" ? null : Number(value);
  }

  function ruleBody() {
    const title = $("#rule-title").value.trim();
    return {
      weekdays: $$('input[name="weekday"]:checked', ruleForm).map((box) => box.value),
      start: $("#rule-start").value,
      end: $("#rule-end").value,
      topics: $$('input[name="topic"]:checked', ruleForm).map((box) => box.value),
      staff: $$('input[name="staff"]:checked', ruleForm).map((box) => Number(box.value)),
      valid_from: $("#rule-valid-from").value || null,
      valid_to: $("#rule-valid-to").value || null,
      every_weeks: number($("#rule-every-weeks")) || 1,
      week_of_month: number($("#rule-week-of-month")),
      max_tickets: number($("#rule-max-tickets")),
      organisation: number($("#rule-organisation")),
      names: title ? { de: title } : {},
    };
  }

  ruleForm.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(ruleForm, async ({ note: formNote }) => {
      if (!store.slug) throw pageError(t("manage.no_location"));
      const saved = editing
        ? await api("PATCH", `/sessions/${editing.id}`, ruleBody())
        : await api("POST", `/locations/${enc(store.slug)}/sessions`, ruleBody());
      const was = editing;
      resetRuleForm();
      await reload();
      showNote(formNote, t(was ? "manage.sessions.saved" : "manage.sessions.created", { name: saved.title, when: when(saved) }));
    });
  });
  $("[data-cancel]", ruleForm).addEventListener("click", resetRuleForm);

  // --- closures ------------------------------------------------------------------------

  function renderClosures() {
    const items = closures.map((closure) => h("li", { "data-testid": `closure-${closure.date}` },
      h("span", {}, `${longDate(closure.date)}${closure.reason ? ` – ${closure.reason}` : ""}`),
      rowButton(t("manage.sessions.remove"), {
        label: t("manage.sessions.remove_closure", { date: germanDate(closure.date) }), errorEl: error, noteEl: note, cls: "danger",
        testid: `closure-remove-${closure.date}`,
        work: async () => {
          await api("DELETE", `/closures/${closure.id}`);
          await reload();
          return t("manage.sessions.open_again", { date: germanDate(closure.date) });
        },
      })));
    if (!items.length) items.push(h("li", { class: "muted" }, t("manage.sessions.no_closures")));
    $("#closures-list").replaceChildren(...items);
  }

  closureForm.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(closureForm, async ({ note: formNote }) => {
      if (!store.slug) throw pageError(t("manage.no_location"));
      const saved = await api("POST", `/locations/${enc(store.slug)}/closures`, {
        date: $("#closure-date").value, reason: $("#closure-reason").value,
      });
      closureForm.reset();
      await reload();
      showNote(formNote, t("manage.sessions.closed_on", { date: germanDate(saved.date), name: store.locationName(store.slug) }));
    });
  });

  function render() {
    renderCalendar();
    renderRules();
    renderClosures();
    renderChoices();
  }

  let started = false;
  store.on("location", async () => {
    closeOccurrence();
    if (editing) resetRuleForm();
    anchor = null;
    if (started) await reload();
  });
  store.on("topics", () => { if (started) renderChoices(); });
  store.on("organisations", () => { if (started) renderChoices(); });

  return {
    /** The tab came into view: load its data (once the page knows the locations). */
    async shown() {
      if (!store.slug) return;
      started = true;
      if (!staff.length) {
        try {
          staff = (await api("GET", "/staff")).staff || [];
        } catch (_err) {
          staff = [];
        }
      }
      await reload();
    },
  };
}
