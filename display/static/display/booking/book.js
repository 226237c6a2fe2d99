/* The public booking page: topic → day → time (held for the visitor) → optional email →
 * booked, then the appointment's page.
 *
 * Everything decided comes from the server (servicepoint/booking.py through
 * /t/api/v1/booking/…): the topics open to booking, the days with a free slot, the free
 * times, whether a hold or a booking is refused and why (its message is in the page's
 * language). The page keeps no rule of its own. It lives in the public half and imports the
 * shared modules from /t/static/js/.
 */
import { api, ApiError } from "../../js/api.js";
import * as catalog from "../../js/catalog.js";
import { $, $$, h } from "../../js/dom.js";

const config = JSON.parse($("#booking-config").textContent);
const t = catalog.t;
const lang = document.documentElement.lang || "de";
// Dates in the page's language with Latin digits; where the browser has no data for it
// (Pashto, Kurmanji, Tigrinya) the day names come from the catalog, not the browser's own.
const locale = catalog.intlLocale(lang);
const intlKnows = catalog.intlKnows(lang);

const steps = {
  topic: $("[data-step=topic]"),
  day: $("[data-step=day]"),
  time: $("[data-step=time]"),
  book: $("[data-step=book]"),
};
const el = {
  error: $("[data-testid=booking-error]"),
  formError: $("[data-testid=booking-form-error]"),
  days: $("[data-testid=booking-days]"),
  noDays: $("[data-testid=booking-no-days]"),
  times: $("[data-testid=booking-times]"),
  noSlots: $("[data-testid=booking-no-slots]"),
  held: $("[data-testid=booking-held]"),
  form: $("[data-testid=booking-form]"),
  email: $("[data-testid=booking-email]"),
  submit: $("[data-testid=booking-submit]"),
  back: $("[data-testid=booking-back]"),
};
const chosen = { topic: null, day: null, hold: null };

const dayFormat = new Intl.DateTimeFormat(locale, { weekday: "long", day: "numeric", month: "long" });
const dateFormat = new Intl.DateTimeFormat(locale, { day: "2-digit", month: "2-digit", year: "numeric" });

const weekdays = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

function dayLabel(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  const day = new Date(y, m - 1, d, 12);
  if (!intlKnows) return `${t("lobby.weekday_" + weekdays[day.getDay()])}, ${d} ${t("lobby.month_" + m)}`;
  return dayFormat.format(day);
}

function dateLabel(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return dateFormat.format(new Date(y, m - 1, d, 12));
}

function clock(isoMoment) {
  return isoMoment.slice(11, 16); // the location's wall-clock time, as the server wrote it
}

function showError(target, error) {
  target.textContent = error instanceof ApiError && error.message ? error.message : t("booking.expired");
}

function press(list, button) {
  for (const other of $$(".choice", list)) other.setAttribute("aria-pressed", String(other === button));
}

function show(step, focus = true) {
  for (const [name, section] of Object.entries(steps)) {
    const order = ["topic", "day", "time", "book"];
    section.hidden = order.indexOf(name) > order.indexOf(step);
  }
  if (focus) $("h2", steps[step]).focus();
}

// The latest requests for days and for times: an older answer arriving late (another topic,
// another day) is not drawn over it, so the times shown are always the chosen day's.
let daysAsked = 0;
let timesAsked = 0;

async function chooseTopic(button, focus = true) {
  const mine = ++daysAsked;
  chosen.topic = Number(button.dataset.topic);
  press(steps.topic, button);
  el.error.textContent = "";
  el.days.replaceChildren(h("li", { class: "booking-note" }, t("booking.loading")));
  show("day", focus);
  try {
    const { days } = await api("GET", `${config.api}/topics/${chosen.topic}/days`);
    if (mine !== daysAsked) return;
    el.noDays.hidden = days.length > 0;
    el.days.replaceChildren(...days.map((day) => h("li", {},
      h("button", {
        type: "button", class: "choice", "aria-pressed": "false",
        "data-testid": `booking-day-${day.date}`, onclick: (event) => chooseDay(event.currentTarget, day.date),
      }, dayLabel(day.date), h("small", {}, t("booking.free_count", { n: day.free }))))));
  } catch (error) {
    if (mine !== daysAsked) return;
    el.days.replaceChildren();
    showError(el.error, error);
  }
}

async function chooseDay(button, date) {
  chosen.day = date;
  press(el.days, button);
  el.error.textContent = "";
  await loadTimes();
}

async function loadTimes() {
  const mine = ++timesAsked;
  el.times.replaceChildren(h("li", { class: "booking-note" }, t("booking.loading")));
  show("time");
  try {
    const { slots } = await api("GET", `${config.api}/topics/${chosen.topic}/slots?date=${chosen.day}`);
    if (mine !== timesAsked) return;
    el.noSlots.hidden = slots.length > 0;
    el.times.replaceChildren(...slots.map((slot) => h("li", {},
      h("button", {
        type: "button", class: "choice", "aria-pressed": "false", dir: "ltr",
        "data-testid": `booking-time-${clock(slot.start)}`, onclick: (event) => chooseTime(event.currentTarget, slot),
      }, clock(slot.start)))));
  } catch (error) {
    if (mine !== timesAsked) return;
    el.times.replaceChildren();
    showError(el.error, error);
  }
}

async function chooseTime(button, slot) {
  press(el.times, button);
  el.error.textContent = "";
  button.disabled = true;
  try {
    chosen.hold = await api("POST", `${config.api}/topics/${chosen.topic}/holds`, { start: slot.start });
    el.held.textContent = t("booking.held", {
      date: dateLabel(chosen.day), time: clock(chosen.hold.start), minutes: config.holdMinutes,
    });
    el.formError.textContent = "";
    show("book");
  } catch (error) {
    showError(el.error, error);
    await loadTimes();
  } finally {
    button.disabled = false;
  }
}

el.form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!chosen.hold) return;
  el.submit.disabled = true;
  el.formError.textContent = "";
  const body = { language: lang };
  if (el.email && el.email.value.trim()) body.email = el.email.value.trim();
  try {
    const booked = await api("POST", `${config.bookApi}/${encodeURIComponent(chosen.hold.token)}/book`, body);
    window.location.assign(`${booked.url}?lang=${encodeURIComponent(lang)}`);
  } catch (error) {
    el.submit.disabled = false;
    if (error instanceof ApiError && error.code === "hold_expired") {
      chosen.hold = null;
      showError(el.error, error);
      await loadTimes();
      return;
    }
    showError(el.formError, error);
    if (el.email && error instanceof ApiError && error.field === "email") {
      el.email.setAttribute("aria-invalid", "true");
      el.email.focus();
    }
  }
});

el.back.addEventListener("click", async () => {
  const given = chosen.hold;
  chosen.hold = null;
  if (given) {
    // Give the slot back at once (it would run out by itself otherwise).
    try {
      await api("DELETE", `${config.bookApi}/${encodeURIComponent(given.token)}`);
    } catch (error) {
      // Nothing to tell: the hold runs out anyway.
    }
  }
  await loadTimes();
});

for (const button of $$("[data-topic]", steps.topic)) {
  button.addEventListener("click", () => chooseTopic(button));
}
// One topic only: it is the choice.
const only = $$("[data-topic]", steps.topic);
if (only.length === 1) chooseTopic(only[0], false);
