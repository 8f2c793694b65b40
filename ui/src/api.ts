// Typed calls into the Rust commands of src-tauri. Types come from
// ./bindings, generated from muster-core by ts-rs (never edited by hand).
// A rejected call always rejects with a UiError ({code, message, ...}).

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { Event } from "./bindings/Event";
import type { ImportReport } from "./bindings/ImportReport";
import type { NewEvent } from "./bindings/NewEvent";
import type { NewSession } from "./bindings/NewSession";
import type { RosterPreview } from "./bindings/RosterPreview";
import type { Session } from "./bindings/Session";
import type { Trainee } from "./bindings/Trainee";
import { toUiError } from "./format";

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toUiError(e);
  }
}

export type AppInfo = { version: string; db_path: string };
export type Progress = { done: number; total: number };

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
  saveRejects: (srcPath: string, destPath: string) => call<void>("save_rejects", { srcPath, destPath }),
  onImportProgress: (f: (p: Progress) => void): Promise<UnlistenFn> =>
    listen<Progress>("import-progress", (e) => f(e.payload)),
};

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
export async function pickSavePath(defaultPath: string): Promise<string | null> {
  const { save } = await import("@tauri-apps/plugin-dialog");
  const picked = await save({ defaultPath, filters: [{ name: "CSV", extensions: ["csv"] }] });
  return picked ?? null;
}
