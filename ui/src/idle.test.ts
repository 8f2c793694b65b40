import { describe, expect, it } from "vitest";
import { IdleClock, TouchThrottle, touchInterval } from "./idle";

describe("idle lock", () => {
  it("locks after the limit without input; input starts it again", () => {
    const c = new IdleClock(5 * 60_000, 0);
    expect(c.due(4 * 60_000)).toBe(false);
    c.input(4 * 60_000);
    expect(c.due(8 * 60_000)).toBe(false);
    expect(c.remaining(8 * 60_000)).toBe(60_000);
    expect(c.due(9 * 60_000)).toBe(true);
  });

  it("never locks with a limit of 0 (no users, or the setting is 0)", () => {
    const c = new IdleClock(0, 0);
    expect(c.due(24 * 3600_000)).toBe(false);
    expect(c.remaining(1)).toBe(Infinity);
    c.setLimit(1000);
    expect(c.due(1000)).toBe(true);
  });

  it("reports input to the backend at most every interval, the last one too", () => {
    const th = new TouchThrottle(1000);
    expect(th.input(0)).toBe("send");
    expect(th.input(200)).toBe("schedule");
    expect(th.dueAt()).toBe(1000);
    expect(th.input(400)).toBe("wait");
    th.sent(1000);
    expect(th.input(1500)).toBe("schedule");
    th.sent(2000);
    expect(th.input(3500)).toBe("send");
  });

  it("touches a tenth of the idle time, between 1 and 30 seconds", () => {
    expect(touchInterval(5 * 60_000)).toBe(30_000);
    expect(touchInterval(60_000)).toBe(6_000);
    expect(touchInterval(3_000)).toBe(1_000);
    expect(touchInterval(0)).toBe(1_000);
  });
});
