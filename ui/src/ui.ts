// Shared bits of the screens: routing context, the error banner, toasts.

import { clear, h, onAbort, untilAbort } from "./dom";
import { errorMessage, errorTitle, errorWhere, type UiError } from "./format";
import { role } from "./session";
import { t } from "./i18n";

export type Route =
  | { name: "events" }
  | { name: "event"; id: string }
  | { name: "import"; id: string }
  | { name: "checkin"; id: string }
  | { name: "dashboard"; id: string }
  | { name: "report"; id: string }
  | { name: "duplicates"; id: string }
  | { name: "certificates"; id: string }
  | { name: "forms"; id: string }
  | { name: "keying"; id: string; formId: string; entry: "first" | "second"; verify?: boolean }
  | { name: "portrait"; id: string; formId: string }
  | { name: "settings" }
  | { name: "users" }
  | { name: "audit" };

/**
 * A screen: paints into `root`, and keeps what it hangs outside `root`
 * (document listeners, timers, Rust listeners, sessions it opened) for as
 * long as `signal` is not aborted. The router aborts it when the screen is
 * left; a load that comes back after that paints nothing.
 */
export type Mount = (root: HTMLElement, ctx: Ctx, signal: AbortSignal) => Promise<void>;

export interface Ctx {
  /** Go to a screen (and render it). */
  go(route: Route): void;
  /** Show a short confirmation at the bottom of the window. */
  toast(text: string): void;
  /** Read who is signed in again (after a user or the idle lock changed). */
  sessionChanged(): Promise<void>;
}

/** A dismissible error box: title by code, the core's message, where. */
export function errorBox(e: UiError, onDismiss?: () => void): HTMLElement {
  const where = errorWhere(e);
  const box = h(
    "div",
    { class: "alert alert-error", role: "alert", testid: "error", "data-code": e.code },
    h("div", { class: "alert-body" },
      h("strong", { class: "alert-title", testid: "error-title" }, errorTitle(e.code)),
      h("div", { class: "alert-message", testid: "error-message" }, errorMessage(e, role())),
      where ? h("div", { class: "alert-where" }, where) : null,
    ),
    onDismiss
      ? h("button", { class: "btn btn-ghost btn-sm", type: "button", onclick: onDismiss, "aria-label": t("error.dismiss") }, "✕")
      : null,
  );
  return box;
}

/** Shows `e` in `slot` (replacing what was there), with a ✕ that clears it. */
export function errorShower(slot: HTMLElement): (e: UiError) => void {
  return (e: UiError) => {
    clear(slot);
    slot.appendChild(errorBox(e, () => clear(slot)));
  };
}

/**
 * Shows a spinner in `root` while `load` runs, then clears `root`. Returns
 * what `load` gave; when it fails, or gives `undefined` (not found: `missing`
 * names what), leaves the error in `root` and returns null. When `signal`
 * aborts first (the screen was left) it paints nothing and never returns.
 */
export async function loadInto<T>(root: HTMLElement, load: () => Promise<T | undefined>, missing: string, signal: AbortSignal): Promise<T | null> {
  clear(root);
  root.appendChild(spinner());
  let value: T | undefined;
  try {
    value = await untilAbort(load(), signal);
  } catch (e) {
    clear(root);
    root.appendChild(errorBox(e as UiError));
    return null;
  }
  clear(root);
  if (value === undefined) {
    root.appendChild(errorBox({ code: "not_found", message: missing }));
    return null;
  }
  return value;
}

export function spinner(): HTMLElement {
  return h("div", { class: "loading", testid: "loading" }, h("span", { class: "spin", "aria-hidden": "true" }), t("common.loading"));
}

export function field(label: string, input: HTMLElement, extraClass = ""): HTMLElement {
  return h("label", { class: `field ${extraClass}`.trim() }, h("span", { class: "field-label" }, label), input);
}

let openModals = 0;
const closers = new Set<() => void>();

/** Closes every open dialog (the app locks: nothing may wait behind the PIN screen). */
export function closeAllModals(): void {
  for (const close of [...closers]) close();
}

