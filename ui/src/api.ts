// Typed calls into the Rust commands of src-tauri. Types come from
// ./bindings, generated from muster-core by ts-rs (never edited by hand).
// A rejected call always rejects with a UiError ({code, message, ...}).

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AttendanceReport } from "./bindings/AttendanceReport";
import type { DuplicateGroup } from "./bindings/DuplicateGroup";
import type { Event } from "./bindings/Event";
import type { MarkOutcome } from "./bindings/MarkOutcome";
import type { SessionDashboard } from "./bindings/SessionDashboard";
import type { Status } from "./bindings/Status";
import type { ImportReport } from "./bindings/ImportReport";
import type { NewEvent } from "./bindings/NewEvent";
import type { NewSession } from "./bindings/NewSession";
import type { RosterPreview } from "./bindings/RosterPreview";
import type { Session } from "./bindings/Session";
import type { Trainee } from "./bindings/Trainee";
import type { SyncReport } from "./bindings/SyncReport";
import type { Quarantined } from "./bindings/Quarantined";
import type { EligibilityReport } from "./bindings/EligibilityReport";
import type { IssuedCertificate } from "./bindings/IssuedCertificate";
import type { Override } from "./bindings/Override";
import type { PrintRecord } from "./bindings/PrintRecord";
import type { Verification } from "./bindings/Verification";
import type { KeyedForm } from "./bindings/KeyedForm";
import type { Screen } from "./bindings/Screen";
import type { Step } from "./bindings/Step";
import type { StoredForm } from "./bindings/StoredForm";
import type { Batch } from "./bindings/Batch";
import type { BatchStatus } from "./bindings/BatchStatus";
import type { DiffReport } from "./bindings/DiffReport";
import type { KeyerStats } from "./bindings/KeyerStats";
import type { Portrait } from "./bindings/Portrait";
import type { Resolution } from "./bindings/Resolution";
import type { Actor } from "./bindings/Actor";
import type { AuditEntry } from "./bindings/AuditEntry";
import type { ExportedFile } from "./bindings/ExportedFile";
import type { Reminder } from "./bindings/Reminder";
import type { Role } from "./bindings/Role";
import type { User } from "./bindings/User";
import type { PinChoice } from "./pin";
import { toUiError } from "./format";

/** Called when a command fails with `locked` (nobody signed in, or the
 * laptop sat idle): main.ts shows the PIN screen. */
let onLocked: (() => void) | null = null;
export function setLockedHandler(f: () => void): void {
  onLocked = f;
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    const err = toUiError(e);
    // sign_in's `locked` is a lock-out after wrong PINs, shown on the PIN screen.
    if (err.code === "locked" && cmd !== "sign_in") onLocked?.();
    throw err;
  }
}

export type AppInfo = { version: string; db_path: string };
export type Progress = { done: number; total: number };
/** A walk-in just registered and the trainees it may duplicate (src-tauri `WalkIn`). */
export type WalkIn = { trainee: Trainee; duplicates: Trainee[] };
/** Who a check-in is for: a trainee id (picked from search) or a scanned/typed code. */
export type MarkWho = { traineeId: string } | { code: string };
export type MarkSource = "scan" | "search" | "manual";
export type ExportFormat = "xlsx" | "csv";
/** src-tauri `sync::SyncStatus`: what the header badge shows. */
export type SyncState = "idle" | "syncing" | "error" | "offline";
export type SyncStatus = {
  state: SyncState; configured: boolean; pending: number; last_sync: string | null;
  error_code: string | null; error_message: string | null; pushed: number; pulled: number;
  /** Changes received that this store set aside (kept, not applied). */
  quarantined: number;
};
/** src-tauri `sync::SyncSettings`: the token itself never comes back. */
export type SyncSettings = { url: string; has_token: boolean };
/** src-tauri `sync::SyncFileExport`: the file really written (`.zip` when sealed). */
export type SyncFileExport = { changes: number; file: string; encrypted: boolean };
export type ConnectionTest = { ok: boolean; error_code: string | null; error_message: string | null };
export type { SyncReport };
/** src-tauri `keying::KeyingStart` / `KeyingPress`. */
export type KeyingStart = { session_id: string; screen: Screen };
export type KeyingPress = { step: Step; screen: Screen; saved: { response_id: string; keyed: KeyedForm } | null };
/** src-tauri `certificates::IssueResult`. */
export type IssueResult = {
  file: string; issued: number; new: number; ineligible: number; pages: number;
  certificates: IssuedCertificate[]; warnings: string[];
};

