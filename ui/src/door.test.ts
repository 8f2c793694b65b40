import { describe, expect, it } from "vitest";
import type { MarkOutcome } from "./bindings/MarkOutcome";
import type { Session } from "./bindings/Session";
import {
  clockTime, defaultSession, enterAction, isBurst, fillSlots, isAsciiInput, localMinute, looksLikeCode, looksLikeScanAttempt, outcomeLine,
  onOtherDay, outcomeTone, sessionTiming,
} from "./door";

const session = (id: string, starts: string, ends: string): Session => ({
  id, event_id: "e", title: id, starts_at: starts, ends_at: ends,
});

describe("scanned codes", () => {
  it("recognises a complete code: six base-32 symbols with a digit", () => {
    expect(looksLikeCode("7KQ2MX")).toBe(true);
    expect(looksLikeCode(" 7kq2mx ")).toBe(true);
    expect(looksLikeCode("7KQ-2MX")).toBe(true);
  });
  it("leaves names, initials, mobile tails and half codes to search", () => {
    expect(looksLikeCode("wangsu")).toBe(false); // six letters, no digit
    expect(looksLikeCode("wsm")).toBe(false);
    expect(looksLikeCode("5678")).toBe(false);
    expect(looksLikeCode("7KQ2")).toBe(false);
    expect(looksLikeCode("7KQ2MXX")).toBe(false);
    expect(looksLikeCode("王素梅12345")).toBe(false);
    expect(looksLikeCode("@@@@@1")).toBe(false);
  });
  it("decides what Enter does", () => {
    expect(enterAction("  ")).toEqual({ kind: "none" });
    expect(enterAction("7KQ2MX")).toEqual({ kind: "code", code: "7KQ2MX" });
    expect(enterAction("wsm")).toEqual({ kind: "search", query: "wsm" });
    expect(enterAction("@@@")).toEqual({ kind: "code", code: "@@@" }); // refused by the core, with why
    expect(enterAction("7KQ2")).toEqual({ kind: "code", code: "7KQ2" }); // half a code never searches
    expect(enterAction("5678")).toEqual({ kind: "search", query: "5678" });
    expect(enterAction("KQM", true)).toEqual({ kind: "code", code: "KQM" }); // a scanner's burst
  });
  it("tells a scanner's burst from typing", () => {
    expect(isBurst([0, 10, 20, 30, 40, 50], 60)).toBe(true);
    expect(isBurst([0, 10, 20], 200)).toBe(false); // Enter pressed by a person after looking
    expect(isBurst([0, 120, 240], 300)).toBe(false);
    expect(isBurst([0, 10], 20)).toBe(false); // too short to tell
  });
  it("tells a garbled or half scan from a name nobody matches", () => {
    expect(looksLikeScanAttempt("@@@")).toBe(true);
    expect(looksLikeScanAttempt("7KQ2")).toBe(true);
    expect(looksLikeScanAttempt("]C1")).toBe(true);
    expect(looksLikeScanAttempt("zhangsan")).toBe(false);
    expect(looksLikeScanAttempt("5678")).toBe(false);
    expect(looksLikeScanAttempt("王五")).toBe(false);
  });
  it("tells ASCII (possibly a garbled scan) from Chinese input", () => {
    expect(isAsciiInput("@@@")).toBe(true);
    expect(isAsciiInput("7KQ")).toBe(true);
    expect(isAsciiInput("王素梅")).toBe(false);
  });
});

