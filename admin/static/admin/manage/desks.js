/* Managers' page, tab "Plätze" (desks): the chosen location's desks, renaming one in its row (also
 * in the other configured languages: #desk-names-template), opening and closing it, setting its own printer for appointment slips and client cards
 * (none: they are printed on a kiosk's printer), and adding one. */

import { api, clear, pageError, showError, showNote, t } from "../common.js";
import { $, h } from "/static/js/dom.js";
import { clearForm, focusAgain, pill, rowButton, showFormError, statePill, submitting } from "./forms.js";

const enc = encodeURIComponent;
const DEFAULT_PROFILE = "TM-T20II";
// A desk printer's state: its words (staff.manage.desks.printer_state.<state>) and look.
const PRINTER_STATES = { ok: "ok", offline: "bad", paper_out: "bad", paper_low: "warn", error: "bad", unknown: "off" };
const printerState = (state) => (PRINTER_STATES[state]
  ? [t(`manage.desks.printer_state.${state}`), PRINTER_STATES[state]]
  : [state, "off"]);

export function setup(store) {
  const form = $("#desk-form");
  const error = $("#desks-error");
  const note = $("#desks-note");
  let desks = [];
  let loadedFor = null;

  async function load() {
    const slug = store.slug;
    const data = slug ? await api("GET", `/locations/${enc(slug)}/desks`) : { desks: [] };
    if (slug === store.slug) {
      desks = data.desks || [];
      loadedFor = slug;
    }
  }

  function row(desk) {
    const input = h("input", {
      id: `desk-${desk.id}-name`, name: "name", value: desk.name, autocomplete: "off", required: true,
      "data-testid": `desk-name-${desk.id}`,
    });
    const rename = h("button", { type: "submit", class: "small", "data-focus-key": `rename-desk-${desk.id}` }, t("manage.desks.rename"));
    // The row's own small form: a refusal naming its input is marked there, like in any
    // form; others go to the tab's alert.
    const rowForm = h("form", { class: "buttons", novalidate: true, "data-errors-after": true },
      h("label", { for: input.id, class: "visually-hidden" }, t("manage.desks.name_of", { name: desk.name })),
      input, rename);
    rowForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (rename.disabled) return;
      clear(error);
      clear(note);
      clearForm(rowForm);
      rename.disabled = true;
      try {
        const saved = await api("PATCH", `/desks/${desk.id}`, { name: input.value });
        await load();
        render();
        showNote(note, t("manage.desks.renamed", { name: saved.name }));
        focusAgain(`rename-desk-${desk.id}`);
      } catch (err) {
        rename.disabled = false;
        showFormError(rowForm, err, input, error);
      }
    });
    const toggle = rowButton(t(desk.active ? "manage.desks.close" : "manage.desks.open"), {
      label: t(desk.active ? "manage.desks.close_named" : "manage.desks.open_named", { name: desk.name }), errorEl: error, noteEl: note,
      cls: desk.active ? "warn" : "ok", focusKey: `toggle-desk-${desk.id}`,
      work: async () => {
        const saved = await api("PATCH", `/desks/${desk.id}`, { active: !desk.active });
        await load();
        render();
        return t(saved.active ? "manage.desks.now_open" : "manage.desks.now_closed", { name: saved.name });
      },
    });
    return h("li", { "data-testid": `desk-${desk.id}` }, rowForm, pill(desk.active, t("manage.desks.is_open"), t("manage.desks.is_closed")), toggle,
      namesForm(desk), printerForm(desk));
  }

  /** The desk's names in the other configured languages (empty: its German name there). */
  function namesForm(desk) {
    const details = $("#desk-names-template").content.firstElementChild.cloneNode(true);
    details.setAttribute("data-testid", `desk-names-${desk.id}`);
    const form = $("form", details);
    const inputs = Array.from(form.querySelectorAll("input[data-lang]"));
    if (!inputs.length) return null; // German only: the desk's name is all there is
    for (const input of inputs) {
      const code = input.dataset.lang;
      input.id = `desk-${desk.id}-name-${code}`;
      input.value = (desk.names || {})[code] || "";
      input.setAttribute("data-testid", `desk-${desk.id}-name-${code}`);
      const label = form.querySelector(`label[data-for="${code}"]`);
      label.htmlFor = input.id;
    }
    const save = $("button[type=submit]", form);
    save.setAttribute("data-focus-key", `names-desk-${desk.id}`);
    save.setAttribute("aria-label", t("manage.desks.save_names_of", { name: desk.name }));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (save.disabled) return;
      clear(error);
      clear(note);
      clearForm(form);
      save.disabled = true;
      try {
        // Names in languages no longer configured are kept; an emptied field drops one.
        const names = { ...(desk.names || {}) };
        for (const input of inputs) names[input.dataset.lang] = input.value;
        const saved = await api("PATCH", `/desks/${desk.id}`, { names });
        await load();
        render();
        showNote(note, t("manage.desks.names_saved", { name: saved.name }));
        focusAgain(`names-desk-${desk.id}`);
      } catch (err) {
        save.disabled = false;
        const lang = err && err.field && err.field.startsWith("names.") ? err.field.slice(6) : null;
        const field = inputs.find((input) => input.dataset.lang === lang) || inputs[0];
        showFormError(form, err, field, error);
      }
    });
    return details;
  }

  /** The desk's own printer (server-printed: tcp:// or cups://); empty: a kiosk's printer. */
  function printerForm(desk) {
    const printer = desk.printer;
    const uri = h("input", {
      id: `desk-${desk.id}-printer`, name: "printer_uri", value: printer ? printer.uri : "", autocomplete: "off",
      class: "mono", placeholder: "tcp://192.168.1.50:9100", "data-testid": `desk-printer-${desk.id}`,
    });
    const profile = h("input", {
      id: `desk-${desk.id}-profile`, name: "printer_profile", value: printer ? printer.profile : DEFAULT_PROFILE,
      autocomplete: "off", class: "mono", size: 10, "data-testid": `desk-profile-${desk.id}`,
    });
    const save = h("button", { type: "submit", class: "small", "data-focus-key": `printer-desk-${desk.id}` },
      t("manage.desks.save_printer"));
    const state = printer
      ? statePill(printerState(printer.state))
      : h("span", { class: "muted" }, t("manage.desks.on_kiosk_printer"));
    const form = h("form", { class: "buttons desk-printer", novalidate: true, "data-errors-after": true },
      h("label", { for: uri.id }, t("manage.desks.printer")),
      uri,
      h("label", { for: profile.id }, t("manage.desks.profile")),
      profile, save, state);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (save.disabled) return;
      clear(error);
      clear(note);
      clearForm(form);
      save.disabled = true;
      try {
        const saved = await api("PATCH", `/desks/${desk.id}`, {
          printer_uri: uri.value.trim(), printer_profile: profile.value.trim() || DEFAULT_PROFILE,
        });
        await load();
        render();
        showNote(note, saved.printer
          ? t("manage.desks.prints_on", { name: saved.name, uri: saved.printer.uri })
          : t("manage.desks.prints_on_kiosk", { name: saved.name }));
        focusAgain(`printer-desk-${desk.id}`);
      } catch (err) {
        save.disabled = false;
        const field = err && err.field === "printer_profile" ? profile : uri;
        showFormError(form, err, field, error);
      }
    });
    return form;
  }

  function render() {
    const items = desks.map(row);
    if (!items.length) {
      items.push(h("li", { class: "muted" }, store.slug ? t("manage.desks.none") : t("manage.no_location")));
    }
    $("#desks-list").replaceChildren(...items);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(form, async ({ note: formNote }) => {
      if (!store.slug) throw pageError(t("manage.no_location"));
      const saved = await api("POST", `/locations/${enc(store.slug)}/desks`, { name: $("#desk-name").value });
      form.reset();
      await load();
      render();
      showNote(formNote, t("manage.desks.created", { name: saved.name }));
    });
  });

  store.on("location", async () => {
    if (loadedFor === store.slug) return;
    try {
      await load();
    } catch (err) {
      desks = [];
      showError(error, err);
    }
    render();
  });
}
