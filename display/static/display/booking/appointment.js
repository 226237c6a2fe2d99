/* The visitor's appointment page: confirms the booking when opened from the mailed link
 * (?confirm=…), and cancels after a confirm step (opened at once with ?cancel=1, the
 * mail's cancel link). Whether cancelling is allowed is the payload's `can_cancel`; the
 * page keeps no rule of its own. Imports the shared modules from /t/static/js/.
 */
import { api, ApiError } from "../../js/api.js";
import * as catalog from "../../js/catalog.js";
import { $ } from "../../js/dom.js";

const config = JSON.parse($("#appointment-config").textContent);
const t = catalog.t;
const el = {
  notice: $("[data-testid=appointment-notice]"),
  state: $("[data-testid=appointment-state]"),
  error: $("[data-testid=appointment-error]"),
  cancel: $(".cancel"),
  cancelButton: $("[data-testid=appointment-cancel]"),
  confirmBox: $("#cancel-confirm"),
  question: $("#cancel-question"),
  yes: $("[data-testid=appointment-cancel-confirm]"),
  keep: $("[data-testid=appointment-cancel-keep]"),
};
const params = new URLSearchParams(window.location.search);

function showError(error) {
  el.error.textContent = error instanceof ApiError && error.message ? error.message : t("booking.expired");
}

function render(shown) {
  el.state.dataset.state = shown.state;
  el.state.textContent = t(`booking.state_${shown.state}`);
  el.cancel.hidden = !shown.can_cancel;
  if (!shown.can_cancel) el.confirmBox.hidden = true;
}

function forget(name) {
  // The secret leaves the address bar (and the history) once it has been used.
  params.delete(name);
  const query = params.toString();
  window.history.replaceState(null, "", window.location.pathname + (query ? `?${query}` : ""));
}

async function confirmBooking(secret) {
  el.notice.hidden = false;
  el.notice.textContent = t("booking.confirming");
  try {
    const shown = await api("POST", config.confirmUrl, { secret });
    el.notice.textContent = t("booking.confirmed");
    el.notice.classList.add("is-ok");
    render(shown);
  } catch (error) {
    el.notice.hidden = true;
    showError(error);
  } finally {
    forget("confirm");
  }
}

function openCancel(open) {
  el.confirmBox.hidden = !open;
  el.cancelButton.setAttribute("aria-expanded", String(open));
  (open ? el.question : el.cancelButton).focus();
}

el.cancelButton.addEventListener("click", () => openCancel(el.confirmBox.hidden));
el.keep.addEventListener("click", () => openCancel(false));
el.yes.addEventListener("click", async () => {
  el.yes.disabled = true;
  try {
    const shown = await api("POST", config.cancelUrl);
    el.notice.hidden = true;
    render(shown);
    el.state.setAttribute("tabindex", "-1");
    el.state.focus();
  } catch (error) {
    showError(error);
  } finally {
    el.yes.disabled = false;
  }
});

if (params.get("confirm")) confirmBooking(params.get("confirm"));
if (params.get("cancel") && config.appointment.can_cancel) {
  openCancel(true);
  forget("cancel");
}
