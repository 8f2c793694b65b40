import { describe, expect, it } from "vitest";
import type { Eligibility } from "./bindings/Eligibility";
import { eligibilityReason, hoursText, pct } from "./certs";

const e: Eligibility = {
  trainee_id: "t", name: "王素梅", code: "ABC123", hours: 8, scheduled_hours: 10, attendance: 0.8,
  eligible: true, by_rule: true, reason: "", override: null, certificate_id: null,
};

describe("eligibility reasons", () => {
  it("says the hours and the rule", () => {
    expect(eligibilityReason(e, 0.8, "zh")).toBe("出勤 8/10 小时（80%）≥ 80%");
    expect(eligibilityReason({ ...e, hours: 4.25, attendance: 0.425, eligible: false }, 0.8, "en")).toBe("attended 4.3 of 10 h (43%) < 80%");
    expect(eligibilityReason({ ...e, scheduled_hours: 0 }, 0.8, "en")).toMatch(/no sessions/i);
  });
  it("puts an override first, with who and why", () => {
    const o = { id: "o", eligible: true, reason: "补课已完成", decided_by: "li", at: "" };
    expect(eligibilityReason({ ...e, hours: 0, attendance: 0, override: o }, 0.8, "zh")).toBe("人工认定合格（li）：补课已完成 · 出勤 0/10 小时（0%）< 80%");
  });
  it("words the core's \"unknown\" decider in the reader's language", () => {
    const o = { id: "o", eligible: true, reason: "补课已完成", decided_by: "unknown", at: "" };
    const zh = eligibilityReason({ ...e, hours: 0, attendance: 0, override: o }, 0.8, "zh");
    expect(zh).toBe("人工认定合格（未署名）：补课已完成 · 出勤 0/10 小时（0%）< 80%");
    expect(zh).not.toMatch(/unknown/);
    expect(eligibilityReason({ ...e, override: o }, 0.8, "en")).not.toMatch(/unknown/);
  });
  it("formats numbers", () => {
    expect(hoursText(7.99)).toBe("8");
    expect(pct(0.425)).toBe("43%");
  });
});
