// Generated from the Rust signatures of src-tauri's commands (src-tauri/src/ipc.rs):
// never edit by hand. `UPDATE_BINDINGS=1 cargo test -p muster-app --test bindings` rewrites it.

import { call, listen, type UnlistenFn } from "../ipc";
import type { Actor } from "./Actor";
import type { AppInfo } from "./AppInfo";
import type { AttendanceReport } from "./AttendanceReport";
import type { AuditEntry } from "./AuditEntry";
import type { BackupDone } from "./BackupDone";
import type { Batch } from "./Batch";
import type { BatchStatus } from "./BatchStatus";
import type { Closed } from "./Closed";
import type { ConnectionTest } from "./ConnectionTest";
import type { DiffReport } from "./DiffReport";
import type { DoorSearch } from "./DoorSearch";
import type { DuplicateGroup } from "./DuplicateGroup";
import type { EligibilityReport } from "./EligibilityReport";
import type { Entry } from "./Entry";
import type { Event } from "./Event";
import type { EventPatch } from "./EventPatch";
import type { ExportedFile } from "./ExportedFile";
import type { History } from "./History";
import type { ImportReport } from "./ImportReport";
import type { Joined } from "./Joined";
import type { KeyerStats } from "./KeyerStats";
import type { KeyingPress } from "./KeyingPress";
import type { KeyingStart } from "./KeyingStart";
import type { LatinConfirm } from "./LatinConfirm";
import type { LatinName } from "./LatinName";
import type { MarkOutcome } from "./MarkOutcome";
import type { NewEvent } from "./NewEvent";
import type { NewSession } from "./NewSession";
import type { OrgInfo } from "./OrgInfo";
import type { Override } from "./Override";
import type { PinChoice } from "./PinChoice";
import type { Portrait } from "./Portrait";
import type { PrintRecord } from "./PrintRecord";
import type { PrintedCertificates } from "./PrintedCertificates";
import type { Programme } from "./Programme";
import type { ProgrammeView } from "./ProgrammeView";
import type { Progress } from "./Progress";
import type { Purged } from "./Purged";
import type { Quarantined } from "./Quarantined";
import type { Reminder } from "./Reminder";
import type { Removed } from "./Removed";
import type { Resolution } from "./Resolution";
import type { Role } from "./Role";
import type { RosterPreview } from "./RosterPreview";
import type { Session } from "./Session";
import type { SessionDashboard } from "./SessionDashboard";
import type { SessionInfo } from "./SessionInfo";
import type { SessionPatch } from "./SessionPatch";
import type { StoredForm } from "./StoredForm";
import type { SyncEvents } from "./SyncEvents";
import type { SyncFileExport } from "./SyncFileExport";
import type { SyncSettings } from "./SyncSettings";
import type { SyncStatus } from "./SyncStatus";
import type { Trainee } from "./Trainee";
import type { TraineePatch } from "./TraineePatch";
import type { Undone } from "./Undone";
import type { User } from "./User";
import type { Verification } from "./Verification";
import type { WalkIn } from "./WalkIn";

