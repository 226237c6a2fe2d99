/* Sign-in page: POST /api/v1/session, then reload into the desk view. */
"use strict";

(() => {
  const form = document.getElementById("signin-form");
  const username = document.getElementById("username");
  const password = document.getElementById("password");
  const error = document.getElementById("signin-error");
  const submit = form.querySelector('button[type="submit"]');

  username.focus();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    SP.clear(error);
    for (const input of [username, password]) input.removeAttribute("aria-invalid");
    const missing = [username, password].filter((input) => !input.value.trim());
    if (missing.length) {
      for (const input of missing) input.setAttribute("aria-invalid", "true");
      SP.showError(error, new SP.ApiError("invalid", "Bitte Benutzername und Passwort eingeben.", 400, "de"), "Angaben fehlen");
      missing[0].focus();
      return;
    }
    submit.disabled = true;
    try {
      await SP.withBusy(submit, () =>
        SP.api("POST", "/session", { username: username.value.trim(), password: password.value }));
      window.location.reload();
    } catch (err) {
      submit.disabled = false;
      const title = err.code === "not_signed_in" ? "Anmeldung fehlgeschlagen" : undefined;
      SP.showError(error, err, title);
      password.value = "";
      if (err.code === "not_signed_in") {
        username.setAttribute("aria-invalid", "true");
        password.setAttribute("aria-invalid", "true");
      }
      password.focus();
    }
  });
})();
