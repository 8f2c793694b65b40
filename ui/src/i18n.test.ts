import { describe, expect, it } from "vitest";
import { detectLang, LANGS, MESSAGES, t } from "./i18n";

describe("i18n", () => {
  it("has a non-empty text in every language for every key", () => {
    for (const [key, entry] of Object.entries(MESSAGES)) {
      for (const lang of LANGS) {
        const text = (entry as Record<string, string>)[lang];
        expect(typeof text, `${key}.${lang}`).toBe("string");
        expect(text.trim().length, `${key}.${lang}`).toBeGreaterThan(0);
      }
    }
  });

  it("uses the same placeholders in both languages", () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, entry] of Object.entries(MESSAGES)) {
      expect(names(entry.zh), key).toEqual(names(entry.en));
    }
  });

  it("writes Chinese in the zh texts", () => {
    const cjk = /[\u4e00-\u9fff]/;
    const notTranslated = Object.entries(MESSAGES).filter(
      ([key, e]) => key !== "lang.switch" && !cjk.test(e.zh) && e.zh === e.en,
    );
    expect(notTranslated.map(([k]) => k)).toEqual([]);
  });

  it("fills placeholders", () => {
    expect(t("events.trainees", { n: 30 }, "zh")).toBe("30 名学员");
    expect(t("events.trainees", { n: 30 }, "en")).toBe("30 trainees");
    expect(t("import.rows", { valid: 9, total: 10 }, "en")).toBe("9 of 10 rows can be imported");
  });

  it("defaults to Chinese for a Chinese system and remembers a choice", () => {
    expect(detectLang("zh-CN", null)).toBe("zh");
    expect(detectLang("zh-TW", null)).toBe("zh");
    expect(detectLang("en-US", null)).toBe("en");
    expect(detectLang(undefined, null)).toBe("en");
    expect(detectLang("zh-CN", "en")).toBe("en");
    expect(detectLang("en-GB", "zh")).toBe("zh");
    expect(detectLang("en-GB", "fr")).toBe("en");
  });
});
