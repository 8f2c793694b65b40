import { describe, expect, it } from "vitest";
import { fileSize } from "./format";
import { showReminder } from "./views/backup";

describe("end-of-day backup reminder", () => {
  it("shows when due, to a role that backs up, unless snoozed", () => {
    expect(showReminder(true, true, 0, 1000)).toBe(true);
    expect(showReminder(false, true, 0, 1000)).toBe(false);
    expect(showReminder(true, false, 0, 1000)).toBe(false); // a keyer
    expect(showReminder(true, true, 2000, 1000)).toBe(false); // "Later"
    expect(showReminder(true, true, 2000, 2000)).toBe(true);
  });

  it("gives a backup's size in words", () => {
    expect(fileSize(512)).toBe("512 B");
    expect(fileSize(1536)).toBe("1.5 KB");
    expect(fileSize(3_400_000)).toBe("3.2 MB");
  });
});
