import { describe, expect, it } from "vitest";
import {
  cleanPath, dateRange, errorMessage, errorTitle, errorWhere, fieldLabel, formatPhone, maskId, maskIdsIn, rejectsPathFor, toUiError,
  type UiErrorCode,
} from "./format";

describe("maskIdsIn", () => {
  it("masks ID numbers quoted in a message, and nothing else", () => {
    expect(maskIdsIn("ID number '411526197806050017' fails the check digit")).toBe("ID number '4115**********0017' fails the check digit");
    expect(maskIdsIn("ID 11010119900307123x and 110101900307123")).toBe("ID 1101**********123x and 1101*******7123");
    expect(maskIdsIn("mobile '1391234' must be 11 digits; 13812345678 is fine")).toBe("mobile '1391234' must be 11 digits; 13812345678 is fine");
  });
});

describe("maskId", () => {
  it("keeps the first and last four of an 18-character ID", () => {
    expect(maskId("11010119900307123X")).toBe("1101**********123X");
    expect(maskId("110101199003071234")).toHaveLength(18);
  });
  it("masks short numbers more", () => {
    expect(maskId("A1234567")).toBe("A1****67");
    expect(maskId("12345")).toBe("1***5");
    expect(maskId("1234")).toBe("****");
    expect(maskId("")).toBe("");
    expect(maskId(null)).toBe("");
  });
});

describe("display helpers", () => {
  it("groups a mainland mobile", () => {
    expect(formatPhone("13812345678")).toBe("138 1234 5678");
    expect(formatPhone("+86 138")).toBe("+86 138");
    expect(formatPhone(null)).toBe("");
  });
  it("labels fields in both languages", () => {
    expect(fieldLabel("id_number", "zh")).toBe("身份证号");
    expect(fieldLabel("phone", "en")).toBe("Mobile");
    expect(fieldLabel("籍贯", "en")).toBe("籍贯");
  });
  it("formats date ranges", () => {
    expect(dateRange("2026-03-09", 3, "zh")).toBe("2026年3月9日至3月11日");
    expect(dateRange("2026-03-09", 3, "en")).toBe("9 Mar – 11 Mar 2026");
    expect(dateRange("2026-12-31", 2, "en")).toBe("31 Dec 2026 – 1 Jan 2027");
    expect(dateRange("2026-03-09", 1, "zh")).toBe("2026年3月9日");
    expect(dateRange("soon", 2, "zh")).toBe("soon");
  });
  it("cleans pasted paths", () => {
    expect(cleanPath("  '/home/me/花名册 1.xlsx' ")).toBe("/home/me/花名册 1.xlsx");
    expect(cleanPath('"C:\\data\\a.csv"')).toBe("C:\\data\\a.csv");
    expect(cleanPath("file:///home/me/%E8%8A%B1.csv")).toBe("/home/me/花.csv");
  });
  it("names the rejects file beside the source", () => {
    expect(rejectsPathFor("/a/花名册.xlsx", "问题行")).toBe("/a/花名册-问题行.csv");
    expect(rejectsPathFor("/a.b/roster", "rejects")).toBe("/a.b/roster-rejects.csv");
  });
});

describe("errors", () => {
  it("maps every code to a title in both languages, by code not message", () => {
    const codes: UiErrorCode[] = ["invalid_input", "not_found", "conflict", "storage", "io", "needs_confirmation", "internal"];
    const zh = new Set(codes.map((c) => errorTitle(c, "zh")));
    const en = new Set(codes.map((c) => errorTitle(c, "en")));
    expect(zh.size).toBe(codes.length);
    expect(en.size).toBe(codes.length);
    expect(errorTitle("io", "en")).toBe("A file could not be read or written");
  });
  it("turns an IPC payload into a typed error", () => {
    const e = toUiError({ code: "invalid_input", message: "bad phone", file: "/x/r.csv", line: 7, field: "phone" });
    expect(e.code).toBe("invalid_input");
    expect(errorWhere(e, "zh")).toBe("r.csv · 第 7 行 · 字段“手机号”");
    expect(errorWhere(e, "en")).toBe("r.csv · line 7 · field “Mobile”");
  });
  it("says a refused action in the UI's language, by the action's key", () => {
    const e = toUiError({ code: "forbidden", message: "Kim (keyer) may not check people in or out", field: "check_in" });
    expect(errorMessage(e, "keyer", "zh")).toBe("您的角色（录入员）不能签到或签退。请换有权限的用户登录。");
    expect(errorMessage(e, "keyer", "en")).toBe("Your role (Keyer) may not check people in or out. Switch to a user who may.");
    expect(errorWhere(e, "zh")).toBe("");
    // An action this UI does not know yet: the core's own words.
    const newer = toUiError({ code: "forbidden", message: "Kim (keyer) may not fly", field: "fly" });
    expect(errorMessage(newer, "keyer", "zh")).toBe("Kim (keyer) may not fly");
    expect(errorMessage(toUiError({ code: "io", message: "disk full" }), null, "zh")).toBe("disk full");
  });
  it("treats strings and unknown codes as internal errors", () => {
    expect(toUiError("invalid args `event` for command").code).toBe("internal");
    expect(toUiError({ code: "weird", message: "x" }).code).toBe("internal");
    expect(toUiError(new Error("boom")).message).toBe("boom");
  });
});
