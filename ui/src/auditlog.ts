// How a line of the audit log reads on the Audit screen (pure,
// unit-tested): the action and entity in words, what it was about, and
// before → after of the fields it changed.

import type { AuditEntry } from "./bindings/AuditEntry";
import { fileSize } from "./format";
import { t, tName, type Lang } from "./i18n";

/** The actions the core writes, in the order the filter lists them. */
export const AUDIT_ACTIONS = [
  "create", "edit", "merge", "import", "check_in", "check_out", "correct", "override", "issue", "print", "resolve",
  "export", "backup", "restore", "settings", "passphrase_change", "sign_in", "sign_in_failed", "user_add", "user_pin",
  "user_role", "user_disable",
] as const;

/** An action in words (`user_add` → 添加用户); unknown ones as written. */
export function actionLabel(action: string, lang?: Lang): string {
  return tName("audit.act", action, lang) ?? action;
}

function entityLabel(entity: string, lang?: Lang): string {
  return tName("audit.ent", entity, lang) ?? entity.replace(/_/g, " ");
}

/**
 * An id (a device's, a row's) as a short tag: its last 8 letters and
 * digits. Ids are UUIDv7, whose first digits are the creation time — two
 * laptops set up the same minute would look alike there.
 */
export function shortId(id: string): string {
  return id.replace(/[^0-9a-zA-Z]/g, "").slice(-8);
}

/** `2026-12-01T09:31:05.120Z` → local `2026-12-01 17:31:05`. */
export function auditTime(at: string): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return at;
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function obj(v: unknown): Record<string, unknown> | null {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function show(v: unknown): string {
  if (v === null || v === undefined || v === "") return "∅";
  if (typeof v === "string") return systemReason(v);
  return JSON.stringify(v);
}

/**
 * A reason the core itself records (muster_core::attendance::CLOSED_REASON)
 * in the reader's language; any other text as written (a person typed it).
 */
export function systemReason(v: string, lang?: Lang): string {
  return v === "no check-in when the session was closed" ? t("attendance.reason.closed", {}, lang) : v;
}

/** An export's or printout's kind in words; unknown ones as written. */
export function kindLabel(kind: string, lang?: Lang): string {
  return tName("audit.kind", kind, lang) ?? kind;
}

/**
 * The line in words for the actions whose facts the core writes in `after`
 * (its `detail` is English, for the CLI); null for the others.
 */
function described(e: AuditEntry, lang?: Lang): string | null {
  const a = obj(e.after);
  if (!a) return null;
  const num = (v: unknown) => (typeof v === "number" ? v : null);
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  switch (e.action) {
    case "sign_in_failed":
      return num(a.failed) === null ? null : t("audit.d.wrong_pin", { n: a.failed as number, of: num(a.of) ?? "?" }, lang);
    case "settings": {
      const m = num(a.idle_lock_minutes);
      if (m === null) return null;
      return m === 0 ? t("audit.d.idle_off", {}, lang) : t("audit.d.idle", { m }, lang);
    }
    case "backup":
      return str(a.file) === null ? null : t("audit.d.backup", { file: a.file as string, size: fileSize(num(a.bytes) ?? 0) }, lang);
    case "restore":
      return str(a.from) === null ? null : t("audit.d.restore", { file: a.from as string }, lang);
    default:
      return null;
  }
}

/**
 * What the line is about: the entity in words and its name (or title; a
 * user's from `userName`; an export's or printout's kind), else its short
 * id; the detail, in the app's language where the core gave the facts.
 */
export function auditWhat(e: AuditEntry, lang?: Lang, userName: (id: string) => string | undefined = () => undefined): string {
  const after = obj(e.after);
  const before = obj(e.before);
  const known = e.entity === "user" && e.entity_id ? userName(e.entity_id) : undefined;
  const kind = typeof after?.kind === "string" && after.kind ? kindLabel(after.kind, lang) : undefined;
  const name = [after?.name, before?.name, after?.title, before?.title, kind, known].find((v) => typeof v === "string" && v) as string | undefined;
  const parts: string[] = [];
  if (e.entity) parts.push(entityLabel(e.entity, lang));
  if (name) parts.push(name);
  else if (e.entity_id) parts.push(shortId(e.entity_id));
  const words = described(e, lang);
  if (words) parts.push(words);
  else if (e.detail) parts.push(e.detail);
  return parts.join(" ");
}

/**
 * The change: `field: before → after` for each field an edit changed
 * (the fields of `before`); for a new row or a line without `before`,
 * `field=value`.
 * At most `max` fields, then `…`.
 */
export function auditChange(e: AuditEntry, max = 6): string {
  const after = obj(e.after);
  if (!after || described(e) !== null) return "";
  const before = obj(e.before);
  const parts: string[] = [];
  if (before) {
    // An edit: the fields it changed (`before` holds exactly those).
    for (const [k, b] of Object.entries(before)) {
      if (JSON.stringify(b) !== JSON.stringify(after[k])) parts.push(`${k}: ${show(b)} → ${show(after[k])}`);
    }
  } else {
    for (const [k, v] of Object.entries(after)) {
      if (v !== null && v !== "") parts.push(`${k}=${show(v)}`);
    }
  }
  return parts.length > max ? `${parts.slice(0, max).join("; ")}; …` : parts.join("; ");
}
