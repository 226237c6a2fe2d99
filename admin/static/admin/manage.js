/* Managers' page: wires the tabs (one module each under ./manage/) to the shared store,
 * keeps the location pickers of the per-location tabs in step, and loads the first data.
 * Every change goes through the JSON API; every refusal is shown next to the form, input
 * or list it belongs to. */

import { api, showError } from "./common.js";
import { $, $$, h } from "/static/js/dom.js";
import { handleSessionLoss } from "./manage/forms.js";
import { store } from "./manage/store.js";
import * as desks from "./manage/desks.js";
import * as kiosks from "./manage/kiosks.js";
import * as locations from "./manage/locations.js";
import * as organisations from "./manage/organisations.js";
import * as sessions from "./manage/sessions.js";
import * as staff from "./manage/staff.js";
import * as topics from "./manage/topics.js";

// --- tabs (WAI-ARIA tabs: arrows, Home, End; the address keeps the open tab) -------------

const tabs = $$('[role="tab"]');
const onShown = new Map(); // tab id → what to do when it comes into view

function selectTab(tab, focus = false) {
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute("aria-selected", String(selected));
    other.tabIndex = selected ? 0 : -1;
    document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
  }
  if (focus) tab.focus();
  if (window.location.hash !== `#${tab.dataset.hash}`) {
    window.history.replaceState(null, "", `#${tab.dataset.hash}`);
  }
  const shown = onShown.get(tab.id);
  if (shown) shown();
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

// --- the location pickers of the per-location tabs -------------------------------------

const pickers = $$("[data-location-pick]");

function renderPickers() {
  for (const select of pickers) {
    select.replaceChildren(...store.locations.map((loc) => h("option", { value: loc.slug }, loc.name)));
    select.value = store.slug;
    select.disabled = !store.locations.length;
  }
}

for (const select of pickers) {
  select.addEventListener("change", async () => {
    try {
      await store.choose(select.value);
    } catch (err) {
      showError(select.closest("section").querySelector(".alert"), err);
      handleSessionLoss(err);
    }
  });
}
store.on("locations", renderPickers);
store.on("location", renderPickers);

// --- start -----------------------------------------------------------------------------

locations.setup(store);
topics.setup(store);
desks.setup(store);
const staffTab = staff.setup(store);
const organisationsTab = $("#panel-organisations") ? organisations.setup(store) : null;
const kiosksTab = kiosks.setup(store);
onShown.set("tab-kiosks", kiosksTab.shown);
const sessionsTab = sessions.setup(store);
onShown.set("tab-sessions", sessionsTab.shown);
selectTab(tabFromHash());

async function init() {
  try {
    const [me, listed] = await Promise.all([api("GET", "/session"), api("GET", "/locations")]);
    store.me = me;
    store.locations = store.managed(listed.locations || []);
    // Every managed location's topics: the staff tab offers them all.
    await Promise.all(store.locations.map((loc) => store.loadTopics(loc.slug)));
    store.emit("locations");
    await store.chooseRemembered();
  } catch (err) {
    showError($("#page-error"), err);
    handleSessionLoss(err);
    return;
  }
  if (organisationsTab) await organisationsTab.start();
  await staffTab.start();
  kiosksTab.start();
  if ($("#tab-sessions").getAttribute("aria-selected") === "true") sessionsTab.shown();
}

init();
