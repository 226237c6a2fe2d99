/* The visitor's phone status page, live.
 *
 * The server renders the page complete; this script keeps it current from Socket.IO
 * namespace /ticket (auth {token}, event `status`, sent again on every reconnect), switches
 * the language in place, vibrates when the ticket is called, shows a note while the
 * connection is lost, and lets the visitor give the ticket back after a confirm step.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("status-config").textContent);
  const STRINGS = config.strings || {};
  const RTL = new Set(config.rtl || []);
  const ACTIVE = ["waiting", "called", "serving"];
  const CANCELLABLE = ["waiting", "called"];
  const POLL_MS = 15000; // only when Socket.IO is unavailable
  const VIBRATION = [400, 200, 400, 200, 800];

  const $ = (selector) => document.querySelector(selector);
  const el = {
    html: document.documentElement,
    code: $("[data-testid=status-code]"),
    topicName: $(".topic-name"),
    stateText: $("[data-testid=status-state]"),
    call: $(".call"),
    callLabel: $(".call-label"),
    desk: $("[data-testid=status-desk]"),
    calledAgain: $(".called-again"),
    facts: $(".facts"),
    ahead: $("[data-testid=status-ahead]"),
    wait: $("[data-testid=status-wait]"),
    keepOpen: $(".keep-open"),
    connection: $(".connection"),
    connectionText: $(".connection-text"),
    cancel: $(".cancel"),
    cancelButton: $("[data-testid=status-cancel]"),
    confirm: $("#cancel-confirm"),
    question: $("#cancel-question"),
    confirmYes: $("[data-testid=status-cancel-confirm]"),
    confirmNo: $("[data-testid=status-cancel-keep]"),
    cancelError: $("[data-testid=status-cancel-error]"),
    langSwitch: $(".lang-switch"),
    langCurrent: $(".lang-current"),
  };

  const state = {
    lang: config.lang,
    status: config.status,
    notFound: false,
    cancelling: false,
  };

  // --- strings ---------------------------------------------------------------------------

  function t(key, params) {
    const text =
      (STRINGS[state.lang] || {})[key] ?? (STRINGS.en || {})[key] ?? (STRINGS.de || {})[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) =>
      params && name in params ? String(params[name]) : whole
    );
  }

  /** A locale for Intl with Latin digits, as on the ticket and the lobby screen. */
  function locale() {
    return state.lang + "-u-nu-latn";
  }

  function number(value) {
    try {
      return new Intl.NumberFormat(locale()).format(value);
    } catch (error) {
      return String(value);
    }
  }

  /** "30 Minuten", "30 хвилин" … with the language's own plural rules where Intl knows them. */
  function minutes(value) {
    try {
      return new Intl.NumberFormat(locale(), {
        style: "unit",
        unit: "minute",
        unitDisplay: "long",
      }).format(value);
    } catch (error) {
      return t("minutes", { n: value });
    }
  }

  // --- rendering -------------------------------------------------------------------------

  /** What to show: a ticket of another day that never finished has simply expired. */
  function shownState(status) {
    if (status.is_today === false && ACTIVE.includes(status.state)) return "expired";
    return status.state;
  }

  function render(status, live) {
    const previous = state.status;
    state.status = status;
    const shown = state.notFound ? "not_found" : shownState(status);
    document.body.dataset.state = shown;

    el.code.textContent = status.code || "";
    const names = status.topic_names || {};
    el.topicName.textContent = names[state.lang] || names.de || status.topic || "";
    el.topicName.lang = names[state.lang] ? state.lang : "de";

    const text = state.notFound ? t("not_found") : t("state_" + shown);
    el.stateText.textContent = text;
    el.stateText.dataset.state = shown;

    const atDesk = (shown === "called" || shown === "serving") && Boolean(status.desk);
    el.call.hidden = !atDesk;
    el.callLabel.textContent = t(shown === "serving" ? "serving_at" : "go_to");
    el.desk.textContent = atDesk ? status.desk : "";
    el.calledAgain.hidden = !(shown === "called" && status.call_count > 1);

    // Unknown until the first live status when the server did not render it.
    el.facts.hidden = shown !== "waiting" || typeof status.people_ahead !== "number";
    if (typeof status.people_ahead === "number") {
      const ahead = status.people_ahead;
      el.ahead.textContent = number(ahead);
      el.wait.classList.toggle("is-next", ahead === 0);
      el.wait.textContent =
        ahead === 0
          ? t("you_are_next")
          : t("about", { time: minutes(Math.max(1, Number(status.estimated_wait_minutes) || 0)) });
    }

    el.keepOpen.hidden = !ACTIVE.includes(shown);
    el.cancel.hidden = !CANCELLABLE.includes(shown);
    if (el.cancel.hidden) closeConfirm(false);

    document.title = (status.code || "") + " · " + text + (atDesk ? " " + status.desk : "");

    const newlyCalled =
      shown === "called" &&
      previous &&
      (previous.state !== "called" || (status.call_count || 0) > (previous.call_count || 0));
    if (live && newlyCalled) alertCalled();
  }

  function alertCalled() {
    if (typeof navigator.vibrate === "function") {
      try {
        navigator.vibrate(VIBRATION);
      } catch (error) {
        /* some browsers refuse without a prior tap; the page itself still shows it */
      }
    }
    const reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    window.scrollTo({ top: 0, behavior: reduce ? "auto" : "smooth" });
  }

  // --- language --------------------------------------------------------------------------

  function setLanguage(code) {
    if (!STRINGS[code]) return;
    state.lang = code;
    el.html.lang = code;
    el.html.dir = RTL.has(code) ? "rtl" : "ltr";
    document.querySelectorAll("[data-i18n]").forEach((node) => {
      node.textContent = t(node.dataset.i18n);
    });
    el.cancel.setAttribute("aria-label", t("cancel"));
    document.querySelectorAll(".lang-list a").forEach((link) => {
      const current = link.dataset.lang === code;
      if (current) {
        link.setAttribute("aria-current", "true");
        el.langCurrent.textContent = link.textContent;
        el.langCurrent.lang = code;
      } else {
        link.removeAttribute("aria-current");
      }
    });
    if (el.cancelError.textContent) el.cancelError.textContent = t("cancel_failed");
    render(state.status, false);
    try {
      const url = new URL(window.location.href);
      url.searchParams.set("lang", code);
      window.history.replaceState(null, "", url);
    } catch (error) {
      /* the address stays as it was; nothing else depends on it */
    }
  }

  el.langSwitch.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-lang]");
    if (!link) return;
    event.preventDefault();
    setLanguage(link.dataset.lang);
    el.langSwitch.open = false;
    el.langSwitch.querySelector("summary").focus();
  });

  // --- connection ------------------------------------------------------------------------

  function setConnected(connected) {
    el.connection.classList.toggle("is-visible", !connected);
    el.connectionText.hidden = connected;
  }

  async function fetchStatus() {
    try {
      const response = await fetch(config.statusUrl, {
        headers: { Accept: "application/json" },
        cache: "no-store",
      });
      if (response.status === 404) {
        state.notFound = true;
        render(state.status, false);
        return;
      }
      if (!response.ok) throw new Error("status " + response.status);
      setConnected(true);
      render(await response.json(), true);
    } catch (error) {
      setConnected(false);
    }
  }

  function connectLive() {
    if (typeof window.io !== "function") {
      fetchStatus();
      window.setInterval(fetchStatus, POLL_MS);
      return;
    }
    const socket = window.io("/ticket", { auth: { token: config.token } });
    socket.on("connect", () => setConnected(true));
    socket.on("status", (status) => {
      setConnected(true);
      render(status, true);
    });
    socket.on("disconnect", () => setConnected(false));
    socket.on("connect_error", (error) => {
      if (socket.active) {
        setConnected(false); // Socket.IO keeps retrying by itself
      } else if (error && error.message === "unknown ticket") {
        state.notFound = true;
        render(state.status, false);
      } else {
        setConnected(false);
        window.setTimeout(() => socket.connect(), 10000);
      }
    });
    // Phones pause pages in the background: ask for the state again when it comes back.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState !== "visible") return;
      if (socket.connected) socket.emit("status");
      else if (!socket.active) socket.connect();
    });
  }

  // --- cancel, with a confirm step -------------------------------------------------------

  function openConfirm() {
    el.confirm.hidden = false;
    el.cancelButton.setAttribute("aria-expanded", "true");
    el.cancelError.textContent = "";
    el.question.focus();
  }

  function closeConfirm(returnFocus) {
    el.confirm.hidden = true;
    el.cancelButton.setAttribute("aria-expanded", "false");
    el.cancelError.textContent = "";
    if (returnFocus) el.cancelButton.focus();
  }

  async function cancelTicket() {
    if (state.cancelling) return;
    state.cancelling = true;
    el.confirmYes.disabled = true;
    el.confirmNo.disabled = true;
    el.cancelError.textContent = "";
    try {
      const response = await fetch(config.cancelUrl, {
        method: "POST",
        headers: { Accept: "application/json" },
        cache: "no-store",
      });
      if (response.ok) {
        render(await response.json(), false);
        el.stateText.focus();
      } else {
        await fetchStatus(); // perhaps it was called or finished meanwhile
        if (!el.cancel.hidden) el.cancelError.textContent = t("cancel_failed");
      }
    } catch (error) {
      el.cancelError.textContent = t("cancel_failed");
    } finally {
      state.cancelling = false;
      el.confirmYes.disabled = false;
      el.confirmNo.disabled = false;
    }
  }

  el.cancelButton.addEventListener("click", () => {
    if (el.confirm.hidden) openConfirm();
    else closeConfirm(true);
  });
  el.confirmNo.addEventListener("click", () => closeConfirm(true));
  el.confirmYes.addEventListener("click", cancelTicket);

  // --- start -----------------------------------------------------------------------------

  el.stateText.tabIndex = -1;
  render(state.status, false);
  connectLive();
})();
