/* Counselor desk view: choose location and desk, watch the queue live (Socket.IO /staff),
   call the next person and move the ticket at this desk. Every action goes through the
   JSON API; the queue shown is always derived from the server's latest snapshot. */
"use strict";

(() => {
  const { api, h } = SP;
  const $ = (id) => document.getElementById(id);
  const els = {
    location: $("location"), desk: $("desk"), connection: $("connection"),
    message: $("message"), status: $("status"),
    callNext: $("call-next"), callHint: $("call-hint"), current: $("current"), actions: $("actions"),
    waiting: $("waiting-list"), queueCount: $("queue-count"), queueTopics: $("queue-topics"),
    queueEmpty: $("queue-empty"), othersToggle: $("others-toggle"), others: $("others"),
    waitingOther: $("waiting-other"), atDesks: $("at-desks"), atDesksCount: $("at-desks-count"),
    atDesksList: $("at-desks-list"), printers: $("printers"),
    toast: $("toast"), toastText: $("toast-text"), undo: $("undo"), toastClose: $("toast-close"),
    transferDialog: $("transfer-dialog"), transferForm: $("transfer-form"),
    transferTopic: $("transfer-topic"), transferWhat: $("transfer-what"),
  };

  // Which states each move may start from (mirrors servicepoint.tickets.ALLOWED_FROM).
  const ALLOWED = {
    recall: ["called"],
    start: ["called"],
    finish: ["called", "serving"],
    "no-show": ["called"],
    requeue: ["called", "serving", "no_show"],
    transfer: ["waiting", "called", "serving"],
    cancel: ["waiting", "called"],
  };
  const UNDOABLE = { "no-show": "als nicht erschienen markiert", finish: "abgeschlossen", cancel: "storniert" };
  const UNDO_SECONDS = 10;
  const POLL_MS = 15000;
  const LONG_WAIT_MINUTES = 30;

  const STORE_LOCATION = "servicepoint.staff.location";
  const storeDeskKey = (slug) => `servicepoint.staff.desk.${slug}`;
  const store = {
    get(key) {
      try { return window.localStorage.getItem(key); } catch (_err) { return null; }
    },
    set(key, value) {
      try {
        if (value === null || value === undefined || value === "") window.localStorage.removeItem(key);
        else window.localStorage.setItem(key, String(value));
      } catch (_err) { /* private mode: the choice is simply not remembered */ }
    },
  };

  const state = {
    me: null,
    locations: [],
    slug: "",
    desks: [],
    deskId: null,
    topics: [],          // the location's active topics
    waiting: [],
    active: [],
    haveQueue: false,
    offset: 0,           // server clock minus this clock, in ms
    busy: false,
    socket: null,
    connected: false,
    everConnected: false,
    pollTimer: null,
    showOthers: false,
    printers: [],        // queue.printers: the location's kiosk printers and their states
    printersShown: "",   // what the banner shows now, so it is only rewritten on a change
  };

  const now = () => Date.now() + state.offset;

  /** A time of day as the location's clock shows it. */
  function clock(iso) {
    const location = state.locations.find((l) => l.slug === state.slug);
    return SP.clockTime(iso, location ? location.timezone : undefined);
  }

  // --- derived state ------------------------------------------------------------------

  function desk() {
    return state.desks.find((d) => d.id === state.deskId) || null;
  }

  /** Topic keys this counselor serves here: their chosen ones, or every active topic. */
  function servedKeys() {
    const active = new Set(state.topics.map((t) => t.key));
    const chosen = (state.me ? state.me.topics : [])
      .filter((t) => t.location === state.slug)
      .map((t) => t.key);
    if (chosen.length) {
      return { keys: new Set(state.topics.length ? chosen.filter((k) => active.has(k)) : chosen), all: false };
    }
    return { keys: active, all: true };
  }

  /** The waiting tickets this counselor serves, and those of other topics. */
  function split() {
    const served = servedKeys();
    const everything = served.all && !state.topics.length;
    const mine = [];
    const others = [];
    for (const ticket of state.waiting) {
      (everything || served.keys.has(ticket.topic) ? mine : others).push(ticket);
    }
    return { mine, others };
  }

  function currentTicket() {
    if (state.deskId === null) return null;
    const here = state.active.filter((t) => t.desk_id === state.deskId);
    here.sort((a, b) => Date.parse(b.called_at || 0) - Date.parse(a.called_at || 0));
    return here[0] || null;
  }

  function topicLabel(ticket) {
    return SP.topicName(ticket.topic_names, ticket.topic);
  }

  // --- applying server state -----------------------------------------------------------

  function setQueue(data) {
    state.waiting = data.waiting || [];
    state.active = data.active || [];
    state.printers = Array.isArray(data.printers) ? data.printers : [];
    state.haveQueue = true;
    if (data.server_time) state.offset = Date.parse(data.server_time) - Date.now();
    render();
  }

  /** Fold one ticket (from an API answer or a ``ticket`` event) into the queue. */
  function applyTicket(ticket) {
    state.waiting = state.waiting.filter((t) => t.id !== ticket.id);
    state.active = state.active.filter((t) => t.id !== ticket.id);
    if (ticket.state === "waiting") {
      state.waiting.push(ticket);
      state.waiting.sort((a, b) => Date.parse(a.issued_at) - Date.parse(b.issued_at) || a.id - b.id);
    } else if (ticket.state === "called" || ticket.state === "serving") {
      state.active.push(ticket);
    }
    render();
  }

  // --- rendering ---------------------------------------------------------------------------

  function render() {
    renderControls();
    renderCurrent();
    renderQueue();
    renderAtDesks();
    renderPrinters();
  }

  function renderLocations() {
    const options = [h("option", { value: "" }, "– wählen –")];
    for (const loc of state.locations) {
      options.push(h("option", { value: loc.slug, selected: loc.slug === state.slug }, loc.name));
    }
    els.location.replaceChildren(...options);
    els.location.value = state.slug;
  }

  function renderDesks() {
    const options = [h("option", { value: "" }, state.desks.length ? "– wählen –" : "– keine Plätze –")];
    for (const d of state.desks) {
      options.push(h("option", { value: d.id, disabled: !d.active }, d.active ? d.name : `${d.name} (geschlossen)`));
    }
    els.desk.replaceChildren(...options);
    els.desk.value = state.deskId === null ? "" : String(state.deskId);
    els.desk.disabled = !state.slug || !state.desks.length;
  }

  function renderControls() {
    const current = currentTicket();
    const chosen = desk();
    const { mine } = split();
    els.callNext.disabled = state.busy || !chosen || !chosen.active;
    let hint = "";
    if (!state.slug) hint = "Bitte zuerst den Standort wählen.";
    else if (!chosen) hint = "Bitte zuerst Ihren Platz wählen.";
    else if (!chosen.active) hint = `${chosen.name} ist geschlossen.`;
    else if (current && current.state === "called") {
      hint = `${current.code} ist noch aufgerufen.`;
    } else if (current && current.state === "serving") {
      hint = `Schließt ${current.code} ab und ruft ${mine[0] ? mine[0].code : "die nächste Person"} auf.`;
    } else if (state.haveQueue && !mine.length) hint = "Niemand wartet auf Ihre Themen.";
    else if (mine.length) hint = `Als Nächstes: ${mine[0].code} (${topicLabel(mine[0])})`;
    els.callHint.textContent = hint;
  }

  function renderCurrent() {
    const ticket = currentTicket();
    const card = els.current;
    card.className = "current";
    if (!ticket) {
      card.replaceChildren(h("p", { class: "empty" },
        desk() ? `Niemand ist zu ${desk().name} aufgerufen.` : "Kein Platz gewählt."));
      els.actions.hidden = true;
      return;
    }
    card.classList.add(ticket.state);
    const stateText = ticket.state === "called" ? "Aufgerufen" : "In Beratung";
    const times = ticket.state === "called"
      ? `aufgerufen ${clock(ticket.called_at)}${ticket.call_count > 1 ? ` (${ticket.call_count}×)` : ""}`
      : `in Beratung seit ${clock(ticket.started_at)}`;
    card.replaceChildren(
      h("div", { class: "head" },
        h("span", { class: "code" }, ticket.code),
        h("span", { class: "state" }, stateText)),
      h("p", { class: "topic" }, topicLabel(ticket)),
      h("p", { class: "times" },
        `Sprache: ${SP.languageName(ticket.language)} · gezogen ${clock(ticket.issued_at)} · ${times}`),
    );
    els.actions.hidden = false;
    for (const button of els.actions.querySelectorAll("[data-move]")) {
      const move = button.dataset.move;
      button.disabled = state.busy || !ALLOWED[move].includes(ticket.state);
    }
  }

  function waitText(ticket) {
    return `wartet ${SP.formatWait(SP.minutesSince(ticket.issued_at, now()))}`;
  }

  function ticketItem(ticket, { next = false } = {}) {
    const minutes = SP.minutesSince(ticket.issued_at, now());
    const chosen = desk();
    const button = h("button", {
      type: "button", class: "small", "aria-label": `${ticket.code} aufrufen`,
      "data-focus-key": `call-${ticket.id}`,
      title: "Diese Person außer der Reihe aufrufen",
      disabled: state.busy || !chosen || !chosen.active,
    }, "Aufrufen");
    button.addEventListener("click", () => callChosen(ticket, button));
    return h("li", { "data-testid": `waiting-${ticket.code}`, class: next ? "next" : null },
      h("span", { class: "code" }, ticket.code,
        next ? h("span", { class: "next-mark" }, "als Nächstes") : null),
      h("span", { class: "info" },
        h("span", { class: "topic", title: topicLabel(ticket) }, topicLabel(ticket)),
        h("span", { class: "sub" },
          h("span", {
            class: minutes >= LONG_WAIT_MINUTES ? "wait long" : "wait",
            dataset: { issued: ticket.issued_at },
            title: `gezogen um ${clock(ticket.issued_at)}`,
          }, waitText(ticket)),
          ` · ${SP.languageName(ticket.language)}`)),
      button);
  }

  /** Replace a list's items, keeping keyboard focus on the same ticket's button. */
  function replaceList(list, items) {
    const focused = document.activeElement;
    const key = focused && list.contains(focused) ? focused.getAttribute("data-focus-key") : null;
    list.replaceChildren(...items);
    if (key) {
      const again = list.querySelector(`[data-focus-key="${key}"]`);
      if (again) again.focus();
    }
  }

  function renderQueue() {
    const { mine, others } = split();
    const served = servedKeys();
    els.queueCount.textContent = state.haveQueue ? `(${mine.length})` : "";
    if (!state.slug) {
      els.queueTopics.textContent = "";
    } else if (served.all) {
      els.queueTopics.textContent = "Ihre Themen: alle Themen dieses Standorts";
    } else {
      const names = state.topics.filter((t) => served.keys.has(t.key)).map((t) => SP.topicName(t.names, t.key));
      els.queueTopics.textContent = `Ihre Themen: ${names.join(", ") || "keine aktiven"}`;
    }
    replaceList(els.waiting, mine.map((t, i) => ticketItem(t, { next: i === 0 })));
    els.queueEmpty.hidden = !state.haveQueue || mine.length > 0;
    els.queueEmpty.textContent = state.slug ? "Niemand wartet auf Ihre Themen." : "";

    els.othersToggle.hidden = others.length === 0;
    els.othersToggle.textContent = `${state.showOthers ? "Andere Themen ausblenden" : "Andere Themen anzeigen"} (${others.length})`;
    els.othersToggle.setAttribute("aria-expanded", String(state.showOthers));
    els.others.hidden = !state.showOthers || others.length === 0;
    replaceList(els.waitingOther, others.map((t) => ticketItem(t)));
  }

  function renderAtDesks() {
    const rows = [...state.active].sort((a, b) => (a.desk || "").localeCompare(b.desk || "", "de"));
    els.atDesksCount.textContent = `(${rows.length})`;
    els.atDesksList.replaceChildren(...rows.map((t) => h("li", {},
      h("strong", {}, t.code), ` · ${t.desk || "?"} · `,
      t.state === "called" ? `aufgerufen ${clock(t.called_at)}` : `in Beratung seit ${clock(t.started_at)}`,
      t.staff ? ` · ${t.staff}` : "")));
    if (!rows.length) els.atDesksList.replaceChildren(h("li", { class: "muted" }, "An keinem Platz ist jemand."));
  }

  // --- kiosk printers ---------------------------------------------------------------------

  const PRINTER_PROBLEMS = {
    offline: "Drucker nicht erreichbar",
    paper_out: "Papier leer",
    paper_low: "Papier fast leer",
    error: "Druckerfehler",
  };

  /** What is wrong with a kiosk's printer, in German, or null when it can print. */
  function printerProblem(printer) {
    if (printer.mode === "agent" && !printer.agent_connected) return "Druck-Agent nicht verbunden";
    return PRINTER_PROBLEMS[printer.state] || null;
  }

  /** A chip per printer: green when ready, grey when its state is unknown, a clear warning
   * naming the kiosk and the reason otherwise. Rewritten only when something changed, so
   * the polite live region announces changes and not every queue refresh. */
  function renderPrinters() {
    const printers = state.slug ? state.printers : [];
    const shown = JSON.stringify(printers.map((p) =>
      [p.kiosk_id, p.kiosk, p.mode, p.state, p.detail, p.agent_connected]));
    if (shown === state.printersShown) return;
    state.printersShown = shown;
    const sorted = [...printers].sort((a, b) =>
      Number(!printerProblem(a)) - Number(!printerProblem(b)) || a.kiosk.localeCompare(b.kiosk, "de"));
    const items = sorted.map((printer) => {
      const problem = printerProblem(printer);
      const attrs = { "data-testid": `printer-${printer.kiosk_id}`, "data-state": printer.state };
      if (problem) {
        // The server's detail (English, for whoever fixes the printer); not when it only
        // repeats that the agent is away.
        const detail = printer.mode === "agent" && !printer.agent_connected ? "" : printer.detail;
        return h("p", { ...attrs, class: "printer-chip problem" },
          h("span", { class: "icon", "aria-hidden": "true" }, "⚠"),
          h("span", {}, h("strong", {}, `Kiosk ${printer.kiosk}: ${problem}`),
            detail ? h("span", { class: "detail", lang: "en", title: detail }, detail) : null));
      }
      const ready = printer.state === "ok";
      return h("p", { ...attrs, class: ready ? "printer-chip ready" : "printer-chip unknown",
        title: ready ? "Der Ticketdrucker dieses Kiosks ist bereit." : "Der Drucker hat noch keinen Zustand gemeldet." },
      h("span", { class: "icon", "aria-hidden": "true" }, ready ? "✓" : "?"),
      ready ? "Drucker bereit" : "Druckerstatus unbekannt",
      printers.length > 1 ? ` · ${printer.kiosk}` : "");
    });
    if (sorted.some(printerProblem)) {
      items.push(h("p", { class: "printer-hint" },
        "Wartenummern werden weiter ausgegeben – Besucher sehen ihre Nummer groß am Kiosk-Bildschirm."));
    }
    els.printers.classList.toggle("has-problem", sorted.some(printerProblem));
    els.printers.replaceChildren(...items);
  }

  /** Refresh only the waiting times (every few seconds), not the whole list. */
  function tick() {
    for (const span of document.querySelectorAll(".queue-list .wait[data-issued]")) {
      const minutes = SP.minutesSince(span.dataset.issued, now());
      span.textContent = waitText({ issued_at: span.dataset.issued });
      span.classList.toggle("long", minutes >= LONG_WAIT_MINUTES);
    }
  }

  function renderConnection() {
    const badge = els.connection;
    if (!state.slug) {
      badge.className = "badge offline";
      badge.textContent = "Nicht verbunden";
    } else if (state.connected) {
      badge.className = "badge live";
      badge.textContent = "Live";
      badge.title = "Live connection to the queue";
    } else {
      badge.className = "badge offline";
      badge.textContent = state.everConnected
        ? "Verbindung getrennt – wird wiederhergestellt…"
        : "Verbinde…";
      badge.title = "Disconnected: the queue is refreshed every 15 s until the live connection is back";
    }
  }

  // --- messages ------------------------------------------------------------------------

  function note(text) {
    SP.showNote(els.status, text);
  }

  function fail(err) {
    SP.clear(els.status);
    SP.showError(els.message, err);
    if (err.status === 401) sessionExpired();
  }

  function sessionExpired() {
    SP.showError(els.message,
      new SP.ApiError("not_signed_in", "Ihre Anmeldung ist abgelaufen. Bitte neu anmelden.", 401, "de"));
    els.message.querySelector(".text").append(" ", h("button", {
      type: "button", class: "small", onclick: () => window.location.reload(),
    }, "Neu anmelden"));
  }

  // --- actions -----------------------------------------------------------------------------

  /** Run one request at a time; every action button is disabled while it runs. */
  async function run(button, work, ...preferred) {
    if (state.busy) return;
    state.busy = true;
    SP.clear(els.message);
    render();
    button.setAttribute("aria-busy", "true");
    els.undo.disabled = true;
    try {
      await work();
    } catch (err) {
      fail(err);
    } finally {
      button.removeAttribute("aria-busy");
      state.busy = false;
      els.undo.disabled = false;
      render();
      SP.refocus(...preferred, button, els.callNext, els.current);
    }
  }

  function callNext() {
    const chosen = desk();
    if (!chosen) return;
    run(els.callNext, async () => {
      const ticket = await api("POST", `/desks/${chosen.id}/call-next`);
      applyTicket(ticket);
      note(`${ticket.code} wurde zu ${ticket.desk} aufgerufen.`);
    });
  }

  function callChosen(ticket, button) {
    const chosen = desk();
    if (!chosen) return;
    run(button, async () => {
      const called = await api("POST", `/desks/${chosen.id}/call`, { ticket_id: ticket.id });
      applyTicket(called);
      note(`${called.code} wurde außer der Reihe zu ${called.desk} aufgerufen.`);
    });
  }

  const DONE_NOTES = {
    recall: (t) => `${t.code} wurde erneut aufgerufen (${t.call_count}×).`,
    start: (t) => `Beratung mit ${t.code} begonnen.`,
    finish: (t) => `${t.code} abgeschlossen.`,
    "no-show": (t) => `${t.code} als nicht erschienen markiert.`,
    requeue: (t) => `${t.code} ist wieder in der Warteschlange.`,
    cancel: (t) => `${t.code} wurde storniert.`,
    transfer: (t) => `${t.code} wurde an „${topicLabel(t)}“ weitergeleitet und wartet dort.`,
  };

  function move(name, button) {
    const ticket = currentTicket();
    if (!ticket || state.busy) return;
    if (name === "transfer") {
      openTransfer(ticket, button);
      return;
    }
    if (name === "cancel" && !window.confirm(
      `Ticket ${ticket.code} wirklich stornieren?\nEs wird aus der Warteschlange genommen.`)) {
      return;
    }
    run(button, async () => {
      const result = await api("POST", `/tickets/${ticket.id}/${name}`);
      applyTicket(result);
      note(DONE_NOTES[name](result) + (UNDOABLE[name] ? ` Rückgängig ist ${UNDO_SECONDS} Sekunden lang möglich.` : ""));
      if (UNDOABLE[name]) offerUndo(result, name);
    }, name === "start" ? els.actions.querySelector('[data-move="finish"]') : null);
  }

  function openTransfer(ticket, button) {
    const targets = state.topics.filter((t) => t.key !== ticket.topic);
    if (!targets.length) {
      fail(new SP.ApiError("invalid", "Es gibt an diesem Standort kein anderes aktives Thema.", 400, "de"));
      return;
    }
    els.transferWhat.textContent = `${ticket.code} (${topicLabel(ticket)}) kommt in die Warteschlange des gewählten Themas.`;
    els.transferTopic.replaceChildren(...targets.map((t) =>
      h("option", { value: t.key }, `${t.prefix} · ${SP.topicName(t.names, t.key)}`)));
    els.transferDialog.returnValue = "";
    els.transferDialog.onclose = () => {
      if (els.transferDialog.returnValue !== "ok") return;
      const topic = els.transferTopic.value;
      run(button, async () => {
        const result = await api("POST", `/tickets/${ticket.id}/transfer`, { topic });
        applyTicket(result);
        note(DONE_NOTES.transfer(result));
      });
    };
    els.transferDialog.showModal();
    els.transferTopic.focus();
  }

  // --- undo toast ----------------------------------------------------------------------------

  const undo = { ticket: null, left: 0, timer: null };

  function offerUndo(ticket, name) {
    hideToast();
    undo.ticket = ticket;
    undo.left = UNDO_SECONDS;
    const explain = name === "no-show"
      ? "Rückgängig stellt es an seinen Platz in der Warteschlange zurück."
      : "Rückgängig legt es zurück in die Warteschlange (nicht an diesen Platz).";
    els.toastText.replaceChildren(
      h("strong", {}, `${ticket.code} ${UNDOABLE[name]}.`), " ",
      h("span", { class: "seconds", "aria-hidden": "true" }, `(${undo.left} s)`),
      h("span", { class: "explain" }, explain));
    els.toast.hidden = false;
    undo.timer = window.setInterval(() => {
      if (els.toast.matches(":hover, :focus-within")) return; // paused while in use
      undo.left -= 1;
      const seconds = els.toastText.querySelector(".seconds");
      if (seconds) seconds.textContent = `(${undo.left} s)`;
      if (undo.left <= 0) hideToast();
    }, 1000);
  }

  function hideToast() {
    if (undo.timer) window.clearInterval(undo.timer);
    undo.timer = null;
    const hadFocus = els.toast.contains(document.activeElement);
    els.toast.hidden = true;
    if (hadFocus) SP.refocus(els.callNext, els.current);
  }

  function undoLast() {
    const ticket = undo.ticket;
    if (!ticket) return;
    run(els.undo, async () => {
      try {
        const result = await api("POST", `/tickets/${ticket.id}/requeue`);
        applyTicket(result);
        note(`Rückgängig: ${result.code} ist wieder in der Warteschlange.`);
      } finally {
        undo.ticket = null;
        hideToast();
      }
    });
  }

  // --- location, desk, socket ---------------------------------------------------------------

  async function loadTopics() {
    if (!state.slug) return;
    const slug = state.slug;
    try {
      const data = await api("GET", `/locations/${encodeURIComponent(slug)}/topics`);
      if (slug === state.slug) {
        state.topics = data.topics || [];
        render();
      }
    } catch (err) {
      fail(err);
    }
  }

  async function selectLocation(slug) {
    disconnectSocket();
    state.slug = slug;
    state.desks = [];
    state.deskId = null;
    state.topics = [];
    state.waiting = [];
    state.active = [];
    state.printers = [];
    state.haveQueue = false;
    store.set(STORE_LOCATION, slug);
    renderDesks();
    render();
    renderConnection();
    if (!slug) return;
    try {
      const [desks, topics] = await Promise.all([
        api("GET", `/locations/${encodeURIComponent(slug)}/desks`),
        api("GET", `/locations/${encodeURIComponent(slug)}/topics`),
      ]);
      if (slug !== state.slug) return;
      state.desks = desks.desks || [];
      state.topics = topics.topics || [];
    } catch (err) {
      fail(err);
      return;
    }
    const remembered = Number(store.get(storeDeskKey(slug)));
    const found = state.desks.find((d) => d.id === remembered && d.active);
    state.deskId = found ? found.id : null;
    renderDesks();
    render();
    connectSocket();
  }

  function selectDesk(value) {
    state.deskId = value ? Number(value) : null;
    store.set(storeDeskKey(state.slug), state.deskId);
    render();
    const chosen = desk();
    if (chosen) note(`Sie arbeiten an ${chosen.name}.`);
  }

  function disconnectSocket() {
    if (state.socket) {
      const old = state.socket;
      state.socket = null;
      old.off();
      old.disconnect();
    }
    state.connected = false;
    stopPolling();
  }

  function connectSocket() {
    disconnectSocket();
    if (!state.slug || typeof window.io !== "function") {
      startPolling();
      return;
    }
    const socket = window.io("/staff", { auth: { location: state.slug }, forceNew: true });
    state.socket = socket;
    state.everConnected = false;
    const mine = (handler) => (...args) => { if (state.socket === socket) handler(...args); };
    socket.on("connect", mine(() => {
      state.connected = true;
      state.everConnected = true;
      renderConnection();
      stopPolling();
      loadTopics(); // topics may have changed while away; ``queue`` follows from the server
    }));
    socket.on("disconnect", mine((reason) => {
      state.connected = false;
      renderConnection();
      startPolling();
      if (reason === "io server disconnect") {
        window.setTimeout(mine(() => socket.connect()), 3000);
      }
    }));
    socket.on("connect_error", mine((err) => {
      state.connected = false;
      renderConnection();
      if (err && err.message === "not signed in") {
        socket.disconnect();
        sessionExpired();
        return;
      }
      startPolling();
      if (!socket.active) window.setTimeout(mine(() => socket.connect()), 5000);
    }));
    socket.on("queue", mine(setQueue));
    socket.on("ticket", mine(applyTicket));
    renderConnection();
  }

  async function pollQueue() {
    if (!state.slug || state.connected) return;
    const slug = state.slug;
    try {
      const data = await api("GET", `/locations/${encodeURIComponent(slug)}/queue`);
      if (slug === state.slug && !state.connected) setQueue(data);
    } catch (err) {
      if (err.status === 401) fail(err);
    }
  }

  function startPolling() {
    if (state.pollTimer === null && state.slug) {
      pollQueue();
      state.pollTimer = window.setInterval(pollQueue, POLL_MS);
    }
  }

  function stopPolling() {
    if (state.pollTimer !== null) window.clearInterval(state.pollTimer);
    state.pollTimer = null;
  }

  // --- start -------------------------------------------------------------------------------

  async function init() {
    els.location.addEventListener("change", () => selectLocation(els.location.value));
    els.desk.addEventListener("change", () => selectDesk(els.desk.value));
    els.callNext.addEventListener("click", callNext);
    for (const button of els.actions.querySelectorAll("[data-move]")) {
      button.addEventListener("click", () => move(button.dataset.move, button));
    }
    els.othersToggle.addEventListener("click", () => {
      state.showOthers = !state.showOthers;
      renderQueue();
    });
    els.undo.addEventListener("click", undoLast);
    els.toastClose.addEventListener("click", () => { undo.ticket = null; hideToast(); });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !els.toast.hidden && !els.transferDialog.open) {
        undo.ticket = null;
        hideToast();
      }
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && state.socket && state.connected) state.socket.emit("queue");
    });
    window.setInterval(tick, 15000);
    render();
    renderConnection();

    let me;
    let locations;
    try {
      [me, locations] = await Promise.all([api("GET", "/session"), api("GET", "/locations")]);
    } catch (err) {
      if (err.status === 401) {
        window.location.reload();
        return;
      }
      fail(err);
      return;
    }
    state.me = me;
    state.locations = locations.locations || [];
    const slugs = state.locations.map((l) => l.slug);
    const remembered = store.get(STORE_LOCATION);
    const ownTopics = (me.topics || []).map((t) => t.location).filter((s) => slugs.includes(s));
    let slug = "";
    if (remembered && slugs.includes(remembered)) slug = remembered;
    else if (ownTopics.length) slug = ownTopics[0];
    else if (slugs.length === 1) slug = slugs[0];
    state.slug = slug;
    renderLocations();
    if (slug) await selectLocation(slug);
    else note("Bitte wählen Sie Standort und Platz.");
  }

  init();
})();
