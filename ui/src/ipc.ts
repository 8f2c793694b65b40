// The one door to the Rust side: every command goes through `call`, every
// event through `listen`. The generated ./bindings/commands.ts (from the
// Rust signatures, never by hand) names the commands; nothing else in the
// UI types a command's name. A rejected call always rejects with a UiError
// ({code, kind?, message, ...}).

import { invoke } from "@tauri-apps/api/core";
import { listen as tauriListen, type UnlistenFn } from "@tauri-apps/api/event";
import { toUiError } from "./format";

export type { UnlistenFn };

/** Called when a command fails with `locked` (nobody signed in, or the
 * laptop sat idle): main.ts shows the PIN screen. */
let onLocked: (() => void) | null = null;
export function setLockedHandler(f: () => void): void {
  onLocked = f;
}

/** Calls the command `cmd` (a name from the generated bindings). */
export async function call<T>(cmd: string, args: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    const err = toUiError(e);
    // sign_in's `locked` is a lock-out after wrong PINs, shown on the PIN screen.
    if (err.code === "locked" && cmd !== "sign_in") onLocked?.();
    throw err;
  }
}

/** Listens to the event `name` (from the generated bindings). */
export function listen<T>(name: string, f: (payload: T) => void): Promise<UnlistenFn> {
  return tauriListen<T>(name, (e) => f(e.payload));
}
