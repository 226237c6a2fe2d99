/* Managers' page, tab "Mitarbeitende": every account (deactivated ones included), a form
 * to add or edit one with the topics they counsel on per location, switching an account on
 * or off, and the password reset dialog. */

import { api, pageError, showError, showNote } from "../common.js";
import { $, $$, h } from "/static/js/dom.js";
import {
  clearForm, formMode, handleSessionLoss, pill, rowButton, showFormError, submitting,
  wirePasswordSuggestions,
} from "./forms.js";

const ROLE_NAMES = { counselor: "Beratung", manager: "Leitung" };

export function setup(store) {
  const form = $("#staff-form");
  const error = $("#staff-error");
  const note = $("#staff-note");
  const topicsBox = $("#staff-topics");
  let staff = [];
  let editing = null; // the id of the account in the form
  let keepTopics = []; // topic ids of locations this page cannot list (deactivated ones)

  async function load() {
    const data = await api("GET", "/staff");
    staff = data.staff || [];
  }

  function topicById(id) {
    for (const topics of Object.values(store.topics)) {
      const topic = topics.find((t) => t.id === id);
      if (topic) return topic;
    }
    return null;
  }

  function topicsSummary(member) {
    if (!member.topics.length) return "alle Themen";
    const groups = new Map();
    for (const t of member.topics) {
      const found = topicById(t.id);
      if (!groups.has(t.location)) groups.set(t.location, []);
      groups.get(t.location).push(found ? found.names.de || t.key : t.key);
    }
    return [...groups].map(([slug, names]) => `${store.locationName(slug)}: ${names.join(", ")}`).join("; ");
  }

  function render() {
    const rows = staff.map((member) => {
      const self = store.me && member.id === store.me.id;
      return h("tr", { class: member.active ? null : "inactive", "data-testid": `staff-${member.username}` },
        h("td", { class: "mono" }, member.username),
        h("td", {}, member.display_name, self ? " (Sie)" : ""),
        h("td", {}, ROLE_NAMES[member.role] || member.role),
        h("td", {}, topicsSummary(member)),
        h("td", {}, pill(member.active)),
        h("td", { class: "actions-cell" },
          h("button", {
            type: "button", class: "small", "aria-label": `${member.display_name} bearbeiten`,
            "data-focus-key": `edit-staff-${member.id}`, onclick: () => edit(member),
          }, "Bearbeiten"),
          h("button", {
            type: "button", class: "small", "aria-label": `Passwort von ${member.display_name} zurücksetzen`,
            "aria-haspopup": "dialog", "data-focus-key": `password-staff-${member.id}`,
            onclick: (event) => openPassword(member, event.currentTarget),
          }, "Passwort…"),
          self ? null : rowButton(member.active ? "Deaktivieren" : "Aktivieren", {
            label: `${member.display_name} ${member.active ? "deaktivieren" : "aktivieren"}`,
            errorEl: error, noteEl: note, cls: member.active ? "danger" : "ok",
            focusKey: `toggle-staff-${member.id}`,
            work: async () => {
              const saved = await api("PATCH", `/staff/${member.id}`, { active: !member.active });
              await load();
              render();
              return `Das Konto ${saved.username} ist jetzt ${saved.active ? "aktiv" : "deaktiviert"}.`;
            },
          })));
    });
    if (!rows.length) rows.push(h("tr", {}, h("td", { colspan: 6, class: "muted" }, "Keine Konten.")));
    $("#staff-body").replaceChildren(...rows);
  }

  const checkedIds = () => new Set($$("input[type=checkbox]:checked", topicsBox).map((c) => Number(c.value)));

  /** One group of checkboxes per location; `checked` is a Set of topic ids. */
  function renderTopics(checked = checkedIds()) {
    const groups = store.locations.map((loc) => {
      const topics = store.topics[loc.slug] || [];
      const chosen = topics.filter((t) => checked.has(t.id)).length;
      const checks = topics.map((topic) => h("label", { class: "check" },
        h("input", {
          type: "checkbox", value: topic.id, checked: checked.has(topic.id),
          "data-testid": `staff-topic-${loc.slug}-${topic.key}`,
        }),
        `${topic.prefix} · ${topic.names.de || topic.key}${topic.active ? "" : " (inaktiv)"}`));
      return h("details", { open: true },
        h("summary", {}, loc.name, " ", h("span", { class: "muted" }, chosen ? `(${chosen} gewählt)` : "(alle Themen)")),
        h("fieldset", {},
          h("legend", { class: "visually-hidden" }, `Themen in ${loc.name}`),
          h("div", { class: "checks" }, checks.length ? checks : h("p", { class: "muted" }, "Keine Themen."))));
    });
    topicsBox.replaceChildren(...groups);
  }

  topicsBox.addEventListener("change", () => {
    for (const details of $$("details", topicsBox)) {
      const chosen = $$("input:checked", details).length;
      $("summary .muted", details).textContent = chosen ? `(${chosen} gewählt)` : "(alle Themen)";
    }
  });

  function chosenTopicIds() {
    const listed = new Set($$("input[type=checkbox]", topicsBox).map((c) => Number(c.value)));
    return [...checkedIds(), ...keepTopics.filter((id) => !listed.has(id))];
  }

  function edit(member) {
    editing = member.id;
    formMode(form, { editing: true, heading: `Konto bearbeiten: ${member.username}`, submitText: "Speichern" });
    $("#staff-username").value = member.username;
    $("#staff-username").readOnly = true;
    $("#staff-display-name").value = member.display_name;
    $("#staff-role").value = member.role;
    $("#staff-password-field").hidden = true;
    keepTopics = member.topics.map((t) => t.id);
    renderTopics(new Set(keepTopics));
    form.scrollIntoView({ block: "nearest" });
    $("#staff-display-name").focus();
  }

  function reset() {
    editing = null;
    formMode(form, { editing: false, heading: "Neues Konto", submitText: "Konto anlegen" });
    form.reset();
    keepTopics = [];
    $("#staff-username").readOnly = false;
    $("#staff-password").type = "password";
    $("#staff-password-field").hidden = false;
    renderTopics(new Set());
  }

  $("[data-cancel]", form).addEventListener("click", () => {
    const id = editing;
    reset();
    const back = document.querySelector(`[data-focus-key="edit-staff-${id}"]`);
    (back || $("#staff-username")).focus();
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(form, async ({ note: formNote }) => {
      const data = {
        display_name: $("#staff-display-name").value,
        role: $("#staff-role").value,
        topics: chosenTopicIds(),
      };
      const id = editing;
      let saved;
      if (id) {
        saved = await api("PATCH", `/staff/${id}`, data);
      } else {
        if (!data.display_name.trim()) delete data.display_name;
        saved = await api("POST", "/staff", {
          username: $("#staff-username").value, password: $("#staff-password").value, ...data,
        });
      }
      reset();
      await load();
      render();
      showNote(formNote, id
        ? `Das Konto ${saved.username} wurde gespeichert.`
        : `Das Konto ${saved.username} wurde angelegt. Bitte das Passwort sicher übergeben.`);
    });
  });

  // --- password reset dialog ------------------------------------------------------------

  const dialog = $("#password-dialog");
  const passwordForm = $("#password-form");
  const passwordInput = $("#new-password");
  let passwordFor = null;
  let openedFrom = null;

  function openPassword(member, button) {
    passwordFor = member;
    openedFrom = button;
    passwordForm.reset();
    passwordInput.type = "password";
    clearForm(passwordForm);
    $("#password-heading").textContent = `Passwort zurücksetzen: ${member.username}`;
    dialog.showModal();
    passwordInput.focus();
  }

  $("[data-close]", dialog).addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    if (openedFrom && document.contains(openedFrom)) openedFrom.focus();
  });

  passwordForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const submit = $('[type="submit"]', passwordForm);
    if (submit.disabled || !passwordFor) return;
    clearForm(passwordForm);
    if (!passwordInput.value) {
      showFormError(passwordForm, pageError("Bitte ein neues Passwort eingeben.", "password"), submit);
      return;
    }
    submit.disabled = true;
    try {
      const saved = await api("PATCH", `/staff/${passwordFor.id}`, { password: passwordInput.value });
      dialog.close();
      showNote(note, `Das Passwort von ${saved.username} wurde geändert.`);
    } catch (err) {
      showFormError(passwordForm, err, passwordInput);
    } finally {
      submit.disabled = false;
    }
  });

  wirePasswordSuggestions();

  // --- start ----------------------------------------------------------------------------

  store.on("locations", () => { renderTopics(); render(); });
  store.on("topics", () => { renderTopics(); render(); });

  return {
    async start() {
      try {
        await load();
      } catch (err) {
        showError(error, err);
        handleSessionLoss(err);
      }
      renderTopics(new Set());
      render();
    },
  };
}
