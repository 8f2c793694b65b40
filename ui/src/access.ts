// What each role sees (pure, unit-tested): the same table as muster-core's
// `access::allowed`, reduced to the screens. The backend checks every
// command anyway; hiding what a role may not do keeps the screens honest.
//
//   admin        everything, plus Users and Audit
//   coordinator  the door, attendance, certificates, reports, sync, backup
//   keyer        questionnaire keying only

import type { Role } from "./bindings/Role";
import type { Route } from "./ui";

export type { Role };

/** The tabs of an event, in order (see views/event.ts). */
export type EventTab = "roster" | "checkin" | "dashboard" | "report" | "duplicates" | "certificates" | "forms";

const ALL_TABS: EventTab[] = ["roster", "checkin", "dashboard", "report", "duplicates", "certificates", "forms"];

/** Things on the screens that only some roles may use. */
export type Feature =
  | "events.create" // new event, demo event, sessions
  | "roster.import"
  | "roster.edit" // correcting a trainee's details
  | "forms.import" // XLSForm import, batches
  | "forms.key" // keying papers
  | "forms.results" // the portrait, differences, keyer statistics
  | "forms.resolve" // resolving double-entry differences
  | "sync" // the Settings screen: server, sync now, sync file
  | "backup"
  | "users"
  | "audit";

const FEATURES: Record<Role, readonly Feature[]> = {
  admin: ["events.create", "roster.import", "roster.edit", "forms.import", "forms.key", "forms.results", "forms.resolve", "sync", "backup", "users", "audit"],
  coordinator: ["roster.edit", "forms.results", "sync", "backup"],
  keyer: ["forms.key"],
};

/** Whether `role` may use `feature`; no role (nobody signed in) may use nothing. */
export function can(role: Role | null, feature: Feature): boolean {
  return role !== null && FEATURES[role].includes(feature);
}

/** The event tabs `role` sees. */
export function visibleTabs(role: Role | null): EventTab[] {
  if (role === null) return [];
  if (role === "keyer") return ["forms"];
  return ALL_TABS;
}

/** Whether `role` may open `route`. */
export function routeAllowed(role: Role | null, route: Route): boolean {
  if (role === null) return false;
  switch (route.name) {
    case "events":
      return true;
    case "event":
      return visibleTabs(role).includes("roster");
    case "import":
      return can(role, "roster.import");
    case "keying":
      return can(role, "forms.key");
    case "portrait":
      return can(role, "forms.results");
    case "settings":
      return can(role, "sync");
    case "users":
      return can(role, "users");
    case "audit":
      return can(role, "audit");
    default:
      return visibleTabs(role).includes(route.name);
  }
}

/**
 * Where `role` lands when it asks for `route`: the route itself when
 * allowed; else the event's first visible tab (a keyer opening an event
 * gets its questionnaires); else the list of events.
 */
export function landing(role: Role | null, route: Route): Route {
  if (routeAllowed(role, route)) return route;
  if ("id" in route) {
    const tab = visibleTabs(role)[0];
    if (tab === "roster") return { name: "event", id: route.id };
    if (tab) return { name: tab, id: route.id };
  }
  return { name: "events" };
}
