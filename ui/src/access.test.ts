import { describe, expect, it } from "vitest";
import { can, landing, routeAllowed, visibleTabs, type Feature } from "./access";
import type { Route } from "./ui";

describe("what each role sees", () => {
  it("shows a keyer only the questionnaires, a coordinator the door and the reports, an admin everything", () => {
    expect(visibleTabs("keyer")).toEqual(["forms"]);
    expect(visibleTabs("coordinator")).toEqual(["roster", "checkin", "dashboard", "report", "duplicates", "certificates", "forms"]);
    expect(visibleTabs("admin")).toEqual(visibleTabs("coordinator"));
    expect(visibleTabs(null)).toEqual([]);
  });

  it("gives the features of muster-core's role table", () => {
    const features: Feature[] = ["events.create", "roster.import", "forms.import", "forms.key", "forms.results", "forms.resolve", "sync", "backup", "users", "audit"];
    const table = Object.fromEntries((["admin", "coordinator", "keyer"] as const).map((r) => [r, features.filter((f) => can(r, f))]));
    expect(table).toEqual({
      admin: features,
      coordinator: ["forms.results", "sync", "backup"],
      keyer: ["forms.key"],
    });
    expect(features.some((f) => can(null, f))).toBe(false);
  });

  it("lets each role open only its screens", () => {
    const routes: Route[] = [
      { name: "events" }, { name: "event", id: "e" }, { name: "import", id: "e" }, { name: "checkin", id: "e" },
      { name: "dashboard", id: "e" }, { name: "report", id: "e" }, { name: "duplicates", id: "e" }, { name: "certificates", id: "e" },
      { name: "forms", id: "e" }, { name: "keying", id: "e", formId: "f", entry: "first" }, { name: "portrait", id: "e", formId: "f" },
      { name: "settings" }, { name: "users" }, { name: "audit" },
    ];
    const open = (r: "admin" | "coordinator" | "keyer") => routes.filter((x) => routeAllowed(r, x)).map((x) => x.name);
    expect(open("admin")).toEqual(routes.map((x) => x.name));
    expect(open("coordinator")).toEqual(["events", "event", "checkin", "dashboard", "report", "duplicates", "certificates", "forms", "portrait", "settings"]);
    expect(open("keyer")).toEqual(["events", "forms", "keying"]);
    expect(routes.some((x) => routeAllowed(null, x))).toBe(false);
  });

  it("sends a role asking for a screen it may not use to one it may", () => {
    expect(landing("keyer", { name: "event", id: "e" })).toEqual({ name: "forms", id: "e" });
    expect(landing("keyer", { name: "checkin", id: "e" })).toEqual({ name: "forms", id: "e" });
    expect(landing("coordinator", { name: "import", id: "e" })).toEqual({ name: "event", id: "e" });
    expect(landing("coordinator", { name: "users" })).toEqual({ name: "events" });
    expect(landing("keyer", { name: "settings" })).toEqual({ name: "events" });
    expect(landing("admin", { name: "audit" })).toEqual({ name: "audit" });
    expect(landing(null, { name: "checkin", id: "e" })).toEqual({ name: "events" });
  });
});