/** Every command of the desktop shell, typed as its Rust signature. */
export const commands = {
  appInfo: (): Promise<AppInfo> => call<AppInfo>("app_info", {}),
  listEvents: (): Promise<Array<Event>> => call<Array<Event>>("list_events", {}),
  getEvent: (eventId: string): Promise<Event> => call<Event>("get_event", { eventId }),
  createEvent: (event: NewEvent): Promise<Event> => call<Event>("create_event", { event }),
  createDemoEvent: (): Promise<Event> => call<Event>("create_demo_event", {}),
  listSessions: (eventId: string): Promise<Array<Session>> => call<Array<Session>>("list_sessions", { eventId }),
  addSession: (eventId: string, session: NewSession): Promise<Session> => call<Session>("add_session", { eventId, session }),
  /**
   * Corrects a trainee's details (a field `""` clears it, absent keeps it).
   */
  editTrainee: (traineeId: string, patch: TraineePatch): Promise<Trainee> => call<Trainee>("edit_trainee", { traineeId, patch }),
  /**
   * Adds the usual two half-day sessions per day of the event.
   */
  addHalfDaySessions: (eventId: string): Promise<Array<Session>> => call<Array<Session>>("add_half_day_sessions", { eventId }),
  editSession: (sessionId: string, patch: SessionPatch): Promise<Session> => call<Session>("edit_session", { sessionId, patch }),
  /**
   * Removes a session; `needs_confirmation` when it holds check-ins
   * (the UI asks, then calls again with `force: true`).
   */
  deleteSession: (sessionId: string, force: boolean): Promise<Removed> => call<Removed>("delete_session", { sessionId, force }),
  editEvent: (eventId: string, patch: EventPatch): Promise<Event> => call<Event>("edit_event", { eventId, patch }),
  /**
   * Removes an event from every list; `needs_confirmation` when it
   * holds trainees or check-ins.
   */
  deleteEvent: (eventId: string, force: boolean): Promise<Removed> => call<Removed>("delete_event", { eventId, force }),
  roster: (eventId: string): Promise<Array<Trainee>> => call<Array<Trainee>>("roster", { eventId }),
  searchRoster: (eventId: string, query: string, limit: number | null): Promise<Array<Trainee>> => call<Array<Trainee>>("search_roster", { eventId, query, limit }),
  /**
   * `mapping`: the coordinator's reading of some columns (header → field or `extra`).
   */
  previewRoster: (path: string, mapping: { [key in string]: string } | null): Promise<RosterPreview> => call<RosterPreview>("preview_roster", { path, mapping }),
  importRoster: (eventId: string, path: string, dryRun: boolean, mapping: { [key in string]: string } | null): Promise<ImportReport> => call<ImportReport>("import_roster", { eventId, path, dryRun, mapping }),
  /**
   * Writes the rows of `src_path` that an import rejects, with the reasons,
   * as a CSV the coordinator can fix in Excel and import again (an export:
   * an encrypted store seals it to `dest_path.zip` unless `plain`); returns
   * the path written.
   */
  saveRejects: (srcPath: string, destPath: string, eventId: string | null, plain: boolean | null): Promise<string> => call<string>("save_rejects", { srcPath, destPath, eventId, plain }),
  /**
   * Whether the store is encrypted and waits for its passphrase.
   */
  storeLocked: (): Promise<boolean> => call<boolean>("store_locked", {}),
  /**
   * Whether the open store is encrypted, so exports are sealed unless the
   * user asks for a plain file (the export dialogs show that choice then).
   */
  storeEncrypted: (): Promise<boolean> => call<boolean>("store_encrypted", {}),
  /**
   * Opens the encrypted store with `passphrase`. A wrong one is an
   * `invalid_input` error with field `passphrase`, and nothing changes.
   */
  unlock: (passphrase: string): Promise<void> => call<void>("unlock", { passphrase }),
  /**
   * Door search: code, name, pinyin (full or initials), mobile's last four.
   */
  search: (eventId: string, query: string, limit: number | null): Promise<Array<Trainee>> => call<Array<Trainee>>("search", { eventId, query, limit }),
  /**
   * The search behind Enter at the door: hits (exact ones first) and the
   * one trainee Enter may check in without asking.
   */
  doorSearch: (eventId: string, query: string, limit: number | null): Promise<DoorSearch> => call<DoorSearch>("door_search", { eventId, query, limit }),
  /**
   * Closes a session: who is still in is signed out at its end, who never
   * came is marked absent (once; closing again records nothing).
   */
  closeSession: (eventId: string, sessionId: string): Promise<Closed> => call<Closed>("close_session", { eventId, sessionId }),
  /**
   * Undoes a mistaken check-in (the door's Undo, Ctrl+Z): it no longer
   * counts and stays as history with the reason.
   */
  undoCheckIn: (eventId: string, sessionId: string, traineeId: string | null, code: string | null, reason: string): Promise<Undone> => call<Undone>("undo_check_in", { eventId, sessionId, traineeId, code, reason }),
  /**
   * Checks a trainee into a session. `needs_confirmation` outside the
   * session's times: the UI asks, then calls again with `force: true`.
   */
  checkIn: (eventId: string, sessionId: string, traineeId: string | null, code: string | null, at: string | null, force: boolean, source: string): Promise<MarkOutcome> => call<MarkOutcome>("check_in", { eventId, sessionId, traineeId, code, at, force, source }),
  /**
   * Signs a trainee out of a session (same arguments as `check_in`).
   */
  checkOut: (eventId: string, sessionId: string, traineeId: string | null, code: string | null, at: string | null, force: boolean, source: string): Promise<MarkOutcome> => call<MarkOutcome>("check_out", { eventId, sessionId, traineeId, code, at, force, source }),
  walkIn: (eventId: string, name: string, phone: string | null, idNumber: string | null): Promise<WalkIn> => call<WalkIn>("walk_in", { eventId, name, phone, idNumber }),
  possibleDuplicates: (eventId: string): Promise<Array<DuplicateGroup>> => call<Array<DuplicateGroup>>("possible_duplicates", { eventId }),
  /**
   * Merges `other` into `keep`; only ever on a coordinator's explicit choice.
   */
  mergeTrainees: (keep: string, other: string): Promise<Trainee> => call<Trainee>("merge_trainees", { keep, other }),
  attendanceReport: (eventId: string): Promise<AttendanceReport> => call<AttendanceReport>("attendance_report", { eventId }),
  dashboard: (eventId: string): Promise<Array<SessionDashboard>> => call<Array<SessionDashboard>>("dashboard", { eventId }),
  /**
   * Records a correction (a new fact; the marks and older corrections stay).
   */
  correctAttendance: (eventId: string, sessionId: string, traineeId: string, status: string, hours: number | null, reason: string): Promise<void> => call<void>("correct_attendance", { eventId, sessionId, traineeId, status, hours, reason }),
  /**
   * Writes the attendance report to `path` as `xlsx` or `csv` (an encrypted
   * store seals it to `path.zip` unless `plain`); returns the path written.
   */
  exportAttendance: (eventId: string, path: string, format: string, plain: boolean | null): Promise<string> => call<string>("export_attendance", { eventId, path, format, plain }),
  syncSettings: (): Promise<SyncSettings> => call<SyncSettings>("sync_settings", {}),
  /**
   * Saves the server URL and (when not empty) a new device token.
   */
  saveSyncSettings: (url: string, token: string | null): Promise<SyncSettings> => call<SyncSettings>("save_sync_settings", { url, token }),
  /**
   * Joins an organisation with the code `muster server device add` printed
   * (pasted, typed, or read by the USB scanner from the server's QR): the
   * server certifies this laptop, and its address and token are saved.
   */
  joinOrganisation: (code: string): Promise<Joined> => call<Joined>("join_organisation", { code }),
  /**
   * The organisation this laptop joined: name, public URL and key ids (none before joining).
   */
  organisation: (): Promise<OrgInfo | null> => call<OrgInfo | null>("organisation", {}),
  /**
   * The status now: pending and last sync read from the UI's store (a quick
   * count), the state of the last or running sync from the worker.
   */
  syncStatus: (): Promise<SyncStatus> => call<SyncStatus>("sync_status", {}),
  /**
   * The changes this store set aside (kept, not applied), with why, for the
   * Settings screen.
   */
  syncQuarantine: (): Promise<Array<Quarantined>> => call<Array<Quarantined>>("sync_quarantine", {}),
  /**
   * Runs a sync now, on the worker's connection, and returns how it ended
   * (a failed sync is a status with `error_code`, not an error).
   */
  syncNow: (): Promise<SyncStatus> => call<SyncStatus>("sync_now", {}),
  /**
   * Asks the server at `url` for one change with `token` (the stored token
   * when empty): reachable, token accepted, same protocol. Writes nothing.
   */
  testSyncConnection: (url: string, token: string | null): Promise<ConnectionTest> => call<ConnectionTest>("test_sync_connection", { url, token }),
  /**
   * Writes every change of the store to a sync file (a USB stick); an
   * encrypted store seals it to `path.zip` unless `plain`, with `passphrase`
   * when given (one the other laptop knows), else the store's.
   */
  exportSyncFile: (path: string, plain: boolean | null, passphrase: string | null): Promise<SyncFileExport> => call<SyncFileExport>("export_sync_file", { path, plain, passphrase }),
  /**
   * Reads a sync file into the store; returns how many changes were new. A
   * sealed file opens with `passphrase` when given, else the store's (a
   * wrong one: kind `wrong_passphrase`, so the UI asks).
   */
  importSyncFile: (path: string, passphrase: string | null): Promise<number> => call<number>("import_sync_file", { path, passphrase }),
  /**
   * Who is eligible for a certificate and why.
   */
  certificateEligibility: (eventId: string): Promise<EligibilityReport> => call<EligibilityReport>("certificate_eligibility", { eventId }),
  /**
   * Records a coordinator's decision (a reason is required; it is logged
   * with who decided and when).
   */
  overrideEligibility: (eventId: string, traineeId: string, eligible: boolean, reason: string): Promise<Override> => call<Override>("override_eligibility", { eventId, traineeId, eligible, reason }),
  /**
   * Issues certificates to every eligible trainee who has none yet and
   * prints all eligible trainees' certificates into one PDF at `path`,
   * emitting `certificate-progress`. Certificates printed before need a
   * `reason` (kind `reason_required` without one).
   */
  issueCertificates: (eventId: string, path: string, reason: string | null): Promise<PrintedCertificates> => call<PrintedCertificates>("issue_certificates", { eventId, path, reason }),
  /**
   * Prints one certificate again (same id and code, marked as a
   * reprint); the reason is required and logged.
   */
  reprintCertificate: (certificateId: string, reason: string, path: string): Promise<PrintedCertificates> => call<PrintedCertificates>("reprint_certificate", { certificateId, reason, path }),
  /**
   * The Latin forms of the names the next issue prints, and where each
   * comes from (a transliteration is confirmed before printing).
   */
  latinNames: (eventId: string): Promise<Array<LatinName>> => call<Array<LatinName>>("latin_names", { eventId }),
  /**
   * Records the coordinator's Latin forms, all or nothing; how many trainees changed.
   */
  confirmLatinNames: (eventId: string, names: Array<LatinConfirm>): Promise<number> => call<number>("confirm_latin_names", { eventId, names }),
  /**
   * The print log of an event.
   */
  certificatePrints: (eventId: string): Promise<Array<PrintRecord>> => call<Array<PrintRecord>>("certificate_prints", { eventId }),
  /**
   * Checks a code (typed, or from a QR scanner) with this installation's
   * public key: the signed details, or `valid: false` and why.
   */
  verifyCertificate: (code: string): Promise<Verification> => call<Verification>("verify_certificate", { code }),
  listForms: (eventId: string): Promise<Array<StoredForm>> => call<Array<StoredForm>>("list_forms", { eventId }),
  /**
   * Imports an XLSForm (`.xlsx`/`.xls`) for an event.
   */
  importForm: (eventId: string, path: string, doubleEntry: boolean): Promise<StoredForm> => call<StoredForm>("import_form", { eventId, path, doubleEntry }),
  /**
   * Switches double entry on or off for a form.
   */
  setDoubleEntry: (formId: string, on: boolean): Promise<StoredForm> => call<StoredForm>("set_double_entry", { formId, on }),
  /**
   * Starts an event's questionnaire from the ready portrait template.
   */
  importFormTemplate: (eventId: string, doubleEntry: boolean): Promise<StoredForm> => call<StoredForm>("import_form_template", { eventId, doubleEntry }),
  /**
   * Saves the ready portrait questionnaire as an XLSForm to edit
   * (→ the number of questions).
   */
  saveFormTemplate: (path: string): Promise<number> => call<number>("save_form_template", { path }),
  /**
   * Opens a keying session on a form (`entry`: first or second keying,
   * default first). A signed-in user keys as themselves, else as `keyer`.
   * `verify`: a second entry keyed against the first (a differing
   * answer asks which is right).
   */
  keyingStart: (formId: string, entry: Entry | null, keyer: string | null, batch: string | null, language: string | null, verify: boolean | null): Promise<KeyingStart> => call<KeyingStart>("keying_start", { formId, entry, keyer, batch, language, verify }),
  /**
   * One key into a session (`Enter`, `Backspace`, `Back` or one
   * character). A completed paper is saved and the next one begins.
   */
  keyingPress: (sessionId: string, key: string): Promise<KeyingPress> => call<KeyingPress>("keying_press", { sessionId, key }),
  /**
   * Opens a saved paper of the session's entry again to correct it
   * (answers prefilled; the review's Enter saves the correction).
   */
  keyingCorrect: (sessionId: string, paper: string, reason: string): Promise<KeyingPress> => call<KeyingPress>("keying_correct", { sessionId, paper, reason }),
  /**
   * Closes a session (an unfinished paper is dropped, nothing was saved).
   */
  keyingEnd: (sessionId: string): Promise<void> => call<void>("keying_end", { sessionId }),
  /**
   * Registers a stack of `count` papers, the first numbered `first` (default 1).
   */
  addBatch: (formId: string, name: string, count: number, first: string | null): Promise<Batch> => call<Batch>("add_batch", { formId, name, count, first }),
  listBatches: (formId: string): Promise<Array<Batch>> => call<Array<Batch>>("list_batches", { formId }),
  /**
   * Expected, keyed and missing paper IDs of a batch for one entry.
   */
  batchStatus: (formId: string, batch: string, entry: Entry | null): Promise<BatchStatus> => call<BatchStatus>("batch_status", { formId, batch, entry }),
  /**
   * Differences between the first and second entry, per paper and field.
   */
  responsesDiff: (formId: string): Promise<DiffReport> => call<DiffReport>("responses_diff", { formId }),
  /**
   * A supervisor's value for one differing field; who chose it is recorded.
   */
  resolveDifference: (formId: string, paper: string, field: string, value: string, by: string): Promise<Resolution> => call<Resolution>("resolve_difference", { formId, paper, field, value, by }),
  /**
   * Forms/hour, keystrokes/hour and disagreements per 1,000 fields per keyer.
   */
  keyerStats: (formId: string): Promise<Array<KeyerStats>> => call<Array<KeyerStats>>("keyer_stats", { formId }),
  /**
   * The trainee portrait of a form (labels in `language`, default the form's).
   */
  formPortrait: (formId: string, language: string | null): Promise<Portrait> => call<Portrait>("form_portrait", { formId, language }),
  /**
   * Writes the portrait to `path` as `xlsx` (an export: an encrypted store
   * seals it to `path.zip` unless `plain`) or `pdf` (a printout, in the
   * audit log); returns the path written.
   */
  exportPortrait: (formId: string, path: string, format: string, plain: boolean | null): Promise<string> => call<string>("export_portrait", { formId, path, format, plain }),
  /**
   * Who is signed in, whether PINs are on, the idle lock, encryption. A
   * poll: never counts as activity.
   */
  sessionInfo: (): Promise<SessionInfo> => call<SessionInfo>("session_info", {}),
  /**
   * Input in the window (keys, mouse, a scanner) that sent no command: the
   * idle time starts again. After the idle time it fails with `locked`.
   */
  touch: (): Promise<void> => call<void>("touch", {}),
  /**
   * The active users to pick on the PIN screen (readable while locked).
   */
  signInChoices: (): Promise<Array<PinChoice>> => call<Array<PinChoice>>("sign_in_choices", {}),
  /**
   * Signs `user` (id or name) in with `pin`: the quick switch. A wrong PIN
   * is `invalid_input` with field `pin`; five in a row lock the user out for
   * a minute (`locked`).
   */
  signIn: (user: string, pin: string): Promise<Actor> => call<Actor>("sign_in", { user, pin }),
  /**
   * Signs out ("Switch user", Ctrl+L, the UI's idle timer): nobody is signed
   * in until the next PIN. On a laptop without users it changes nothing.
   */
  lockSession: (): Promise<void> => call<void>("lock_session", {}),
  /**
   * Every user, disabled ones last (admin).
   */
  listUsers: (): Promise<Array<User>> => call<Array<User>>("list_users", {}),
  /**
   * Adds a user (admin). The first user of a laptop must be an admin: adding
   * them turns PINs on, and they are signed in at once.
   */
  addUser: (name: string, role: Role, pin: string): Promise<User> => call<User>("add_user", { name, role, pin }),
  /**
   * Sets a user's new PIN: an admin for anyone, a user for themselves.
   */
  setUserPin: (user: string, pin: string): Promise<User> => call<User>("set_user_pin", { user, pin }),
  /**
   * Changes a user's role (admin); the last admin stays an admin.
   */
  setUserRole: (user: string, role: Role): Promise<User> => call<User>("set_user_role", { user, role }),
  /**
   * Disables a user (admin); kept for the audit log.
   */
  disableUser: (user: string): Promise<User> => call<User>("disable_user", { user }),
  /**
   * Sets the idle-lock minutes (admin; 0 = never).
   */
  setIdleLockMinutes: (minutes: number): Promise<number> => call<number>("set_idle_lock_minutes", { minutes }),
  /**
   * Lines of the audit log, oldest first (admin): one event's or all, by
   * action and user, at most `limit` of the newest (0 or none = all).
   */
  auditLog: (eventId: string | null, action: string | null, user: string | null, limit: number | null): Promise<Array<AuditEntry>> => call<Array<AuditEntry>>("audit_log", { eventId, action, user, limit }),
  /**
   * Writes the audit lines (same filter) as CSV to `path`: an export, so an
   * encrypted store seals it to `path.zip` unless `plain`. Returns the file
   * really written and whether it is encrypted.
   */
  exportAudit: (path: string, plain: boolean | null, eventId: string | null, action: string | null, user: string | null): Promise<ExportedFile> => call<ExportedFile>("export_audit", { path, plain, eventId, action, user }),
  /**
   * Whether to remind the coordinator to back up now (a poll: admins and
   * coordinators; never counts as activity).
   */
  backupReminder: (): Promise<Reminder> => call<Reminder>("backup_reminder", {}),
  /**
   * Backs the store up to `path` (a USB stick), encrypted like the store.
   */
  backupNow: (path: string): Promise<BackupDone> => call<BackupDone>("backup_now", { path }),
  listProgrammes: (): Promise<Array<Programme>> => call<Array<Programme>>("list_programmes", {}),
  createProgramme: (name: string, description: string | null): Promise<Programme> => call<Programme>("create_programme", { name, description }),
  /**
   * A programme's stops in date order, with what this laptop holds of each.
   */
  programmeShow: (programmeId: string): Promise<ProgrammeView> => call<ProgrammeView>("programme_show", { programmeId }),
  /**
   * Creates an event, a stop of `programme_id` when given.
   */
  createEventIn: (event: NewEvent, programmeId: string | null): Promise<Event> => call<Event>("create_event_in", { event, programmeId }),
  /**
   * Closes an event: read-only from now (reprints still allowed).
   */
  closeEvent: (eventId: string): Promise<Event> => call<Event>("close_event", { eventId }),
  reopenEvent: (eventId: string): Promise<Event> => call<Event>("reopen_event", { eventId }),
  /**
   * Removes a closed, fully synced event's personal data from this laptop.
   */
  purgeEvent: (eventId: string): Promise<Purged> => call<Purged>("purge_event", { eventId }),
  /**
   * The same person at every stop this laptop holds.
   */
  traineeHistory: (traineeId: string): Promise<History> => call<History>("trainee_history", { traineeId }),
  syncEvents: (): Promise<SyncEvents> => call<SyncEvents>("sync_events", {}),
  /**
   * Which events this laptop syncs (`null`: all the server gives it).
   */
  setSyncEvents: (events: Array<string> | null): Promise<SyncEvents> => call<SyncEvents>("set_sync_events", { events }),
} as const;

