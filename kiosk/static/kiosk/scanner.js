/* What a USB barcode scanner types at the kiosk, and what it means.
 *
 * A scanner is a keyboard: it types the code it read, quickly, then Enter. `Scanner` keeps
 * the characters typed in one burst (keys less than `gapMs` apart) and, at Enter, hands the
 * burst to `onEnter(text)`: the page decides with `readScan` whether it was a scan. Keys are
 * never swallowed here: the page still sees every key (a visitor with a keyboard types on
 * the keypads too), and `burstStart()` tells it which key began the burst, so a scan that
 * ran into a keypad can be taken back.
 *
 * `readScan(text)` → `{kind: "appointment", token}` for the slip's link (…/t/a/<token>),
 * `{kind: "card", code}` for a client card's code (9 characters of the card alphabet,
 * spaces, dashes and small letters allowed; O, I and L read as 0, 1, 1 — the server checks
 * the check character), `{kind: "code", code}` for 6 digits, else null.
 */

export const CARD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const CARD_LENGTH = 9;
export const CODE_LENGTH = 6;
const READ_AS = { O: "0", I: "1", L: "1" };

/** A typed or scanned card code in the card alphabet (upper case, no spaces), or null. */
export function cardCode(text) {
  const cleaned = Array.from(String(text).toUpperCase().replace(/[\s-]/g, ""))
    .map((ch) => READ_AS[ch] || ch)
    .join("");
  if (cleaned.length !== CARD_LENGTH) return null;
  return Array.from(cleaned).every((ch) => CARD_ALPHABET.includes(ch)) ? cleaned : null;
}

export function readScan(text) {
  const scanned = String(text || "").trim();
  if (!scanned) return null;
  if (scanned.includes("/t/a/")) return { kind: "appointment", token: scanned };
  if (/^\d{6}$/.test(scanned)) return { kind: "code", code: scanned };
  const card = cardCode(scanned);
  if (card) return { kind: "card", code: card };
  return null;
}

export class Scanner {
  constructor({ gapMs = 250, onEnter }) {
    this.gapMs = gapMs;
    this.onEnter = onEnter;
    this.text = "";
    this.last = 0;
    this.startedAt = 0; // a counter: which key began the current burst
    this.keys = 0;
  }

  /** Note a keydown; returns true when it was an Enter the page's `onEnter` took. */
  key(event) {
    if (event.ctrlKey || event.altKey || event.metaKey) return false;
    const now = performance.now();
    this.keys += 1;
    if (now - this.last > this.gapMs) {
      this.text = "";
      this.startedAt = this.keys;
    }
    this.last = now;
    if (event.key === "Enter") {
      const text = this.text;
      this.text = "";
      this.last = 0;
      return Boolean(this.onEnter(text, event));
    }
    if (event.key.length === 1) this.text += event.key;
    return false;
  }

  /** Whether this key (the count of keys so far) is the first of the current burst. */
  startsBurst() {
    return this.startedAt === this.keys;
  }
}
