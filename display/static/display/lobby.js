/* Lobby display: renders the location's calls and waiting counts from the latest
 * `snapshot`/`queue` payload (state is derived, never accumulated), flashes and announces
 * every `called` event, and keeps itself fresh on a TV nobody touches for months:
 * Socket.IO reconnects forever, the page asks for a snapshot every minute, and reloads
 * after two silent minutes and at local midnight (only once the server answers, so a
 * reload never lands on a browser error page).
 *
 * Sound: kiosk browsers for this screen are started with
 * `--autoplay-policy=no-user-gesture-required`, so the chime and speech play on their own.
 * Elsewhere the "Ton einschalten / Enable sound" button stays until the first tap or key.
 */
(function () {
  "use strict";

  var body = document.body;
  var SLUG = body.dataset.location;
  var RECENT = parseInt(body.dataset.recent, 10) || 8;
  var SNAPSHOT_URL = body.dataset.snapshotUrl;

  var FLASH_MS = 6000;              // how long a new call stays marked (matches lobby.css)
  var RESYNC_MS = 60 * 1000;        // ask for a snapshot this often
  var SILENCE_MS = 2 * 60 * 1000;   // nothing received this long: reload
  var PROBE_EVERY_MS = 30 * 1000;   // retry a blocked reload this often
  var ROTATE_MS = 8000;             // second-language line changes this often
  var MAX_QUEUED = 6;               // announcements waiting to be spoken, at most
  // The other current calls get 60 % of the newest call's type size (15 and 8 --u in lobby.css).
  var OTHERS_RATIO = (15 * 0.6) / 8;
  var MIN_OTHERS = 0.6;             // below this (4.8 --u) the newest call gives way too

  // The second line under German rotates through the visitors' languages.
  var LANGS = ["en", "uk", "ar", "fa", "tr", "ru"];
  var RTL = { ar: true, fa: true };
  var TEXT = {
    current: { en: "Now calling", uk: "Виклик", ar: "النداء الحالي", fa: "فراخوان",
      tr: "Çağrı", ru: "Вызов" },
    recent: { en: "Last called", uk: "Останні виклики", ar: "آخر النداءات",
      fa: "فراخوان‌های اخیر", tr: "Son çağrılar", ru: "Последние вызовы" },
    waiting: { en: "Waiting", uk: "Очікують", ar: "في الانتظار", fa: "در انتظار",
      tr: "Bekleyenler", ru: "Ожидают" },
    total: { en: "Total", uk: "Усього", ar: "المجموع", fa: "مجموع", tr: "Toplam", ru: "Всего" },
    none: { en: "No call at the moment", uk: "Наразі викликів немає",
      ar: "لا يوجد نداء حاليًا", fa: "در حال حاضر فراخوانی نیست", tr: "Şu anda çağrı yok",
      ru: "Сейчас вызовов нет" },
    hint: { en: "Please watch for your number.", uk: "Будь ласка, стежте за своїм номером.",
      ar: "يرجى الانتباه إلى رقمك.", fa: "لطفاً به شماره خود توجه کنید.",
      tr: "Lütfen numaranızı takip edin.", ru: "Пожалуйста, следите за своим номером." },
    norecent: { en: "No calls yet today", uk: "Сьогодні ще не було викликів",
      ar: "لا توجد نداءات اليوم بعد", fa: "امروز هنوز فراخوانی نبوده است",
      tr: "Bugün henüz çağrı yok", ru: "Сегодня вызовов ещё не было" },
    number: { en: "Number", uk: "Номер", ar: "الرقم", fa: "شماره", tr: "Numara", ru: "Номер" },
    goto: { en: "Please go to", uk: "Пройдіть до", ar: "تفضل إلى", fa: "لطفاً بروید به",
      tr: "Lütfen gidin", ru: "Пройдите в" },
    isnew: { en: "New", uk: "Новий", ar: "جديد", fa: "جدید", tr: "Yeni", ru: "Новый" }
  };

  var SVG_NS = "http://www.w3.org/2000/svg";
  var ARROW = "M4 10.5h11.2l-4.6-4.6L12.7 3.8 21 12l-8.3 8.2-2.1-2.1 4.6-4.6H4z";
  var BELL = "M12 22a2.4 2.4 0 0 0 2.4-2.4H9.6A2.4 2.4 0 0 0 12 22zm7.2-6V10.8c0-3.3-1.8-6-4.8-6.7V3.4a2.4 2.4 0 0 0-4.8 0v.7c-3 .7-4.8 3.4-4.8 6.7V16L2.4 18.4v1.2h19.2v-1.2z";

  var current = document.querySelector(".current");
  var currentEmpty = document.querySelector(".current-empty");
  var recent = document.querySelector(".recent");
  var waiting = document.querySelector(".waiting");
  var waitingTotal = document.querySelector(".waiting-total-count");
  var connection = document.querySelector(".connection");
  var connectionText = connection.querySelector(".connection-text");
  var clockTime = document.querySelector(".clock-time");
  var clockDate = document.querySelector(".clock-date");
  var announcer = document.querySelector("[aria-live]");
  var soundButton = document.querySelector(".sound-button");

  var state = null;                 // the latest snapshot/queue payload
  var flashes = {};                 // code -> time (ms) its last call/recall arrived
  var langIndex = 0;
  var lastReceived = Date.now();
  var serverOffset = 0;             // server clock minus this TV's clock, in ms

  // --- small helpers ---------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function icon(path, className) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var shape = document.createElementNS(SVG_NS, "path");
    shape.setAttribute("fill", "currentColor");
    shape.setAttribute("d", path);
    svg.appendChild(shape);
    var wrap = el("span", className);
    wrap.setAttribute("aria-hidden", "true");
    wrap.appendChild(svg);
    return wrap;
  }

  function lang() { return LANGS[langIndex % LANGS.length]; }

  /** A second-language line: text in the rotating language, with lang and dir set. */
  function setAlt(node, text, code) {
    node.textContent = text || "";
    node.setAttribute("lang", code);
    node.setAttribute("dir", RTL[code] ? "rtl" : "ltr");
  }

  function altSpan(key) {
    var span = el("span", "alt");
    span.dataset.i18n = key;
    setAlt(span, TEXT[key][lang()], lang());
    return span;
  }

  function now() { return Date.now() + serverOffset; }

  // --- rendering (always from `state`) ------------------------------------------------

  function callRow(call, hero) {
    var row = el("li", "call" + (hero ? " call-hero" : ""));
    row.setAttribute("data-testid", "call-" + call.code);
    row.dataset.code = call.code;
    var since = flashes[call.code];
    var age = since == null ? Infinity : Date.now() - since;
    if (age < FLASH_MS) {
      row.classList.add("is-new");
      row.dataset.new = "true";
      // Keep the flash in step across re-renders instead of restarting it.
      row.style.animationDelay = "-" + age + "ms";
      var badge = el("span", "call-badge");
      badge.appendChild(icon(BELL, "badge-icon"));
      badge.appendChild(el("span", null, "Neu"));
      badge.appendChild(altSpan("isnew"));
      row.appendChild(badge);
    }
    var code = el("span", "call-code", call.code);
    var desk = el("span", "call-desk", call.desk || "");
    var arrow = icon(ARROW, "call-arrow");
    if (hero) {
      var left = el("span", "call-part");
      var captionNumber = el("span", "call-caption");
      captionNumber.appendChild(el("span", null, "Nummer"));
      captionNumber.appendChild(altSpan("number"));
      left.appendChild(captionNumber);
      left.appendChild(code);
      var right = el("span", "call-part");
      var captionDesk = el("span", "call-caption");
      captionDesk.appendChild(el("span", null, "Bitte zu"));
      captionDesk.appendChild(altSpan("goto"));
      right.appendChild(captionDesk);
      right.appendChild(desk);
      row.appendChild(left);
      row.appendChild(arrow);
      row.appendChild(right);
    } else {
      row.appendChild(code);
      row.appendChild(arrow);
      row.appendChild(desk);
    }
    return row;
  }

  function renderCurrent(calls) {
    current.textContent = "";
    calls.forEach(function (call, i) { current.appendChild(callRow(call, i === 0)); });
    current.dataset.count = String(calls.length);
    currentEmpty.hidden = calls.length > 0;
  }

  function renderRecent(calls) {
    recent.textContent = "";
    recent.style.setProperty("--rows", String(Math.max(1, RECENT)));
    calls.slice(0, RECENT).forEach(function (call) {
      var row = el("li", "recent-call");
      row.setAttribute("data-testid", "recent-" + call.code);
      row.appendChild(el("span", "call-code", call.code));
      row.appendChild(icon(ARROW, "call-arrow"));
      row.appendChild(el("span", "call-desk", call.desk || ""));
      recent.appendChild(row);
    });
    if (!calls.length) {
      var empty = el("li", "recent-empty");
      empty.appendChild(el("span", null, "Heute noch keine Aufrufe"));
      empty.appendChild(altSpan("norecent"));
      recent.appendChild(empty);
    }
  }

  function topicName(names, code) {
    return (names && (names[code] || names.en || names.de)) || "";
  }

  function renderWaiting(topics, total) {
    waiting.textContent = "";
    var columns = topics.length <= 4 ? Math.max(1, topics.length) : Math.ceil(topics.length / 2);
    waiting.style.setProperty("--cols", String(columns));
    waiting.dataset.count = String(topics.length);
    topics.forEach(function (topic) {
      var row = el("li", "topic");
      row.setAttribute("data-testid", "waiting-" + topic.key);
      row.dataset.count = String(topic.count);
      row.appendChild(el("span", "topic-prefix", topic.prefix));
      row.lastChild.setAttribute("aria-hidden", "true");
      var names = el("span", "topic-names");
      names.appendChild(el("span", "topic-name", topicName(topic.names, "de")));
      var alt = el("span", "alt");
      setAlt(alt, topicName(topic.names, lang()), lang());
      names.appendChild(alt);
      row.appendChild(names);
      var count = el("span", "topic-count", String(topic.count));
      row.appendChild(count);
      row.appendChild(el("span", "visually-hidden", " wartend"));
      waiting.appendChild(row);
    });
    waitingTotal.textContent = String(total);
  }

  function render() {
    if (!state) return;
    renderCurrent(state.current || []);
    renderRecent(state.recent || []);
    renderWaiting(state.waiting || [], state.waiting_total || 0);
    fitAll();
  }

  /** Fit text to the panels once everything is in place (the panels share the screen). */
  function fitAll() {
    fitCurrent();
    fitBox(recent, recent.querySelectorAll(".recent-call"), 1.15);
    fitRows(recent.querySelectorAll(".recent-call"));
  }

  /** The largest value up to `most` (down to 0.3) for which `fits()` holds after
   *  `apply(value)`; applied and returned. */
  function largest(most, apply, fits) {
    var low = 0.3, high = most;
    apply(high);
    if (fits()) return high;
    for (var i = 0; i < 7; i++) {
      var middle = (low + high) / 2;
      apply(middle);
      if (fits()) low = middle; else high = middle;
    }
    apply(low);
    return low;
  }

  function scaler(box, name) {
    return function (value) { box.style.setProperty(name, value.toFixed(3)); };
  }

  /** Whether the box's rows end above its bottom padding and each row's text above the
   *  row's own bottom padding (measured on the elements: a flashing row's badge and ring
   *  may stick out). */
  function fitsHeight(box) {
    var bottom = innerBox(box).bottom;
    return Array.prototype.every.call(box.children, function (row) {
      var rowBottom = innerBox(row).bottom;
      return row.getBoundingClientRect().bottom <= bottom + 1 &&
        Array.prototype.every.call(row.children, function (part) {
          var box = part.getBoundingClientRect();
          return part.classList.contains("call-badge") || (!box.width && !box.height) ||
            box.bottom <= rowBottom + 1;
        });
    });
  }

  /** An element's box inside its border and padding, in viewport coordinates. */
  function innerBox(node) {
    var box = node.getBoundingClientRect();
    var style = getComputedStyle(node);
    return {
      left: box.left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft),
      right: box.right - parseFloat(style.borderRightWidth) - parseFloat(style.paddingRight),
      bottom: box.bottom - parseFloat(style.borderBottomWidth) - parseFloat(style.paddingBottom)
    };
  }

  /** Whether every row's text stays inside its padding (measured on the parts: scrollWidth
   *  misses the end padding of a flex row and counts the badge of a flashing one). */
  function fitsWidth(rows) {
    return !Array.prototype.some.call(rows, overflowsInline);
  }

  function overflowsInline(row) {
    var inner = innerBox(row);
    return Array.prototype.some.call(row.children, function (part) {
      if (part.classList.contains("call-badge")) return false;
      var box = part.getBoundingClientRect();
      if (!box.width && !box.height) return false;  // not displayed
      return box.right > inner.right + 1 || box.left < inner.left - 1;
    });
  }

  /** Scale `box`'s --scale so its rows fill it without overflowing (height and width). */
  function fitBox(box, rows, most) {
    return largest(most, scaler(box, "--scale"), function () {
      return fitsHeight(box) && fitsWidth(rows);
    });
  }

  /** Shrink single rows whose text is still too wide (a very long desk name). */
  function fitRows(rows) {
    Array.prototype.forEach.call(rows, function (row) {
      row.style.fontSize = "";
      var size = parseFloat(getComputedStyle(row).fontSize);
      var min = size * 0.45;
      while (overflowsInline(row) && size > min) {
        size *= 0.92;
        row.style.fontSize = size + "px";
      }
    });
  }

  /** The newest call as big as its width allows; the others as big as the rest of the
   *  panel allows, in one column or two; all of them always visible. A very long desk
   *  name puts the newest call's desk under its code. */
  function fitCurrent() {
    var rows = current.querySelectorAll(".call");
    Array.prototype.forEach.call(rows, function (row) { row.style.fontSize = ""; });
    current.dataset.columns = "1";
    if (!rows.length) return;
    var hero = rows[0];
    var setHero = scaler(current, "--hero-scale");
    var setOthers = scaler(current, "--scale");
    var setBoth = function (value) { setHero(value); setOthers(value * OTHERS_RATIO); };
    var heroFits = function () { return fitsWidth([hero]); };
    var allFit = function () { return fitsHeight(current) && fitsWidth(rows); };

    setOthers(1);
    var most = largest(1.35, setHero, heroFits);
    if (most < 0.8) {
      hero.dataset.stacked = "";
      var stacked = largest(1, setHero, heroFits);
      if (stacked > most * 1.1) most = stacked;
      else delete hero.dataset.stacked;
    }
    // First the newest at its full size and the others as big as the rest allows (up to
    // 60 % of its type); only if they would get too small, everything shrinks together.
    setHero(most);
    var best = null;
    var layouts = rows.length > 2 ? ["1", "2"] : ["1"];
    layouts.forEach(function (columns) {
      current.dataset.columns = columns;
      var scale = largest(most * OTHERS_RATIO, setOthers, allFit);
      if (allFit() && (!best || scale > best.scale * 1.05)) best = { columns: columns, scale: scale };
    });
    if (best && best.scale >= MIN_OTHERS) {
      current.dataset.columns = best.columns;
      setOthers(best.scale);
    } else {
      best = null;
      layouts.forEach(function (columns) {
        current.dataset.columns = columns;
        var scale = largest(most, setBoth, allFit);
        if (!best || scale > best.scale * 1.05) best = { columns: columns, scale: scale };
      });
      current.dataset.columns = best.columns;
      setBoth(best.scale);
    }
    fitRows(rows);
  }

  /** Switch every second-language line (static text and topic names) to the next language. */
  function rotateLanguage() {
    langIndex = (langIndex + 1) % LANGS.length;
    var code = lang();
    document.querySelectorAll(".alt[data-i18n]").forEach(function (node) {
      setAlt(node, TEXT[node.dataset.i18n][code], code);
    });
    if (state) {
      renderWaiting(state.waiting || [], state.waiting_total || 0);
      fitAll();
    }
  }

  // --- clock, midnight ---------------------------------------------------------------

  var timeZone = body.dataset.timezone || undefined;
  function formatter(locale, options) {
    try {
      return new Intl.DateTimeFormat(locale, Object.assign({ timeZone: timeZone }, options));
    } catch (e) {  // unknown zone name: the TV's own zone is better than no clock
      return new Intl.DateTimeFormat(locale, options);
    }
  }
  var timeFormat = formatter("de-DE", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  var dateFormat = formatter("de-DE", { weekday: "long", day: "numeric", month: "long", year: "numeric" });
  var dayFormat = formatter("en-CA", { year: "numeric", month: "2-digit", day: "2-digit" });
  // The service day the page shows; set from the first payload, once the server clock is
  // known (a TV with a wrong clock must not see "midnight" at every load).
  var loadedDay = null;

  function tick() {
    var moment = new Date(now());
    var text = timeFormat.format(moment);
    if (clockTime.textContent !== text) {
      clockTime.textContent = text;
      clockTime.setAttribute("datetime", moment.toISOString());
      clockDate.textContent = dateFormat.format(moment);
    }
    var day = dayFormat.format(moment);
    if (state && loadedDay === null) loadedDay = day;
    if (loadedDay !== null && day !== loadedDay) reloadWhenServerAnswers("midnight");
    if (Date.now() - lastReceived > SILENCE_MS) reloadWhenServerAnswers("silence");
  }

  // --- never stale: reload only when the server is there to answer -----------------------

  var probing = false;
  var lastProbe = 0;
  function reloadWhenServerAnswers(why) {
    if (probing || Date.now() - lastProbe < PROBE_EVERY_MS) return;
    probing = true;
    lastProbe = Date.now();
    fetch(SNAPSHOT_URL, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.ok) {
          window.location.reload();
        } else {
          probing = false;
        }
      })
      .catch(function () { probing = false; });
    if (window.console) console.info("lobby: reload wanted (" + why + ")");
  }

  // --- connection --------------------------------------------------------------------

  function setConnection(kind) {
    connection.dataset.state = kind;
    connectionText.textContent = kind === "connecting"
      ? "Verbindung wird hergestellt… · Connecting…"
      : kind === "reconnecting"
        ? "Verbindung wird wiederhergestellt… · Reconnecting…"
        : "Verbunden · Connected";
  }

  function received() { lastReceived = Date.now(); }

  function applyState(payload) {
    if (!payload || !Array.isArray(payload.current)) return;
    received();
    setConnection("connected");  // the first snapshot can arrive just before `connect`
    var serverTime = Date.parse(payload.server_time);
    if (!isNaN(serverTime)) serverOffset = serverTime - Date.now();
    state = payload;
    render();
    tick();
  }

  function onCalled(call) {
    if (!call || typeof call.code !== "string") return;
    received();
    flashes[call.code] = Date.now();
    setTimeout(function () {
      if (flashes[call.code] != null && Date.now() - flashes[call.code] >= FLASH_MS) {
        delete flashes[call.code];
      }
      render();
    }, FLASH_MS + 50);
    render();  // a recall is already on screen: flash it now; a new call comes with `queue`
    announce(call);
  }

  function connect() {
    if (typeof window.io !== "function") {  // the client script did not load: try a reload
      setConnection("reconnecting");
      setInterval(function () { reloadWhenServerAnswers("no socket.io"); }, PROBE_EVERY_MS);
      return;
    }
    var socket = window.io("/display", {
      auth: { location: SLUG },
      transports: ["websocket", "polling"],
      tryAllTransports: true,          // websocket blocked on this LAN: fall back to polling
      reconnection: true,
      reconnectionAttempts: Infinity,  // a lobby TV never gives up
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
      timeout: 10000
    });
    socket.on("connect", function () { setConnection("connected"); received(); });
    socket.on("disconnect", function (reason) {
      setConnection("reconnecting");
      // The server closed this namespace on purpose: Socket.IO would not retry by itself.
      if (reason === "io server disconnect") setTimeout(function () { socket.connect(); }, 2000);
    });
    socket.on("connect_error", function () {
      setConnection(state ? "reconnecting" : "connecting");
      // Refused by the server (e.g. the location is being set up): no automatic retry.
      if (!socket.active) setTimeout(function () { socket.connect(); }, 5000);
    });
    socket.on("snapshot", applyState);
    socket.on("queue", applyState);
    socket.on("called", onCalled);
    setInterval(function () { if (socket.connected) socket.emit("snapshot"); }, RESYNC_MS);
  }

  // --- announcements: flash, chime, speech --------------------------------------------

  var chime = null;
  try {
    chime = new Audio(body.dataset.chime);
    chime.preload = "auto";
  } catch (e) { chime = null; }

  var queue = [];
  var speaking = false;

  function spell(code) { return code.split("").join(" "); }

  function announce(call) {
    var desk = call.desk ? ", bitte zu " + call.desk : "";
    // Clear first so a recall with the same words is read again.
    announcer.textContent = "";
    setTimeout(function () {
      announcer.textContent = "Aufruf: Nummer " + spell(call.code) + desk + ".";
    }, 50);
    if (queue.length >= MAX_QUEUED) queue.shift();
    queue.push(call);
    if (!speaking) nextAnnouncement();
  }

  function nextAnnouncement() {
    var call = queue.shift();
    if (!call) { speaking = false; return; }
    speaking = true;
    var step = function (fn) { return function () { return safe(fn); }; };
    safe(playChime)
      .then(step(function () { return speakCall(call); }))
      .then(function () { setTimeout(nextAnnouncement, 400); });
  }

  /** Run a step that returns a promise; whatever it throws, the queue carries on. */
  function safe(fn) {
    try {
      return Promise.resolve(fn()).catch(function () {});
    } catch (e) {
      return Promise.resolve();
    }
  }

  function playChime() {
    return new Promise(function (resolve) {
      if (!chime) { resolve(); return; }
      var done = false;
      function finish() { if (!done) { done = true; resolve(); } }
      setTimeout(finish, 2500);  // never wait for an `ended` that does not come
      chime.onended = finish;
      chime.onerror = finish;
      try { chime.currentTime = 0; } catch (e) { /* not loaded yet */ }
      var played = chime.play();
      if (played && played.then) {
        played.then(soundWorks, function (error) {
          if (error && error.name === "NotAllowedError") showSoundButton();
          finish();
        });
      }
    });
  }

  var voices = [];
  function loadVoices() {
    try { voices = window.speechSynthesis.getVoices() || []; } catch (e) { voices = []; }
  }
  /** The best installed voice for a language: one of `preferred` tags, else any of it. */
  function voiceFor(language, preferred) {
    var best = null, rank = Infinity;
    voices.forEach(function (voice) {
      var tag = (voice.lang || "").toLowerCase().replace("_", "-");
      if (tag.split("-")[0] !== language) return;
      var position = preferred.indexOf(tag);
      var score = (position < 0 ? preferred.length : position) * 2 + (voice.localService ? 0 : 1);
      if (score < rank) { best = voice; rank = score; }
    });
    return best;
  }
  if ("speechSynthesis" in window) {
    loadVoices();
    try { window.speechSynthesis.addEventListener("voiceschanged", loadVoices); } catch (e) { /* old */ }
  }

  function say(text, langTag, voice) {
    return new Promise(function (resolve) {
      var done = false;
      function finish() { if (!done) { done = true; resolve(); } }
      // A speech engine that hangs must not hold back the next call's chime for long.
      setTimeout(function () {
        if (done) return;
        try { window.speechSynthesis.cancel(); } catch (e) { /* nothing to stop */ }
        finish();
      }, 2000 + 120 * text.length);
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = langTag;
      if (voice) utterance.voice = voice;
      utterance.rate = 0.9;
      utterance.onend = finish;
      utterance.onerror = function (event) {
        if (event && event.error === "not-allowed") showSoundButton();
        finish();
      };
      window.speechSynthesis.speak(utterance);
    });
  }

  function speakCall(call) {
    if (!("speechSynthesis" in window) || typeof SpeechSynthesisUtterance !== "function") {
      return Promise.resolve();
    }
    if (!voices.length) loadVoices();
    var spelled = spell(call.code);
    var german = "Nummer " + spelled + (call.desk ? ", bitte zu " + call.desk : "") + ".";
    var english = voiceFor("en", ["en-gb", "en-us"]);
    return say(german, "de-DE", voiceFor("de", ["de-de", "de-at", "de-ch"])).then(function () {
      if (!english) return null;
      return say("Number " + spelled + (call.desk ? ", please go to " + call.desk : "") + ".",
        english.lang || "en-GB", english);
    });
  }

  // --- sound permission: button until the first gesture (unless autoplay is allowed) ----

  var soundAllowed = false;
  function soundWorks() { soundAllowed = true; soundButton.hidden = true; }
  function showSoundButton() {
    if (soundAllowed) return;
    soundButton.hidden = false;
    body.classList.add("pointer");
  }

  function autoplayAllowed() {
    try {
      if (navigator.getAutoplayPolicy) {
        return navigator.getAutoplayPolicy("mediaelement") === "allowed";
      }
      if (navigator.userActivation && navigator.userActivation.hasBeenActive) return true;
      var Context = window.AudioContext || window.webkitAudioContext;
      if (Context) {
        var context = new Context();
        var running = context.state === "running";
        if (context.close) context.close().catch(function () {});
        return running;
      }
    } catch (e) { /* fall through */ }
    return false;
  }

  function unlockSound() {
    soundWorks();
    body.classList.remove("pointer");
    if (chime) {  // play once, silently, inside the gesture (Safari needs exactly this)
      try {
        chime.muted = true;
        var played = chime.play();
        var reset = function () { chime.pause(); chime.currentTime = 0; chime.muted = false; };
        if (played && played.then) played.then(reset, function () { chime.muted = false; });
        else reset();
      } catch (e) { chime.muted = false; }
    }
    try {
      if ("speechSynthesis" in window) window.speechSynthesis.speak(new SpeechSynthesisUtterance(""));
    } catch (e) { /* no speech here */ }
  }

  function onFirstGesture() {
    ["pointerdown", "keydown", "touchstart"].forEach(function (type) {
      document.removeEventListener(type, onFirstGesture, true);
    });
    unlockSound();
  }

  // --- start ------------------------------------------------------------------------

  if (autoplayAllowed()) {
    soundAllowed = true;
  } else {
    showSoundButton();
    ["pointerdown", "keydown", "touchstart"].forEach(function (type) {
      document.addEventListener(type, onFirstGesture, true);
    });
  }
  soundButton.addEventListener("click", unlockSound);
  var pointerTimer = null;
  document.addEventListener("mousemove", function () {
    body.classList.add("pointer");
    clearTimeout(pointerTimer);
    pointerTimer = setTimeout(function () {
      if (soundButton.hidden) body.classList.remove("pointer");
    }, 3000);
  });
  window.addEventListener("resize", render);

  setConnection("connecting");
  tick();
  setInterval(tick, 1000);
  setInterval(rotateLanguage, ROTATE_MS);
  connect();
})();
