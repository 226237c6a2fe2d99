/* Printing from the desk: an appointment's slip, a client card. The server chooses the
 * printer (the desk's own, else a kiosk's); where none is there (409 `no_printer`) the
 * counselor gets the PDF to print elsewhere; where the server has no print endpoint (404/405)
 * the page says printing is not set up here. Any other refusal is the server's message.
 *
 * Promises:
 * - `printInto(statusEl, path, body, pdfUrl)` asks for the print, says in `statusEl` (a
 *   polite status region) how it went, and offers `pdfUrl` beside it when no printer is
 *   there; it never rejects. */

import { ApiError, api, errorText, t } from "./common.js";
import { h } from "/static/js/dom.js";

async function tryPrint(path, body) {
  try {
    const job = await api("POST", path, body);
    return { ok: true, job };
  } catch (err) {
    // No such route (yet): the server's generic 404/405, not a refusal of a known one
    // (an appointment or card that is gone says so in its own words).
    if (err instanceof ApiError && (err.status === 404 || err.status === 405)
        && ["http", "not_found", "method_not_allowed"].includes(err.code)) {
      return { ok: false, text: t("printing.not_set_up") };
    }
    const noPrinter = err instanceof ApiError && err.status === 409;
    return { ok: false, text: errorText(err), noPrinter };
  }
}

export async function printInto(statusEl, path, body, pdfUrl) {
  const old = statusEl.nextElementSibling;
  if (old && old.classList.contains("print-pdf")) old.remove();
  statusEl.className = "";
  statusEl.textContent = t("printing.printing");
  const result = await tryPrint(path, body);
  statusEl.textContent = result.ok ? t("printing.sent") : result.text;
  statusEl.className = result.ok ? "ok" : "problem";
  if (result.noPrinter && pdfUrl) {
    statusEl.after(h("p", { class: "print-pdf" }, h("a", {
      href: pdfUrl, target: "_blank", rel: "noopener", "data-testid": "print-pdf",
    }, t("printing.pdf"))));
  }
  return result;
}
