/* Managers' page: locations, topics, desks, staff, and kiosks with their printers, all
   through the JSON API. Every refusal is shown next to the form or list it belongs to
   (role="alert"). */
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
    kiosks: [],     // kiosks of state.slug (inactive ones included)
    jobsFor: null,  // the kiosk whose print jobs are shown
    editing: { location: null, topic: null, staff: null, kiosk: null },
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

  /** Mark the input an error message names (longest matching data-words wins; several
   * phrases for one input are separated by "|"). */
  function markInvalid(form, err) {
    const text = String(err && err.message ? err.message : "").toLowerCase();
    let best = null;
    let bestLength = 0;
    for (const input of form.querySelectorAll("[data-words]")) {
      for (const words of input.dataset.words.split("|")) {
        if (text.includes(words) && words.length > bestLength && !input.closest("[hidden]")) {
          best = input;
          bestLength = words.length;
        }
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
      if (state.slug) await Promise.all([loadTopics(state.slug), loadDesks(), loadKiosks()]);
      else {
        state.desks = [];
        state.kiosks = [];
      }
      renderTopics();
      renderDesks();
      renderKiosks();
      updatePreview();
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
      resetKioskForm();
      closeJobs();
      try {
        await Promise.all([loadTopics(state.slug), loadDesks(), loadKiosks()]);
      } catch (err) {
        SP.showError(select.closest("section").querySelector(".alert"), err);
      }
      renderTopics();
      renderDesks();
      renderKiosks();
      updatePreview();
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

  // --- kiosks and printers -----------------------------------------------------------------

  const KIOSK_POLL_MS = 10000;       // printer states, while the tab is in view
  const JOB_POLL_MS = 1000;          // a test print's outcome
  const JOB_POLL_LIMIT_MS = 45000;   // server printing gives up after its timeouts well before
  const JOBS_SHOWN = 20;
  const MODE_NAMES = {
    none: "Kein Drucker",
    server: "Netzwerkdrucker (Server)",
    agent: "Am Kiosk-PC (Druck-Agent)",
  };
  const MODE_HINTS = {
    none: "Der Kiosk zeigt Nummer und QR-Code nur auf dem Bildschirm.",
    server: "Der Server druckt selbst: der Drucker muss vom Server aus im Netz erreichbar sein.",
    agent: "Der Drucker hängt am Kiosk-PC (USB, seriell, Netzwerk); dort holt der Druck-Agent die Aufträge vom Server.",
  };
  const URI_HINTS = {
    server: "z. B. tcp://192.168.1.50:9100 · cups://Ticketdrucker · dummy:// (zum Testen, druckt nichts)",
    agent: "z. B. usb://04b8:0202 · file:///dev/usb/lp0 · serial:///dev/ttyUSB0?baudrate=38400 · tcp://192.168.1.50:9100",
  };
  const PRINTER_STATES = {
    ok: ["Bereit", "ok"],
    offline: ["Nicht erreichbar", "bad"],
    paper_out: ["Papier leer", "bad"],
    paper_low: ["Papier fast leer", "warn"],
    error: ["Fehler", "bad"],
    unknown: ["Unbekannt", "off"],
  };
  const JOB_STATES = {
    pending: ["Wartet", "off"],
    printed: ["Gedruckt", "ok"],
    failed: ["Fehlgeschlagen", "bad"],
    expired: ["Verfallen", "warn"],
  };
  const kioskForm = $("kiosk-form");
  let testPoll = null;

  function statePill([text, kind]) {
    return h("span", { class: `pill ${kind}` }, text);
  }

  function locationTimeZone() {
    const loc = state.locations.find((l) => l.slug === state.slug);
    return loc ? loc.timezone : undefined;
  }

  /** "21.11. 14:05" in the location's time zone. */
  function when(iso) {
    if (!iso) return "–";
    const date = new Date(iso);
    let day = "";
    try {
      day = new Intl.DateTimeFormat("de-DE", { day: "2-digit", month: "2-digit", timeZone: locationTimeZone() }).format(date);
    } catch (_err) {
      day = "";
    }
    return `${day} ${SP.clockTime(iso, locationTimeZone())}`.trim();
  }

  async function loadKiosks() {
    if (!state.slug) {
      state.kiosks = [];
      return;
    }
    const slug = state.slug;
    const data = await api("GET", `/locations/${enc(slug)}/kiosks`);
    // Active kiosks first (in the API's order, by name), then the switched-off ones.
    if (slug === state.slug) state.kiosks = (data.kiosks || []).sort((a, b) => Number(b.active) - Number(a.active));
  }

  /** Keep the printers' states current while the tab is open (no messages on failure). */
  async function refreshKiosksQuietly() {
    if ($("panel-kiosks").hidden || document.visibilityState !== "visible" || !state.slug) return;
    const before = JSON.stringify(state.kiosks);
    try {
      await loadKiosks();
    } catch (_err) {
      return; // the next round tries again; actions show their own errors
    }
    if (JSON.stringify(state.kiosks) !== before) renderKiosks();
  }
  $("tab-kiosks").addEventListener("click", refreshKiosksQuietly);

  function kioskState(kiosk) {
    if (!kiosk.active) return h("span", { class: "muted" }, "– (deaktiviert)");
    if (kiosk.printer_mode === "none") return h("span", { class: "muted" }, "–");
    const agentAway = kiosk.printer_mode === "agent" && !kiosk.agent_connected;
    const label = agentAway && kiosk.printer_state !== "paper_out"
      ? ["Druck-Agent nicht verbunden", "bad"]
      : PRINTER_STATES[kiosk.printer_state] || [kiosk.printer_state, "off"];
    return h("div", { class: "printer-state" },
      statePill(label),
      kiosk.printer_detail ? h("span", { class: "detail", lang: "en" }, kiosk.printer_detail) : null,
      kiosk.printer_checked_at ? h("span", { class: "detail" }, `geprüft ${when(kiosk.printer_checked_at)}`) : null);
  }

  function agentCell(kiosk) {
    if (kiosk.printer_mode !== "agent") return h("span", { class: "muted" }, "nicht nötig");
    if (!kiosk.active) return h("span", { class: "muted" }, "–");
    return kiosk.agent_connected
      ? statePill(["Verbunden", "ok"])
      : statePill(["Nicht verbunden", "warn"]);
  }

  function renderKiosks() {
    const error = $("kiosks-error");
    const note = $("kiosks-note");
    const focusedKey = document.activeElement && document.activeElement.getAttribute("data-focus-key");
    const rows = state.kiosks.map((kiosk) => {
      const printing = kiosk.printer_mode !== "none";
      const actions = [
        h("button", {
          type: "button", class: "small", "aria-label": `Kiosk ${kiosk.name} bearbeiten`,
          "data-focus-key": `edit-kiosk-${kiosk.id}`, onclick: () => editKiosk(kiosk),
        }, "Bearbeiten"),
      ];
      if (printing && kiosk.active) {
        const test = h("button", {
          type: "button", class: "small", "data-testid": `kiosk-test-print-${kiosk.id}`,
          "data-focus-key": `test-kiosk-${kiosk.id}`,
          "aria-label": `Testdruck auf Kiosk ${kiosk.name}`,
        }, "Testdruck");
        test.addEventListener("click", () => testPrint(kiosk, test));
        actions.push(test);
      }
      if (printing) {
        actions.push(h("button", {
          type: "button", class: "small", "aria-label": `Druckaufträge von Kiosk ${kiosk.name}`,
          "aria-controls": "kiosk-jobs", "aria-expanded": String(state.jobsFor === kiosk.id),
          "data-focus-key": `jobs-kiosk-${kiosk.id}`, "data-testid": `kiosk-jobs-${kiosk.id}`,
          onclick: () => (state.jobsFor === kiosk.id ? closeJobs() : showJobs(kiosk.id, { focus: true })),
        }, "Druckaufträge"));
      }
      const renew = rowButton("Neuen Schlüssel erzeugen", `Neuen Schlüssel erzeugen für Kiosk ${kiosk.name}`, error, note, async () => {
        if (!window.confirm(`Neuen Schlüssel für Kiosk „${kiosk.name}“ erzeugen?\n\n`
          + "Der bisherige Schlüssel gilt sofort nicht mehr: Kiosk-Bildschirm"
          + (kiosk.printer_mode === "agent" ? " und Druck-Agent müssen" : " muss")
          + " danach mit dem neuen Schlüssel neu eingerichtet werden.")) return null;
        const saved = await api("PATCH", `/kiosks/${kiosk.id}`, { new_token: true });
        await loadKiosks();
        renderKiosks();
        showSecret(saved, "renewed");
        return null;
      });
      renew.setAttribute("data-focus-key", `renew-kiosk-${kiosk.id}`);
      renew.setAttribute("data-testid", `kiosk-new-token-${kiosk.id}`);
      actions.push(renew);
      const toggle = rowButton(kiosk.active ? "Deaktivieren" : "Aktivieren",
        `Kiosk ${kiosk.name} ${kiosk.active ? "deaktivieren" : "aktivieren"}`, error, note, async () => {
          if (kiosk.active && !window.confirm(`Kiosk „${kiosk.name}“ deaktivieren?\n\n`
            + "Sein Schlüssel gilt dann nicht mehr: der Bildschirm gibt weiter Wartenummern aus, "
            + "aber ohne zu drucken, und den Beratenden wird der Drucker nicht mehr angezeigt.")) return null;
          const saved = await api("PATCH", `/kiosks/${kiosk.id}`, { active: !kiosk.active });
          await loadKiosks();
          renderKiosks();
          return `Kiosk „${saved.name}“ ist jetzt ${saved.active ? "aktiv" : "deaktiviert"}.`;
        }, kiosk.active ? "danger" : "ok");
      toggle.setAttribute("data-focus-key", `toggle-kiosk-${kiosk.id}`);
      toggle.setAttribute("data-testid", `kiosk-toggle-${kiosk.id}`);
      actions.push(toggle);
      return h("tr", { class: kiosk.active ? null : "inactive", "data-testid": `kiosk-${kiosk.id}` },
        h("th", { scope: "row" }, kiosk.name, kiosk.active ? null : h("span", { class: "detail" }, "deaktiviert")),
        h("td", { class: "printer" },
          h("span", { class: "mode" }, MODE_NAMES[kiosk.printer_mode] || kiosk.printer_mode),
          printing ? h("span", { class: "mono uri", "data-testid": `kiosk-uri-${kiosk.id}` }, kiosk.printer_uri || "–") : null,
          printing ? h("span", { class: "detail" }, "Profil ", h("span", { class: "mono" }, kiosk.printer_profile)) : null),
        h("td", { "data-testid": `kiosk-state-${kiosk.id}`, "data-state": printing ? kiosk.printer_state : "none" },
          kioskState(kiosk)),
        h("td", {}, agentCell(kiosk)),
        h("td", {}, h("div", { class: "row-actions" }, actions)));
    });
    if (!rows.length) {
      rows.push(h("tr", {}, h("td", { colspan: 5, class: "muted" },
        state.slug ? "Dieser Standort hat noch keinen Kiosk mit Zugangsschlüssel. Ein Kiosk ohne Drucker braucht keinen: er zeigt das Ticket auf dem Bildschirm."
          : "Bitte zuerst einen Standort anlegen.")));
    }
    $("kiosks-body").replaceChildren(...rows);
    if (focusedKey && document.activeElement === document.body) {
      const again = document.querySelector(`[data-focus-key="${focusedKey}"]`);
      if (again) again.focus();
    }
    if (state.jobsFor !== null && !state.kiosks.some((k) => k.id === state.jobsFor)) closeJobs();
  }

  // The form: mode decides which printer fields are shown and what the hints say.
  function syncKioskMode() {
    const mode = $("kiosk-mode").value;
    $("kiosk-mode-hint").textContent = MODE_HINTS[mode] || "";
    $("kiosk-uri-field").hidden = mode === "none";
    $("kiosk-profile-field").hidden = mode === "none";
    $("kiosk-uri-hint").textContent = URI_HINTS[mode] || "";
    $("kiosk-uri").required = mode !== "none";
    $("kiosk-uri").placeholder = mode === "agent" ? "usb://04b8:0202" : "tcp://192.168.1.50:9100";
  }
  $("kiosk-mode").addEventListener("change", syncKioskMode);
  syncKioskMode();

  function editKiosk(kiosk) {
    state.editing.kiosk = kiosk.id;
    formMode(kioskForm, { editing: true, heading: `Kiosk bearbeiten: ${kiosk.name}`, submitText: "Speichern" });
    $("kiosk-name").value = kiosk.name;
    $("kiosk-mode").value = kiosk.printer_mode;
    $("kiosk-uri").value = kiosk.printer_uri || "";
    $("kiosk-profile").value = kiosk.printer_profile || "TM-T20II";
    syncKioskMode();
    kioskForm.scrollIntoView({ block: "nearest" });
    $("kiosk-name").focus();
  }

  function resetKioskForm() {
    state.editing.kiosk = null;
    formMode(kioskForm, { editing: false, heading: "Neuer Kiosk", submitText: "Kiosk anlegen" });
    kioskForm.reset();
    syncKioskMode();
  }

  kioskForm.querySelector("[data-cancel]").addEventListener("click", () => {
    const id = state.editing.kiosk;
    resetKioskForm();
    const back = document.querySelector(`[data-focus-key="edit-kiosk-${id}"]`);
    (back || $("kiosk-name")).focus();
  });

  kioskForm.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(kioskForm, async ({ note }) => {
      if (!state.slug) throw new SP.ApiError("invalid", "Bitte zuerst einen Standort anlegen.", 400, "de");
      const mode = $("kiosk-mode").value;
      const data = { name: $("kiosk-name").value, printer_mode: mode };
      if (mode !== "none") {
        data.printer_uri = $("kiosk-uri").value.trim();
        data.printer_profile = $("kiosk-profile").value.trim() || "TM-T20II";
      }
      const editing = state.editing.kiosk;
      const saved = editing
        ? await api("PATCH", `/kiosks/${editing}`, data)
        : await api("POST", `/locations/${enc(state.slug)}/kiosks`, data);
      resetKioskForm();
      await loadKiosks();
      renderKiosks();
      if (editing) {
        SP.showNote(note, `Kiosk „${saved.name}“ wurde gespeichert.`);
      } else {
        SP.showNote(note, `Kiosk „${saved.name}“ wurde angelegt.`);
        showSecret(saved, "created");
      }
    });
  });

  // The once-only box with token, screen address and agent command.
  const secretBox = $("kiosk-secret");

  function showSecret(kiosk, why) {
    $("kiosk-secret-heading").textContent = why === "created"
      ? `Kiosk „${kiosk.name}“ angelegt: Zugangsdaten`
      : `Neuer Schlüssel für Kiosk „${kiosk.name}“`;
    $("kiosk-secret-token").textContent = kiosk.token;
    $("kiosk-secret-screen").textContent = kiosk.screen_url;
    $("kiosk-secret-agent").textContent = kiosk.agent_command;
    $("kiosk-secret-agent-item").hidden = kiosk.printer_mode !== "agent";
    $("kiosk-secret-copied").textContent = "";
    secretBox.dataset.kiosk = kiosk.id;
    secretBox.hidden = false;
    secretBox.scrollIntoView({ block: "nearest" });
    secretBox.focus();
  }

  function hideSecret() {
    const id = secretBox.dataset.kiosk;
    for (const id2 of ["kiosk-secret-token", "kiosk-secret-screen", "kiosk-secret-agent"]) $(id2).textContent = "";
    secretBox.hidden = true;
    const back = document.querySelector(`[data-focus-key="renew-kiosk-${id}"]`);
    (back || $("kiosk-name")).focus();
  }
  $("kiosk-secret-close").addEventListener("click", hideSecret);

  /** Copy a value: the clipboard API where the page may use it (https, localhost), else the
   * old way; if both fail the text stays selected for Ctrl+C. */
  async function copyValue(source, label) {
    const text = source.textContent;
    const done = $("kiosk-secret-copied");
    let copied = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        copied = true;
      }
    } catch (_err) {
      copied = false;
    }
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    if (!copied) {
      try {
        copied = document.execCommand("copy");
      } catch (_err) {
        copied = false;
      }
    }
    done.textContent = copied
      ? `${label} kopiert.`
      : `${label} ist markiert – bitte mit Strg+C kopieren.`;
  }

  for (const button of secretBox.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", () => {
      const source = $(button.dataset.copy);
      copyValue(source, source.dataset.label);
    });
  }

  // Test prints: start one, then follow it in the jobs list until it is printed or failed.
  async function testPrint(kiosk, button) {
    if (button.disabled) return;
    const result = $("test-print-result");
    const select = $("test-print-language");
    const language = select.value;
    const languageName = select.selectedOptions[0] ? select.selectedOptions[0].textContent : language;
    SP.clear($("kiosks-error"));
    if (testPoll) window.clearTimeout(testPoll);
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    let job;
    try {
      job = await api("POST", `/kiosks/${kiosk.id}/test-print`, { language });
    } catch (err) {
      result.textContent = "";
      SP.showError($("kiosks-error"), err, "Testdruck nicht möglich");
      handleSessionLoss(err);
      return;
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
    const what = `Testdruck auf „${kiosk.name}“ (${languageName})`;
    result.dataset.state = "pending";
    result.textContent = `${what}: wird gedruckt …`;
    showJobs(kiosk.id);
    const started = Date.now();
    const follow = async () => {
      testPoll = null;
      let found = null;
      try {
        const data = await api("GET", `/kiosks/${kiosk.id}/jobs`);
        found = (data.jobs || []).find((j) => j.id === job.id) || null;
        if (state.jobsFor === kiosk.id) renderJobs(kiosk.id, data.jobs || []);
      } catch (err) {
        handleSessionLoss(err);
      }
      if (found && found.state !== "pending") {
        result.dataset.state = found.state;
        result.textContent = found.state === "printed"
          ? `✓ ${what}: gedruckt.`
          : `✗ ${what}: ${JOB_STATES[found.state] ? JOB_STATES[found.state][0] : found.state}${found.error ? ` – ${found.error}` : ""}`;
        await refreshKiosksQuietly();
        return;
      }
      if (Date.now() - started > JOB_POLL_LIMIT_MS) {
        result.dataset.state = "pending";
        result.textContent = `${what}: noch nicht gedruckt.`
          + (kiosk.printer_mode === "agent" ? " Läuft der Druck-Agent auf dem Kiosk-PC?" : " Ist der Drucker eingeschaltet und im Netz?");
        return;
      }
      testPoll = window.setTimeout(follow, JOB_POLL_MS);
    };
    testPoll = window.setTimeout(follow, JOB_POLL_MS);
  }

  // The last print jobs of one kiosk, failures with their reasons.
  async function showJobs(kioskId, { focus = false } = {}) {
    state.jobsFor = kioskId;
    const section = $("kiosk-jobs");
    section.hidden = false;
    renderKiosks();
    try {
      const data = await api("GET", `/kiosks/${kioskId}/jobs`);
      if (state.jobsFor === kioskId) renderJobs(kioskId, data.jobs || []);
    } catch (err) {
      SP.showError($("kiosks-error"), err);
      handleSessionLoss(err);
    }
    if (focus) section.focus();
  }

  function renderJobs(kioskId, jobs) {
    const kiosk = state.kiosks.find((k) => k.id === kioskId);
    $("kiosk-jobs-heading").textContent = `Letzte Druckaufträge: ${kiosk ? kiosk.name : kioskId}`;
    const shown = jobs.slice(0, JOBS_SHOWN);
    const failed = shown.filter((j) => j.state === "failed" || j.state === "expired").length;
    $("kiosk-jobs-summary").textContent = shown.length
      ? `${shown.length} neueste Aufträge, davon ${failed} nicht gedruckt.`
      : "Noch keine Druckaufträge.";
    $("kiosk-jobs-body").closest(".table-wrap").hidden = !shown.length;
    $("kiosk-jobs-body").replaceChildren(...shown.map((job) => h("tr", {
      class: job.state === "failed" || job.state === "expired" ? "failed" : null,
      "data-testid": `job-${job.id}`, "data-state": job.state,
    },
    h("td", { class: "mono" }, `#${job.id}`),
    h("td", {}, when(job.created_at)),
    h("td", { class: "mono" }, job.code || "–", job.code === "T001" ? h("span", { class: "detail" }, "Testdruck") : null),
    h("td", {}, statePill(JOB_STATES[job.state] || [job.state, "off"])),
    h("td", { lang: job.error ? "en" : null }, job.error || "–"))));
  }

  function closeJobs() {
    const wasOpen = state.jobsFor;
    state.jobsFor = null;
    $("kiosk-jobs").hidden = true;
    if (wasOpen !== null) renderKiosks();
  }
  $("kiosk-jobs-refresh").addEventListener("click", () => {
    if (state.jobsFor !== null) showJobs(state.jobsFor);
  });
  $("kiosk-jobs-close").addEventListener("click", () => {
    const id = state.jobsFor;
    closeJobs();
    const back = document.querySelector(`[data-focus-key="jobs-kiosk-${id}"]`);
    if (back) back.focus();
  });

  // The preview: a sample ticket per language, as the printer gets it.
  const previewImage = $("preview-image");
  function updatePreview() {
    const select = $("preview-language");
    const language = select.value;
    const name = select.selectedOptions[0] ? select.selectedOptions[0].dataset.name : language;
    const status = $("preview-status");
    if (!state.slug) {
      $("preview-link").hidden = true;
      previewImage.removeAttribute("src");
      previewImage.alt = "";
      status.textContent = "Bitte zuerst einen Standort anlegen.";
      return;
    }
    const src = `/api/v1/printers/preview.png?language=${enc(language)}&location=${enc(state.slug)}`;
    if (previewImage.getAttribute("src") === src) return;
    status.textContent = `Vorschau auf ${name} wird geladen …`;
    previewImage.setAttribute("aria-busy", "true");
    previewImage.alt = `Beispiel-Ticket auf ${name} für ${locationName(state.slug)}: Standort, `
      + "Wartenummer A012 in großer Schrift, Anliegen in der Sprache und auf Deutsch, Datum und Uhrzeit, "
      + "Personen vor Ihnen, geschätzte Wartezeit, QR-Code zur Statusseite und Datenschutzhinweis.";
    previewImage.src = src;
    $("preview-link").href = src;
    $("preview-link").hidden = false;
  }
  previewImage.addEventListener("load", () => {
    previewImage.removeAttribute("aria-busy");
    $("preview-status").textContent = "";
  });
  previewImage.addEventListener("error", () => {
    previewImage.removeAttribute("aria-busy");
    if (previewImage.getAttribute("src")) {
      $("preview-status").textContent = "Die Vorschau konnte nicht erzeugt werden (fehlt eine Schrift auf dem Server?).";
    }
  });
  $("preview-language").addEventListener("change", updatePreview);

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
    try {
      await loadKiosks();
    } catch (err) {
      SP.showError($("kiosks-error"), err);
    }
    renderKiosks();
    updatePreview();
    window.setInterval(refreshKiosksQuietly, KIOSK_POLL_MS);
  }

  init();
})();
