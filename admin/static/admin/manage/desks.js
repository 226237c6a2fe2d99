/* Managers' page, tab "Plätze": the chosen location's desks, renaming one in its row (also
 * in the other configured languages: #desk-names-template), opening and closing it, setting its own printer for appointment slips and client cards
 * (none: they are printed on a kiosk's printer), and adding one. */

import { api, clear, pageError, showError, showNote, t } from "../common.js";
import { $, h } from "/static/js/dom.js";
import { clearForm, focusAgain, pill, rowButton, showFormError, statePill, submitting } from "./forms.js";

const enc = encodeURIComponent;
const DEFAULT_PROFILE = "TM-T20II";
const PRINTER_STATES = {
  ok: ["Drucker bereit", "ok"],
  offline: ["Drucker nicht erreichbar", "bad"],
  paper_out: ["Papier leer", "bad"],
  paper_low: ["Papier fast leer", "warn"],
  error: ["Druckerfehler", "bad"],
  unknown: ["Drucker noch nicht benutzt", "off"],
};

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
    const rename = h("button", { type: "submit", class: "small", "data-focus-key": `rename-desk-${desk.id}` }, "Umbenennen");
    // The row's own small form: a refusal naming its input is marked there, like in any
    // form; others go to the tab's alert.
    const rowForm = h("form", { class: "buttons", novalidate: true, "data-errors-after": true },
      h("label", { for: input.id, class: "visually-hidden" }, `Name von Platz ${desk.name}`),
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
        showNote(note, `Platz umbenannt in „${saved.name}“.`);
        focusAgain(`rename-desk-${desk.id}`);
      } catch (err) {
        rename.disabled = false;
        showFormError(rowForm, err, input, error);
      }
    });
    const toggle = rowButton(desk.active ? "Schließen" : "Öffnen", {
      label: `${desk.name} ${desk.active ? "schließen" : "öffnen"}`, errorEl: error, noteEl: note,
      cls: desk.active ? "warn" : "ok", focusKey: `toggle-desk-${desk.id}`,
      work: async () => {
        const saved = await api("PATCH", `/desks/${desk.id}`, { active: !desk.active });
        await load();
        render();
        return `${saved.name} ist jetzt ${saved.active ? "geöffnet" : "geschlossen"}.`;
      },
    });
    return h("li", { "data-testid": `desk-${desk.id}` }, rowForm, pill(desk.active, "Offen", "Geschlossen"), toggle,
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
    save.setAttribute("aria-label", `Namen von ${desk.name} speichern`);
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
        showNote(note, `Namen von ${saved.name} gespeichert.`);
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
      "Drucker speichern");
    const state = printer
      ? statePill(PRINTER_STATES[printer.state] || [printer.state, "off"])
      : h("span", { class: "muted" }, "Druckt auf einem Kiosk-Drucker");
    const form = h("form", { class: "buttons desk-printer", novalidate: true, "data-errors-after": true },
      h("label", { for: uri.id }, "Drucker für Terminzettel und Kundenkarten"),
      uri,
      h("label", { for: profile.id }, "Profil"),
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
          ? `${saved.name} druckt Terminzettel und Kundenkarten auf ${saved.printer.uri}.`
          : `${saved.name} druckt Terminzettel und Kundenkarten auf einem Kiosk-Drucker.`);
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
      items.push(h("li", { class: "muted" }, store.slug ? "Dieser Standort hat noch keine Plätze." : t("manage.no_location")));
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
      showNote(formNote, `Platz „${saved.name}“ wurde angelegt.`);
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
