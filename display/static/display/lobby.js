/* Lobby display: renders the location's calls and waiting counts from the latest
 * `snapshot`/`queue` payload (state is derived, never accumulated), flashes and announces
 * every `called` event, and keeps itself fresh on a TV nobody touches for months:
 * Socket.IO reconnects forever, the page asks for a snapshot every minute (which also moves
 * a call nobody started within CALL_CURRENT_MINUTES from "Now calling" to "Last called":
 * the server decides, see snapshots.display_snapshot), and reloads
 * after two silent minutes and at local midnight (only once the server answers, so a
 * reload never lands on a browser error page).
 *
 * Languages: the main lines are in the page's language (the first configured one); the
 * second line under them rotates through the other configured languages, all from the
 * catalog the page embeds (#catalog); a desk with a name in the second line's language
 * (`desk_names`) shows it beside its German name. Calls are spoken with audio the server synthesises
 * (servicepoint/speech.py): in the page's language, then in the visitor's, one call after
 * another (see "announcements" below); the TV needs no voice of its own.
 *
 * Sound: kiosk browsers for this screen are started with
 * `--autoplay-policy=no-user-gesture-required`, so the chime and speech play on their own.
 * Elsewhere the "enable sound" button stays until the first tap or key.
 */
import { api } from "/static/js/api.js";
import * as catalog from "/static/js/catalog.js";
import { $, $$, h, svg } from "/static/js/dom.js";
import { live } from "/static/js/socket.js";

var body = document.body;
var SLUG = body.dataset.location;
var RECENT = parseInt(body.dataset.recent, 10) || 8;
var SNAPSHOT_URL = body.dataset.snapshotUrl;

var FLASH_MS = 6000;              // how long a new call stays marked (matches lobby.css)
var RESYNC_MS = 60 * 1000;        // ask for a snapshot this often
var POLL_MS = 15 * 1000;          // fetch the snapshot this often while Socket.IO is down
var SILENCE_MS = 2 * 60 * 1000;   // nothing received this long: reload
var PROBE_EVERY_MS = 30 * 1000;   // retry a blocked reload this often
var ROTATE_MS = 8000;             // second-language line changes this often
// The other current calls get 60 % of the newest call's type size (15 and 8 --u in lobby.css).
var OTHERS_RATIO = (15 * 0.6) / 8;
var MIN_OTHERS = 0.6;             // below this (4.8 --u) the newest call gives way too
var HERO_SHARE = 0.4;             // calls taking turns: the newest gets up to this of the panel

// The page's language on the main lines; the others take turns on the second line.
var t = catalog.t;
var PRIMARY = catalog.current();
var LANGS = catalog.languages().map(function (entry) { return entry.code; })
  .filter(function (code) { return code !== PRIMARY; });

var ARROW = "M4 10.5h11.2l-4.6-4.6L12.7 3.8 21 12l-8.3 8.2-2.1-2.1 4.6-4.6H4z";
var BELL = "M12 22a2.4 2.4 0 0 0 2.4-2.4H9.6A2.4 2.4 0 0 0 12 22zm7.2-6V10.8c0-3.3-1.8-6-4.8-6.7V3.4a2.4 2.4 0 0 0-4.8 0v.7c-3 .7-4.8 3.4-4.8 6.7V16L2.4 18.4v1.2h19.2v-1.2z";

var current = $(".current");
var currentEmpty = $(".current-empty");
var recent = $(".recent");
var waiting = $(".waiting");
var waitingTotal = $(".waiting-total-count");
var waitingPageLabel = $(".waiting-page");
var waitingPage = 0;              // the page of waiting topics shown (when they need pages)
var callsPageLabel = $(".calls-page");
var callsNext = 0;                // the call (after the newest) the next page of calls shows
var callsNewest = null;           // the newest call's code when that was decided
var heroMost = 1;                 // the newest call's largest scale its width allows
var sessionsStrip = $(".sessions-strip");
var nextSessions = $(".next-sessions");
var connection = $(".connection");
var connectionText = $(".connection-text", connection);
var clockTime = $(".clock-time");
var clockDate = $(".clock-date");
var announcer = $("[aria-live]");
var soundButton = $(".sound-button");

var state = null;                 // the latest snapshot/queue payload
var flashes = {};                 // code -> time (ms) its last call/recall arrived
var langIndex = 0;
var lastReceived = Date.now();
var serverOffset = 0;             // server clock minus this TV's clock, in ms

