/* Small DOM helpers shared by the pages; no state, no domain knowledge.
 *
 * Promises:
 * - `h(tag, attrs, ...children)` builds an element: `class`, `dataset` ({key: value}),
 *   `text`, `on<event>` (a function becomes a listener), `true` sets an empty attribute,
 *   null/undefined/false leave an attribute out; children are nodes or text (arrays are
 *   flattened, null/undefined/false skipped). `svg(...)` does the same in the SVG namespace.
 * - `$(selector, root)` is the first match or null; `$$(selector, root)` an array of all.
 * - `clear(el)` empties an element (null is fine).
 * - `replaceChildrenKeepingFocus(list, items, attr)` replaces a list's items and, when focus
 *   was on an item's control carrying `attr` (default data-focus-key), puts it back on the
 *   control with the same key in the new items.
 * - `refocus(...candidates)` leaves focus alone when it sits on something usable, else
 *   focuses the first candidate that is in the page, visible and enabled.
 * - `announce(region, text)` makes a live region speak `text`, even the same text again.
 */

const SVG_NS = "http://www.w3.org/2000/svg";

function build(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.setAttribute("class", value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Build an element: h("li", {class: "x", dataset: {id: 1}, onclick: fn}, "text", child). */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** Build an SVG element the same way: svg("path", {d: "M0 0"}). */
export function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

export function $$(selector, root = document) {
  return Array.from(root.querySelectorAll(selector));
}

export function clear(el) {
  if (el) el.replaceChildren();
}

/** Replace `list`'s children, keeping keyboard focus on the control with the same key. */
export function replaceChildrenKeepingFocus(list, items, attr = "data-focus-key") {
  const focused = document.activeElement;
  const key = focused && list.contains(focused) ? focused.getAttribute(attr) : null;
  list.replaceChildren(...items);
  if (key !== null) {
    const again = Array.from(list.querySelectorAll(`[${attr}]`)).find((el) => el.getAttribute(attr) === key);
    if (again) again.focus();
  }
}

function usable(el) {
  return el && document.contains(el) && !el.disabled && !el.hidden && el.offsetParent !== null;
}

/** Keep focus where it is when that is usable, else move it to the first usable candidate. */
export function refocus(...candidates) {
  const active = document.activeElement;
  if (active && active !== document.body && document.contains(active) && !active.disabled
      && active.offsetParent !== null) return;
  const target = candidates.find(usable);
  if (target) target.focus();
}

/** Let a live region speak `text` (cleared first, so the same words are read again). */
export function announce(region, text, delayMs = 50) {
  region.textContent = "";
  setTimeout(() => { region.textContent = text; }, delayMs);
}
