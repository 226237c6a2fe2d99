/* Managers' page, tab "Kioske & Drucker" (kiosks and printers): the chosen location's kiosks with their printers'
 * states (refreshed while the tab is in view), a form to add or edit a kiosk, the key shown
 * once after creating or renewing it, test prints followed to their outcome, the last print
 * jobs of a kiosk, and a preview of a printed ticket per language. */

import { api, dayAndTime, pageError, showError, showNote, t } from "../common.js";
import { $, $$, h } from "/static/js/dom.js";
import { focusAgain, formMode, handleSessionLoss, rowButton, statePill, submitting } from "./forms.js";

const enc = encodeURIComponent;
const KIOSK_POLL_MS = 10000;       // printer states, while the tab is in view
const JOB_POLL_MS = 1000;          // a test print's outcome
const JOB_POLL_LIMIT_MS = 45000;   // server printing gives up after its timeouts well before
const JOBS_SHOWN = 20;
const DEFAULT_PROFILE = "TM-T20II";
// The words come from the catalog: staff.manage.kiosks.mode.<mode>, .mode_hint.<mode>,
// .uri_hint.<mode>, .printer_state.<state> and .job_state.<state>; here only their look.
const MODES = ["none", "server", "agent"];
const URI_HINT_MODES = ["server", "agent"];
const PRINTER_STATES = { ok: "ok", offline: "bad", paper_out: "bad", paper_low: "warn", error: "bad", unknown: "off" };
const JOB_STATES = { pending: "off", printed: "ok", failed: "bad", expired: "warn" };
const modeName = (mode) => (MODES.includes(mode) ? t(`manage.kiosks.mode.${mode}`) : mode);
const printerState = (state) => (PRINTER_STATES[state]
  ? [t(`manage.kiosks.printer_state.${state}`), PRINTER_STATES[state]] : [state, "off"]);
const jobState = (state) => (JOB_STATES[state]
  ? [t(`manage.kiosks.job_state.${state}`), JOB_STATES[state]] : [state, "off"]);
const isFailed = (job) => job.state === "failed" || job.state === "expired";

