// Pure display logic, unit-tested with vitest (no DOM, no Tauri).

import type { ErrorCode } from "./bindings/ErrorCode";
import type { ErrorKind } from "./bindings/ErrorKind";
import type { ErrorPayload } from "./bindings/ErrorPayload";
import type { Gender } from "./bindings/Gender";
import type { Msg } from "./bindings/Msg";
import { t, tName, worded, type Key, type Lang, getLang } from "./i18n";

/**
 * Masks the middle of a national ID number so that a roster on a projector
 * does not show it whole: `110101199003071234` → `1101**********1234`.
 * Short numbers keep fewer characters; four or fewer are fully masked.
 */
export function maskId(id: string | null | undefined): string {
  if (!id) return "";
  const s = id.trim();
  const n = s.length;
  if (n <= 4) return "*".repeat(n);
  const keep = n >= 12 ? 4 : n >= 8 ? 2 : 1;
  return s.slice(0, keep) + "*".repeat(n - 2 * keep) + s.slice(n - keep);
}

/**
 * `text` with every ID-number-like run (15 to 18 characters: digits, a
 * final X) masked as [`maskId`] does: the core's messages quote the value
 * they refuse, and a projector must not show it whole.
 */
export function maskIdsIn(text: string): string {
  return text.replace(/(?<![0-9A-Za-z])\d{14,17}[\dXx](?![0-9A-Za-z])/g, (m) => maskId(m));
}

/** A mainland mobile as `138 1234 5678`; anything else unchanged. */
export function formatPhone(phone: string | null | undefined): string {
  if (!phone) return "";
  return /^1\d{10}$/.test(phone) ? `${phone.slice(0, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}` : phone;
}

export function genderLabel(g: Gender | null | undefined, lang: Lang = getLang()): string {
  if (g === "female") return t("gender.female", {}, lang);
  if (g === "male") return t("gender.male", {}, lang);
  return "";
}

const FIELD_KEYS: Record<string, Key> = {
  name: "col.name",
  gender: "col.gender",
  phone: "col.phone",
  id_number: "col.id_number",
  age: "col.age",
  birth_date: "col.birth_date",
  organization: "col.organization",
  occupation: "col.occupation",
  code: "col.code",
  reason: "col.reason",
  hours: "col.hours",
  status: "col.status",
};

/** The label of a roster field (`id_number` → 身份证号); other names as given. */
export function fieldLabel(field: string | null | undefined, lang: Lang = getLang()): string {
  if (!field) return "";
  const key = FIELD_KEYS[field];
  return key ? t(key, {}, lang) : field;
}

function parseDay(iso: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return null;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The parameters a language's day patterns use: {y} {m} {d} {month} {weekday}. */
function dayParams(d: Date, lang: Lang): Record<string, string | number> {
  const mo = d.getUTCMonth();
  return {
    y: d.getUTCFullYear(),
    m: mo + 1,
    d: d.getUTCDate(),
    month: t("date.months", {}, lang).split(",")[mo] ?? String(mo + 1),
    weekday: t("date.weekdays", {}, lang).split(",")[d.getUTCDay()] ?? "",
  };
}

// Each language's file has its patterns (`date.full`, `date.short`, the
// ranges): adding a language touches no code here.
function fmtDay(d: Date, lang: Lang, withYear: boolean): string {
  return t(withYear ? "date.full" : "date.short", dayParams(d, lang), lang);
}

/** `2026-11-20` → `2026年11月20日 星期五` / `Fri 20 Nov 2026`; the text as given when it is no day. */
export function fullDay(iso: string, lang: Lang = getLang()): string {
  const d = parseDay(iso);
  return d ? t("date.with_weekday", dayParams(d, lang), lang) : iso;
}

/** `2026-03-09` + 3 days → `2026年3月9日 – 3月11日` / `9 Mar – 11 Mar 2026`. */
export function dateRange(startsOn: string, days: number, lang: Lang = getLang()): string {
  const start = parseDay(startsOn);
  if (!start) return startsOn;
  if (days <= 1) return fmtDay(start, lang, true);
  const end = new Date(start.getTime() + (days - 1) * 86_400_000);
  const sameYear = end.getUTCFullYear() === start.getUTCFullYear();
  if (!sameYear) return t("date.range.years", { fromFull: fmtDay(start, lang, true), toFull: fmtDay(end, lang, true) }, lang);
  return t("date.range", { y: start.getUTCFullYear(), from: fmtDay(start, lang, false), to: fmtDay(end, lang, false) }, lang);
}

/** `2026-03-09T09:00` → `3月9日 09:00` / `9 Mar 09:00`. */
export function formatDateTime(local: string, lang: Lang = getLang()): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})/.exec(local);
  if (!m) return local;
  const d = parseDay(m[1]);
  return d ? `${fmtDay(d, lang, false)} ${m[2]}` : local;
}

