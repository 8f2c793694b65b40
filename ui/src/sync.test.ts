import { describe, expect, it } from "vitest";
import type { SyncStatus } from "./api";
import { syncBadge, syncErrorTitle, syncTime } from "./sync";

const base: SyncStatus = {
  state: "idle", configured: true, pending: 3, last_sync: null, error_code: null, error_message: null, pushed: 0, pulled: 0,
  quarantined: 0,
};

describe("sync badge", () => {
  const now = new Date(2026, 10, 29, 15, 0);
  const at = (h: number, m: number, day = 29) => new Date(2026, 10, day, h, m).toISOString();

  it("shows what waits and when the last sync was", () => {
    expect(syncBadge({ ...base, last_sync: at(10, 42) }, "zh", now)).toEqual({ text: "3 条待同步 · 上次同步 10:42", tone: "warn" });
    expect(syncBadge({ ...base, pending: 0, last_sync: at(10, 42) }, "en", now)).toEqual({ text: "0 waiting · last sync 10:42", tone: "ok" });
    expect(syncBadge(base, "en", now).text).toBe("3 waiting · never synced");
  });

  it("says offline, errors by code, syncing and not set up", () => {
    expect(syncBadge({ ...base, state: "offline", error_code: "unreachable" }, "zh", now)).toEqual({ text: "离线 · 3 条待同步", tone: "warn" });
    expect(syncBadge({ ...base, state: "error", error_code: "unauthorized" }, "en", now).tone).toBe("error");
    expect(syncBadge({ ...base, state: "error", error_code: "conflict" }, "zh", now).text).toBe("与另一台电脑的身份冲突 · 3 条待同步");
    expect(syncBadge({ ...base, state: "syncing" }, "en", now).text).toBe("Syncing…");
    expect(syncBadge({ ...base, configured: false }, "zh", now).tone).toBe("idle");
    expect(syncErrorTitle("unauthorized", "en")).toMatch(/token/i);
    expect(syncErrorTitle("whatever", "en")).toBe(syncErrorTitle(null, "en"));
  });

  it("never hides changes set aside, in any state", () => {
    const aside = { ...base, pending: 0, quarantined: 2, last_sync: at(10, 42) };
    expect(syncBadge(aside, "zh", now)).toEqual({ text: "0 条待同步 · 上次同步 10:42 · 2 条已搁置", tone: "warn" });
    expect(syncBadge({ ...aside, state: "offline" }, "en", now).text).toBe("offline · 0 waiting · 2 set aside");
    expect(syncBadge({ ...aside, state: "error", error_code: "wrong_device" }, "en", now).text).toBe("This token belongs to another laptop · 0 waiting · 2 set aside");
  });

  it("gives the date for an earlier day", () => {
    expect(syncTime(at(9, 5, 28), now)).toBe("11-28 09:05");
    expect(syncTime(null, now)).toBeNull();
  });
});
