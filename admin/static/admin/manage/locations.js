/* Managers' page, tab "Standorte" (locations): the list of active locations, a form to add or edit
 * one, deactivating, and bringing a deactivated one back by its slug. */

import { api, pageError, showNote, t } from "../common.js";
import { $, h } from "/static/js/dom.js";
import { formMode, rowButton, submitting } from "./forms.js";

const enc = encodeURIComponent;

export function setup(store) {
  const form = $("#location-form");
  const error = $("#locations-error");
  const note = $("#locations-note");
  let editing = null; // the slug of the location in the form

  function render() {
    const rows = store.locations.map((loc) => h("tr", { "data-testid": `location-${loc.slug}` },
      h("td", {}, loc.name),
      h("td", { class: "mono" }, loc.slug),
      h("td", {}, loc.address || "–"),
      h("td", {}, loc.timezone),
      h("td", { class: "actions-cell" },
        h("button", {
          type: "button", class: "small", "aria-label": t("manage.edit_named", { name: loc.name }),
          "data-focus-key": `edit-location-${loc.slug}`, onclick: () => edit(loc),
        }, t("manage.edit")),
        rowButton(t("manage.deactivate"), {
          label: t("manage.deactivate_named", { name: loc.name }), errorEl: error, noteEl: note, cls: "danger",
          focusKey: `toggle-location-${loc.slug}`,
          work: async () => {
            if (!window.confirm(t("manage.locations.confirm_deactivate", { name: loc.name }))) return null;
            await api("PATCH", `/locations/${enc(loc.slug)}`, { active: false });
            if (editing === loc.slug) reset();
            await store.loadLocations();
            return t("manage.locations.deactivated", { name: loc.name });
          },
        }))));
    if (!rows.length) rows.push(h("tr", {}, h("td", { colspan: 5, class: "muted" }, t("manage.locations.none"))));
    $("#locations-body").replaceChildren(...rows);
  }

  function edit(loc) {
    editing = loc.slug;
    form.hidden = false;
    formMode(form, { editing: true, heading: t("manage.locations.editing", { name: loc.name }), submitText: t("manage.save") });
    $("#location-slug").value = loc.slug;
    $("#location-slug").readOnly = true;
    $("#location-name").value = loc.name;
    $("#location-address").value = loc.address || "";
    $("#location-timezone").value = loc.timezone;
    form.scrollIntoView({ block: "nearest" });
    $("#location-name").focus();
  }

  function reset() {
    editing = null;
    formMode(form, { editing: false, heading: t("manage.locations.new"), submitText: t("manage.locations.add") });
    form.reset();
    $("#location-slug").readOnly = false;
    // A location's manager edits their locations; only admins add one (the form is theirs).
    if (form.dataset.editOnly !== undefined) form.hidden = true;
  }

  $("[data-cancel]", form).addEventListener("click", () => {
    const slug = editing;
    reset();
    const back = document.querySelector(`[data-focus-key="edit-location-${slug}"]`);
    (back || (form.hidden ? $("#locations-body") : $("#location-slug"))).focus();
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(form, async ({ note: formNote }) => {
      const data = {
        name: $("#location-name").value,
        address: $("#location-address").value,
        timezone: $("#location-timezone").value.trim(),
      };
      const created = !editing;
      const saved = created
        ? await api("POST", "/locations", { slug: $("#location-slug").value, ...data })
        : await api("PATCH", `/locations/${enc(editing)}`, data);
      reset();
      await store.loadLocations();
      showNote(form.hidden ? note : formNote, t(created ? "manage.locations.created" : "manage.locations.saved", { name: saved.name }));
    });
  });

  const reactivate = $("#reactivate-form");
  if (reactivate) reactivate.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(reactivate, async () => {
      const slug = $("#reactivate-slug").value.trim().toLowerCase();
      if (!slug) throw pageError(t("manage.locations.slug_missing"), "slug");
      const loc = await api("PATCH", `/locations/${enc(slug)}`, { active: true });
      reactivate.reset();
      await store.loadLocations();
      await store.loadTopics(loc.slug);
      showNote(note, t("manage.locations.reactivated", { name: loc.name }));
    });
  });

  store.on("locations", render);
}
