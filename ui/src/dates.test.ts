// @vitest-environment happy-dom
//
// Dates read the same in every language: the fields hold ISO days and
// 24-hour times whatever the system's locale, accept what people type, and
// say which day it is in the app's language.

import { describe, expect, it } from "vitest";
import { dateField, dateTimeField, parseDate, parseTime } from "./dates";
import { dateRange, fullDay } from "./format";
import { setLang } from "./i18n";

describe("parseDate", () => {
  it.each([
    ["2026-11-20", "2026-11-20"],
    [" 2026/11/20 ", "2026-11-20"],
    ["2026.3.9", "2026-03-09"],
    ["2026年3月9日", "2026-03-09"],
    ["2026 年 3 月 9 日", "2026-03-09"],
    ["20260309", "2026-03-09"],
    ["2028-02-29", "2028-02-29"],
  ])("%s is %s", (typed, iso) => expect(parseDate(typed)).toBe(iso));

  it.each(["", "11/20/2026", "20/11/2026", "2026-02-29", "2026-13-01", "2026-04-31", "2026-00-10", "2026-1-0", "tomorrow", "1800-01-01", "2026-11-20T09:00"])(
    "%s is no day", (typed) => expect(parseDate(typed)).toBeNull(),
  );
});

describe("parseTime", () => {
  it.each([["09:00", "09:00"], ["9:00", "09:00"], ["9", "09:00"], ["9点", "09:00"], ["14:30", "14:30"], ["1430", "14:30"], ["14：30", "14:30"], ["9.30", "09:30"], ["23:59", "23:59"]])(
    "%s is %s", (typed, hm) => expect(parseTime(typed)).toBe(hm),
  );
  it.each(["", "24:00", "12:60", "2pm", "9:00 AM", "123"])("%s is no time", (typed) => expect(parseTime(typed)).toBeNull());
});

describe("days in words", () => {
  it("follow the app's language, from each language's own patterns", () => {
    expect(fullDay("2026-11-20", "zh")).toBe("2026年11月20日 星期五");
    expect(fullDay("2026-11-20", "en")).toBe("Fri 20 Nov 2026");
    expect(dateRange("2026-12-30", 3, "zh")).toBe("2026年12月30日至2027年1月1日");
    expect(dateRange("2026-03-09", 3, "zh")).toBe("2026年3月9日至3月11日");
    expect(dateRange("2026-03-09", 3, "en")).toBe("9 Mar – 11 Mar 2026");
  });
});

describe("dateField", () => {
  it("holds the ISO day, says which day it is in zh, and writes a typed day in its one form", () => {
    setLang("zh");
    const f = dateField("2026-11-20", "d");
    document.body.append(f.el);
    const says = f.el.querySelector('[data-testid="d-says"]')!;
    expect(f.input.value).toBe("2026-11-20");
    expect(says.textContent).toBe("2026年11月20日 星期五");
    expect(says.textContent).not.toMatch(/[A-Za-z]/);
    f.input.value = "2027/3/10";
    f.input.dispatchEvent(new Event("input"));
    expect(says.textContent).toBe("2027年3月10日 星期三");
    f.input.dispatchEvent(new Event("blur"));
    expect(f.input.value).toBe("2027-03-10");
    expect(f.value()).toBe("2027-03-10");
    f.input.value = "03/10/2027";
    f.input.dispatchEvent(new Event("input"));
    expect(f.value()).toBeNull();
    expect(f.input.getAttribute("aria-invalid")).toBe("true");
    expect(says.textContent).toMatch(/不是有效日期/);
    setLang("en");
  });

  it("with a time: both boxes, a 24-hour time", () => {
    const f = dateTimeField("2026-12-01T09:00", "s");
    const time = f.el.querySelector<HTMLInputElement>('[data-testid="s-time"]')!;
    expect(f.value()).toBe("2026-12-01T09:00");
    time.value = "14点";
    time.dispatchEvent(new Event("blur"));
    expect(time.value).toBe("14:00");
    expect(f.value()).toBe("2026-12-01T14:00");
    time.value = "2pm";
    expect(f.value()).toBeNull();
  });
});
