/* Managers' page, tab "Organisationen" (organisations; admins only): every organisation, a form to add or
 * rename one, switching one off or on. The staff tab offers the active ones; it hears of
 * changes through the store ("organisations"). */

import { api, showError, showNote, t } from "../common.js";
import { $, h } from "/static/js/dom.js";
import { formMode, handleSessionLoss, pill, rowButton, submitting } from "./forms.js";

export function setup(store) {
  const form = $("#organisation-form");
  const error = $("#organisations-error");
  const note = $("#organisations-note");
  let editing = null; // the organisation in the form

  async function load() {
    const data = await api("GET", "/organisations");
    store.organisations = data.organisations || [];
  }

  async function changed() {
    await load();
    render();
    store.emit("organisations");
  }

  function render() {
    const rows = (store.organisations || []).map((org) => h("tr", {
      class: org.active ? null : "inactive", "data-testid": `organisation-${org.id}`,
    },
      h("td", {}, org.name),
      h("td", {}, org.short_name),
      h("td", {}, pill(org.active)),
      h("td", { class: "actions-cell" },
        h("button", {
          type: "button", class: "small", "aria-label": t("manage.edit_named", { name: org.name }),
          "data-focus-key": `edit-organisation-${org.id}`, onclick: () => edit(org),
        }, t("manage.edit")),
        rowButton(t(org.active ? "manage.deactivate" : "manage.activate"), {
          label: t(org.active ? "manage.deactivate_named" : "manage.activate_named", { name: org.name }),
          errorEl: error, noteEl: note, cls: org.active ? "danger" : "ok",
          focusKey: `toggle-organisation-${org.id}`,
          work: async () => {
            const saved = await api("PATCH", `/organisations/${org.id}`, { active: !org.active });
            await changed();
            return t(saved.active ? "manage.organisations.reactivated" : "manage.organisations.deactivated", { name: saved.name });
          },
        }))));
    if (!rows.length) rows.push(h("tr", {}, h("td", { colspan: 4, class: "muted" }, t("manage.organisations.none"))));
    $("#organisations-body").replaceChildren(...rows);
  }

  function edit(org) {
    editing = org;
    formMode(form, { editing: true, heading: t("manage.organisations.editing", { name: org.name }), submitText: t("manage.save") });
    $("#organisation-name").value = org.name;
    $("#organisation-short-name").value = org.short_name;
    form.scrollIntoView({ block: "nearest" });
    $("#organisation-name").focus();
  }

  function reset() {
    editing = null;
    formMode(form, { editing: false, heading: t("manage.organisations.new"), submitText: t("manage.organisations.add") });
    form.reset();
  }

  $("[data-cancel]", form).addEventListener("click", () => {
    const id = editing && editing.id;
    reset();
    const back = document.querySelector(`[data-focus-key="edit-organisation-${id}"]`);
    (back || $("#organisation-name")).focus();
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(form, async ({ note: formNote }) => {
      const data = { name: $("#organisation-name").value, short_name: $("#organisation-short-name").value };
      const id = editing && editing.id;
      const saved = id
        ? await api("PATCH", `/organisations/${id}`, data)
        : await api("POST", "/organisations", data);
      reset();
      await changed();
      showNote(formNote, t(id ? "manage.organisations.saved" : "manage.organisations.created", { name: saved.name }));
    });
  });

  return {
    async start() {
      try {
        await load();
      } catch (err) {
        showError(error, err);
        handleSessionLoss(err);
      }
      render();
    },
  };
}