// --- small helpers ---------------------------------------------------------------------

function el(tag, className, text) {
  return h(tag, { class: className || null }, text == null ? null : text);
}

function icon(path, className) {
  return h("span", { class: className, "aria-hidden": "true" },
    svg("svg", { viewBox: "0 0 24 24", "aria-hidden": "true", focusable: "false" },
      svg("path", { fill: "currentColor", d: path })));
}

/** The language of the second line now, or null when only one language is offered. */
function lang() { return LANGS.length ? LANGS[langIndex % LANGS.length] : null; }

/** A second-language line: text in the rotating language, with lang and dir set
 *  (empty, and so hidden, when there is no second language). */
function setAlt(node, text, code) {
  node.textContent = code ? text || "" : "";
  if (code) {
    node.setAttribute("lang", code);
    node.setAttribute("dir", catalog.dir(code));
  }
}

function altSpan(key) {
  var span = el("span", "alt");
  span.dataset.alt = key;
  setAlt(span, lang() && catalog.tIn(lang(), key), lang());
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
    badge.appendChild(el("span", null, t("lobby.new")));
    badge.appendChild(altSpan("lobby.new"));
    row.appendChild(badge);
  }
  var code = el("span", "call-code", call.code);
  var desk = deskNode(call);
  var arrow = icon(ARROW, "call-arrow");
  if (hero) {
    var left = el("span", "call-part");
    var captionNumber = el("span", "call-caption");
    captionNumber.appendChild(el("span", null, t("lobby.number")));
    captionNumber.appendChild(altSpan("lobby.number"));
    left.appendChild(captionNumber);
    left.appendChild(code);
    var right = el("span", "call-part");
    var captionDesk = el("span", "call-caption");
    captionDesk.appendChild(el("span", null, t("lobby.go_to")));
    captionDesk.appendChild(altSpan("lobby.go_to"));
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

/** A call's desk: its German name, and its name in the second line's language where the
 *  desk has one (rotated with the other second lines). */
function deskNode(call) {
  var desk = el("span", "call-desk", call.desk || "");
  var names = call.desk_names || {};
  if (call.desk && Object.keys(names).length) {
    var alt = el("span", "alt desk-alt");
    alt.dataset.names = JSON.stringify(names);
    alt.dataset.desk = call.desk;
    setDeskAlt(alt, lang());
    desk.appendChild(alt);
  }
  return desk;
}

function setDeskAlt(node, code) {
  var names = JSON.parse(node.dataset.names || "{}");
  var name = code ? names[code] : null;
  setAlt(node, name && name !== node.dataset.desk ? name : "", name ? code : null);
}

/** The last calls; `anyCurrent`: whether calls stand under "Now calling". */
function renderRecent(calls, anyCurrent) {
  recent.textContent = "";
  recent.style.setProperty("--rows", String(Math.max(1, RECENT)));
  calls.forEach(function (call) {  // the server sends as many as fit (`recent`)
    var row = el("li", "recent-call");
    row.setAttribute("data-testid", "recent-" + call.code);
    row.appendChild(el("span", "call-code", call.code));
    row.appendChild(icon(ARROW, "call-arrow"));
    row.appendChild(deskNode(call));
    recent.appendChild(row);
  });
  // "No calls yet today" only when there were none: with calls under "Now calling" the
  // list stays empty (the server lists every call of the day in `current` or `recent`).
  if (!calls.length && !anyCurrent) {
    var empty = el("li", "recent-empty");
    empty.appendChild(el("span", null, t("lobby.no_recent")));
    empty.appendChild(altSpan("lobby.no_recent"));
    recent.appendChild(empty);
  }
}

/** A topic's name in the first of `codes` it has: [text, language of the text]. */
function topicName(names, codes) {
  names = names || {};
  var found = codes.filter(function (c) { return c && names[c]; })[0];
  return found ? [names[found], found] : ["", codes[0]];
}

function renderWaiting(topics, total) {
  waiting.textContent = "";
  waiting.style.setProperty("--cols", String(topics.length < 2 ? 1 : 2));
  waiting.dataset.count = String(topics.length);
  topics.forEach(function (topic) {
    var row = el("li", "topic");
    row.setAttribute("data-testid", "waiting-" + topic.key);
    row.dataset.count = String(topic.count);
    row.appendChild(el("span", "topic-prefix", topic.prefix));
    row.lastChild.setAttribute("aria-hidden", "true");
    var names = el("span", "topic-names");
    var main = topicName(topic.names, [PRIMARY, "de", "en"]);
    names.appendChild(h("span", { class: "topic-name", lang: main[1], dir: catalog.dir(main[1]) }, main[0]));
    var alt = el("span", "alt");
    // The second line rather in English than the German name again.
    var other = lang() ? topicName(topic.names, [lang(), "en", "de"]) : ["", null];
    // The same name twice says nothing new.
    setAlt(alt, other[0] === main[0] ? "" : other[0], other[1]);
    names.appendChild(alt);
    row.appendChild(names);
    var count = el("span", "topic-count", String(topic.count));
    row.appendChild(count);
    row.appendChild(el("span", "visually-hidden", " " + t("lobby.waiting_suffix")));
    waiting.appendChild(row);
  });
  waitingTotal.textContent = String(total);
}

/** The next consultation sessions, in the page's language: "Heute 12:45–16:45 Title".
 *  The server says which day each is ("today", "tomorrow", "mon"…) and whether it runs now. */
function renderSessions(sessions) {
  nextSessions.textContent = "";
  sessionsStrip.hidden = sessions.length === 0;
  sessions.forEach(function (session) {
    var day = session.now ? t("lobby.session_now")
      : session.day === "today" ? t("lobby.today")
      : session.day === "tomorrow" ? t("lobby.tomorrow")
      : t("lobby.weekday_" + session.day);
    var title = topicName(session.titles, [PRIMARY, "de", "en"]);
    var item = el("li", "next-session");
    item.setAttribute("data-testid", "next-session");
    item.appendChild(h("span", { class: "next-session-when", dir: "auto" },
      day + " " + session.start + "–" + session.end));
    item.appendChild(h("span", { class: "next-session-title", lang: title[1], dir: catalog.dir(title[1]) }, title[0]));
    nextSessions.appendChild(item);
  });
}

function render() {
  if (!state) return;
  renderCurrent(state.current || []);
  renderRecent(state.recent || [], (state.current || []).length > 0);
  renderWaiting(state.waiting || [], state.waiting_total || 0);
  renderSessions(state.next_sessions || []);
  fitAll();
}

/** Fit text to the panels once everything is in place (the panels share the screen). */
function fitAll() {
  pageWaiting();  // first: the waiting panel's height is what its page needs
  fitCurrent();
  fitRecent();
}

/** The last calls as big as the panel allows, never below --read: those that do not fit
 *  then are left off at the end (the oldest). */
function fitRecent() {
  var rows = Array.prototype.slice.call(recent.querySelectorAll(".recent-call"));
  rows.forEach(function (row) { row.hidden = false; });
  fitBox(recent, rows, 1.15);
  fitRows(rows);
  var bottom = innerBox(recent).bottom;
  rows.forEach(function (row) {
    row.hidden = row.getBoundingClientRect().bottom > bottom + 1;
  });
}

/** The waiting topics in pages that fit the panel (names at --read wrap, so a page holds
 *  as many as fit); the page shown changes with the second language, "1/2" beside the
 *  heading. */
function pageWaiting() {
  var tiles = Array.prototype.slice.call(waiting.children);
  var pages = pagesIn(waiting, tiles);
  var page = pages.length ? pages[waitingPage % pages.length] : [0, 0];
  tiles.forEach(function (tile, i) { tile.hidden = i < page[0] || i >= page[1]; });
  waiting.dataset.pages = String(pages.length);
  waitingPageLabel.textContent = pages.length > 1
    ? (waitingPage % pages.length + 1) + "/" + pages.length : "";
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

/** Shrink single rows whose text is still too wide (a very long desk name), down to
 *  --read; below that the desk name wraps. */
function fitRows(rows) {
  var least = readSize();
  Array.prototype.forEach.call(rows, function (row) {
    row.style.fontSize = "";
    delete row.dataset.wrap;
    var size = parseFloat(getComputedStyle(row).fontSize);
    var min = Math.max(size * 0.45, least);
    while (overflowsInline(row) && size > min) {
      size = Math.max(size * 0.92, min);
      row.style.fontSize = size + "px";
    }
    if (overflowsInline(row)) row.dataset.wrap = "";
  });
}

/** --read in pixels: the least a call or topic name is drawn. */
function readSize() {
  var probe = el("span");
  probe.style.fontSize = "var(--read)";
  probe.style.position = "absolute";
  body.appendChild(probe);
  var size = parseFloat(getComputedStyle(probe).fontSize);
  probe.remove();
  return size;
}

/** New calls keep room for their badge at the row's end (lobby.css); its width as laid
 *  out, not as drawn while it pops in. */
function makeRoomForBadges(rows) {
  Array.prototype.forEach.call(rows, function (row) {
    var badge = row.classList.contains("call-hero") ? null : row.querySelector(".call-badge");
    if (badge) row.style.setProperty("--badge-space", badge.offsetWidth + "px");
  });
}

/** The newest call as big as its width allows; the others as big as the rest of the
 *  panel allows, in one column or two. A very long desk name puts the newest call's desk
 *  under its code. More calls than fit at --read take the room of the last calls, and
 *  beyond that take turns (`pageCurrent`). */
function fitCurrent() {
  body.classList.remove("crowded");
  Array.prototype.forEach.call(current.children, function (row) { row.hidden = false; });
  fitCurrentIn();
  if (current.children.length > 1 && !fitsHeight(current)) {
    body.classList.add("crowded");
    fitCurrentIn();
  }
  pageCurrent();
}

/** Calls that do not fit even in the crowded layout: the newest stays, the others (newest
 *  first) take turns in pages, in the layout (one column or two) that needs fewest pages;
 *  "1/2" beside the heading. Each turn shows the page holding the call after the last one
 *  shown, so every call comes round though the room changes (the waiting topics' pages
 *  differ in height). No call is ever cut in half. */
function pageCurrent() {
  var hero = current.children[0];
  var others = Array.prototype.slice.call(current.children, 1);
  var newest = hero ? hero.dataset.code : null;
  if (newest !== callsNewest) callsNext = 0;  // a new call: its page comes first
  callsNewest = newest;
  current.dataset.next = "0";
  callsPageLabel.textContent = "";
  if (fitsHeight(current) || others.length < 2) return;
  // Nothing fit, so the newest call was shrunk with the rest: it gets back up to a share of
  // the panel (as big as its width allows), and the others take turns in what is left.
  hero.style.fontSize = "";
  var limit = HERO_SHARE * (innerBox(current).bottom - current.getBoundingClientRect().top);
  largest(heroMost, scaler(current, "--hero-scale"), function () {
    return fitsWidth([hero]) && hero.getBoundingClientRect().height <= limit;
  });
  fitRows([hero]);
  // The layout with the fewest pages; of equals, the one with fewer desk names wrapped.
  var layouts = ["1", "2"];
  var fewest = null;
  layouts.forEach(function (columns) {
    current.dataset.columns = columns;
    fitRows(others);
    var pages = pagesIn(current, others).length;
    var wrapped = others.filter(function (row) { return row.hasAttribute("data-wrap"); }).length;
    if (!fewest || pages < fewest.pages || (pages === fewest.pages && wrapped < fewest.wrapped)) {
      fewest = { columns: columns, pages: pages, wrapped: wrapped };
    }
  });
  current.dataset.columns = fewest.columns;
  fitRows(others);
  var pages = pagesIn(current, others);
  if (pages.length < 2) return;  // they all fit after all
  var at = callsNext < others.length ? callsNext : 0;
  var index = 0;
  while (index < pages.length - 1 && pages[index][1] <= at) index++;
  var page = pages[index];
  others.forEach(function (row, i) { row.hidden = i < page[0] || i >= page[1]; });
  current.dataset.next = String(page[1] % others.length);
  callsPageLabel.textContent = (index + 1) + "/" + pages.length;
}

/** `items` (children of `box`, in order) in pages that each fit the box with what comes
 *  before them: [first, end) of each; an item taller than the room still gets its page.
 *  All are shown again afterwards. */
function pagesIn(box, items) {
  var pages = [];
  var start = 0;
  while (start < items.length) {
    items.forEach(function (item, i) { item.hidden = i < start; });
    var bottom = innerBox(box).bottom;
    var end = start;
    while (end < items.length && items[end].getBoundingClientRect().bottom <= bottom + 1) end++;
    end = Math.max(end, start + 1);
    pages.push([start, end]);
    start = end;
  }
  items.forEach(function (item) { item.hidden = false; });
  return pages;
}

function fitCurrentIn() {
  var rows = current.querySelectorAll(".call");
  Array.prototype.forEach.call(rows, function (row) { row.style.fontSize = ""; });
  current.dataset.columns = "1";
  if (!rows.length) return;
  makeRoomForBadges(rows);
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
  heroMost = most;
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
  // Not even at --read (long desk names beside new calls' badges): the layout in which the
  // others fit once those names wrap, and the newest call as big as the rest then allows.
  if (!allFit()) {
    var others = Array.prototype.slice.call(rows, 1);
    var fitting = null;
    for (var i = 0; i < layouts.length && !fitting; i++) {
      current.dataset.columns = layouts[i];
      fitRows(others);
      if (fitsHeight(current)) fitting = layouts[i];
    }
    current.dataset.columns = fitting || best.columns;
    fitRows(others);
    largest(most, setHero, function () { return fitsHeight(current) && heroFits(); });
  }
  fitRows(rows);
}

/** Switch every second-language line (static text and topic names) to the next language,
 *  and the waiting topics and the calls to their next page. */
function rotateLanguage() {
  var pages = parseInt(waiting.dataset.pages, 10) || 1;
  var callsPaged = Boolean(callsPageLabel.textContent);
  if (LANGS.length < 2 && pages < 2 && !callsPaged) return;
  waitingPage += 1;
  callsNext = parseInt(current.dataset.next, 10) || 0;
  if (LANGS.length >= 2) {
    langIndex = (langIndex + 1) % LANGS.length;
    var code = lang();
    $$(".alt[data-alt]").forEach(function (node) {
      setAlt(node, catalog.tIn(code, node.dataset.alt), code);
    });
    $$(".desk-alt").forEach(function (node) { setDeskAlt(node, code); });
  }
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
// The page's language, with Latin digits like every number on the screen.
var clockLocale = catalog.intlLocale(PRIMARY);
var timeFormat = formatter(clockLocale, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
var dateFormat = formatter(clockLocale, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
var dayFormat = formatter("en-CA", { year: "numeric", month: "2-digit", day: "2-digit" });
// The service day the page shows; set from the first payload, once the server clock is
// known (a TV with a wrong clock must not see "midnight" at every load).
var loadedDay = null;

var dayParts = formatter("en-US", { weekday: "short", day: "numeric", month: "numeric", year: "numeric" });
/** The date line; in the catalog's words where the browser has no data for the language
 *  (Tigrinya, Pashto, Kurmanji), not in English. */
function dateText(moment) {
  if (catalog.intlKnows(PRIMARY)) return dateFormat.format(moment);
  var parts = {};
  dayParts.formatToParts(moment).forEach(function (part) { parts[part.type] = part.value; });
  return t("lobby.weekday_" + parts.weekday.toLowerCase()) + ", " + parts.day + " " +
    t("lobby.month_" + parts.month) + " " + parts.year;
}

function tick() {
  var moment = new Date(now());
  var text = timeFormat.format(moment);
  if (clockTime.textContent !== text) {
    clockTime.textContent = text;
    clockTime.setAttribute("datetime", moment.toISOString());
    clockDate.textContent = dateText(moment);
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

/** The page's language and the second one: "Verbunden · Connected". */
function both(key) {
  var second = LANGS[0];
  return t(key) + (second ? " · " + catalog.tIn(second, key) : "");
}

function setConnection(kind) {
  connection.dataset.state = kind;
  connectionText.textContent = both(kind === "connecting" ? "lobby.connecting"
    : kind === "reconnecting" ? "lobby.reconnecting" : "lobby.connected");
}

function received() { lastReceived = Date.now(); }

/** A `snapshot` or `queue` payload (or a polled snapshot while Socket.IO is down). */
function applyState(payload, viaSocket) {
  if (!payload || !Array.isArray(payload.current)) return;
  received();
  if (viaSocket !== false) setConnection("connected");  // may arrive just before `connect`
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
  live("/display", {
    auth: { location: SLUG },
    events: { snapshot: applyState, queue: applyState, called: onCalled },
    resync: "snapshot",
    resyncEveryMs: RESYNC_MS,
    // While Socket.IO cannot connect, the screen stays current from the snapshot URL.
    poll: function () { return api("GET", SNAPSHOT_URL); },
    onPoll: function (payload) { applyState(payload, false); },
    pollEveryMs: POLL_MS,
    onState: function (kind) {
      if (kind === "live") {
        setConnection("connected");
        received();
      } else if (kind === "connecting") {
        setConnection("connecting");
      } else if (kind === "reconnecting") {
        setConnection(state ? "reconnecting" : "connecting");
      } else if (kind === "unavailable") {
        // The client script did not load: try a reload now and then.
        setConnection("reconnecting");
        setInterval(function () { reloadWhenServerAnswers("no socket.io"); }, PROBE_EVERY_MS);
      }
    }
  });
}

// --- announcements: flash, chime, the call spoken ----------------------------------------
//
// Every `called` event joins a first-in, first-out queue, and the queue plays one call after
// another: the chime, then each part of `announcement` (the call in German, then in the
// visitor's language: audio the server synthesises) in the order given, waiting for each to
// end. Nothing is dropped and nothing talks over anything: a burst of five calls is heard as
// five, a recall once more. A part's audio starts loading as soon as its call arrives, so it
// is ready when its turn comes; one that cannot load (no engine, a failure) is skipped and
// the call is still chimed and shown.

var VOLUME = Math.max(0, Math.min(100, parseInt(body.dataset.volume, 10)));
VOLUME = isNaN(VOLUME) ? 1 : VOLUME / 100;
var LOAD_MS = 15000;              // a part that neither plays nor fails this long is skipped
var GAP_MS = 400;                 // silence between two calls

var chime = null;
try {
  chime = new Audio(body.dataset.chime);
  chime.preload = "auto";
  chime.volume = VOLUME;
} catch (e) { chime = null; }

var queue = [];
var speaking = false;

/** A code as it is read well: letters apart, the number as a number ("B012" → "B 12"). */
function spell(code) {
  var letters = code.replace(/[0-9]/g, "").split("");
  var digits = code.replace(/[^0-9]/g, "");
  return letters.concat(digits ? [String(parseInt(digits, 10))] : []).join(" ");
}

/** A call's words in `code`: the announcement line, with or without desk. */
function callText(code, key, call) {
  var desk = (call.desk_names || {})[code] || call.desk || "";
  var params = { code: spell(call.code), desk: desk };
  return catalog.tIn(code, call.desk ? key : key + "_no_desk", params);
}

/** The Audio elements of a call's spoken parts, loading from now on. */
function parts(call) {
  var urls = Array.isArray(call.announcement) ? call.announcement : [];
  return urls.filter(function (url) { return typeof url === "string"; }).map(function (url) {
    var audio = new Audio();
    audio.preload = "auto";
    audio.volume = VOLUME;
    audio.src = url;
    return audio;
  });
}

function announce(call) {
  // Clear first so a recall with the same words is read again.
  announcer.textContent = "";
  setTimeout(function () {
    announcer.textContent = callText(PRIMARY, "lobby.announce", call);
  }, 50);
  queue.push({ call: call, parts: parts(call) });
  if (!speaking) nextAnnouncement();
}

function nextAnnouncement() {
  var item = queue.shift();
  if (!item) { speaking = false; return; }
  speaking = true;
  var played = safe(function () { return play(chime, 2500); });
  item.parts.forEach(function (audio) {
    played = played.then(function () { return safe(function () { return play(audio, LOAD_MS); }); });
  });
  played.then(function () { setTimeout(nextAnnouncement, GAP_MS); });
}

/** Run a step that returns a promise; whatever it throws, the queue carries on. */
function safe(fn) {
  try {
    return Promise.resolve(fn()).catch(function () {});
  } catch (e) {
    return Promise.resolve();
  }
}

/** Play `audio` from its start; resolves when it has ended or failed, or when it has not
 *  ended `patience` ms after it should have (then it is stopped: nothing talks over it). */
function play(audio, patience) {
  return new Promise(function (resolve) {
    if (!audio) { resolve(); return; }
    var done = false;
    var timer = null;
    function finish() {
      if (done) return;
      done = true;
      clearTimeout(timer);
      audio.onended = audio.onerror = audio.onplaying = null;
      try { audio.pause(); } catch (e) { /* nothing playing */ }
      resolve();
    }
    function wait(ms) { clearTimeout(timer); timer = setTimeout(finish, ms); }
    wait(patience);
    audio.onended = finish;
    audio.onerror = finish;
    audio.onplaying = function () {  // now its length is known: wait that long, and a bit
      if (isFinite(audio.duration)) wait(audio.duration * 1000 + 2000);
    };
    if (audio.error) { finish(); return; }
    try { audio.currentTime = 0; } catch (e) { /* not loaded yet */ }
    var started = audio.play();
    if (started && started.then) {
      started.then(soundWorks, function (error) {
        if (error && error.name === "NotAllowedError") showSoundButton();
        finish();
      });
    }
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
