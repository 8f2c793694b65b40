import { describe, expect, it } from "vitest";
import { exportedMessage, willSeal } from "./exports";

describe("exports", () => {
  it("seals only an encrypted store's exports, unless plain is asked for", () => {
    expect(willSeal(true, false)).toBe(true);
    expect(willSeal(true, true)).toBe(false);
    expect(willSeal(false, false)).toBe(false);
    expect(willSeal(false, true)).toBe(false);
  });

  it("names the file really written and says how to open a sealed one", () => {
    const path = "/media/usb/考勤.xlsx.zip";
    const en = exportedMessage("report.exported", { path }, true, "en");
    expect(en.startsWith(`Exported to ${path} `)).toBe(true);
    expect(en).toContain("passphrase");
    const zh = exportedMessage("report.exported", { path }, true, "zh");
    expect(zh).toContain(path);
    expect(zh).toContain("密码");
    expect(exportedMessage("report.exported", { path: "/tmp/a.csv" }, false, "en")).toBe("Exported to /tmp/a.csv");
  });
});
