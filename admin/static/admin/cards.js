/* Client cards at the desk: a new card for a client of mine (its code shown in groups, and
 * printed where the desk can print), and a card handed over to a colleague (the code typed
 * or scanned, the colleague chosen). The server checks everything; its refusals are shown
 * as they came. */

import { api, clear, showError, t } from "./common.js";
import { printInto } from "./printing.js";
import { $, h, refocus } from "/static/js/dom.js";

export function createCards(ctx) {
  const els = {
    open: $("#open-cards"), dialog: $("#card-dialog"), message: $("#card-message"),
    make: $("#card-new"), made: $("#card-made"), code: $("#card-code"),
    print: $("#card-print"), printStatus: $("#card-print-status"),
    handCode: $("#card-hand-code"), handStaff: $("#card-hand-staff"), hand: $("#card-hand"),
    handStatus: $("#card-hand-status"),
  };
  const state = { slug: "", card: null, busy: false };

  function clearPrint() {
    els.printStatus.textContent = "";
    const pdf = els.printStatus.nextElementSibling;
    if (pdf && pdf.classList.contains("print-pdf")) pdf.remove();
  }

  function setLocation(slug) {
    state.slug = slug;
    els.open.disabled = !slug;
  }

  async function open() {
    if (!state.slug) return;
    state.card = null;
    clear(els.message);
    els.made.hidden = true;
    clearPrint();
    els.handStatus.textContent = "";
    els.handCode.value = "";
    els.dialog.returnValue = "";
    els.dialog.showModal();
    els.make.focus();
    try {
      const answer = await api("GET", `/locations/${encodeURIComponent(state.slug)}/counselors`);
      const me = ctx.me();
      const others = (answer.counselors || []).filter((c) => !me || c.id !== me.id);
      els.handStaff.replaceChildren(...(others.length
        ? others.map((c) => h("option", { value: String(c.id) }, c.display_name))
        : [h("option", { value: "" }, t("cards.no_colleague"))]));
      els.handStaff.disabled = !others.length;
    } catch (err) {
      showError(els.message, err);
    }
  }

  async function busy(button, work) {
    if (state.busy) return;
    state.busy = true;
    button.setAttribute("aria-busy", "true");
    button.disabled = true;
    clear(els.message);
    try {
      await work();
    } catch (err) {
      showError(els.message, err);
    } finally {
      state.busy = false;
      button.removeAttribute("aria-busy");
      button.disabled = false;
    }
  }

  function make() {
    busy(els.make, async () => {
      const card = await api("POST", "/cards", { location: state.slug });
      state.card = card;
      els.code.textContent = card.shown;
      els.made.hidden = false;
      clearPrint();
      els.made.focus();
      ctx.note(t("cards.made", { code: card.shown }));
    });
  }

  function print() {
    const card = state.card;
    if (!card) return;
    busy(els.print, async () => {
      const body = { location: state.slug };
      if (ctx.deskId() !== null) body.desk_id = ctx.deskId();
      const code = encodeURIComponent(card.code);
      const pdf = `/api/v1/cards/${code}/card.pdf?location=${encodeURIComponent(state.slug)}`;
      await printInto(els.printStatus, `/cards/${code}/print`, body, pdf);
    });
  }

  function handOver() {
    const code = els.handCode.value.trim();
    els.handStatus.textContent = "";
    if (!code) {
      els.handStatus.textContent = t("cards.no_code");
      els.handCode.focus();
      return;
    }
    const staffId = Number(els.handStaff.value);
    busy(els.hand, async () => {
      const card = await api("PATCH", `/cards/${encodeURIComponent(code)}`, { staff_id: staffId });
      els.handStatus.textContent = t("cards.handed", {
        code: card.shown, name: card.staff ? card.staff.display_name : "",
      });
      els.handCode.value = "";
    });
  }

  els.open.addEventListener("click", open);
  els.make.addEventListener("click", make);
  els.print.addEventListener("click", print);
  els.hand.addEventListener("click", handOver);
  els.handCode.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      handOver();
    }
  });
  els.dialog.addEventListener("close", () => refocus(els.open));

  return { setLocation };
}
