/* Managers' page, tab "Sprechstunden": the chosen location's consultation sessions as a
 * week or a month of occurrences (holidays, closures and cancelled ones shown beside them),
 * one occurrence cancelled, moved or restored, the rules added, edited and deleted, and the
 * location's own closing days.
 *
 * When a session is held is the server's decision alone (servicepoint/schedule.py): the
 * calendar draws the occurrences the API answers for the range shown, nothing computed here
 * but the dates of the range itself. */

import { api, clear, pageError, showError, showNote, t } from "../common.js";
import { $, $$, h } from "/static/js/dom.js";
import { clearForm, formMode, rowButton, showFormError, submitting } from "./forms.js";

const enc = encodeURIComponent;
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const SHORT = { mon: "Mo", tue: "Di", wed: "Mi", thu: "Do", fri: "Fr", sat: "Sa", sun: "So" };
const LONG = {
  mon: "Montag", tue: "Dienstag", wed: "Mittwoch", thu: "Donnerstag", fri: "Freitag",
  sat: "Samstag", sun: "Sonntag",
};
const MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
  "September", "Oktober", "November", "Dezember"];

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
function germanDate(day) {
  const [y, m, d] = day.split("-");
  return `${Number(d)}.${Number(m)}.${y}`;
}
function longDate(day) { return `${LONG[DAYS[weekday(day)]]}, ${germanDate(day)}`; }
function todayIn(timeZone) {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
      .format(new Date());
  } catch (_err) {
    return iso(new Date());
  }
}

/** "Mo, Do · 12:45–16:45 · alle 2 Wochen" */
function when(rule) {
  const days = rule.extra ? `einzelner Termin am ${germanDate(rule.valid_from)}` : rule.weekdays.map((d) => SHORT[d]).join(", ");
  const parts = [days, `${rule.start}–${rule.end} Uhr`];
  if (rule.week_of_month === -1) parts.push("letzte Woche im Monat");
  else if (rule.week_of_month) parts.push(`${rule.week_of_month}. Woche im Monat`);
  else if (rule.every_weeks > 1) parts.push(`alle ${rule.every_weeks} Wochen`);
  if (rule.max_tickets) parts.push(`höchstens ${rule.max_tickets} Wartenummern`);
  return parts.join(" · ");
}

