// Shared bits of the screens: routing context, the error banner, toasts.

import { h } from "./dom";
import { errorTitle, errorWhere, type UiError } from "./format";
import { t } from "./i18n";

export type Route =
  | { name: "events" }
  | { name: "event"; id: string }
  | { name: "import"; id: string };

export interface Ctx {
  /** Go to a screen (and render it). */
  go(route: Route): void;
  /** Show a short confirmation at the bottom of the window. */
  toast(text: string): void;
}

/** A dismissible error box: title by code, the core's message, where. */
export function errorBox(e: UiError, onDismiss?: () => void): HTMLElement {
  const where = errorWhere(e);
  const box = h(
    "div",
    { class: "alert alert-error", role: "alert", testid: "error", "data-code": e.code },
    h("div", { class: "alert-body" },
      h("strong", { class: "alert-title", testid: "error-title" }, errorTitle(e.code)),
      h("div", { class: "alert-message", testid: "error-message" }, e.message),
      where ? h("div", { class: "alert-where" }, where) : null,
    ),
    onDismiss
      ? h("button", { class: "btn btn-ghost btn-sm", type: "button", onclick: onDismiss, "aria-label": t("error.dismiss") }, "✕")
      : null,
  );
  return box;
}

export function spinner(): HTMLElement {
  return h("div", { class: "loading", testid: "loading" }, h("span", { class: "spin", "aria-hidden": "true" }), t("common.loading"));
}

export function field(label: string, input: HTMLElement, extraClass = ""): HTMLElement {
  return h("label", { class: `field ${extraClass}`.trim() }, h("span", { class: "field-label" }, label), input);
}