export const api = {
  appInfo: () => call<AppInfo>("app_info"),
  listEvents: () => call<Event[]>("list_events"),
  getEvent: (eventId: string) => call<Event>("get_event", { eventId }),
  createEvent: (event: NewEvent) => call<Event>("create_event", { event }),
  createDemoEvent: () => call<Event>("create_demo_event"),
  listSessions: (eventId: string) => call<Session[]>("list_sessions", { eventId }),
  addSession: (eventId: string, session: NewSession) => call<Session>("add_session", { eventId, session }),
  roster: (eventId: string) => call<Trainee[]>("roster", { eventId }),
  searchRoster: (eventId: string, query: string, limit = 500) =>
    call<Trainee[]>("search_roster", { eventId, query, limit }),
  previewRoster: (path: string) => call<RosterPreview>("preview_roster", { path }),
  importRoster: (eventId: string, path: string, dryRun: boolean) =>
    call<ImportReport>("import_roster", { eventId, path, dryRun }),
  /** Writes the rejects CSV; returns the path written (`dest.zip` when sealed). */
  saveRejects: (srcPath: string, destPath: string, eventId: string | null = null, plain = false) =>
    call<string>("save_rejects", { srcPath, destPath, eventId, plain }),
  /** Whether the open store is encrypted (then exports are sealed unless plain). */
  storeEncrypted: () => call<boolean>("store_encrypted"),
  search: (eventId: string, query: string, limit = 8) => call<Trainee[]>("search", { eventId, query, limit }),
  checkIn: (eventId: string, sessionId: string, who: MarkWho, force: boolean, source: MarkSource) =>
    call<MarkOutcome>("check_in", { eventId, sessionId, ...who, force, source }),
  checkOut: (eventId: string, sessionId: string, who: MarkWho, force: boolean, source: MarkSource) =>
    call<MarkOutcome>("check_out", { eventId, sessionId, ...who, force, source }),
  walkIn: (eventId: string, name: string, phone: string, idNumber: string | null) =>
    call<WalkIn>("walk_in", { eventId, name, phone, idNumber }),
  possibleDuplicates: (eventId: string) => call<DuplicateGroup[]>("possible_duplicates", { eventId }),
  mergeTrainees: (keep: string, other: string) => call<Trainee>("merge_trainees", { keep, other }),
  attendanceReport: (eventId: string) => call<AttendanceReport>("attendance_report", { eventId }),
  dashboard: (eventId: string) => call<SessionDashboard[]>("dashboard", { eventId }),
  correctAttendance: (eventId: string, sessionId: string, traineeId: string, status: Status, hours: number | null, reason: string) =>
    call<void>("correct_attendance", { eventId, sessionId, traineeId, status, hours, reason }),
  exportAttendance: (eventId: string, path: string, format: ExportFormat, plain = false) =>
    call<string>("export_attendance", { eventId, path, format, plain }),
  syncSettings: () => call<SyncSettings>("sync_settings"),
  saveSyncSettings: (url: string, token: string | null) => call<SyncSettings>("save_sync_settings", { url, token }),
  syncStatus: () => call<SyncStatus>("sync_status"),
  syncNow: () => call<SyncStatus>("sync_now"),
  syncQuarantine: () => call<Quarantined[]>("sync_quarantine"),
  testSyncConnection: (url: string, token: string | null) => call<ConnectionTest>("test_sync_connection", { url, token }),
  exportSyncFile: (path: string, plain = false, passphrase?: string) =>
    call<SyncFileExport>("export_sync_file", { path, plain, passphrase: passphrase || null }),
  importSyncFile: (path: string, passphrase?: string) => call<number>("import_sync_file", { path, passphrase: passphrase || null }),
  onSyncStatus: (f: (s: SyncStatus) => void): Promise<UnlistenFn> =>
    listen<SyncStatus>("sync-status", (e) => f(e.payload)),
  certificateEligibility: (eventId: string) => call<EligibilityReport>("certificate_eligibility", { eventId }),
  overrideEligibility: (eventId: string, traineeId: string, eligible: boolean, reason: string) =>
    call<Override>("override_eligibility", { eventId, traineeId, eligible, reason }),
  issueCertificates: (eventId: string, path: string, reason: string | null) =>
    call<IssueResult>("issue_certificates", { eventId, path, reason }),
  reprintCertificate: (certificateId: string, reason: string, path: string) =>
    call<PrintRecord>("reprint_certificate", { certificateId, reason, path }),
  certificatePrints: (eventId: string) => call<PrintRecord[]>("certificate_prints", { eventId }),
  verifyCertificate: (code: string) => call<Verification>("verify_certificate", { code }),
  onCertificateProgress: (f: (p: Progress) => void): Promise<UnlistenFn> =>
    listen<Progress>("certificate-progress", (e) => f(e.payload)),
  listForms: (eventId: string) => call<StoredForm[]>("list_forms", { eventId }),
  importForm: (eventId: string, path: string, doubleEntry: boolean) => call<StoredForm>("import_form", { eventId, path, doubleEntry }),
  keyingStart: (formId: string, entry: "first" | "second", keyer?: string, batch?: string) =>
    call<KeyingStart>("keying_start", { formId, entry, keyer: keyer || null, batch: batch || null }),
  addBatch: (formId: string, name: string, count: number, first: string) => call<Batch>("add_batch", { formId, name, count, first: first || null }),
  listBatches: (formId: string) => call<Batch[]>("list_batches", { formId }),
  batchStatus: (formId: string, batch: string, entry: "first" | "second") => call<BatchStatus>("batch_status", { formId, batch, entry }),
  responsesDiff: (formId: string) => call<DiffReport>("responses_diff", { formId }),
  resolveDifference: (formId: string, paper: string, field: string, value: string, by: string) =>
    call<Resolution>("resolve_difference", { formId, paper, field, value, by }),
  keyerStats: (formId: string) => call<KeyerStats[]>("keyer_stats", { formId }),
  formPortrait: (formId: string, language?: string) => call<Portrait>("form_portrait", { formId, language: language ?? null }),
  exportPortrait: (formId: string, path: string, format: "xlsx" | "pdf", plain = false) =>
    call<string>("export_portrait", { formId, path, format, plain }),
  keyingPress: (sessionId: string, key: string) => call<KeyingPress>("keying_press", { sessionId, key }),
  keyingEnd: (sessionId: string) => call<void>("keying_end", { sessionId }),
  onImportProgress: (f: (p: Progress) => void): Promise<UnlistenFn> =>
    listen<Progress>("import-progress", (e) => f(e.payload)),
  // Users and roles, the audit log, backups (src-tauri/src/users.rs).
  sessionInfo: () => call<SessionInfo>("session_info"),
  touch: () => call<void>("touch"),
  signInChoices: () => call<PinChoice[]>("sign_in_choices"),
  signIn: (user: string, pin: string) => call<Actor>("sign_in", { user, pin }),
  lockSession: () => call<void>("lock_session"),
  listUsers: () => call<User[]>("list_users"),
  addUser: (name: string, role: Role, pin: string) => call<User>("add_user", { name, role, pin }),
  setUserPin: (user: string, pin: string) => call<User>("set_user_pin", { user, pin }),
  setUserRole: (user: string, role: Role) => call<User>("set_user_role", { user, role }),
  disableUser: (user: string) => call<User>("disable_user", { user }),
  setIdleLockMinutes: (minutes: number) => call<number>("set_idle_lock_minutes", { minutes }),
  auditLog: (f: AuditQuery) => call<AuditEntry[]>("audit_log", { ...f }),
  exportAudit: (path: string, plain: boolean, f: AuditQuery) =>
    call<ExportedFile>("export_audit", { path, plain, eventId: f.eventId, action: f.action, user: f.user }),
  backupReminder: () => call<Reminder>("backup_reminder"),
  backupNow: (path: string) => call<BackupDone>("backup_now", { path }),
};

