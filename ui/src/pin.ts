// The PIN screen's logic (pure, unit-tested; views/pin.ts draws it): the
// tiles of the active users, moving between them with the keyboard, what a
// PIN field accepts, and what to say after a failed sign-in.

import type { ErrorKind } from "./bindings/ErrorKind";
import type { PinChoice } from "./bindings/PinChoice";
import { t, type Lang } from "./i18n";

/** muster-core `users::PinChoice`: a tile of the PIN screen. */
export type { PinChoice };

/** What the PIN screen says under the field. */
export type PinMessage =
  | { kind: "wrong"; tries: number }
  | { kind: "locked"; until: string | null }
  | { kind: "digits" }
  | { kind: "error"; text: string };

/** Digits only (full-width digits from a Chinese IME become ASCII), at most 8. */
export function pinInput(raw: string): string {
  return [...raw]
    .map((c) => (c >= "０" && c <= "９" ? String.fromCharCode(c.charCodeAt(0) - 0xff10 + 0x30) : c))
    .filter((c) => c >= "0" && c <= "9")
    .join("")
    .slice(0, 8);
}

/** A PIN is 4 to 8 digits. */
export function pinComplete(pin: string): boolean {
  return /^\d{4,8}$/.test(pin);
}

/** The tile selected after `key` on a grid of `count` tiles, `columns` wide. */
export function moveTile(index: number, key: string, count: number, columns: number): number {
  if (count === 0) return 0;
  const cols = Math.max(1, columns);
  switch (key) {
    case "ArrowRight": return Math.min(count - 1, index + 1);
    case "ArrowLeft": return Math.max(0, index - 1);
    case "ArrowDown": return index + cols < count ? index + cols : index;
    case "ArrowUp": return index - cols >= 0 ? index - cols : index;
    case "Home": return 0;
    case "End": return count - 1;
    default: return index;
  }
}

/** The tile to start on: the last user who signed in here, else the first. */
export function firstTile(choices: PinChoice[], lastUserId: string | null): number {
  const i = choices.findIndex((c) => c.id === lastUserId);
  return i >= 0 ? i : 0;
}

/**
 * What to say after sign-in failed with `code` (`field`), given the user's
 * tile as read again afterwards (their tries left, their lock-out).
 */
export function failureMessage(code: string, kind: ErrorKind | null | undefined, message: string, choice: PinChoice | undefined): PinMessage {
  if (code === "locked") return { kind: "locked", until: choice?.locked_until ?? null };
  if (kind === "wrong_pin") return { kind: "wrong", tries: choice?.tries_left ?? 0 };
  return { kind: "error", text: message };
}

/** `2026-12-01T09:31:05.120Z` → the local `09:31:05`. */
export function localClock(rfc3339: string | null): string {
  if (!rfc3339) return "";
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return rfc3339;
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The words of a message. */
export function messageText(m: PinMessage, lang?: Lang): string {
  switch (m.kind) {
    case "wrong": return m.tries === 1 ? t("pin.wrong.last", {}, lang) : t("pin.wrong", { n: m.tries }, lang);
    case "locked": return t("pin.locked_out", { time: localClock(m.until) || "…" }, lang);
    case "digits": return t("pin.digits", {}, lang);
    case "error": return m.text;
  }
}
