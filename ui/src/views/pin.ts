// The PIN screen: shown over everything when the laptop has users and
// nobody is signed in — at start, after the idle lock and on "Switch user".
// Tiles of the active users (name + role), then a PIN field; keyboard only:
// arrows move between tiles, Enter picks, digits + Enter sign in, Esc goes
// back to the tiles. The PIN goes to `sign_in` once and is never kept.

import { api } from "../api";
import type { Actor } from "../bindings/Actor";
import { h } from "../dom";
import type { UiError } from "../format";
import { t, type Key } from "../i18n";
import { holdScreen } from "../ui";
import { failureMessage, firstTile, localClock, messageText, moveTile, pinComplete, pinInput, type PinChoice, type PinMessage } from "../pin";

const LAST_USER = "muster.lastUser";

export type PinReason = "start" | "idle" | "switch";

let open: HTMLElement | null = null;

/** Whether the PIN screen is showing. */
export function pinScreenOpen(): boolean {
  return open !== null && open.isConnected;
}

/** Shows the PIN screen (once); `onSignedIn` runs after a right PIN. */
export function showPinScreen(reason: PinReason, onSignedIn: (actor: Actor) => void): void {
  if (pinScreenOpen()) return;
  const screen = h("div", { class: "pin-screen", role: "dialog", "aria-modal": "true", "aria-labelledby": "pin-title", testid: "pin-screen", "data-reason": reason });
  open = screen;
  holdScreen(true);
  document.body.appendChild(screen);
  let choices: PinChoice[] = [];
  let index = 0;

  const note = reason === "idle" ? t("pin.idle") : reason === "switch" ? t("pin.switched") : t("pin.lead");
  const card = h("div", { class: "pin-card" });
  screen.appendChild(card);

  const close = (actor: Actor) => {
    try { localStorage.setItem(LAST_USER, actor.user_id ?? ""); } catch { /* private mode */ }
    screen.remove();
    open = null;
    holdScreen(false);
    onSignedIn(actor);
  };

  const tiles = () => {
    card.replaceChildren(
      h("h1", { class: "pin-title", id: "pin-title" }, t("pin.title")),
      h("p", { class: "pin-lead", testid: "pin-note" }, note),
    );
    const grid = h("div", { class: "pin-tiles", role: "listbox", "aria-label": t("pin.title"), testid: "pin-tiles" });
    const buttons = choices.map((c, i) =>
      h("button", {
        class: "pin-tile", type: "button", role: "option", testid: "pin-tile", "data-name": c.name, "data-role": c.role,
        "aria-selected": i === index ? "true" : "false", tabindex: i === index ? "0" : "-1",
        onclick: () => { index = i; pinStage(); },
      },
        h("span", { class: "pin-avatar", "aria-hidden": "true" }, [...c.name][0] ?? "?"),
        h("span", { class: "pin-name" }, c.name),
        h("span", { class: `pin-role role-${c.role}` }, t(`role.${c.role}` as Key)),
        c.locked_until ? h("span", { class: "pin-tile-locked" }, t("pin.tile.locked", { time: localClock(c.locked_until) })) : null,
      ));
    grid.append(...buttons);
    grid.addEventListener("keydown", (e) => {
      const columns = getComputedStyle(grid).gridTemplateColumns.split(" ").filter(Boolean).length || 1;
      const next = moveTile(index, e.key, buttons.length, columns);
      if (next === index) return;
      e.preventDefault();
      buttons[index].setAttribute("tabindex", "-1");
      buttons[index].setAttribute("aria-selected", "false");
      index = next;
      buttons[index].setAttribute("tabindex", "0");
      buttons[index].setAttribute("aria-selected", "true");
      buttons[index].focus();
    });
    card.append(grid, h("p", { class: "pin-keys muted" }, t("pin.keys")));
    buttons[index]?.focus();
  };

  const pinStage = (message: PinMessage | null = null) => {
    const who = choices[index];
    if (!who) return tiles();
    const input = h("input", {
      type: "password", class: "pin-input", inputmode: "numeric", autocomplete: "off", maxlength: 16,
      "aria-label": t("pin.label"), testid: "pin-input", spellcheck: "false",
    });
    const msg = h("p", { class: "pin-message", role: "alert", testid: "pin-message" });
    const say = (m: PinMessage | null) => {
      msg.textContent = m ? messageText(m) : "";
      if (m) msg.dataset.kind = m.kind; else delete msg.dataset.kind;
    };
    say(message);
    const submit = h("button", { class: "btn btn-primary btn-lg", type: "submit", testid: "pin-submit" }, t("pin.submit"));
    const back = h("button", { class: "btn btn-ghost", type: "button", testid: "pin-back", onclick: () => tiles() }, "← ", t("pin.back"));
    input.addEventListener("input", () => {
      const clean = pinInput(input.value);
      if (clean !== input.value) input.value = clean;
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && choices.length > 1) { e.preventDefault(); tiles(); }
    });
    const form = h("form", { class: "pin-form", testid: "pin-form" },
      h("div", { class: "pin-who", testid: "pin-who" },
        h("span", { class: "pin-avatar", "aria-hidden": "true" }, [...who.name][0] ?? "?"),
        h("div", null,
          h("div", { class: "pin-name" }, t("pin.for", { name: who.name })),
          h("span", { class: `pin-role role-${who.role}` }, t(`role.${who.role}` as Key)))),
      h("div", { class: "pin-row" }, input, submit),
      msg,
      h("div", { class: "pin-foot" },
        choices.length > 1 ? back : null,
        h("span", { class: "pin-keys muted" }, t(choices.length > 1 ? "pin.keys.pin" : "pin.keys.enter"))),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const pin = pinInput(input.value);
      if (!pinComplete(pin)) { say({ kind: "digits" }); input.focus(); return; }
      submit.disabled = true;
      input.disabled = true;
      msg.textContent = t("pin.checking");
      try {
        const actor = await api.signIn(who.id, pin);
        input.value = "";
        close(actor);
      } catch (err) {
        const x = err as UiError;
        input.value = "";
        try {
          choices = await api.signInChoices();
        } catch { /* keep the old tiles */ }
        const again = choices.findIndex((c) => c.id === who.id);
        if (again < 0) return tiles();
        index = again;
        submit.disabled = false;
        input.disabled = false;
        say(failureMessage(x.code, x.kind, x.message, choices[index]));
        input.focus();
      }
    });
    card.replaceChildren(h("h1", { class: "pin-title", id: "pin-title" }, t("pin.title")), form);
    input.focus();
  };

  const load = async () => {
    try {
      choices = await api.signInChoices();
    } catch (e) {
      card.replaceChildren(h("p", { class: "pin-message", role: "alert" }, (e as UiError).message));
      return;
    }
    let last: string | null = null;
    try { last = localStorage.getItem(LAST_USER); } catch { /* private mode */ }
    index = firstTile(choices, last);
    if (choices.length === 1) pinStage(); else tiles();
  };
  void load();
}
