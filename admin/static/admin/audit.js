/* The audit trail page (/staff/audit): reads the filters, asks GET /api/v1/audit for one
 * page and shows its entries as they come (newest first); the server decides what this
 * manager may see. Times are shown in the page's language, in Berlin's time (the entries'
 * locations may differ; the API's days are the chosen location's). */

import { $, h } from "/static/js/dom.js";
import { api, showError, clear, locale, t } from "./common.js";

const config = JSON.parse($("#audit-config").textContent);
const form = $("#audit-filter");
const body = $("#audit-body");
const table = body.closest("table");
const error = $("#audit-error");
const empty = $("#audit-empty");
const newer = $("#audit-newer");
const older = $("#audit-older");
const pageLabel = $("#audit-page");
let page = 1;

const when = new Intl.DateTimeFormat(locale(), {
  dateStyle: "medium",
  timeStyle: "medium",
  timeZone: "Europe/Berlin",
});

function shown(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** "field: before → after" per changed field (a creation shows its values, a deletion the
 * last ones). */
function changes(entry) {
  const before = entry.before || {};
  const after = entry.after || {};
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return h(
    "ul",
    { class: "changes" },
    ...names.map((name) => {
      const parts = [h("span", { class: "field-name" }, name + ": ")];
      if (entry.before) parts.push(h("del", {}, shown(before[name])));
      if (entry.before && entry.after) parts.push(" → ");
      if (entry.after) parts.push(h("ins", {}, shown(after[name])));
      return h("li", {}, ...parts);
    }),
  );
}

function row(entry) {
  const who = entry.staff
    ? entry.staff.name
    : entry.source === "cli"
      ? t("audit_cli")
      : t("audit_nobody");
  const what = `${config.kindNames[entry.kind] || entry.kind}${entry.id ? " #" + entry.id : ""}`;
  return h(
    "tr",
    { "data-testid": "audit-row", "data-kind": entry.kind },
    h("td", {}, h("time", { datetime: entry.at }, when.format(new Date(entry.at)))),
    h("td", {}, who),
    h("td", {}, entry.location || "—"),
    h("td", {}, what),
    h("td", {}, config.actionNames[entry.action] || entry.action),
    h("td", { class: "detail" }, changes(entry)),
  );
}

function query() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) if (value) params.set(name, value);
  params.set("page", String(page));
  return params;
}

let asked = 0; // the latest request; an older answer arriving late is not drawn over it

/** Ask for the page the filters and `page` name; the table is busy (aria-busy) until this
 * request's entries are shown. */
async function load() {
  const mine = ++asked;
  clear(error);
  table.setAttribute("aria-busy", "true");
  try {
    const data = await api("GET", `${config.api}?${query()}`);
    if (mine !== asked) return;
    body.replaceChildren(...data.entries.map(row));
    empty.hidden = data.entries.length > 0;
    newer.disabled = page <= 1;
    older.disabled = !data.more;
    pageLabel.textContent = t("audit_page", { n: page });
  } catch (err) {
    if (mine !== asked) return;
    showError(error, err);
  }
  table.removeAttribute("aria-busy");
}

async function loadStaff() {
  try {
    const data = await api("GET", config.staffApi);
    const select = $("#audit-staff");
    for (const person of data.staff) {
      select.append(h("option", { value: String(person.id) }, person.display_name));
    }
  } catch (err) {
    showError(error, err);
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  page = 1;
  load();
});
newer.addEventListener("click", () => {
  page = Math.max(1, page - 1);
  load();
});
older.addEventListener("click", () => {
  page += 1;
  load();
});

loadStaff();
load();
