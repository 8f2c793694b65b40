// Every sentence key the core sends (muster_core::Msg: `Msg::new`, `.worded`,
// `Said::new`) has a text here in every language, and worded() fills it.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MESSAGES, worded } from "./i18n";

function rustFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? rustFiles(p) : p.endsWith(".rs") ? [p] : [];
  });
}

/** The keys in the core's sources: `"roster.phone_digits"` and the like beside a Msg constructor (a key has a dot). */
function coreKeys(): string[] {
  const keys = new Set<string>();
  for (const f of rustFiles(join(__dirname, "../../crates/muster-core/src"))) {
    const src = readFileSync(f, "utf8");
    for (const m of src.matchAll(/(?:Msg::new\(|\.worded\(|(?:Said::new|at\.worded)\([\s\S]{0,400}?,\s*)(?:if [^{]*\{\s*)?"([a-z_]+(?:\.[a-z_]+)+)"(?:\s*\}\s*else\s*\{\s*"([a-z_]+(?:\.[a-z_]+)+)")?/g)) {
      keys.add(m[1]);
      if (m[2]) keys.add(m[2]);
    }
  }
  return [...keys].sort();
}

describe("the core's sentences", () => {
  const keys = coreKeys();
  it("are found in the sources", () => {
    expect(keys).toContain("roster.phone_digits");
    expect(keys).toContain("keying.same_keyer");
    expect(keys).toContain("roster.id_check_excel");
    expect(keys.length).toBeGreaterThan(30);
  });
  it("each has a text in every language", () => {
    const missing = keys.filter((k) => !Object.prototype.hasOwnProperty.call(MESSAGES, `msg.${k}`));
    expect(missing).toEqual([]);
  });
  it("are worded with their parameters, and an unknown key keeps the English as sent", () => {
    const msg = { key: "roster.phone_digits", params: { value: "'1391234'" } };
    expect(worded(msg, "mobile '1391234' must be 11 digits", "zh")).toBe("手机号 '1391234' 应为 11 位数字，以 13–19 开头；境外号码请带国家代码（+855/+856/+994/+993）");
    expect(worded(msg, "x", "en")).toMatch(/^Mobile '1391234' must be 11 digits/);
    expect(worded({ key: "not.a.key", params: {} }, "as sent", "zh")).toBe("as sent");
    expect(worded(null, "as sent", "zh")).toBe("as sent");
  });
});

describe("a list in a sentence", () => {
  it("is worded in the reader's language, not with the core's English \"and N more\"", () => {
    // As Msg::with_list sends it (error.rs's LIST_SEPARATOR is U+001F).
    const src = readFileSync(join(__dirname, "../../crates/muster-core/src/error.rs"), "utf8");
    expect(src).toContain("pub const LIST_SEPARATOR: char = '\\u{1f}';");
    const msg = { key: "import.unknown_columns", params: { n: "3", columns: "'所在村', '单位' and 1 more", "columns[]": "'所在村'\u001f'单位'", "columns+": "1" } };
    const zh = worded(msg, "", "zh");
    expect(zh).toBe("有 3 列无法识别，作为附加信息保留：'所在村'、'单位' 及另外 1 项");
    expect(zh).not.toMatch(/more|and/);
    expect(worded(msg, "", "en")).toBe("Kept 3 unknown column(s) as extra fields: '所在村', '单位' and 1 more");
    const all = { key: "import.other_sheets", params: { sheet: "'名单'", others: "'说明'", "others[]": "'说明'", "others+": "0" } };
    expect(worded(all, "", "zh")).toBe("读取了工作表 '名单'；未读取：'说明'");
  });
});

describe("the Latin-name columns", () => {
  it("are the core's (certificates::LATIN_KEYS): the trainee dialog shows what certificates print", () => {
    const src = readFileSync(join(__dirname, "../../crates/muster-core/src/certificates.rs"), "utf8");
    const core = /pub const LATIN_KEYS: &\[&str\] = &\[([^\]]+)\]/.exec(src)?.[1].match(/"[^"]*"/g)?.map((k) => JSON.parse(k));
    const ui = readFileSync(join(__dirname, "views/event.ts"), "utf8");
    const mine = /const LATIN_COLUMNS = \[([^\]]+)\]/.exec(ui)?.[1].match(/"[^"]*"/g)?.map((k) => JSON.parse(k));
    expect(core?.length).toBeGreaterThan(5);
    expect(mine).toEqual(core);
  });
});

describe("the reasons the core records itself", () => {
  it("are worded: the session-closing reason is the core's constant", async () => {
    const src = readFileSync(join(__dirname, "../../crates/muster-core/src/attendance.rs"), "utf8");
    const reason = /pub const CLOSED_REASON: &str = "([^"]+)";/.exec(src)?.[1];
    expect(reason).toBeTruthy();
    const { systemReason } = await import("./auditlog");
    expect(systemReason(reason!, "zh")).toBe("关闭课程时没有签到");
    expect(systemReason("病假", "zh")).toBe("病假");
  });
});

describe("the XLSForm import's sentences", () => {
  const keys = coreKeys();
  const formKeys = keys.filter((k) => k.startsWith("form.") || k.startsWith("expr."));
  it("are found in the sources: every warning and every expression error", () => {
    for (const k of ["form.warn.columns_unused", "form.no_type", "form.no_label", "form.warn.choice_repeated", "form.warn.only_sheet",
      "form.warn.unsupported_true", "form.warn.unsupported_unchecked", "form.warn.filter_name",
      "expr.ends_early", "expr.unterminated_string", "expr.arity", "expr.unexpected", "expr.paren_open"]) {
      expect(keys).toContain(k);
    }
  });
  it("read in Chinese in the zh UI: no sentence is Latin letters only", async () => {
    const { words } = await import("./locales/zh");
    const latinOnly = formKeys.filter((k) => {
      const text = (words as Record<string, string>)[`msg.${k}`] ?? "";
      // What is left once the parameters and the code (`${`, `..`) are taken out.
      const prose = text.replace(/\{\w+\}/g, "").replace(/`[^`]*`/g, "");
      return !/[\u4e00-\u9fff]/.test(prose);
    });
    expect(latinOnly).toEqual([]);
  });
  it("word a warning and the reason an expression does not parse, nested, in the reader's language", () => {
    const warn = { key: "form.warn.columns_unused", params: { columns: "colour" } };
    const zh = worded(warn, "survey columns not used for keying: colour", "zh");
    expect(zh).toBe("survey 表中这些列不用于录入：colour");
    const parse = {
      key: "form.expr_parse",
      params: { file: "f.xlsx", sheet: "survey", row: "3", column: "D relevant", what: "relevant", value: "'${a} ='",
        detail: "the expression ends too early", "detail.key": "expr.ends_early", "detail.at": "7" },
    };
    const text = worded(parse, "English as sent", "zh");
    expect(text).toContain("表达式没有写完（在第 7 个字符处结束）");
    expect(text).not.toContain("too early");
    expect(worded(parse, "x", "en")).toContain("cannot be read: the expression ends too early (at character 7)");
    // An inner key this UI does not know: its English, inside the worded sentence.
    const unknown = { ...parse, params: { ...parse.params, "detail.key": "expr.not_yet" } };
    expect(worded(unknown, "x", "zh")).toContain("无法解析：the expression ends too early");
  });
});
