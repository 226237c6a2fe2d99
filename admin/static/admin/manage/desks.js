/* Managers' page, tab "Plätze": the chosen location's desks, renaming one in its row,
 * opening and closing it, and adding one. */

import { api, clear, pageError, showError, showNote, t } from "../common.js";
import { $, h } from "/static/js/dom.js";
import { clearForm, focusAgain, pill, rowButton, showFormError, submitting } from "./forms.js";

const enc = encodeURIComponent;

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
    return h("li", { "data-testid": `desk-${desk.id}` }, rowForm, pill(desk.active, "Offen", "Geschlossen"), toggle);
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
