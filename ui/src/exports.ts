// Exports (attendance report, rejects, portrait XLSX, sync file) from an
// encrypted store are sealed by the Rust side: an AES-256 ZIP written as
// `<file>.zip`, opened with the passphrase (7-Zip, WinRAR, `muster
// decrypt`). The user may ask for a plain file instead; that choice, with
// its warning, is shown only when the store is encrypted.

import { api } from "./api";
import { h } from "./dom";
import { t, type Key, type Lang } from "./i18n";

/** Whether the export will be sealed: an encrypted store, plain not ticked. */
export function willSeal(encrypted: boolean, plain: boolean): boolean {
  return encrypted && !plain;
}

/** The success message `key` (with `{path}` the file really written), and
 * for a sealed file how to open it. */
export function exportedMessage(key: Key, params: Record<string, string | number>, sealed: boolean, lang?: Lang): string {
  const done = t(key, params, lang);
  return sealed ? `${done} ${t("export.sealed.note", {}, lang)}` : done;
}

export type PlainChoice = {
  /** The checkbox and its warning (hidden for a plain store). */
  el: HTMLElement;
  /** The user asked for a plain file (only possible on an encrypted store). */
  plain: () => boolean;
  /** The next export will be sealed. */
  sealed: () => boolean;
  /** Whether the store is encrypted, once known (rejects when it cannot be told). */
  encrypted: Promise<boolean>;
};

/** The "Plain file (not encrypted)" checkbox of an export dialog. */
export function plainChoice(testid = "export-plain"): PlainChoice {
  const box = h("input", { type: "checkbox", testid });
  const warning = h("div", { class: "plain-warning", testid: `${testid}-warning`, hidden: true }, t("export.plain.warning"));
  box.addEventListener("change", () => { warning.hidden = !box.checked; });
  const el = h("div", { class: "plain-choice", hidden: true },
    h("label", { class: "check-line", title: t("export.plain.hint") }, box, " ", t("export.plain")),
    warning);
  let encrypted = false;
  const known = api.storeEncrypted();
  known.then(
    (e) => { encrypted = e; el.hidden = !e; },
    () => { /* unknown: the Rust side seals anyway when the store is encrypted */ },
  );
  return { el, plain: () => encrypted && box.checked, sealed: () => willSeal(encrypted, box.checked), encrypted: known };
}
