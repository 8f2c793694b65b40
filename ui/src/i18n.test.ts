import { describe, expect, it } from "vitest";
import { detectLang, LANGS, LOCALES, MESSAGES, t, type Key } from "./i18n";

describe("i18n", () => {
  it("has a non-empty text in every complete language (zh, en) for every key", () => {
    for (const lang of ["zh", "en"]) {
      expect(LANGS).toContain(lang);
      for (const key of Object.keys(MESSAGES) as Key[]) {
        const text = LOCALES[lang].words[key];
        expect(typeof text, `${key}.${lang}`).toBe("string");
        expect(text!.trim().length, `${key}.${lang}`).toBeGreaterThan(0);
      }
    }
  });

  it("uses the same placeholders in every language file as in English", () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const lang of LANGS) {
      for (const [key, text] of Object.entries(LOCALES[lang].words)) {
        expect(names(text as string), `${lang}: ${key}`).toEqual(names(MESSAGES[key as Key]));
      }
    }
  });

  it("writes Chinese in the zh texts", () => {
    const cjk = /[\u4e00-\u9fff]/;
    const zh = LOCALES.zh.words;
    const notTranslated = (Object.keys(MESSAGES) as Key[]).filter(
      (key) => key !== "lang.switch" && !cjk.test(zh[key] ?? "") && zh[key] === MESSAGES[key],
    );
    expect(notTranslated).toEqual([]);
  });

  it("a language file with some keys falls back to English for the rest", () => {
    LOCALES.xx = { name: "XX", html: "xx", words: { "events.trainees": "{n} XX" } };
    try {
      expect(t("events.trainees", { n: 3 }, "xx")).toBe("3 XX");
      expect(t("import.rows", { valid: 9, total: 10 }, "xx")).toBe("9 of 10 rows can be imported");
    } finally {
      delete LOCALES.xx;
    }
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