describe("sessions", () => {
  const day1 = session("d1", "2026-03-09T09:00", "2026-03-09T17:00");
  const day2 = session("d2", "2026-03-10T09:00", "2026-03-10T16:30");
  it("defaults to the session open now (from an hour before its start)", () => {
    expect(defaultSession([day2, day1], "2026-03-09T08:05")?.id).toBe("d1");
    expect(defaultSession([day2, day1], "2026-03-09T16:59")?.id).toBe("d1");
  });
  it("else the next one today, else today's last: never tomorrow's while today has one", () => {
    expect(defaultSession([day2, day1], "2026-03-09T06:00")?.id).toBe("d1");
    // The evening of day 1 (the demo opened at 22:36): day 1, which has
    // ended and asks, not day 2, which would give credit for tomorrow.
    expect(defaultSession([day2, day1], "2026-03-09T18:00")?.id).toBe("d1");
    expect(defaultSession([day2, day1], "2026-03-09T22:36")?.id).toBe("d1");
    expect(onOtherDay(day1, "2026-03-09T22:36")).toBe(false);
  });
  it("with no session today, the nearest other day's, which the door flags", () => {
    expect(defaultSession([day2, day1], "2026-03-08T22:00")?.id).toBe("d1");
    expect(onOtherDay(day1, "2026-03-08T22:00")).toBe(true);
    expect(defaultSession([day2, day1], "2026-03-11T10:00")?.id).toBe("d2");
    expect(onOtherDay(day2, "2026-03-11T10:00")).toBe(true);
    expect(defaultSession([], "2026-03-11T10:00")).toBeUndefined();
  });
  it("says whether a session has started or ended", () => {
    expect(sessionTiming(day1, "2026-03-09T07:59")).toBe("not_started");
    expect(sessionTiming(day1, "2026-03-09T08:00")).toBe("open");
    expect(sessionTiming(day1, "2026-03-09T17:01")).toBe("ended");
  });
  it("formats local minutes", () => {
    expect(localMinute(new Date(2026, 2, 9, 8, 5))).toBe("2026-03-09T08:05");
    expect(clockTime("2026-03-09T08:41:00")).toBe("08:41");
  });
});

describe("outcomes", () => {
  const o = (status: MarkOutcome["status"], thisDevice: boolean): MarkOutcome => ({
    status, session_id: "s", at: "2026-03-09T08:41:00", device_id: "d", this_device: thisDevice, late: false, note: null,
    trainee: {
      id: "t", event_id: "e", created_at: "", code: "7KQ2MX", walk_in: false, merged_into: null, name: "王素梅",
      gender: null, phone: null, id_number: null, age: null, birth_date: null, organization: null, occupation: null,
      extra: {},
    },
  });
  it("says when and on which laptop an earlier check-in was taken", () => {
    expect(outcomeLine(o("already_checked_in", true), "en")).toBe("Already checked in at 08:41 on this laptop");
    expect(outcomeLine(o("already_checked_in", false), "en")).toBe("Already checked in at 08:41 on another laptop");
    expect(outcomeLine(o("already_checked_in", false), "zh")).toBe("已于 08:41 在另一台电脑签到");
    expect(outcomeLine(o("checked_in", true), "en")).toBe("Checked in at 08:41");
  });
  it("is green when new, amber when already taken", () => {
    expect(outcomeTone(o("checked_in", true))).toBe("ok");
    expect(outcomeTone(o("checked_out", true))).toBe("ok");
    expect(outcomeTone(o("already_checked_in", true))).toBe("warn");
    expect(outcomeTone(o("already_checked_out", false))).toBe("warn");
  });
});

describe("arrival chart", () => {
  it("fills the empty five-minute slots between busy ones", () => {
    const filled = fillSlots([
      { from: "2026-03-09T08:40", count: 3 },
      { from: "2026-03-09T08:55", count: 1 },
    ]);
    expect(filled.map((b) => `${b.from.slice(11)}=${b.count}`)).toEqual(["08:40=3", "08:45=0", "08:50=0", "08:55=1"]);
    expect(fillSlots([])).toEqual([]);
  });
  it("keeps the latest slots when there are too many", () => {
    const filled = fillSlots([
      { from: "2026-03-09T08:00", count: 1 },
      { from: "2026-03-09T09:00", count: 2 },
    ], 5);
    expect(filled).toHaveLength(5);
    expect(filled[4]).toEqual({ from: "2026-03-09T09:00", count: 2 });
  });
});
