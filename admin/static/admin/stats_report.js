/* The printable quarterly report: one location's (or every location's) quarter, suppressed
 * as every report is, the tables per dimension, the charts, the heat map of arrivals. */

import { showError } from "./common.js";
import { $ } from "/static/js/dom.js";
import { load, parseQuarter, quarterOf, renderCharts, renderHeat, renderSummary, renderTable } from "./stats.js";

async function build() {
  const main = $("#main");
  const [from, to] = parseQuarter(main.dataset.quarter) || quarterOf(new Date());
  const quarter = `${from.slice(0, 4)}-Q${Math.floor((Number(from.slice(5, 7)) - 1) / 3) + 1}`;
  $("#report-quarter").textContent = `${quarter} (${from} – ${to})`;
  const base = { location: main.dataset.location, from, to, suppressed: "1" };
  try {
    const total = await load(base);
    renderSummary(total, $("#summary"));
    renderHeat(total, $("#heat-map"));
    for (const table of document.querySelectorAll("[data-report-by]")) {
      const report = await load({ ...base, by: table.dataset.reportBy });
      renderTable(report, table.tHead, table.tBodies[0], table.tFoot);
    }
    await renderCharts(base);
    document.body.dataset.loaded = "true";
  } catch (err) {
    showError($("#page-error"), err);
  }
}

$("#print").addEventListener("click", () => window.print());
build();