/** src-tauri `users::SessionInfo`: who is signed in, PINs on or off, the idle lock. */
export type SessionInfo = {
  actor: Actor | null; has_users: boolean; idle_lock_minutes: number; idle_lock_secs: number;
  encrypted: boolean; device_id: string;
};
/** Which audit lines: one event's (null: all), an action, a user's; at most `limit` of the newest. */
export type AuditQuery = { eventId: string | null; action: string | null; user: string | null; limit?: number };
/** src-tauri `users::BackupDone`. */
export type BackupDone = { file: string; bytes: number };

/** The native open dialog; null when cancelled or unavailable. */
export async function pickRosterFile(filterName: string): Promise<string | null> {
  const { open } = await import("@tauri-apps/plugin-dialog");
  const picked = await open({
    multiple: false,
    directory: false,
    filters: [{ name: filterName, extensions: ["xlsx", "xls", "csv", "txt", "tsv"] }],
  });
  return typeof picked === "string" ? picked : null;
}

/** The native save dialog; null when cancelled. */
export async function pickSavePath(
  defaultPath: string,
  filter: { name: string; extensions: string[] } = { name: "CSV", extensions: ["csv"] },
): Promise<string | null> {
  const { save } = await import("@tauri-apps/plugin-dialog");
  const picked = await save({ defaultPath, filters: [filter] });
  return picked ?? null;
}

/** The native open dialog for any one file; null when cancelled. */
export async function pickOpenPath(filter: { name: string; extensions: string[] }): Promise<string | null> {
  const { open } = await import("@tauri-apps/plugin-dialog");
  const picked = await open({ multiple: false, directory: false, filters: [filter] });
  return typeof picked === "string" ? picked : null;
}