function validity(rule) {
  if (rule.extra) return "—";
  if (rule.valid_from && rule.valid_to) return `${germanDate(rule.valid_from)} bis ${germanDate(rule.valid_to)}`;
  if (rule.valid_from) return `ab ${germanDate(rule.valid_from)}`;
  if (rule.valid_to) return `bis ${germanDate(rule.valid_to)}`;
  return "unbegrenzt";
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

  async function load() {
    const slug = store.slug;
    if (!slug) {
      rules = []; shown = null; closures = [];
      return;
    }
    anchor = anchor || today();
    const [first, last] = range();
    const base = `/locations/${enc(slug)}`;
    const [listed, occurrences, closed] = await Promise.all([
      api("GET", `${base}/sessions`),
      api("GET", `${base}/sessions?from=${first}&to=${last}`),
      api("GET", `${base}/closures?from=${addDays(today(), -31)}`),
    ]);
    if (slug !== store.slug) return;
    rules = listed.sessions || [];
    shown = occurrences;
    closures = closed.closures || [];
  }

  async function reload() {
    try {
      await load();
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
      items.push(h("li", { class: "day-closed" }, `Feiertag: ${holiday.name}`));
    }
    for (const closure of shown.closures.filter((x) => x.date === day)) {
      items.push(h("li", { class: "day-closed" }, `Geschlossen${closure.reason ? `: ${closure.reason}` : ""}`));
    }
    for (const item of shown.occurrences.filter((x) => x.date === day)) {
      const marks = [item.changed ? "geänderte Zeit" : "", item.extra ? "Zusatztermin" : ""].filter(Boolean);
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
        h("span", { class: "visually-hidden" }, ": ändern oder absagen")),
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
        h("s", {}, item.title), h("span", { class: "pill off" }, "abgesagt"),
        h("span", { class: "visually-hidden" }, "; wieder ansetzen")),
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
    return h("ol", { class: "week", "aria-label": "Tage der Woche" }, ...days.map((day) => {
      const items = entriesOf(day);
      return h("li", { class: `week-day${day === today() ? " today" : ""}`, "data-date": day },
        h("h4", {}, longDate(day), day === today() ? h("span", { class: "pill on" }, "heute") : null),
        items.length ? h("ul", { class: "day-items" }, ...items) : h("p", { class: "muted" }, "keine Sprechstunde"));
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
            inMonth ? h("span", { class: "visually-hidden" }, ` ${LONG[DAYS[n]]}`) : null),
          items.length ? h("ul", { class: "day-items" }, ...items) : null);
      });
      rows.push(h("tr", {}, ...cells));
    }
    return h("table", { class: "month" },
      h("caption", { class: "visually-hidden" }, `Sprechstunden im ${MONTHS[Number(first.slice(5, 7)) - 1]} ${first.slice(0, 4)}`),
      h("thead", {}, h("tr", {}, ...DAYS.map((d) => h("th", { scope: "col", abbr: LONG[d] }, SHORT[d])))),
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
      ? `Woche vom ${germanDate(first)} bis ${germanDate(last)}`
      : `${MONTHS[Number(first.slice(5, 7)) - 1]} ${first.slice(0, 4)}`;
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
    const status = cancelled ? " – abgesagt" : item.changed ? " – mit geänderter Zeit" : "";
    $("#occurrence-what").textContent = `${longDate(item.date)} · ${item.start}–${item.end} Uhr · ${item.title}${status}`;
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
      return `Termin am ${germanDate(selected.item.date)} findet jetzt von ${$("#occurrence-start").value} bis ${$("#occurrence-end").value} Uhr statt.`;
    });
  });
  $('[data-action="cancel"]', occurrenceForm).addEventListener("click", (event) => {
    act(event.currentTarget, async () => {
      await change({ cancelled: true, reason: $("#occurrence-reason").value });
      return `Termin am ${germanDate(selected.item.date)} ist abgesagt.`;
    });
  });
  $('[data-action="restore"]', occurrenceForm).addEventListener("click", (event) => {
    act(event.currentTarget, async () => {
      await api("DELETE", `/sessions/${selected.item.session}/changes?date=${selected.item.date}`);
      return `Termin am ${germanDate(selected.item.date)} findet wie geplant statt.`;
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
          type: "button", class: "small", "aria-label": `Sprechstunde „${rule.title}“ bearbeiten`,
          "data-testid": `rule-edit-${rule.id}`, onclick: () => edit(rule),
        }, "Bearbeiten"),
        rowButton("Löschen", {
          label: `Sprechstunde „${rule.title}“ löschen`, errorEl: error, noteEl: note, cls: "danger",
          testid: `rule-delete-${rule.id}`,
          work: async () => {
            if (!window.confirm(`Sprechstunde „${rule.title}“ (${when(rule)}) mit allen Einzeländerungen löschen?`)) return null;
            await api("DELETE", `/sessions/${rule.id}`);
            if (editing && editing.id === rule.id) resetRuleForm();
            await reload();
            return `Sprechstunde „${rule.title}“ wurde gelöscht.`;
          },
        })),
    ));
    if (!rows.length) {
      rows.push(h("tr", {}, h("td", { colspan: "5", class: "muted" },
        store.slug ? "Dieser Standort hat noch keine Sprechstunden." : t("manage.no_location"))));
    }
    $("#rules-body").replaceChildren(...rows);
  }

  function renderChoices() {
    const chosenTopics = editing ? editing.topics : [];
    const topics = (store.topics[store.slug] || []);
    $("#rule-topics").replaceChildren(...topics.map((topic) => h("label", { class: "check" },
      h("input", { type: "checkbox", name: "topic", value: topic.key, checked: chosenTopics.includes(topic.key), "data-testid": `rule-topic-${topic.key}` }),
      ` ${topic.names.de || topic.key}${topic.active ? "" : " (inaktiv)"}`)));
    if (!topics.length) $("#rule-topics").replaceChildren(h("p", { class: "muted" }, "Dieser Standort hat noch keine Themen."));
    const chosenStaff = editing ? editing.staff.map((s) => s.id) : [];
    const members = staff.filter((s) => (s.memberships || []).some((m) => m.location === store.slug));
    $("#rule-staff").replaceChildren(...members.map((member) => h("label", { class: "check" },
      h("input", { type: "checkbox", name: "staff", value: String(member.id), checked: chosenStaff.includes(member.id) }),
      ` ${member.display_name}`)));
    if (!members.length) $("#rule-staff").replaceChildren(h("p", { class: "muted" }, "Keine Mitarbeitenden an diesem Standort."));
    const chosenOrganisation = editing && editing.organisation ? editing.organisation.id : null;
    const organisations = (store.organisations || []).filter((o) => o.active || o.id === chosenOrganisation);
    $("#rule-organisation").replaceChildren(
      h("option", { value: "" }, "— keine —"),
      ...organisations.map((o) => h("option", { value: String(o.id), selected: o.id === chosenOrganisation }, `${o.name} (${o.short_name})`))
    );
  }

  function resetRuleForm() {
    editing = null;
    ruleForm.reset();
    formMode(ruleForm, { editing: false, heading: "Neue Sprechstunde", submitText: "Sprechstunde anlegen" });
    renderChoices();
  }

  function edit(rule) {
    editing = rule;
    ruleForm.reset();
    formMode(ruleForm, { editing: true, heading: `Sprechstunde „${rule.title}“ bearbeiten`, submitText: "Änderungen speichern" });
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
      showNote(formNote, `Sprechstunde „${saved.title}“ (${when(saved)}) wurde ${was ? "gespeichert" : "angelegt"}.`);
    });
  });
  $("[data-cancel]", ruleForm).addEventListener("click", resetRuleForm);

  // --- closures ------------------------------------------------------------------------

  function renderClosures() {
    const items = closures.map((closure) => h("li", { "data-testid": `closure-${closure.date}` },
      h("span", {}, `${longDate(closure.date)}${closure.reason ? ` – ${closure.reason}` : ""}`),
      rowButton("Entfernen", {
        label: `Schließtag ${germanDate(closure.date)} entfernen`, errorEl: error, noteEl: note, cls: "danger",
        testid: `closure-remove-${closure.date}`,
        work: async () => {
          await api("DELETE", `/closures/${closure.id}`);
          await reload();
          return `Am ${germanDate(closure.date)} ist wieder geöffnet.`;
        },
      })));
    if (!items.length) items.push(h("li", { class: "muted" }, "Keine eigenen Schließtage eingetragen."));
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
      showNote(formNote, `Am ${germanDate(saved.date)} ist ${store.locationName(store.slug)} geschlossen.`);
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
