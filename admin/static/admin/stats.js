/* Statistics page and quarterly report: reads /api/v1/stats (the same figures as the
 * exports), shows the table, the summary, the heat map of arrivals (a table, readable
 * without colour) and two charts (Chart.js, vendored: window.Chart). The server decides
 * what is hidden ("•") and which groupings exist; this only shows it. */

import { api, clear as clearError, languageName, locale, showError, t } from "./common.js";
import { $, h, clear } from "/static/js/dom.js";

const HIDDEN = "•";
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const COLUMN_KEYS = {
  visits: "stats.visits",
  served: "stats.served",
  no_show: "stats.no_show",
  cancelled: "stats.cancelled",
  left: "stats.left",
  card_holders: "stats.card_holders",
  wait_median: "stats.wait_median",
  wait_p90: "stats.wait_p90",
  wait_mean: "stats.wait_mean",
  service_median: "stats.service_median",
  service_mean: "stats.service_mean",
  service_minutes: "stats.service_minutes",
};
const DIMENSION_KEYS = {
  location: "stats.by.location", organisation: "stats.by.organisation", topic: "stats.by.topic",
  language: "stats.by.language", channel: "stats.by.channel", counselor: "stats.by.counselor",
  day: "stats.by.day", week: "stats.by.week", month: "stats.by.month", quarter: "stats.by.quarter",
};
// The columns that count visits (suppressed: never 1 or 2); the others are minutes.
const COUNTS = new Set(["visits", "served", "no_show", "cancelled", "left", "card_holders"]);
const charts = new Map();

function number(value) {
  if (value === null || value === undefined) return "–";
  if (value === HIDDEN) return HIDDEN;
  if (typeof value === "number") return value.toLocaleString(locale());
  return String(value);
}

function channelName(value, dimension) {
  if (dimension === "channel") return t(`stats.channel.${value}`);
  if (dimension === "language") return languageName(value);
  return value;
}

export function quarterOf(day) {
  const q = Math.floor(day.getMonth() / 3);
  const first = new Date(Date.UTC(day.getFullYear(), q * 3, 1));
  const last = new Date(Date.UTC(day.getFullYear(), q * 3 + 3, 0));
  return [first.toISOString().slice(0, 10), last.toISOString().slice(0, 10)];
}

export function parseQuarter(text) {
  const match = /^([0-9]{4})-Q([1-4])$/.exec(text || "");
  if (!match) return null;
  return quarterOf(new Date(Number(match[1]), (Number(match[2]) - 1) * 3, 1));
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  return search.toString();
}

export async function load(params) {
  return api("GET", `/api/v1/stats?${query(params)}`);
}

export function renderTable(report, head, body, foot) {
  clear(head); clear(body); clear(foot);
  const numeric = report.columns;
  head.append(h("tr", {},
    ...report.by.map((d) => h("th", { scope: "col" }, t(DIMENSION_KEYS[d]))),
    ...numeric.map((c) => h("th", { scope: "col", class: "num" }, t(COLUMN_KEYS[c])))));
  for (const row of report.rows) {
    body.append(h("tr", {},
      ...report.by.map((d, i) => h(i === 0 ? "th" : "td", i === 0 ? { scope: "row" } : {}, channelName(row[d], d))),
      ...numeric.map((c) => h("td", { class: COUNTS.has(c) ? "num count" : "num" }, number(row[c])))));
  }
  foot.append(h("tr", {},
    ...(report.by.length ? [h("th", { scope: "row", colspan: String(report.by.length) }, t("stats.total"))] : []),
    ...numeric.map((c) => h("td", { class: COUNTS.has(c) ? "num count" : "num" }, number(report.total[c])))));
}

export function renderSummary(report, list) {
  clear(list);
  const share = report.sessions.share_used;
  const items = [
    ["stats.served", report.total.served],
    ["stats.no_show", report.total.no_show],
    ["stats.card_holders", report.total.card_holders],
    ["stats.wait_median", report.total.wait_median],
    ["stats.wait_p90", report.total.wait_p90],
    ["stats.service_minutes", report.total.service_minutes],
    ["stats.sessions_held", report.sessions.held],
    ["stats.sessions_cancelled", report.sessions.cancelled],
    ["stats.share_used", typeof share === "number" ? new Intl.NumberFormat(locale(), { style: "percent" }).format(share) : share],
  ];
  for (const [key, value] of items) {
    list.append(h("div", {}, h("dt", {}, t(key)), h("dd", {}, number(value))));
  }
}

