// The event list grouped by programme: stops in date order, the events of
// no programme (or of a programme this laptop does not know) apart, last.

import { describe, expect, it } from "vitest";
import { groupByProgramme } from "./views/events";
import type { Event } from "./bindings/Event";
import type { Programme } from "./bindings/Programme";

const ev = (id: string, starts_on: string, programme_id: string | null): Event => ({
  id, name: id, venue: "", starts_on, days: 2, created_at: "", trainee_count: 0, session_count: 0, grace_minutes: 10,
  programme_id, closed_at: null, purged_at: null,
});
const prog = (id: string): Programme => ({ id, name: id, description: null, created_at: "", stop_count: 0 });

describe("groupByProgramme", () => {
  it("puts each programme's stops in date order and the rest last", () => {
    const groups = groupByProgramme(
      [ev("yanan", "2027-03-10", "4ir"), ev("solo", "2026-12-01", null), ev("lingshou", "2026-11-20", "4ir"), ev("lost", "2026-10-01", "gone")],
      [prog("4ir"), prog("empty")],
    );
    expect(groups.map((g) => g.programme?.id ?? null)).toEqual(["4ir", null]);
    expect(groups[0].events.map((e) => e.id)).toEqual(["lingshou", "yanan"]);
    expect(groups[1].events.map((e) => e.id)).toEqual(["solo", "lost"]);
  });

  it("is one plain group without programmes", () => {
    const groups = groupByProgramme([ev("a", "2026-01-01", null)], []);
    expect(groups).toHaveLength(1);
    expect(groups[0].programme).toBeNull();
  });
});