let screenHeld = false;

/** Whether a modal dialog (or the PIN screen) is open: the check-in screen then leaves focus alone. */
export function modalOpen(): boolean {
  return openModals > 0 || screenHeld;
}

/** The PIN screen covers the window: screens behind it keep their hands off the focus. */
export function holdScreen(on: boolean): void {
  screenHeld = on;
}

export interface Modal {
  el: HTMLElement;
  close(): void;
}

/**
 * A modal dialog over the screen. Esc (or the ✕) closes it and calls
 * `onClose`; focus goes to `autofocus` or the first field. A screen's
 * dialog passes the screen's `signal`: leaving the screen closes it.
 */
export function openModal(opts: {
  title: string;
  body: Node[];
  testid: string;
  tone?: "warn" | "plain";
  autofocus?: HTMLElement;
  onClose?: () => void;
  onEnter?: (e: KeyboardEvent) => void;
  signal?: AbortSignal;
}): Modal {
  const previous = document.activeElement as HTMLElement | null;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    openModals--;
    closers.delete(close);
    document.removeEventListener("keydown", onKey, true);
    overlay.remove();
    opts.onClose?.();
    if (previous && previous.isConnected && !modalOpen()) previous.focus();
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close();
    } else if (e.key === "Enter" && opts.onEnter) {
      opts.onEnter(e);
    }
  };
  const dialog = h("div", {
    class: `modal modal-${opts.tone ?? "plain"}`, role: "dialog", "aria-modal": "true",
    "aria-label": opts.title, testid: opts.testid,
  },
    h("div", { class: "modal-head" },
      h("h2", { class: "modal-title" }, opts.title),
      h("button", { class: "btn btn-ghost btn-sm", type: "button", "aria-label": t("common.cancel"), onclick: close }, "✕"),
    ),
    h("div", { class: "modal-body" }, opts.body),
  );
  const overlay = h("div", { class: "modal-overlay", onmousedown: (e: MouseEvent) => { if (e.target === overlay) close(); } }, dialog);
  document.body.appendChild(overlay);
  openModals++;
  closers.add(close);
  document.addEventListener("keydown", onKey, true);
  const focus = opts.autofocus ?? dialog.querySelector<HTMLElement>("input, select, textarea, button.btn-primary");
  focus?.focus();
  if (opts.signal) onAbort(opts.signal, close);
  return { el: dialog, close };
}

/**
 * Asks a yes/no question. Keyboard: Enter = confirm, Esc = cancel. Resolves
 * true when confirmed (false when cancelled, or when `signal` aborts).
 */
export function confirmDialog(opts: { title: string; body: string; yes: string; testid?: string; detail?: string; signal?: AbortSignal }): Promise<boolean> {
  return new Promise((resolve) => {
    let answer = false;
    const yes = h("button", { class: "btn btn-primary btn-lg", type: "button", testid: "confirm-yes" }, opts.yes);
    const no = h("button", { class: "btn btn-secondary btn-lg", type: "button", testid: "confirm-no" }, t("common.cancel"));
    const modal = openModal({
      title: opts.title,
      testid: opts.testid ?? "confirm-dialog",
      tone: "warn",
      autofocus: yes,
      signal: opts.signal,
      body: [
        h("p", { class: "modal-text", testid: "confirm-body" }, opts.body),
        opts.detail ? h("p", { class: "modal-detail muted" }, opts.detail) : null,
        h("div", { class: "modal-actions" },
          h("span", { class: "modal-keys muted" }, t("confirm.keys")),
          no, yes),
      ].filter((n): n is HTMLParagraphElement | HTMLDivElement => n !== null),
      onClose: () => resolve(answer),
      onEnter: (e) => {
        if (document.activeElement === no) return; // Enter on Cancel cancels
        e.preventDefault();
        e.stopPropagation();
        answer = true;
        modal.close();
      },
    });
    yes.addEventListener("click", () => { answer = true; modal.close(); });
    no.addEventListener("click", () => modal.close());
  });
}
