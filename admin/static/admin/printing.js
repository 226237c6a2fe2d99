/* Printing from the desk: an appointment's slip, a client card. Where the server has no
 * print endpoint yet (404/405), the counselor is told so plainly and the rest of the page
 * works as before; any other refusal is the server's message.
 *
 * Promises:
 * - `tryPrint(path, body)` resolves to `{ok: true, job}` or `{ok: false, text}`; it never
 *   rejects. */

import { ApiError, api, errorText } from "./common.js";

// The desk's own strings (German, like the rest of the desk), kept together for the catalog.
export const PRINT_TEXTS = {
  notSetUp: "Drucken ist hier noch nicht eingerichtet.",
  sent: "Zum Drucker geschickt.",
  printing: "Wird gedruckt…",
};

export async function tryPrint(path, body) {
  try {
    const job = await api("POST", path, body);
    return { ok: true, job };
  } catch (err) {
    // No such route (yet): the server's generic 404/405, not a refusal of a known one
    // (an appointment or card that is gone says so in its own words).
    if (err instanceof ApiError && (err.status === 404 || err.status === 405)
        && ["http", "not_found", "method_not_allowed"].includes(err.code)) {
      return { ok: false, text: PRINT_TEXTS.notSetUp };
    }
    return { ok: false, text: errorText(err) };
  }
}
