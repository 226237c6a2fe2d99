/* What the tabs of the managers' page share: the signed-in manager, the locations they
 * manage (an admin: all), the one location the tabs work on, every such location's topics
 * (the staff tab offers them all) and the organisations.
 *
 * Promises: `store.on(name, fn)` calls `fn` after each change of that kind:
 * "locations" (the list), "location" (another one chosen; the tabs then load their lists
 * of it), "topics" (the topics of some location), "organisations" (one added or changed).
 * The loaders change the store and say so.
 */

import { api } from "../common.js";

const STORE_LOCATION = "servicepoint.manage.location";
const enc = encodeURIComponent;
const listeners = new Map();

function remembered() {
  try { return window.localStorage.getItem(STORE_LOCATION); } catch (_err) { return null; }
}

function remember(slug) {
  try { window.localStorage.setItem(STORE_LOCATION, slug); } catch (_err) { /* not kept */ }
}

export const store = {
  me: null,
  locations: [],
  slug: "",
  organisations: [],
  topics: {},   // slug → every topic of that location (inactive ones included), API order

  on(name, fn) {
    if (!listeners.has(name)) listeners.set(name, []);
    listeners.get(name).push(fn);
  },

  emit(name) {
    for (const fn of listeners.get(name) || []) fn(this);
  },

  location(slug = this.slug) {
    return this.locations.find((l) => l.slug === slug) || null;
  },

  locationName(slug) {
    const loc = this.location(slug);
    return loc ? loc.name : slug;
  },

  /** The active locations of `listed` this staff member manages (an admin: all). */
  managed(listed) {
    const where = (this.me && this.me.locations) || {};
    return listed.filter((loc) => (where[loc.slug] || []).includes("manage"));
  },

  /** Load the list of locations; a location that is gone gives way to another one. */
  async loadLocations() {
    const [me, data] = await Promise.all([api("GET", "/session"), api("GET", "/locations")]);
    this.me = me;
    this.locations = this.managed(data.locations || []);
    this.emit("locations");
    if (!this.location(this.slug)) await this.chooseRemembered();
  },

  /** Work on the location chosen last time on this browser, else the first one. */
  async chooseRemembered() {
    const kept = remembered();
    await this.choose(this.location(kept) ? kept : (this.locations[0] || { slug: "" }).slug, { keep: false });
  },

  /** Work on location `slug` in the tabs that show one location. */
  async choose(slug, { keep = true } = {}) {
    this.slug = slug;
    if (keep && slug) remember(slug);
    if (slug && !this.topics[slug]) await this.loadTopics(slug);
    this.emit("location");
  },

  async loadTopics(slug) {
    const data = await api("GET", `/locations/${enc(slug)}/topics/all`);
    this.topics[slug] = data.topics || [];
    // The letter discreet topics' tickets start with at this location (the neutral series).
    this.neutral = { ...(this.neutral || {}), [slug]: data.neutral_prefix || null };
    this.emit("topics");
  },
};