export function renderHeat(report, table) {
  for (const row of [...table.querySelectorAll("tr")]) row.remove();
  const hours = [...Array(24).keys()].filter((hour) => hour >= 7 && hour <= 19);
  const values = report.arrivals.flat().filter((v) => typeof v === "number");
  const top = Math.max(1, ...values);
  table.append(h("tr", {}, h("td", {}), ...hours.map((hour) => h("th", { scope: "col" }, String(hour).padStart(2, "0")))));
  report.arrivals.forEach((day, index) => {
    table.append(h("tr", {}, h("th", { scope: "row" }, t(`stats.day.${DAYS[index]}`)),
      ...hours.map((hour) => {
        const value = day[hour];
        const level = typeof value === "number" ? Math.ceil((value / top) * 5) : 1;
        return h("td", { class: `heat-${Math.min(5, level)}` }, number(value));
      })));
  });
}

function drawChart(id, type, labels, values, label) {
  const canvas = document.getElementById(id);
  if (!canvas || !window.Chart) return;
  charts.get(id)?.destroy();
  charts.set(id, new window.Chart(canvas, {
    type,
    data: { labels, datasets: [{ label, data: values, backgroundColor: "#0b4f8a" }] },
    options: {
      animation: false,
      maintainAspectRatio: false,
      indexAxis: type === "bar" && id.includes("languages") ? "y" : "x",
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true }, y: { beginAtZero: true } },
    },
  }));
}

/** The month and language charts: their own queries, so they do not depend on the table. */
export async function renderCharts(params) {
  const months = await load({ ...params, by: "month" });
  const languages = await load({ ...params, by: "language" });
  // A hidden count ("•") is no bar at all, never a 0.
  const served = (row) => (typeof row.visits === "number" ? row.visits : null);
  drawChart("chart-months", "bar", months.rows.map((r) => r.month), months.rows.map(served), t("stats.visits"));
  const sorted = [...languages.rows].sort((a, b) => (served(b) ?? 0) - (served(a) ?? 0));
  drawChart("chart-languages", "bar", sorted.map((r) => languageName(r.language)), sorted.map(served), t("stats.visits"));
}

// --- the page ----------------------------------------------------------------------------

function formParams(form) {
  const by = [form.period.value, form.group.value].filter(Boolean).join(",");
  return {
    location: form.location.value,
    from: form.from.value,
    to: form.to.value,
    by,
    suppressed: form.suppressed?.checked ? "1" : "",
  };
}

let shown = 0; // the latest request; an older answer arriving late is not drawn over it

async function show(form) {
  const params = formParams(form);
  const mine = ++shown;
  // The links follow the form at once, so an export taken while the table loads is the
  // table asked for; "loaded" is set again only when this request's table and charts are in.
  delete document.body.dataset.loaded;
  const exportParams = { ...params, suppressed: "" };
  $("#export-csv").href = `/api/v1/stats/export.csv?${query(exportParams)}`;
  $("#export-xlsx").href = `/api/v1/stats/export.xlsx?${query(exportParams)}`;
  const quarter = `${params.from.slice(0, 4)}-Q${Math.floor((Number(params.from.slice(5, 7)) - 1) / 3) + 1}`;
  $("#print-report").href = `/staff/stats/report?${query({ location: params.location, quarter })}`;
  clearError($("#page-error"));
  try {
    const report = await load(params);
    if (mine !== shown) return;
    renderTable(report, $("#stats-head"), $("#stats-body"), $("#stats-foot"));
    renderSummary(report, $("#summary"));
    renderHeat(report, $("#heat-map"));
    await renderCharts({ ...params, by: "" });
    if (mine === shown) document.body.dataset.loaded = "true";
  } catch (err) {
    if (mine === shown) showError($("#page-error"), err);
  }
}

const form = document.getElementById("stats-form");
if (form) {
  const [first, last] = quarterOf(new Date());
  form.from.value = first;
  form.to.value = last;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show(form);
  });
  show(form);
}
