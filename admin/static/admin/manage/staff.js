/* Managers' page, tab "Mitarbeitende" (staff): the accounts this staff member manages (an admin:
 * every account; a location's manager: those with access to a location they manage, and
 * only those memberships), a form to add or edit one — organisation, per location no
 * access / counselor / manager and the topics served there, the admin switch for admins —,
 * switching an account on or off, and the password reset dialog.
 *
 * The page sends the memberships at the locations it shows; the server keeps a manager's
 * colleagues' memberships elsewhere as they are. */

import { api, pageError, showError, showNote, t, topicName } from "../common.js";
import { $, $$, h } from "/static/js/dom.js";
import {
  clearForm, formMode, handleSessionLoss, pill, rowButton, showFormError, submitting,
  wirePasswordSuggestions,
} from "./forms.js";

// A membership's role by its words in the catalog (staff.manage.accounts.role.<role>).
const roleName = (role) => (["counselor", "manager"].includes(role) ? t(`manage.accounts.role.${role}`) : role);

export function setup(store) {
  const form = $("#staff-form");
  const error = $("#staff-error");
  const note = $("#staff-note");
  const box = $("#staff-memberships");
  const organisationSelect = $("#staff-organisation");
  const adminSwitch = $("#staff-admin"); // admins only
  let staff = [];
  let editing = null; // the account in the form
  let elsewhere = []; // its memberships at locations this page does not list (inactive ones)

  async function load() {
    const [data, orgs] = await Promise.all([api("GET", "/staff"), api("GET", "/organisations")]);
    staff = data.staff || [];
    store.organisations = orgs.organisations || [];
  }

  const topicOf = (slug, key) => (store.topics[slug] || []).find((topic) => topic.key === key) || null;
  const topicLabel = (slug, key) => {
    const topic = topicOf(slug, key);
    return topic ? topicName(topic.names, key) : key;
  };

  /** One line per location: "Leverkusen: Beratung (Aufenthalt, Einbürgerung)". */
  function membershipsSummary(member) {
    const admin = member.role === "admin" ? h("strong", { class: "line" }, t("manage.accounts.admin_everywhere")) : null;
    if (!member.memberships.length) return admin || h("span", { class: "muted" }, t("manage.accounts.no_location"));
    return [admin, h("ul", { class: "plain" }, member.memberships.map((m) => {
      const topics = m.topics.length ? m.topics.map((k) => topicLabel(m.location, k)).join(", ") : t("manage.accounts.all_topics");
      return h("li", {}, `${store.locationName(m.location)}: ${roleName(m.role)} (${topics})`);
    }))];
  }

  function render() {
    const rows = staff.map((member) => {
      const self = store.me && member.id === store.me.id;
      // A location's manager changes no admin's account (the server refuses it too).
      const locked = member.role === "admin" && !(store.me && store.me.is_admin);
      return h("tr", { class: member.active ? null : "inactive", "data-testid": `staff-${member.username}` },
        h("td", { class: "mono" }, member.username),
        h("td", {}, member.display_name, self ? ` ${t("manage.accounts.you")}` : ""),
        h("td", {}, member.organisation ? member.organisation.short_name : "–"),
        h("td", {}, membershipsSummary(member)),
        h("td", {}, pill(member.active)),
        h("td", { class: "actions-cell" },
          locked ? h("span", { class: "muted" }, t("manage.accounts.admins_only")) : [
            h("button", {
              type: "button", class: "small", "aria-label": t("manage.edit_named", { name: member.display_name }),
              "data-focus-key": `edit-staff-${member.id}`, "data-testid": `edit-staff-${member.username}`,
              onclick: () => edit(member),
            }, t("manage.edit")),
            h("button", {
              type: "button", class: "small", "aria-label": t("manage.accounts.reset_password_of", { name: member.display_name }),
              "aria-haspopup": "dialog", "data-focus-key": `password-staff-${member.id}`,
              onclick: (event) => openPassword(member, event.currentTarget),
            }, t("manage.accounts.password_button")),
            self ? null : rowButton(t(member.active ? "manage.deactivate" : "manage.activate"), {
              label: t(member.active ? "manage.deactivate_named" : "manage.activate_named", { name: member.display_name }),
              errorEl: error, noteEl: note, cls: member.active ? "danger" : "ok",
              focusKey: `toggle-staff-${member.id}`,
              work: async () => {
                const saved = await api("PATCH", `/staff/${member.id}`, { active: !member.active });
                await load();
                render();
                return t(saved.active ? "manage.accounts.now_active" : "manage.accounts.now_inactive", { name: saved.username });
              },
            }),
          ]));
    });
    if (!rows.length) rows.push(h("tr", {}, h("td", { colspan: 6, class: "muted" }, t("manage.accounts.none"))));
    $("#staff-body").replaceChildren(...rows);
  }

  function renderOrganisations(chosen = organisationSelect.value) {
    const current = editing && editing.organisation;
    const offered = (store.organisations || []).filter((o) => o.active || (current && o.id === current.id));
    organisationSelect.replaceChildren(
      h("option", { value: "" }, t("manage.accounts.no_organisation")),
      ...offered.map((o) => h("option", { value: String(o.id) },
        `${o.name}${o.short_name && o.short_name !== o.name ? ` (${o.short_name})` : ""}${o.active ? "" : ` – ${t("manage.deactivated")}`}`)));
    organisationSelect.value = offered.some((o) => String(o.id) === String(chosen)) ? String(chosen) : "";
  }

  /** What the form shows now, per location slug: {role, topics: Set of keys}. */
  function formMemberships() {
    const chosen = new Map();
    for (const group of $$("[data-location]", box)) {
      chosen.set(group.dataset.location, {
        role: $("select", group).value,
        topics: new Set($$("input[type=checkbox]:checked", group).map((c) => c.value)),
      });
    }
    return chosen;
  }

  function summaryText(role, count) {
    if (!role) return `(${t("manage.accounts.no_access")})`;
    const topics = count ? t(count === 1 ? "manage.accounts.one_topic" : "manage.accounts.topics", { n: count })
      : t("manage.accounts.all_topics");
    return `(${roleName(role)}, ${topics})`;
  }

  /** One group per location the page lists: the role there and its topics' checkboxes. */
  function renderMemberships(chosen = formMemberships()) {
    const groups = store.locations.map((loc) => {
      const mine = chosen.get(loc.slug) || { role: "", topics: new Set() };
      const topics = store.topics[loc.slug] || [];
      const roleId = `staff-role-${loc.slug}`;
      const checks = topics.map((topic) => h("label", { class: "check" },
        h("input", {
          type: "checkbox", value: topic.key, checked: mine.topics.has(topic.key),
          "data-testid": `staff-topic-${loc.slug}-${topic.key}`,
        }),
        `${topic.prefix} · ${topicName(topic.names, topic.key)}${topic.active ? "" : ` (${t("manage.inactive_lower")})`}`));
      return h("details", { open: true, "data-location": loc.slug, "data-testid": `staff-membership-${loc.slug}` },
        h("summary", {}, loc.name, " ", h("span", { class: "muted" }, summaryText(mine.role, mine.topics.size))),
        h("div", { class: "field inline" },
          h("label", { for: roleId }, t("manage.accounts.role_in", { name: loc.name })),
          h("select", { id: roleId, "data-testid": roleId, "data-role": "" },
            h("option", { value: "", selected: !mine.role }, t("manage.accounts.no_access_option")),
            h("option", { value: "counselor", selected: mine.role === "counselor" }, roleName("counselor")),
            h("option", { value: "manager", selected: mine.role === "manager" }, roleName("manager")))),
        h("fieldset", {},
          h("legend", {}, t("manage.accounts.topics_in", { name: loc.name })),
          h("div", { class: "checks" }, checks.length ? checks : h("p", { class: "muted" }, t("manage.accounts.no_topics")))));
    });
    box.replaceChildren(...(groups.length ? groups : [h("p", { class: "muted" }, t("manage.accounts.no_locations"))]));
  }

  box.addEventListener("change", (event) => {
    const group = event.target.closest("[data-location]");
    if (!group) return;
    const role = $("select", group);
    // Choosing a topic at a location without access gives the counselor's role there.
    if (event.target.type === "checkbox" && event.target.checked && !role.value) role.value = "counselor";
    $("summary .muted", group).textContent = summaryText(role.value, $$("input:checked", group).length);
  });

  /** The memberships to send, and each location group named by its index (errors find it). */
  function chosenMemberships() {
    const sent = [];
    for (const group of $$("[data-location]", box)) {
      const role = $("select", group).value;
      delete group.dataset.field;
      delete $("select", group).dataset.field;
      if (!role) continue;
      const where = `memberships.${sent.length}`;
      group.dataset.field = `${where}.topics ${where}.location`;
      $("select", group).dataset.field = `${where}.role ${where}`;
      sent.push({
        location: group.dataset.location,
        role,
        topics: $$("input[type=checkbox]:checked", group).map((c) => c.value),
      });
    }
    return [...sent, ...elsewhere];
  }

  function edit(member) {
    editing = member;
    formMode(form, { editing: true, heading: t("manage.accounts.editing", { name: member.username }), submitText: t("manage.save") });
    $("#staff-username").value = member.username;
    $("#staff-username").readOnly = true;
    $("#staff-display-name").value = member.display_name;
    // A language once chosen can be changed, not taken back.
    $("#staff-language").value = member.language || "";
    $('#staff-language option[value=""]').disabled = Boolean(member.language);
    renderOrganisations(member.organisation ? member.organisation.id : "");
    if (adminSwitch) adminSwitch.checked = member.role === "admin";
    $("#staff-password-field").hidden = true;
    const listed = new Set(store.locations.map((l) => l.slug));
    elsewhere = member.memberships.filter((m) => !listed.has(m.location));
    renderMemberships(new Map(member.memberships.map((m) => [m.location, { role: m.role, topics: new Set(m.topics) }])));
    form.scrollIntoView({ block: "nearest" });
    $("#staff-display-name").focus();
  }

  function reset() {
    editing = null;
    formMode(form, { editing: false, heading: t("manage.accounts.new"), submitText: t("manage.accounts.add") });
    form.reset();
    elsewhere = [];
    $("#staff-username").readOnly = false;
    $('#staff-language option[value=""]').disabled = false;
    $("#staff-password").type = "password";
    $("#staff-password-field").hidden = false;
    renderOrganisations("");
    renderMemberships(new Map());
  }

  $("[data-cancel]", form).addEventListener("click", () => {
    const id = editing && editing.id;
    reset();
    const back = document.querySelector(`[data-focus-key="edit-staff-${id}"]`);
    (back || $("#staff-username")).focus();
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(form, async ({ note: formNote }) => {
      const data = {
        display_name: $("#staff-display-name").value,
        organisation: organisationSelect.value ? Number(organisationSelect.value) : null,
        memberships: chosenMemberships(),
      };
      if (adminSwitch) data.role = adminSwitch.checked ? "admin" : "staff";
      const language = $("#staff-language").value;
      const id = editing && editing.id;
      let saved;
      if (id) {
        if (language && language !== editing.language) data.language = language;
        saved = await api("PATCH", `/staff/${id}`, data);
      } else {
        if (!data.display_name.trim()) delete data.display_name;
        saved = await api("POST", "/staff", {
          username: $("#staff-username").value, password: $("#staff-password").value, ...data,
        });
        // The account's language is set once it exists.
        if (language) saved = await api("PATCH", `/staff/${saved.id}`, { language });
      }
      reset();
      await load();
      render();
      showNote(formNote, t(id ? "manage.accounts.saved" : "manage.accounts.created", { name: saved.username }));
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
    $("#password-heading").textContent = t("manage.password.heading_for", { name: member.username });
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
      showFormError(passwordForm, pageError(t("manage.password.missing"), "password"), submit);
      return;
    }
    submit.disabled = true;
    try {
      const saved = await api("PATCH", `/staff/${passwordFor.id}`, { password: passwordInput.value });
      dialog.close();
      showNote(note, t("manage.password.changed", { name: saved.username }));
    } catch (err) {
      showFormError(passwordForm, err, passwordInput);
    } finally {
      submit.disabled = false;
    }
  });

  wirePasswordSuggestions();

  // --- start ----------------------------------------------------------------------------

  store.on("locations", () => { renderMemberships(); render(); });
  store.on("topics", () => { renderMemberships(); render(); });
  store.on("organisations", () => { renderOrganisations(); load().then(render, () => {}); });

  return {
    async start() {
      try {
        await load();
      } catch (err) {
        showError(error, err);
        handleSessionLoss(err);
      }
      renderOrganisations("");
      renderMemberships(new Map());
      render();
    },
  };
}
