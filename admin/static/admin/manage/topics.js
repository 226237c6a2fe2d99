/* Managers' page, tab "Themen" (topics): the chosen location's topics (inactive ones included) in
 * the server's order, a form to add or edit one with its name in every language (and
 * whether it is discreet), and switching a topic on or off. */

import { api, pageError, showNote, t } from "../common.js";
import { $, $$, h, svg } from "/static/js/dom.js";
import { formMode, pill, rowButton, submitting } from "./forms.js";

const enc = encodeURIComponent;

export function setup(store) {
  const form = $("#topic-form");
  const error = $("#topics-error");
  const note = $("#topics-note");
  const nameInputs = $$("[data-lang]", form);
  const languages = nameInputs.map((el) => el.dataset.lang);
  let editing = null; // the key of the topic in the form

  const label = (topic) => topic.names.de || topic.key;

  function neutralLetter() {
    return (store.neutral || {})[store.slug] || null;
  }

  function render() {
    const topics = store.topics[store.slug] || [];
    const neutral = neutralLetter();
    $("[data-testid=topic-neutral-letter]", form).textContent = neutral ? ` (${neutral}001, ${neutral}002, …)` : "";
    const rows = topics.map((topic) => {
      const named = Object.keys(topic.names);
      return h("tr", { class: topic.active ? null : "inactive", "data-testid": `topic-${topic.key}` },
        h("td", {}, String(topic.position)),
        h("td", { class: "mono" }, h("strong", {}, topic.prefix)),
        h("td", { class: "mono" }, topic.key),
        h("td", {}, topic.pictogram
          ? svg("svg", { class: "pictogram", "aria-hidden": "true", focusable: "false" },
            svg("use", { href: `#pictogram-${topic.pictogram}` }))
          : null, " ", topic.names.de || "–"),
        h("td", { title: t("manage.topics.named_in", { codes: named.join(", ") }) }, `${named.length} / ${languages.length}`),
        h("td", {}, pill(topic.active), topic.discreet
          ? [" ", h("span", { class: "pill discreet", title: t("manage.topics.discreet_title") },
            neutral ? `${t("manage.topics.discreet")} · ${neutral}` : t("manage.topics.discreet"))]
          : null, topic.online_booking
          ? [" ", h("span", { class: "pill", title: t("manage.topics.online_title") }, t("manage.topics.online_pill"))]
          : null),
        h("td", { class: "actions-cell" },
          h("button", {
            type: "button", class: "small", "aria-label": t("manage.topics.edit_named", { name: label(topic) }),
            "data-focus-key": `edit-topic-${topic.key}`, onclick: () => edit(topic),
          }, t("manage.edit")),
          rowButton(t(topic.active ? "manage.deactivate" : "manage.activate"), {
            label: t(topic.active ? "manage.topics.deactivate_named" : "manage.topics.activate_named", { name: label(topic) }),
            errorEl: error, noteEl: note, cls: topic.active ? "warn" : null,
            focusKey: `toggle-topic-${topic.key}`,
            work: async () => {
              const saved = await api("PATCH", `/locations/${enc(store.slug)}/topics/${enc(topic.key)}`, { active: !topic.active });
              await store.loadTopics(store.slug);
              return t(saved.active ? "manage.topics.now_active" : "manage.topics.now_inactive", { name: saved.names.de });
            },
          })));
    });
    if (!rows.length) {
      rows.push(h("tr", {}, h("td", { colspan: 7, class: "muted" },
        store.slug ? t("manage.topics.none") : t("manage.no_location"))));
    }
    $("#topics-body").replaceChildren(...rows);
  }

  function edit(topic) {
    editing = topic.key;
    formMode(form, { editing: true, heading: t("manage.topics.editing", { name: label(topic) }), submitText: t("manage.save") });
    $("#topic-key").value = topic.key;
    $("#topic-key").readOnly = true;
    $("#topic-prefix").value = topic.prefix;
    $("#topic-position").value = topic.position;
    $("#topic-active").checked = topic.active;
    $("#topic-discreet").checked = Boolean(topic.discreet);
    $("#topic-online").checked = Boolean(topic.online_booking);
    const picked = $(`input[name=pictogram][value="${topic.pictogram || ""}"]`, form);
    if (picked) picked.checked = true;
    for (const input of nameInputs) input.value = topic.names[input.dataset.lang] || "";
    form.scrollIntoView({ block: "nearest" });
    $("#topic-prefix").focus();
  }

  function reset() {
    editing = null;
    formMode(form, { editing: false, heading: t("manage.topics.new"), submitText: t("manage.topics.add") });
    form.reset();
    $("#topic-key").readOnly = false;
  }

  $("[data-cancel]", form).addEventListener("click", () => {
    const key = editing;
    reset();
    const back = document.querySelector(`[data-focus-key="edit-topic-${key}"]`);
    (back || $("#topic-key")).focus();
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(form, async ({ note: formNote }) => {
      if (!store.slug) throw pageError(t("manage.no_location"));
      const names = {};
      for (const input of nameInputs) names[input.dataset.lang] = input.value;
      const data = {
        prefix: $("#topic-prefix").value,
        names,
        active: $("#topic-active").checked,
        discreet: $("#topic-discreet").checked,
        online_booking: $("#topic-online").checked,
        pictogram: ($("input[name=pictogram]:checked", form) || { value: "" }).value,
      };
      const position = $("#topic-position");
      // An empty position means "at the end"; a number the browser cannot read is sent as
      // typed, so the server says what is wrong with it.
      if (position.value.trim() !== "") data.position = Number(position.value);
      else if (position.validity.badInput) data.position = position.value;
      const key = editing;
      const saved = key
        ? await api("PATCH", `/locations/${enc(store.slug)}/topics/${enc(key)}`, data)
        : await api("POST", `/locations/${enc(store.slug)}/topics`, { key: $("#topic-key").value, ...data });
      reset();
      await store.loadTopics(store.slug);
      showNote(formNote, key
        ? t("manage.topics.saved", { name: saved.names.de })
        : t("manage.topics.created", { name: saved.names.de, prefix: saved.prefix }));
    });
  });

  store.on("location", () => {
    reset();
    render();
  });
  store.on("topics", render);
}