export function setup(store) {
  const panel = $("#panel-kiosks");
  const form = $("#kiosk-form");
  const error = $("#kiosks-error");
  const note = $("#kiosks-note");
  const secretBox = $("#kiosk-secret");
  const jobsBox = $("#kiosk-jobs");
  const previewImage = $("#preview-image");
  let kiosks = [];      // of store.slug, inactive ones included; active first
  let editing = null;   // the id of the kiosk in the form
  let jobsFor = null;   // the kiosk whose print jobs are shown
  let testPoll = null;

  const timeZone = () => (store.location() ? store.location().timezone : undefined);
  const when = (iso) => dayAndTime(iso, timeZone());

  async function load() {
    const slug = store.slug;
    if (!slug) {
      kiosks = [];
      return;
    }
    const data = await api("GET", `/locations/${enc(slug)}/kiosks`);
    // Active kiosks first (each group in the API's order, by name).
    const all = data.kiosks || [];
    if (slug === store.slug) kiosks = [...all.filter((k) => k.active), ...all.filter((k) => !k.active)];
  }

  /** Keep the printers' states current while the tab is open (no messages on failure). */
  async function refreshQuietly() {
    if (panel.hidden || document.visibilityState !== "visible" || !store.slug) return;
    const before = JSON.stringify(kiosks);
    try {
      await load();
    } catch (_err) {
      return; // the next round tries again; actions show their own errors
    }
    if (JSON.stringify(kiosks) !== before) render();
  }

  function kioskState(kiosk) {
    if (!kiosk.active) return h("span", { class: "muted" }, `– (${t("manage.deactivated")})`);
    if (kiosk.printer_mode === "none") return h("span", { class: "muted" }, "–");
    const label = kiosk.problem === "agent_away"
      ? [t("manage.kiosks.agent_away"), "bad"]
      : printerState(kiosk.printer_state);
    return h("div", { class: "printer-state" },
      statePill(label),
      kiosk.printer_detail ? h("span", { class: "detail", lang: "en" }, kiosk.printer_detail) : null,
      kiosk.printer_checked_at ? h("span", { class: "detail" }, t("manage.kiosks.checked", { when: when(kiosk.printer_checked_at) })) : null);
  }

  function agentCell(kiosk) {
    if (kiosk.printer_mode !== "agent") return h("span", { class: "muted" }, t("manage.kiosks.not_needed"));
    if (!kiosk.active) return h("span", { class: "muted" }, "–");
    return kiosk.agent_connected ? statePill([t("manage.kiosks.connected"), "ok"]) : statePill([t("manage.kiosks.not_connected"), "warn"]);
  }

  function actionsOf(kiosk) {
    const printing = kiosk.printer_mode !== "none";
    const actions = [
      h("button", {
        type: "button", class: "small", "aria-label": t("manage.kiosks.edit_named", { name: kiosk.name }),
        "data-focus-key": `edit-kiosk-${kiosk.id}`, onclick: () => edit(kiosk),
      }, t("manage.edit")),
    ];
    if (printing && kiosk.active) {
      actions.push(h("button", {
        type: "button", class: "small", "data-testid": `kiosk-test-print-${kiosk.id}`,
        "data-focus-key": `test-kiosk-${kiosk.id}`, "aria-label": t("manage.kiosks.test_print_on", { name: kiosk.name }),
        onclick: (event) => testPrint(kiosk, event.currentTarget),
      }, t("manage.kiosks.test_print")));
    }
    if (printing) {
      actions.push(h("button", {
        type: "button", class: "small", "aria-label": t("manage.kiosks.jobs_of", { name: kiosk.name }),
        "aria-controls": "kiosk-jobs", "aria-expanded": String(jobsFor === kiosk.id),
        "data-focus-key": `jobs-kiosk-${kiosk.id}`, "data-testid": `kiosk-jobs-${kiosk.id}`,
        onclick: () => (jobsFor === kiosk.id ? closeJobs() : showJobs(kiosk.id, { focus: true })),
      }, t("manage.kiosks.jobs_button")));
    }
    actions.push(rowButton(t("manage.kiosks.new_token"), {
      label: t("manage.kiosks.new_token_for", { name: kiosk.name }), errorEl: error, noteEl: note,
      focusKey: `renew-kiosk-${kiosk.id}`, testid: `kiosk-new-token-${kiosk.id}`,
      work: async () => {
        if (!window.confirm(t(kiosk.printer_mode === "agent"
          ? "manage.kiosks.confirm_new_token_agent" : "manage.kiosks.confirm_new_token", { name: kiosk.name }))) return null;
        const saved = await api("PATCH", `/kiosks/${kiosk.id}`, { new_token: true });
        await load();
        render();
        showSecret(saved, "renewed");
        return null;
      },
    }));
    actions.push(rowButton(t(kiosk.active ? "manage.deactivate" : "manage.activate"), {
      label: t(kiosk.active ? "manage.kiosks.deactivate_named" : "manage.kiosks.activate_named", { name: kiosk.name }), errorEl: error, noteEl: note,
      cls: kiosk.active ? "danger" : "ok", focusKey: `toggle-kiosk-${kiosk.id}`, testid: `kiosk-toggle-${kiosk.id}`,
      work: async () => {
        if (kiosk.active && !window.confirm(t("manage.kiosks.confirm_deactivate", { name: kiosk.name }))) return null;
        const saved = await api("PATCH", `/kiosks/${kiosk.id}`, { active: !kiosk.active });
        await load();
        render();
        return t(saved.active ? "manage.kiosks.now_active" : "manage.kiosks.now_inactive", { name: saved.name });
      },
    }));
    return actions;
  }

  function render() {
    const focusedKey = document.activeElement && document.activeElement.getAttribute("data-focus-key");
    const rows = kiosks.map((kiosk) => {
      const printing = kiosk.printer_mode !== "none";
      return h("tr", { class: kiosk.active ? null : "inactive", "data-testid": `kiosk-${kiosk.id}` },
        h("th", { scope: "row" }, kiosk.name, kiosk.active ? null : h("span", { class: "detail" }, t("manage.deactivated"))),
        h("td", { class: "printer" },
          h("span", { class: "mode" }, modeName(kiosk.printer_mode)),
          printing ? h("span", { class: "mono uri", "data-testid": `kiosk-uri-${kiosk.id}` }, kiosk.printer_uri || "–") : null,
          printing ? h("span", { class: "detail" }, `${t("manage.kiosks.profile")} `, h("span", { class: "mono" }, kiosk.printer_profile)) : null),
        h("td", { "data-testid": `kiosk-state-${kiosk.id}`, "data-state": printing ? kiosk.printer_state : "none" },
          kioskState(kiosk)),
        h("td", {}, agentCell(kiosk)),
        h("td", {}, h("div", { class: "row-actions" }, actionsOf(kiosk))));
    });
    if (!rows.length) {
      rows.push(h("tr", {}, h("td", { colspan: 5, class: "muted" },
        store.slug ? t("manage.kiosks.none")
          : t("manage.no_location"))));
    }
    $("#kiosks-body").replaceChildren(...rows);
    focusAgain(focusedKey);
    if (jobsFor !== null && !kiosks.some((k) => k.id === jobsFor)) closeJobs();
  }

  // --- the form: the mode decides which printer fields are shown and what the hints say ---

  function syncMode() {
    const mode = $("#kiosk-mode").value;
    $("#kiosk-mode-hint").textContent = MODES.includes(mode) ? t(`manage.kiosks.mode_hint.${mode}`) : "";
    $("#kiosk-uri-field").hidden = mode === "none";
    $("#kiosk-profile-field").hidden = mode === "none";
    $("#kiosk-uri-hint").textContent = URI_HINT_MODES.includes(mode) ? t(`manage.kiosks.uri_hint.${mode}`) : "";
    $("#kiosk-uri").required = mode !== "none";
    $("#kiosk-uri").placeholder = mode === "agent" ? "usb://04b8:0202" : "tcp://192.168.1.50:9100";
  }
  $("#kiosk-mode").addEventListener("change", syncMode);
  syncMode();

  function edit(kiosk) {
    editing = kiosk.id;
    formMode(form, { editing: true, heading: t("manage.kiosks.editing", { name: kiosk.name }), submitText: t("manage.save") });
    $("#kiosk-name").value = kiosk.name;
    $("#kiosk-mode").value = kiosk.printer_mode;
    $("#kiosk-uri").value = kiosk.printer_uri || "";
    $("#kiosk-profile").value = kiosk.printer_profile || DEFAULT_PROFILE;
    syncMode();
    form.scrollIntoView({ block: "nearest" });
    $("#kiosk-name").focus();
  }

  function reset() {
    editing = null;
    formMode(form, { editing: false, heading: t("manage.kiosks.new"), submitText: t("manage.kiosks.add") });
    form.reset();
    syncMode();
  }

  $("[data-cancel]", form).addEventListener("click", () => {
    const id = editing;
    reset();
    const back = document.querySelector(`[data-focus-key="edit-kiosk-${id}"]`);
    (back || $("#kiosk-name")).focus();
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(form, async ({ note: formNote }) => {
      if (!store.slug) throw pageError(t("manage.no_location"));
      const mode = $("#kiosk-mode").value;
      const data = { name: $("#kiosk-name").value, printer_mode: mode };
      if (mode !== "none") {
        data.printer_uri = $("#kiosk-uri").value.trim();
        data.printer_profile = $("#kiosk-profile").value.trim() || DEFAULT_PROFILE;
      }
      const id = editing;
      const saved = id
        ? await api("PATCH", `/kiosks/${id}`, data)
        : await api("POST", `/locations/${enc(store.slug)}/kiosks`, data);
      reset();
      await load();
      render();
      showNote(formNote, t(id ? "manage.kiosks.saved" : "manage.kiosks.created", { name: saved.name }));
      if (!id) showSecret(saved, "created");
    });
  });

  // --- the once-only box with token, screen address and agent command -------------------

  const SECRETS = ["#kiosk-secret-token", "#kiosk-secret-screen", "#kiosk-secret-agent"];

  function showSecret(kiosk, why) {
    $("#kiosk-secret-heading").textContent = t(why === "created"
      ? "manage.kiosks.secret_created" : "manage.kiosks.secret_renewed", { name: kiosk.name });
    $("#kiosk-secret-token").textContent = kiosk.token;
    $("#kiosk-secret-screen").textContent = kiosk.screen_url;
    $("#kiosk-secret-agent").textContent = kiosk.agent_command;
    $("#kiosk-secret-agent-item").hidden = kiosk.printer_mode !== "agent";
    $("#kiosk-secret-copied").textContent = "";
    secretBox.dataset.kiosk = kiosk.id;
    secretBox.hidden = false;
    secretBox.scrollIntoView({ block: "nearest" });
    secretBox.focus();
  }

  function hideSecret() {
    const id = secretBox.dataset.kiosk;
    for (const selector of SECRETS) $(selector).textContent = "";
    secretBox.hidden = true;
    const back = document.querySelector(`[data-focus-key="renew-kiosk-${id}"]`);
    (back || $("#kiosk-name")).focus();
  }
  $("#kiosk-secret-close").addEventListener("click", hideSecret);

  /** Copy a value: the clipboard API where the page may use it (https, localhost), else the
   * old way; if both fail the text stays selected for Ctrl+C. */
  async function copyValue(source, label) {
    const text = source.textContent;
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
    $("#kiosk-secret-copied").textContent = copied
      ? t("manage.kiosks.copied", { what: label })
      : t("manage.kiosks.selected", { what: label });
  }

  for (const button of $$("[data-copy]", secretBox)) {
    button.addEventListener("click", () => {
      const source = document.getElementById(button.dataset.copy);
      copyValue(source, source.dataset.label);
    });
  }

  // --- test prints: start one, then follow it in the jobs list until printed or failed ----

  async function testPrint(kiosk, button) {
    if (button.disabled) return;
    const result = $("#test-print-result");
    const select = $("#test-print-language");
    const language = select.value;
    const languageName = select.selectedOptions[0] ? select.selectedOptions[0].textContent : language;
    error.replaceChildren();
    if (testPoll) window.clearTimeout(testPoll);
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    let job;
    try {
      job = await api("POST", `/kiosks/${kiosk.id}/test-print`, { language });
    } catch (err) {
      result.textContent = "";
      showError(error, err);
      handleSessionLoss(err);
      return;
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
    const what = t("manage.kiosks.test_print_what", { name: kiosk.name, language: languageName });
    result.dataset.state = "pending";
    result.textContent = t("manage.kiosks.test_printing", { what });
    showJobs(kiosk.id);
    const started = Date.now();
    const follow = async () => {
      testPoll = null;
      let found = null;
      try {
        const data = await api("GET", `/kiosks/${kiosk.id}/jobs`);
        found = (data.jobs || []).find((j) => j.id === job.id) || null;
        if (jobsFor === kiosk.id) renderJobs(kiosk.id, data.jobs || []);
      } catch (err) {
        handleSessionLoss(err);
      }
      if (found && found.state !== "pending") {
        result.dataset.state = found.state;
        result.textContent = found.state === "printed"
          ? `✓ ${t("manage.kiosks.test_printed", { what })}`
          : `✗ ${what}: ${jobState(found.state)[0]}${found.error ? ` – ${found.error}` : ""}`;
        await refreshQuietly();
        return;
      }
      if (Date.now() - started > JOB_POLL_LIMIT_MS) {
        result.dataset.state = "pending";
        result.textContent = t(kiosk.printer_mode === "agent"
          ? "manage.kiosks.test_late_agent" : "manage.kiosks.test_late_server", { what });
        return;
      }
      testPoll = window.setTimeout(follow, JOB_POLL_MS);
    };
    testPoll = window.setTimeout(follow, JOB_POLL_MS);
  }

  // --- the last print jobs of one kiosk, failures with their reasons --------------------

  async function showJobs(kioskId, { focus = false } = {}) {
    jobsFor = kioskId;
    jobsBox.hidden = false;
    render();
    try {
      const data = await api("GET", `/kiosks/${kioskId}/jobs`);
      if (jobsFor === kioskId) renderJobs(kioskId, data.jobs || []);
    } catch (err) {
      showError(error, err);
      handleSessionLoss(err);
    }
    if (focus) jobsBox.focus();
  }

  function renderJobs(kioskId, jobs) {
    const kiosk = kiosks.find((k) => k.id === kioskId);
    $("#kiosk-jobs-heading").textContent = t("manage.kiosks.jobs_heading", { name: kiosk ? kiosk.name : kioskId });
    const shown = jobs.slice(0, JOBS_SHOWN);
    const failed = shown.filter(isFailed).length;
    $("#kiosk-jobs-summary").textContent = shown.length
      ? t("manage.kiosks.jobs_summary", { n: shown.length, failed })
      : t("manage.kiosks.no_jobs");
    $("#kiosk-jobs-body").closest(".table-wrap").hidden = !shown.length;
    $("#kiosk-jobs-body").replaceChildren(...shown.map((job) => h("tr", {
      class: isFailed(job) ? "failed" : null, "data-testid": `job-${job.id}`, "data-state": job.state,
    },
    h("td", { class: "mono" }, `#${job.id}`),
    h("td", {}, when(job.created_at)),
    h("td", { class: "mono" }, job.code || "–", job.code === "T001" ? h("span", { class: "detail" }, t("manage.kiosks.test_print")) : null),
    h("td", {}, statePill(jobState(job.state))),
    h("td", { lang: job.error ? "en" : null }, job.error || "–"))));
  }

  function closeJobs() {
    const wasOpen = jobsFor;
    jobsFor = null;
    jobsBox.hidden = true;
    if (wasOpen !== null) render();
  }
  $("#kiosk-jobs-refresh").addEventListener("click", () => {
    if (jobsFor !== null) showJobs(jobsFor);
  });
  $("#kiosk-jobs-close").addEventListener("click", () => {
    const id = jobsFor;
    closeJobs();
    const back = document.querySelector(`[data-focus-key="jobs-kiosk-${id}"]`);
    if (back) back.focus();
  });

  // --- the preview: a sample ticket per language, as the printer gets it -----------------

  function updatePreview() {
    const select = $("#preview-language");
    const language = select.value;
    const name = select.selectedOptions[0] ? select.selectedOptions[0].dataset.name : language;
    const status = $("#preview-status");
    if (!store.slug) {
      $("#preview-link").hidden = true;
      previewImage.removeAttribute("src");
      previewImage.alt = "";
      status.textContent = t("manage.no_location");
      return;
    }
    const src = `/api/v1/printers/preview.png?language=${enc(language)}&location=${enc(store.slug)}`;
    if (previewImage.getAttribute("src") === src) return;
    status.textContent = t("manage.kiosks.preview_loading", { language: name });
    previewImage.setAttribute("aria-busy", "true");
    previewImage.alt = t("manage.kiosks.preview_alt", { language: name, location: store.locationName(store.slug) });
    previewImage.src = src;
    $("#preview-link").href = src;
    $("#preview-link").hidden = false;
  }
  previewImage.addEventListener("load", () => {
    previewImage.removeAttribute("aria-busy");
    $("#preview-status").textContent = "";
  });
  previewImage.addEventListener("error", () => {
    previewImage.removeAttribute("aria-busy");
    if (previewImage.getAttribute("src")) {
      $("#preview-status").textContent = t("manage.kiosks.preview_failed");
    }
  });
  $("#preview-language").addEventListener("change", updatePreview);

  // --- start ----------------------------------------------------------------------------

  store.on("location", async () => {
    reset();
    closeJobs();
    try {
      await load();
    } catch (err) {
      kiosks = [];
      showError(error, err);
      handleSessionLoss(err);
    }
    render();
    updatePreview();
  });

  return {
    /** The tab came into view: bring the printers' states up to date. */
    shown: refreshQuietly,
    start() {
      window.setInterval(refreshQuietly, KIOSK_POLL_MS);
    },
  };
}
