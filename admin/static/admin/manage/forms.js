/* Forms and row buttons of the managers' page.
 *
 * Promises:
 * - A refusal that names a `field` marks that input: `aria-invalid="true"`, the server's
 *   message right next to it (and in its `aria-describedby`), and focus on it. The input is
 *   the one in the form whose `name`, or one of whose space-separated `data-field` names,
 *   equals the field ("names.de" also finds "names", and "names" the first "names.…").
 *   A refusal without a field the form shows goes to the form's alert, focus to its button.
 * - Typing into a marked input clears its mark.
 */

import { clear, errorText, showError, showNote, showSessionExpired, t } from "../common.js";
import { $, $$, h } from "/static/js/dom.js";

const FIELD_SELECTOR = "input, select, textarea, [data-field]";

function fieldsOf(el) {
  return [el.getAttribute("name"), ...(el.dataset.field || "").split(/\s+/)].filter(Boolean);
}

function shown(el) {
  return !el.closest("[hidden]") && el.type !== "hidden";
}

/** The input of `form` that `field` names, or null. */
export function findField(form, field) {
  if (!field) return null;
  const candidates = $$(FIELD_SELECTOR, form).filter(shown);
  const exact = candidates.find((el) => fieldsOf(el).includes(field));
  if (exact) return exact;
  const child = candidates.find((el) => fieldsOf(el).some((name) => name.startsWith(`${field}.`)));
  if (child) return child;
  const parent = field.includes(".") ? field.slice(0, field.lastIndexOf(".")) : null;
  return parent ? findField(form, parent) : null;
}

function focusable(el) {
  if (el.matches("input, select, textarea, button")) return el;
  return el.querySelector("input, select, textarea, button") || el;
}

/** Mark `el` invalid with `message` shown next to it and named in its aria-describedby. */
export function markInvalid(el, message) {
  unmark(el);
  const target = focusable(el);
  const id = `${target.id || `field-${Math.random().toString(36).slice(2)}`}-error`;
  const note = h("p", { class: "field-error", id, "data-testid": "field-error" }, message);
  // After the input; a small row form (data-errors-after) keeps it below the whole row.
  const anchor = el.closest("[data-errors-after]") || el.closest("label.check") || el;
  anchor.after(note);
  target.setAttribute("aria-invalid", "true");
  const described = (target.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  target.setAttribute("aria-describedby", [id, ...described].join(" "));
  target.dataset.errorId = id;
  target.addEventListener("input", () => unmark(target), { once: true });
  return target;
}

/** Take the mark (and its message) off `el`. */
export function unmark(el) {
  const target = focusable(el);
  target.removeAttribute("aria-invalid");
  const id = target.dataset.errorId;
  if (!id) return;
  delete target.dataset.errorId;
  const note = document.getElementById(id);
  if (note) note.remove();
  const described = (target.getAttribute("aria-describedby") || "").split(/\s+/).filter((x) => x && x !== id);
  if (described.length) target.setAttribute("aria-describedby", described.join(" "));
  else target.removeAttribute("aria-describedby");
}

/** Clear every mark and message of `form`. */
export function clearForm(form) {
  for (const el of $$("[aria-invalid]", form)) unmark(el);
  clear($(".alert", form));
}

/** The session ended: say so at the top of the page. */
export function handleSessionLoss(err) {
  if (err && err.status === 401) showSessionExpired($("#page-error"));
}

/** Show a refusal in `form`: at the input it names, else in `alert` (the form's own). */
export function showFormError(form, err, fallbackFocus, alert = $(".alert", form)) {
  const field = findField(form, err && err.field);
  if (field) {
    clear(alert);
    markInvalid(field, errorText(err)).focus();
  } else {
    showError(alert, err);
    if (fallbackFocus) fallbackFocus.focus();
  }
  handleSessionLoss(err);
}

/** Submit `form` through `work({note})`; the submit button is disabled while it runs. */
export async function submitting(form, work) {
  const note = $(".note", form);
  const submit = $('[type="submit"]', form);
  if (submit.disabled) return;
  clearForm(form);
  clear(note);
  submit.disabled = true;
  submit.setAttribute("aria-busy", "true");
  let failed = null;
  try {
    await work({ note });
  } catch (err) {
    failed = err;
  } finally {
    submit.disabled = false;
    submit.removeAttribute("aria-busy");
  }
  if (failed) showFormError(form, failed, submit);
}

/** A button in a list row: disabled while its request runs; `work` may return a note.
 * Focus comes back to the button with the same data-focus-key after the list is redrawn. */
export function rowButton(text, { label, errorEl, noteEl, work, cls, focusKey, testid }) {
  const button = h("button", {
    type: "button", class: cls ? `small ${cls}` : "small", "aria-label": label,
    "data-focus-key": focusKey, "data-testid": testid,
  }, text);
  button.addEventListener("click", async () => {
    if (button.disabled) return;
    clear(errorEl);
    clear(noteEl);
    button.disabled = true;
    try {
      const message = await work(button);
      if (message) showNote(noteEl, message);
    } catch (err) {
      showError(errorEl, err);
      handleSessionLoss(err);
    } finally {
      button.disabled = false;
      focusAgain(focusKey);
    }
  });
  return button;
}

/** After a list was redrawn: focus the new control with `key`, if focus was lost. */
export function focusAgain(key) {
  if (!key || (document.activeElement && document.activeElement !== document.body)) return;
  const again = $$("[data-focus-key]").find((el) => el.getAttribute("data-focus-key") === key);
  if (again) again.focus();
}

/** Switch a form between "new" and "edit": heading, button text, cancel button. */
export function formMode(form, { editing, heading, submitText }) {
  form.classList.toggle("editing", editing);
  $("h3", form).textContent = heading;
  $('[type="submit"]', form).textContent = submitText;
  const cancel = $("[data-cancel]", form);
  if (cancel) cancel.hidden = !editing;
  clearForm(form);
}

export function pill(on, onText = t("manage.active"), offText = t("manage.inactive")) {
  return h("span", { class: on ? "pill on" : "pill off" }, on ? onText : offText);
}

export function statePill([text, kind]) {
  return h("span", { class: `pill ${kind}` }, text);
}

function generatePassword() {
  const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const bytes = new Uint32Array(14);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

/** The "suggest one" buttons fill their password input with a random password. */
export function wirePasswordSuggestions(root = document) {
  for (const button of $$("[data-generate]", root)) {
    button.addEventListener("click", () => {
      const input = document.getElementById(button.dataset.generate);
      input.type = "text";
      input.value = generatePassword();
      input.dispatchEvent(new Event("input"));
      input.focus();
      input.select();
    });
  }
}
