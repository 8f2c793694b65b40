// Pure logic of the check-in door, unit-tested with vitest (no DOM, no
// Tauri): what a scan looks like, which session is "now", what Enter does,
// how a mark is described, the five-minute arrival slots of the chart.

import type { ArrivalBucket } from "./bindings/ArrivalBucket";
import type { MarkOutcome } from "./bindings/MarkOutcome";
import type { Session } from "./bindings/Session";
import { t, type Lang, getLang } from "./i18n";

/** Check-in opens this long before a session starts (the core's rule too). */
export const OPENS_BEFORE_MINUTES = 60;

/** Crockford base 32, as trainee codes are written (plus the letters read leniently). */
const CODE_CHARS = /^[0-9A-Za-z]+$/;

/**
 * Whether `input` has the shape of a complete trainee code: six symbols of
 * Crockford's base 32 with at least one digit (spaces and dashes ignored).
 * A name, pinyin or initials has no digit; a mobile tail has four. The core
 * still checks the check symbol and says why a code is wrong.
 */
export function looksLikeCode(input: string): boolean {
  const s = input.trim().replace(/[\s-]/g, "");
  return s.length === 6 && CODE_CHARS.test(s) && /[0-9]/.test(s);
}

/** Whether `input` could be meant as a code at all (ASCII letters, digits, punctuation; no 汉字). */
export function isAsciiInput(input: string): boolean {
  return /^[\x20-\x7e]+$/.test(input.trim());
}

/**
 * Whether an input nobody matches was meant as a code (a garbled or half
 * scan: punctuation, or letters mixed with digits) rather than a name or a
 * mobile tail: then the core is asked to read it as a code and says why not.
 */
export function looksLikeScanAttempt(input: string): boolean {
  const s = input.trim();
  if (!isAsciiInput(s)) return false;
  return /[^A-Za-z0-9\s]/.test(s) || (/[0-9]/.test(s) && /[A-Za-z]/.test(s));
}

/** A USB scanner types faster than this between keys (ms); people do not. */
export const SCANNER_GAP_MS = 35;

/**
 * Whether the keys typed (times of each character, then of Enter) came as a
 * scanner's burst: three characters or more, every gap short.
 */
export function isBurst(keyTimes: number[], enterTime: number): boolean {
  if (keyTimes.length < 3) return false;
  const times = [...keyTimes, enterTime];
  for (let i = 1; i < times.length; i++) if (times[i] - times[i - 1] > SCANNER_GAP_MS) return false;
  return true;
}

/** What Enter in the scan box does. */
export type EnterAction =
  | { kind: "none" }
  | { kind: "code"; code: string }
  | { kind: "search"; query: string };

/**
 * A complete code, anything a scanner sent (a burst), and anything shaped
 * like a garbled or half code go to the core as a code: it checks in or says
 * why not, never guessing a person from half a badge. Names, pinyin,
 * initials and mobile digits typed by a person search, and Enter takes the
 * top hit.
 */
export function enterAction(raw: string, burst = false): EnterAction {
  const value = raw.trim();
  if (!value) return { kind: "none" };
  if (looksLikeCode(value) || burst || looksLikeScanAttempt(value)) return { kind: "code", code: value };
  return { kind: "search", query: value };
}

/** `Date` as venue local time `YYYY-MM-DDTHH:MM`. */
export function localMinute(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function minutesOf(local: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local);
  if (!m) return Number.NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) / 60_000;
}

/**
 * The session to check into by default: the one open now (from an hour
 * before its start to its end), else the next one today, else today's last
 * (it has ended: a scan asks). Only when no session is today, the nearest
 * other day's (the next one, else the last one): the door then says so in
 * large type ([`onOtherDay`]). Never tomorrow's while today has sessions:
 * an evening's scans must not give people credit for tomorrow.
 */
export function defaultSession(sessions: Session[], now: string): Session | undefined {
  const sorted = [...sessions].sort((a, b) => a.starts_at.localeCompare(b.starts_at));
  const n = minutesOf(now);
  const open = sorted.find((s) => minutesOf(s.starts_at) - OPENS_BEFORE_MINUTES <= n && n <= minutesOf(s.ends_at));
  if (open) return open;
  const today = sorted.filter((s) => !onOtherDay(s, now));
  if (today.length > 0) return today.find((s) => minutesOf(s.starts_at) > n) ?? today[today.length - 1];
  return sorted.find((s) => minutesOf(s.starts_at) > n) ?? sorted[sorted.length - 1];
}

/** Whether a session starts on another day than `now` (venue local time). */
export function onOtherDay(s: Session, now: string): boolean {
  return s.starts_at.slice(0, 10) !== now.slice(0, 10);
}

/** Whether a session lies ahead of `now` ("not started") or behind it ("ended"). */
export function sessionTiming(s: Session, now: string): "not_started" | "open" | "ended" {
  const n = minutesOf(now);
  if (n < minutesOf(s.starts_at) - OPENS_BEFORE_MINUTES) return "not_started";
  if (n > minutesOf(s.ends_at)) return "ended";
  return "open";
}

/** `2026-03-09T08:41:00` → `08:41`. */
export function clockTime(local: string): string {
  const m = /T(\d{2}:\d{2})/.exec(local);
  return m ? m[1] : local;
}

/** The one-line explanation under the name on the confirmation panel. */
export function outcomeLine(o: MarkOutcome, lang: Lang = getLang()): string {
  const time = clockTime(o.at);
  const where = t(o.this_device ? "door.this_laptop" : "door.other_laptop", {}, lang);
  switch (o.status) {
    case "checked_in":
      return t("door.line.checked_in", { time }, lang);
    case "already_checked_in":
      return t("door.line.already_in", { time, where }, lang);
    case "checked_out":
      return t("door.line.checked_out", { time }, lang);
    case "already_checked_out":
      return t("door.line.already_out", { time, where }, lang);
  }
}

/** green for a new mark, amber for one already taken. */
export function outcomeTone(o: MarkOutcome): "ok" | "warn" {
  return o.status === "checked_in" || o.status === "checked_out" ? "ok" : "warn";
}

/**
 * The arrival buckets as a continuous run of five-minute slots (empty slots
 * filled with zero), so the chart's x axis is time, not just the busy slots.
 * At most `max` slots, the latest kept.
 */
export function fillSlots(buckets: ArrivalBucket[], max = 48): ArrivalBucket[] {
  if (buckets.length === 0) return [];
  const byMinute = new Map<number, number>();
  for (const b of buckets) byMinute.set(minutesOf(b.from), b.count);
  const keys = [...byMinute.keys()].filter((k) => !Number.isNaN(k)).sort((a, b) => a - b);
  if (keys.length === 0) return [];
  const out: ArrivalBucket[] = [];
  for (let m = keys[0]; m <= keys[keys.length - 1]; m += 5) {
    const d = new Date(m * 60_000);
    const p = (n: number) => String(n).padStart(2, "0");
    const from = `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
    out.push({ from, count: byMinute.get(m) ?? 0 });
  }
  return out.slice(-max);
}
