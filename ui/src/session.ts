// Who is signed in, for the screens: set by main.ts from `session_info`
// at start, after each sign-in and after a lock. On a laptop without users
// everybody acts as its admin.

import type { SessionInfo } from "./api";
import type { Role } from "./bindings/Role";

let current: SessionInfo | null = null;

export function setSession(s: SessionInfo | null): void {
  current = s;
}

export function session(): SessionInfo | null {
  return current;
}

/** The signed-in role; null while nobody is signed in. */
export function role(): Role | null {
  return current?.actor?.role ?? null;
}

/** The signed-in user's name when a user (not the user-less admin) is signed in. */
export function userName(): string | null {
  return current?.has_users && current.actor?.user_id ? current.actor.name : null;
}

/** Whether the PIN screen is due: the laptop has users and nobody is signed in. */
export function needsPin(s: SessionInfo | null = current): boolean {
  return !!s && s.has_users && !s.actor;
}