/** The command names, as the shell registers them. */
export type CommandName =
  | "app_info"
  | "list_events"
  | "get_event"
  | "create_event"
  | "create_demo_event"
  | "list_sessions"
  | "add_session"
  | "edit_trainee"
  | "add_half_day_sessions"
  | "edit_session"
  | "delete_session"
  | "edit_event"
  | "delete_event"
  | "roster"
  | "search_roster"
  | "preview_roster"
  | "import_roster"
  | "save_rejects"
  | "store_locked"
  | "store_encrypted"
  | "unlock"
  | "search"
  | "door_search"
  | "close_session"
  | "undo_check_in"
  | "check_in"
  | "check_out"
  | "walk_in"
  | "possible_duplicates"
  | "merge_trainees"
  | "attendance_report"
  | "dashboard"
  | "correct_attendance"
  | "export_attendance"
  | "sync_settings"
  | "save_sync_settings"
  | "join_organisation"
  | "organisation"
  | "sync_status"
  | "sync_quarantine"
  | "sync_now"
  | "test_sync_connection"
  | "export_sync_file"
  | "import_sync_file"
  | "certificate_eligibility"
  | "override_eligibility"
  | "issue_certificates"
  | "reprint_certificate"
  | "latin_names"
  | "confirm_latin_names"
  | "certificate_prints"
  | "verify_certificate"
  | "list_forms"
  | "import_form"
  | "set_double_entry"
  | "import_form_template"
  | "save_form_template"
  | "keying_start"
  | "keying_press"
  | "keying_correct"
  | "keying_end"
  | "add_batch"
  | "list_batches"
  | "batch_status"
  | "responses_diff"
  | "resolve_difference"
  | "keyer_stats"
  | "form_portrait"
  | "export_portrait"
  | "session_info"
  | "touch"
  | "sign_in_choices"
  | "sign_in"
  | "lock_session"
  | "list_users"
  | "add_user"
  | "set_user_pin"
  | "set_user_role"
  | "disable_user"
  | "set_idle_lock_minutes"
  | "audit_log"
  | "export_audit"
  | "backup_reminder"
  | "backup_now"
  | "list_programmes"
  | "create_programme"
  | "programme_show"
  | "create_event_in"
  | "close_event"
  | "reopen_event"
  | "purge_event"
  | "trainee_history"
  | "sync_events"
  | "set_sync_events"
  ;

/** Listeners for the events the shell emits; each returns its unlisten function. */
export const events = {
  /**
   * Rows done of an import, at most ~20 a second and always the last.
   */
  onImportProgress: (f: (payload: Progress) => void): Promise<UnlistenFn> => listen<Progress>("import-progress", f),
  /**
   * The sync status, whenever it changes (the header badge).
   */
  onSyncStatus: (f: (payload: SyncStatus) => void): Promise<UnlistenFn> => listen<SyncStatus>("sync-status", f),
  /**
   * Certificates rendered of a printing.
   */
  onCertificateProgress: (f: (payload: Progress) => void): Promise<UnlistenFn> => listen<Progress>("certificate-progress", f),
} as const;
