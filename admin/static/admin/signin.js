/* Sign-in page: POST /api/v1/session, then reload into the desk view. The server's refusal
 * (wrong password, too many attempts) is shown as it comes, in the page's language. */

import { api, clear, pageError, showError, t, withBusy } from "./common.js";
import { $ } from "/static/js/dom.js";

const form = $("#signin-form");
const username = $("#username");
const password = $("#password");
const error = $("#signin-error");
const submit = form.querySelector('button[type="submit"]');

username.focus();

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (submit.disabled) return;
  clear(error);
  for (const input of [username, password]) input.removeAttribute("aria-invalid");
  const missing = [username, password].filter((input) => !input.value.trim());
  if (missing.length) {
    for (const input of missing) input.setAttribute("aria-invalid", "true");
    showError(error, pageError(t("signin.missing")));
    missing[0].focus();
    return;
  }
  submit.disabled = true;
  try {
    await withBusy(submit, () =>
      api("POST", "/session", { username: username.value.trim(), password: password.value }));
    window.location.reload();
  } catch (err) {
    submit.disabled = false;
    showError(error, err);
    password.value = "";
    if (err.code === "not_signed_in") {
      username.setAttribute("aria-invalid", "true");
      password.setAttribute("aria-invalid", "true");
    }
    password.focus();
  }
});
// The form is sent only through this script (the button comes disabled).
submit.disabled = false;