/**
 * A path as pasted by a person: surrounding whitespace and quotes removed
 * (file managers quote paths with spaces), `file://` URLs decoded.
 */
export function cleanPath(raw: string): string {
  let s = raw.trim();
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0]) s = s.slice(1, -1).trim();
  if (s.startsWith("file://")) {
    try {
      s = decodeURIComponent(s.slice("file://".length));
    } catch {
      s = s.slice("file://".length);
    }
  }
  return s;
}

/** The rejects file's default name beside the source: `/a/花名册.xlsx` → `/a/花名册-问题行.csv`. */
export function rejectsPathFor(src: string, suffix: string): string {
  const slash = Math.max(src.lastIndexOf("/"), src.lastIndexOf("\\"));
  const dot = src.lastIndexOf(".");
  const stem = dot > slash ? src.slice(0, dot) : src;
  return `${stem}-${suffix}.csv`;
}

/** Error codes the UI knows: the core's, plus `internal` for failures of the shell itself. */
export type UiErrorCode = ErrorCode | "internal";

/** An error as the screens handle it: the core's payload (optional fields may also be null). */
export type UiError = Pick<ErrorPayload, "message"> & {
  code: UiErrorCode;
  /** What exactly was refused, where the screen acts on it (the generated `ErrorKind`). */
  kind?: ErrorKind | null;
  file?: string | null;
  line?: number | null;
  field?: string | null;
  /** The message as a key and parameters (`muster_core::Msg`), worded by [`worded`]. */
  msg?: Msg | null;
};

/**
 * The title of each error code. A `Record` over the generated `ErrorCode`
 * union: when muster-core adds a code, `tsc` fails here until it has a title.
 */
const ERROR_TITLES: Record<UiErrorCode, Key> = {
  invalid_input: "error.invalid_input",
  not_found: "error.not_found",
  conflict: "error.conflict",
  storage: "error.storage",
  io: "error.io",
  needs_confirmation: "error.needs_confirmation",
  forbidden: "error.forbidden",
  locked: "error.locked",
  internal: "error.internal",
};

/** Whatever a rejected `invoke` gave, as a typed error. */
export function toUiError(e: unknown): UiError {
  if (e && typeof e === "object" && "code" in e && typeof (e as { code: unknown }).code === "string") {
    const p = e as Partial<ErrorPayload> & { code: string };
    return {
      code: p.code in ERROR_TITLES ? (p.code as ErrorCode) : "internal",
      message: typeof p.message === "string" ? p.message : String(p.code),
      kind: p.kind ?? null,
      file: p.file ?? null,
      line: p.line ?? null,
      field: p.field ?? null,
      msg: p.msg ?? null,
    } as UiError;
  }
  const message = e instanceof Error ? e.message : typeof e === "string" ? e : JSON.stringify(e);
  return { code: "internal", kind: null, message, file: null, line: null, field: null } as UiError;
}

/** The heading for an error: chosen by `code`, never by the message text. */
export function errorTitle(code: UiErrorCode, lang: Lang = getLang()): string {
  return t(ERROR_TITLES[code] ?? "error.internal", {}, lang);
}

/**
 * The body of an error in the UI's language where the code and field say
 * enough (a refused action, named by `muster_core::access::Action::key`),
 * else the core's message.
 */
export function errorMessage(e: UiError, role: string | null = null, lang: Lang = getLang()): string {
  const action = e.code === "forbidden" && e.field ? tName("action", e.field, lang) : null;
  if (action) {
    const roleName = role ? t(`role.${role}` as Key, {}, lang) : "—";
    return t("error.forbidden.detail", { role: roleName, action }, lang);
  }
  return worded(e.msg, e.message, lang);
}

/** Where the error is, e.g. `花名册.csv · 第 12 行 · 字段“手机号”`. */
export function errorWhere(e: UiError, lang: Lang = getLang()): string {
  if (e.code === "forbidden") return "";
  const parts: string[] = [];
  if (e.file) parts.push(e.file.split(/[\\/]/).pop() ?? e.file);
  if (e.line != null) parts.push(t("error.line", { n: Number(e.line) }, lang));
  if (e.field) parts.push(t("error.field", { f: fieldLabel(e.field, lang) }, lang));
  return parts.join(" · ");
}

/** `1536` → `1.5 KB`; `3_400_000` → `3.2 MB`. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * Who did something, as the core records it: a person's name as typed, or
 * the core's `unknown` (no user signed in and no system user name), which
 * is worded in the reader's language.
 */
export function whoName(by: string | null | undefined, lang: Lang = getLang()): string {
  const name = (by ?? "").trim();
  return name === "" || name === "unknown" ? t("who.unknown", {}, lang) : name;
}
