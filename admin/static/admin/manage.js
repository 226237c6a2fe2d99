/* Managers' page: locations, topics, desks and staff, all through the JSON API.
   Every refusal is shown next to the form or list it belongs to (role="alert"). */
"use strict";

(() => {
  const { api, h } = SP;
  const $ = (id) => document.getElementById(id);
  const ROLE_NAMES = { counselor: "Beratung", manager: "Leitung" };
  const STORE_LOCATION = "servicepoint.manage.location";
  const LANGUAGES = [...document.querySelectorAll("#topic-form [data-lang]")].map((el) => el.dataset.lang);

  const state = {
    me: null,
    locations: [],
    slug: "",
    topics: {},     // slug → every topic of that location (inactive ones included)
    desks: [],      // desks of state.slug
    staff: [],
    editing: { location: null, topic: null, staff: null },
  };

  const enc = encodeURIComponent;
  const byPosition = (a, b) => a.position - b.position || a.key.localeCompare(b.key);

  // --- small helpers ----------------------------------------------------------------------

  function pill(on, onText = "Aktiv", offText = "Inaktiv") {
    return h("span", { class: on ? "pill on" : "pill off" }, on ? onText : offText);
  }

  function locationName(slug) {
    const loc = state.locations.find((l) => l.slug === slug);
    return loc ? loc.name : slug;
  }

  function handleSessionLoss(err) {
    if (err && err.status === 401) {
      SP.showError($("page-error"),
        new SP.ApiError("not_signed_in", "Ihre Anmeldung ist abgelaufen. Bitte neu anmelden.", 401, "de"));
      $("page-error").querySelector(".text").append(" ", h("button", {
        type: "button", class: "small", onclick: () => window.location.assign("/staff/"),
      }, "Zur Anmeldung"));
    }
  }

  /** Mark the input an error message names (longest matching data-words wins). */
  function markInvalid(form, err) {
    const text = String(err && err.message ? err.message : "").toLowerCase();
    let best = null;
    let bestLength = 0;
    for (const input of form.querySelectorAll("[data-words]")) {
      const words = input.dataset.words;
      if (text.includes(words) && words.length > bestLength && !input.closest("[hidden]")) {
        best = input;
        bestLength = words.length;
      }
    }
    if (best) best.setAttribute("aria-invalid", "true");
    return best;
  }

  /** Submit a form through ``work``; the submit button is disabled while it runs. */
  async function submitting(form, work) {
    const error = form.querySelector(".alert");
    const note = form.querySelector(".note");
    const submit = form.querySelector('[type="submit"]');
    if (submit.disabled) return;
    SP.clear(error);
    SP.clear(note);
    for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    submit.disabled = true;
    submit.setAttribute("aria-busy", "true");
    let failed = null;
    try {
      await work({ note });
    } catch (err) {
      failed = err;
      SP.showError(error, err);
      handleSessionLoss(err);
    } finally {
      submit.disabled = false;
      submit.removeAttribute("aria-busy");
    }
    if (failed) {
      const field = markInvalid(form, failed);
      if (field) field.focus();
      else submit.focus();
    }
  }

  /** A button in a list row: disabled while its request runs; errors go to ``errorEl``. */
  function rowButton(text, label, errorEl, noteEl, work, cls) {
    const button = h("button", { type: "button", class: cls ? `small ${cls}` : "small", "aria-label": label }, text);
    button.addEventListener("click", async () => {
      if (button.disabled) return;
      SP.clear(errorEl);
      SP.clear(noteEl);
      button.disabled = true;
      const key = button.getAttribute("data-focus-key");
      try {
        const message = await work(button);
        if (message) SP.showNote(noteEl, message);
      } catch (err) {
        SP.showError(errorEl, err);
        handleSessionLoss(err);
      } finally {
        button.disabled = false;
        const again = key ? document.querySelector(`[data-focus-key="${key}"]`) : null;
        if (again && document.activeElement === document.body) again.focus();
      }
    });
    return button;
  }

  function formMode(form, { editing, heading, submitText }) {
    form.classList.toggle("editing", editing);
    form.querySelector("h3").textContent = heading;
    form.querySelector('[type="submit"]').textContent = submitText;
    const cancel = form.querySelector("[data-cancel]");
    if (cancel) cancel.hidden = !editing;
    SP.clear(form.querySelector(".alert"));
    for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  }

  function generatePassword() {
    const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    const bytes = new Uint32Array(14);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
  }

  for (const button of document.querySelectorAll("[data-generate]")) {
    button.addEventListener("click", () => {
      const input = $(button.dataset.generate);
      input.type = "text";
      input.value = generatePassword();
      input.focus();
      input.select();
    });
  }

  // --- tabs ---------------------------------------------------------------------------------

  const tabs = [...document.querySelectorAll('[role="tab"]')];

  function selectTab(tab, focus = false) {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      $(other.getAttribute("aria-controls")).hidden = !selected;
    }
    if (focus) tab.focus();
    if (window.location.hash !== `#${tab.dataset.hash}`) {
      window.history.replaceState(null, "", `#${tab.dataset.hash}`);
    }
  }

  for (const tab of tabs) {
    tab.addEventListener("click", () => selectTab(tab));
    tab.addEventListener("keydown", (event) => {
      const index = tabs.indexOf(tab);
      const target = {
        ArrowRight: tabs[(index + 1) % tabs.length],
        ArrowLeft: tabs[(index - 1 + tabs.length) % tabs.length],
        Home: tabs[0],
        End: tabs[tabs.length - 1],
      }[event.key];
      if (target) {
        event.preventDefault();
        selectTab(target, true);
      }
    });
  }

  function tabFromHash() {
    const hash = window.location.hash.replace("#", "");
    return tabs.find((t) => t.dataset.hash === hash) || tabs[0];
  }
  window.addEventListener("hashchange", () => selectTab(tabFromHash()));
  selectTab(tabFromHash());

  // --- locations ---------------------------------------------------------------------------

  const locationForm = $("location-form");

  function renderLocationPickers() {
    for (const select of document.querySelectorAll("[data-location-pick]")) {
      select.replaceChildren(...state.locations.map((loc) =>
        h("option", { value: loc.slug }, loc.name)));
      select.value = state.slug;
      select.disabled = !state.locations.length;
    }
  }

  function renderLocations() {
    const error = $("locations-error");
    const note = $("locations-note");
    const rows = state.locations.map((loc) => h("tr", { "data-testid": `location-${loc.slug}` },
      h("td", {}, loc.name),
      h("td", { class: "mono" }, loc.slug),
      h("td", {}, loc.address || "–"),
      h("td", {}, loc.timezone),
      h("td", { class: "actions-cell" },
        h("button", {
          type: "button", class: "small", "aria-label": `${loc.name} bearbeiten`,
          "data-focus-key": `edit-location-${loc.slug}`, onclick: () => editLocation(loc),
        }, "Bearbeiten"),
        rowButton("Deaktivieren", `${loc.name} deaktivieren`, error, note, async () => {
          if (!window.confirm(`Standort „${loc.name}“ deaktivieren?\nKiosk, Anzeige und Beratungsplätze dieses Standorts sind danach nicht mehr erreichbar.`)) return null;
          await api("PATCH", `/locations/${enc(loc.slug)}`, { active: false });
          if (state.editing.location === loc.slug) resetLocationForm();
          await loadLocations();
          return `Standort „${loc.name}“ wurde deaktiviert.`;
        }, "danger"))));
    if (!rows.length) rows.push(h("tr", {}, h("td", { colspan: 5, class: "muted" }, "Noch keine Standorte.")));
    $("locations-body").replaceChildren(...rows);
    renderLocationPickers();
  }

  function editLocation(loc) {
    state.editing.location = loc.slug;
    formMode(locationForm, { editing: true, heading: `Standort bearbeiten: ${loc.name}`, submitText: "Speichern" });
    $("location-slug").value = loc.slug;
    $("location-slug").readOnly = true;
    $("location-name").value = loc.name;
    $("location-address").value = loc.address || "";
    $("location-timezone").value = loc.timezone;
    locationForm.scrollIntoView({ block: "nearest" });
    $("location-name").focus();
  }

  function resetLocationForm() {
    state.editing.location = null;
    formMode(locationForm, { editing: false, heading: "Neuer Standort", submitText: "Standort anlegen" });
    locationForm.reset();
    $("location-slug").readOnly = false;
  }

  locationForm.querySelector("[data-cancel]").addEventListener("click", () => {
    const slug = state.editing.location;
    resetLocationForm();
    const back = document.querySelector(`[data-focus-key="edit-location-${slug}"]`);
    (back || $("location-slug")).focus();
  });

  locationForm.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(locationForm, async ({ note }) => {
      const data = {
        name: $("location-name").value,
        address: $("location-address").value,
        timezone: $("location-timezone").value.trim(),
      };
      let saved;
      if (state.editing.location) {
        saved = await api("PATCH", `/locations/${enc(state.editing.location)}`, data);
      } else {
        saved = await api("POST", "/locations", { slug: $("location-slug").value, ...data });
        state.topics[saved.slug] = [];
      }
      const created = !state.editing.location;
      resetLocationForm();
      await loadLocations();
      SP.showNote(note, created ? `Standort „${saved.name}“ wurde angelegt.` : `Standort „${saved.name}“ wurde gespeichert.`);
    });
  });

  const reactivateForm = $("reactivate-form");
  reactivateForm.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(reactivateForm, async () => {
      const slug = $("reactivate-slug").value.trim().toLowerCase();
      if (!slug) throw new SP.ApiError("invalid", "Bitte das Kürzel des Standorts eingeben.", 400, "de");
      const loc = await api("PATCH", `/locations/${enc(slug)}`, { active: true });
      reactivateForm.reset();
      await loadLocations();
      await loadTopics(loc.slug);
      SP.showNote($("locations-note"), `Standort „${loc.name}“ ist wieder aktiv.`);
    });
  });

  async function loadLocations() {
    const data = await api("GET", "/locations");
    state.locations = data.locations || [];
    const slugs = state.locations.map((l) => l.slug);
    if (!slugs.includes(state.slug)) {
      const remembered = window.localStorage.getItem(STORE_LOCATION);
      state.slug = slugs.includes(remembered) ? remembered : slugs[0] || "";
      if (state.slug) await Promise.all([loadTopics(state.slug), loadDesks()]);
      else state.desks = [];
      renderTopics();
      renderDesks();
    }
    renderLocations();
    renderStaffTopics();
  }

  for (const select of document.querySelectorAll("[data-location-pick]")) {
    select.addEventListener("change", async () => {
      state.slug = select.value;
      window.localStorage.setItem(STORE_LOCATION, state.slug);
      renderLocationPickers();
      resetTopicForm();
      try {
        await Promise.all([loadTopics(state.slug), loadDesks()]);
      } catch (err) {
        SP.showError(select.closest("section").querySelector(".alert"), err);
      }
      renderTopics();
      renderDesks();
    });
  }

  // --- topics ------------------------------------------------------------------------------

  const topicForm = $("topic-form");

  async function loadTopics(slug) {
    const data = await api("GET", `/locations/${enc(slug)}/topics/all`);
    state.topics[slug] = (data.topics || []).sort(byPosition);
  }

  function renderTopics() {
    const error = $("topics-error");
    const note = $("topics-note");
    const topics = state.topics[state.slug] || [];
    const rows = topics.map((topic) => {
      const languages = Object.keys(topic.names);
      return h("tr", { class: topic.active ? null : "inactive", "data-testid": `topic-${topic.key}` },
        h("td", {}, String(topic.position)),
        h("td", { class: "mono" }, h("strong", {}, topic.prefix)),
        h("td", { class: "mono" }, topic.key),
        h("td", {}, topic.names.de || "–"),
        h("td", { title: `Names in: ${languages.join(", ")}` }, `${languages.length} / ${LANGUAGES.length}`),
        h("td", {}, pill(topic.active)),
        h("td", { class: "actions-cell" },
          h("button", {
            type: "button", class: "small", "aria-label": `Thema ${topic.names.de || topic.key} bearbeiten`,
            "data-focus-key": `edit-topic-${topic.key}`, onclick: () => editTopic(topic),
          }, "Bearbeiten"),
          (() => {
            const button = rowButton(topic.active ? "Deaktivieren" : "Aktivieren",
              `Thema ${topic.names.de || topic.key} ${topic.active ? "deaktivieren" : "aktivieren"}`,
              error, note, async () => {
                const saved = await api("PATCH", `/locations/${enc(state.slug)}/topics/${enc(topic.key)}`, { active: !topic.active });
                await loadTopics(state.slug);
                renderTopics();
                renderStaffTopics();
                return `Thema „${saved.names.de}“ ist jetzt ${saved.active ? "aktiv" : "inaktiv"}.`;
              }, topic.active ? "warn" : null);
            button.setAttribute("data-focus-key", `toggle-topic-${topic.key}`);
            return button;
          })()));
    });
    if (!rows.length) {
      rows.push(h("tr", {}, h("td", { colspan: 7, class: "muted" },
        state.slug ? "Dieser Standort hat noch keine Themen." : "Bitte zuerst einen Standort anlegen.")));
    }
    $("topics-body").replaceChildren(...rows);
  }

  function editTopic(topic) {
    state.editing.topic = topic.key;
    formMode(topicForm, {
      editing: true, heading: `Thema bearbeiten: ${topic.names.de || topic.key}`, submitText: "Speichern",
    });
    $("topic-key").value = topic.key;
    $("topic-key").readOnly = true;
    $("topic-prefix").value = topic.prefix;
    $("topic-position").value = topic.position;
    $("topic-active").checked = topic.active;
    for (const code of LANGUAGES) $(`topic-name-${code}`).value = topic.names[code] || "";
    topicForm.scrollIntoView({ block: "nearest" });
    $("topic-prefix").focus();
  }

  function resetTopicForm() {
    state.editing.topic = null;
    formMode(topicForm, { editing: false, heading: "Neues Thema", submitText: "Thema anlegen" });
    topicForm.reset();
    $("topic-key").readOnly = false;
  }

  topicForm.querySelector("[data-cancel]").addEventListener("click", () => {
    const key = state.editing.topic;
    resetTopicForm();
    const back = document.querySelector(`[data-focus-key="edit-topic-${key}"]`);
    (back || $("topic-key")).focus();
  });

  topicForm.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(topicForm, async ({ note }) => {
      if (!state.slug) throw new SP.ApiError("invalid", "Bitte zuerst einen Standort anlegen.", 400, "de");
      const names = {};
      for (const code of LANGUAGES) names[code] = $(`topic-name-${code}`).value;
      const data = { prefix: $("topic-prefix").value, names, active: $("topic-active").checked };
      const position = $("topic-position").value.trim();
      if (position !== "") data.position = Number(position);
      else if ($("topic-position").validity.badInput) data.position = $("topic-position").value;
      let saved;
      const editing = state.editing.topic;
      if (editing) {
        saved = await api("PATCH", `/locations/${enc(state.slug)}/topics/${enc(editing)}`, data);
      } else {
        saved = await api("POST", `/locations/${enc(state.slug)}/topics`, { key: $("topic-key").value, ...data });
      }
      resetTopicForm();
      await loadTopics(state.slug);
      renderTopics();
      renderStaffTopics();
      SP.showNote(note, editing
        ? `Thema „${saved.names.de}“ wurde gespeichert.`
        : `Thema „${saved.names.de}“ (${saved.prefix}) wurde angelegt.`);
    });
  });

  // --- desks -------------------------------------------------------------------------------

  const deskForm = $("desk-form");

  async function loadDesks() {
    if (!state.slug) {
      state.desks = [];
      return;
    }
    const data = await api("GET", `/locations/${enc(state.slug)}/desks`);
    state.desks = data.desks || [];
  }

  function renderDesks() {
    const error = $("desks-error");
    const note = $("desks-note");
    const items = state.desks.map((desk) => {
      const input = h("input", {
        id: `desk-${desk.id}-name`, value: desk.name, autocomplete: "off", required: true,
        "aria-describedby": "desks-error", "data-testid": `desk-name-${desk.id}`,
      });
      const rename = h("button", { type: "submit", class: "small", "data-focus-key": `rename-desk-${desk.id}` }, "Umbenennen");
      const form = h("form", { class: "buttons", novalidate: true },
        h("label", { for: input.id, class: "visually-hidden" }, `Name von Platz ${desk.name}`),
        input, rename);
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        if (rename.disabled) return;
        SP.clear(error);
        SP.clear(note);
        input.removeAttribute("aria-invalid");
        rename.disabled = true;
        try {
          const saved = await api("PATCH", `/desks/${desk.id}`, { name: input.value });
          await loadDesks();
          renderDesks();
          SP.showNote(note, `Platz umbenannt in „${saved.name}“.`);
          const again = document.querySelector(`[data-focus-key="rename-desk-${desk.id}"]`);
          if (again) again.focus();
        } catch (err) {
          rename.disabled = false;
          input.setAttribute("aria-invalid", "true");
          SP.showError(error, err);
          handleSessionLoss(err);
          input.focus();
        }
      });
      const toggle = rowButton(desk.active ? "Schließen" : "Öffnen",
        `${desk.name} ${desk.active ? "schließen" : "öffnen"}`, error, note, async () => {
          const saved = await api("PATCH", `/desks/${desk.id}`, { active: !desk.active });
          await loadDesks();
          renderDesks();
          return `${saved.name} ist jetzt ${saved.active ? "geöffnet" : "geschlossen"}.`;
        }, desk.active ? "warn" : "ok");
      toggle.setAttribute("data-focus-key", `toggle-desk-${desk.id}`);
      return h("li", { "data-testid": `desk-${desk.id}` }, form, pill(desk.active, "Offen", "Geschlossen"), toggle);
    });
    if (!items.length) {
      items.push(h("li", { class: "muted" }, state.slug ? "Dieser Standort hat noch keine Plätze." : "Bitte zuerst einen Standort anlegen."));
    }
    $("desks-list").replaceChildren(...items);
  }

  deskForm.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(deskForm, async ({ note }) => {
      if (!state.slug) throw new SP.ApiError("invalid", "Bitte zuerst einen Standort anlegen.", 400, "de");
      const saved = await api("POST", `/locations/${enc(state.slug)}/desks`, { name: $("desk-name").value });
      deskForm.reset();
      await loadDesks();
      renderDesks();
      SP.showNote(note, `Platz „${saved.name}“ wurde angelegt.`);
    });
  });

  // --- staff -------------------------------------------------------------------------------

  const staffForm = $("staff-form");

  async function loadStaff() {
    const data = await api("GET", "/staff");
    state.staff = data.staff || [];
  }

  function topicById(id) {
    for (const [slug, topics] of Object.entries(state.topics)) {
      const topic = topics.find((t) => t.id === id);
      if (topic) return { slug, topic };
    }
    return null;
  }

  function staffTopicsSummary(member) {
    if (!member.topics.length) return "alle Themen";
    const groups = {};
    for (const t of member.topics) {
      const found = topicById(t.id);
      const name = found ? found.topic.names.de || t.key : t.key;
      (groups[t.location] = groups[t.location] || []).push(name);
    }
    return Object.entries(groups).map(([slug, names]) => `${locationName(slug)}: ${names.join(", ")}`).join("; ");
  }

  function renderStaff() {
    const error = $("staff-error");
    const note = $("staff-note");
    const rows = state.staff.map((member) => {
      const self = state.me && member.id === state.me.id;
      return h("tr", { class: member.active ? null : "inactive", "data-testid": `staff-${member.username}` },
        h("td", { class: "mono" }, member.username),
        h("td", {}, member.display_name, self ? " (Sie)" : ""),
        h("td", {}, ROLE_NAMES[member.role] || member.role),
        h("td", {}, staffTopicsSummary(member)),
        h("td", {}, pill(member.active)),
        h("td", { class: "actions-cell" },
          h("button", {
            type: "button", class: "small", "aria-label": `${member.display_name} bearbeiten`,
            "data-focus-key": `edit-staff-${member.id}`, onclick: () => editStaff(member),
          }, "Bearbeiten"),
          h("button", {
            type: "button", class: "small", "aria-label": `Passwort von ${member.display_name} zurücksetzen`,
            "aria-haspopup": "dialog", "data-focus-key": `password-staff-${member.id}`,
            onclick: (event) => openPassword(member, event.currentTarget),
          }, "Passwort…"),
          self ? null : (() => {
            const button = rowButton(member.active ? "Deaktivieren" : "Aktivieren",
              `${member.display_name} ${member.active ? "deaktivieren" : "aktivieren"}`, error, note, async () => {
                const saved = await api("PATCH", `/staff/${member.id}`, { active: !member.active });
                await loadStaff();
                renderStaff();
                return `Das Konto ${saved.username} ist jetzt ${saved.active ? "aktiv" : "deaktiviert"}.`;
              }, member.active ? "danger" : "ok");
            button.setAttribute("data-focus-key", `toggle-staff-${member.id}`);
            return button;
          })()));
    });
    if (!rows.length) rows.push(h("tr", {}, h("td", { colspan: 6, class: "muted" }, "Keine Konten.")));
    $("staff-body").replaceChildren(...rows);
  }

  /** One group of checkboxes per location; ``checked`` is a Set of topic ids. */
  function renderStaffTopics(checked) {
    const container = $("staff-topics");
    const current = checked || new Set(
      [...container.querySelectorAll("input[type=checkbox]:checked")].map((c) => Number(c.value)));
    const groups = state.locations.map((loc) => {
      const topics = (state.topics[loc.slug] || []).slice().sort(byPosition);
      const chosen = topics.filter((t) => current.has(t.id)).length;
      const checks = topics.map((topic) => h("label", { class: "check" },
        h("input", {
          type: "checkbox", value: topic.id, checked: current.has(topic.id),
          "data-testid": `staff-topic-${loc.slug}-${topic.key}`,
        }),
        `${topic.prefix} · ${topic.names.de || topic.key}${topic.active ? "" : " (inaktiv)"}`));
      return h("details", { open: true },
        h("summary", {}, loc.name, " ", h("span", { class: "muted" }, chosen ? `(${chosen} gewählt)` : "(alle Themen)")),
        h("fieldset", {},
          h("legend", { class: "visually-hidden" }, `Themen in ${loc.name}`),
          h("div", { class: "checks" }, checks.length ? checks : h("p", { class: "muted" }, "Keine Themen."))));
    });
    container.replaceChildren(...groups);
  }

  $("staff-topics").addEventListener("change", updateTopicCounts);

  function updateTopicCounts() {
    for (const details of $("staff-topics").querySelectorAll("details")) {
      const chosen = details.querySelectorAll("input:checked").length;
      details.querySelector("summary .muted").textContent = chosen ? `(${chosen} gewählt)` : "(alle Themen)";
    }
  }

  function chosenTopicIds() {
    const shown = new Set([...$("staff-topics").querySelectorAll("input[type=checkbox]")].map((c) => Number(c.value)));
    const ids = [...$("staff-topics").querySelectorAll("input[type=checkbox]:checked")].map((c) => Number(c.value));
    // Keep topics of locations this page cannot list (deactivated ones) as they were.
    const hidden = (staffForm.dataset.keepTopics || "").split(",").filter(Boolean).map(Number)
      .filter((id) => !shown.has(id));
    return [...ids, ...hidden];
  }

  function editStaff(member) {
    state.editing.staff = member.id;
    formMode(staffForm, { editing: true, heading: `Konto bearbeiten: ${member.username}`, submitText: "Speichern" });
    $("staff-username").value = member.username;
    $("staff-username").readOnly = true;
    $("staff-display-name").value = member.display_name;
    $("staff-role").value = member.role;
    $("staff-password-field").hidden = true;
    staffForm.dataset.keepTopics = member.topics.map((t) => t.id).join(",");
    renderStaffTopics(new Set(member.topics.map((t) => t.id)));
    staffForm.scrollIntoView({ block: "nearest" });
    $("staff-display-name").focus();
  }

  function resetStaffForm() {
    state.editing.staff = null;
    formMode(staffForm, { editing: false, heading: "Neues Konto", submitText: "Konto anlegen" });
    staffForm.reset();
    staffForm.dataset.keepTopics = "";
    $("staff-username").readOnly = false;
    $("staff-password").type = "password";
    $("staff-password-field").hidden = false;
    renderStaffTopics(new Set());
  }

  staffForm.querySelector("[data-cancel]").addEventListener("click", () => {
    const id = state.editing.staff;
    resetStaffForm();
    const back = document.querySelector(`[data-focus-key="edit-staff-${id}"]`);
    (back || $("staff-username")).focus();
  });

  staffForm.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(staffForm, async ({ note }) => {
      const data = {
        display_name: $("staff-display-name").value,
        role: $("staff-role").value,
        topics: chosenTopicIds(),
      };
      const editing = state.editing.staff;
      let saved;
      if (editing) {
        saved = await api("PATCH", `/staff/${editing}`, data);
      } else {
        if (!data.display_name.trim()) delete data.display_name;
        saved = await api("POST", "/staff", {
          username: $("staff-username").value, password: $("staff-password").value, ...data,
        });
      }
      resetStaffForm();
      await loadStaff();
      renderStaff();
      SP.showNote(note, editing
        ? `Das Konto ${saved.username} wurde gespeichert.`
        : `Das Konto ${saved.username} wurde angelegt. Bitte das Passwort sicher übergeben.`);
    });
  });

  // Password reset dialog.
  const passwordDialog = $("password-dialog");
  const passwordForm = $("password-form");
  let passwordFor = null;

  function openPassword(member) {
    passwordFor = member;
    passwordForm.reset();
    $("new-password").type = "password";
    SP.clear($("password-error"));
    $("password-heading").textContent = `Passwort zurücksetzen: ${member.username}`;
    passwordDialog.showModal();
    $("new-password").focus();
  }

  passwordDialog.querySelector("[data-close]").addEventListener("click", () => passwordDialog.close());

  passwordForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const submit = passwordForm.querySelector('[type="submit"]');
    if (submit.disabled || !passwordFor) return;
    const error = $("password-error");
    const input = $("new-password");
    SP.clear(error);
    input.removeAttribute("aria-invalid");
    if (!input.value) {
      input.setAttribute("aria-invalid", "true");
      SP.showError(error, new SP.ApiError("invalid", "Bitte ein neues Passwort eingeben.", 400, "de"));
      input.focus();
      return;
    }
    submit.disabled = true;
    try {
      const saved = await api("PATCH", `/staff/${passwordFor.id}`, { password: input.value });
      passwordDialog.close();
      SP.showNote($("staff-note"), `Das Passwort von ${saved.username} wurde geändert.`);
    } catch (err) {
      input.setAttribute("aria-invalid", "true");
      SP.showError(error, err);
      handleSessionLoss(err);
      input.focus();
    } finally {
      submit.disabled = false;
    }
  });

  // --- start -------------------------------------------------------------------------------

  async function init() {
    try {
      const [me, locations, staff] = await Promise.all([
        api("GET", "/session"), api("GET", "/locations"), api("GET", "/staff"),
      ]);
      state.me = me;
      state.locations = locations.locations || [];
      state.staff = staff.staff || [];
      const slugs = state.locations.map((l) => l.slug);
      const remembered = window.localStorage.getItem(STORE_LOCATION);
      state.slug = slugs.includes(remembered) ? remembered : slugs[0] || "";
      await Promise.all([...slugs.map(loadTopics), loadDesks()]);
    } catch (err) {
      SP.showError($("page-error"), err);
      handleSessionLoss(err);
      return;
    }
    renderLocations();
    renderTopics();
    renderDesks();
    renderStaffTopics(new Set());
    renderStaff();
  }

  init();
})();
