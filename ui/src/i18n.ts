// The UI's two languages. Every key has both; a vitest test checks it.

export type Lang = "zh" | "en";

export const LANGS: readonly Lang[] = ["zh", "en"];

const STORAGE_KEY = "muster.lang";

type Entry = { zh: string; en: string };

export const MESSAGES = {
  "app.tagline": { zh: "培训点名与花名册", en: "Training rosters & attendance" },
  "lang.switch": { zh: "Switch to English", en: "切换到中文" },
  "lang.label": { zh: "中文", en: "EN" },

  "events.title": { zh: "培训活动", en: "Training events" },
  "events.subtitle": { zh: "选择一个活动查看花名册和课程安排。", en: "Open an event to see its roster and sessions." },
  "events.empty.title": { zh: "还没有培训活动", en: "No training events yet" },
  "events.empty.body": {
    zh: "新建一个活动，或者先用示例活动熟悉一下：里面有课程和约 30 名学员。",
    en: "Create an event, or start with a demo event with sessions and about 30 trainees.",
  },
  "events.demo": { zh: "创建示例活动", en: "Create a demo event" },
  "events.trainees": { zh: "{n} 名学员", en: "{n} trainees" },
  "events.sessions": { zh: "{n} 节课", en: "{n} sessions" },
  "events.days": { zh: "{n} 天", en: "{n} days" },
  "events.day": { zh: "1 天", en: "1 day" },

  "create.title": { zh: "新建活动", en: "New event" },
  "create.name": { zh: "活动名称", en: "Event name" },
  "create.name.placeholder": { zh: "例如：电商直播技能培训", en: "e.g. Livestream e-commerce skills" },
  "create.venue": { zh: "培训地点", en: "Venue" },
  "create.venue.placeholder": { zh: "例如：县职业教育中心", en: "e.g. County vocational centre" },
  "create.starts": { zh: "开始日期", en: "Start date" },
  "create.days": { zh: "天数", en: "Days" },
  "create.submit": { zh: "创建活动", en: "Create event" },
  "create.required": { zh: "请填写活动名称。", en: "Please enter an event name." },

  "event.back": { zh: "全部活动", en: "All events" },
  "event.roster": { zh: "花名册", en: "Roster" },
  "event.search": { zh: "搜索姓名、手机号、身份证号、单位…", en: "Search name, mobile, ID number, organisation…" },
  "event.search.hint": { zh: "按 / 搜索", en: "Press / to search" },
  "event.count": { zh: "共 {n} 人", en: "{n} trainees" },
  "event.count.filtered": { zh: "找到 {n} 人", en: "{n} found" },
  "event.import": { zh: "导入花名册", en: "Import roster" },
  "event.roster.empty": { zh: "花名册是空的。导入一个 Excel 或 CSV 文件开始吧。", en: "The roster is empty. Import an Excel or CSV file to begin." },
  "event.roster.nomatch": { zh: "没有匹配“{q}”的学员。", en: "No trainee matches “{q}”." },
  "event.sessions": { zh: "课程安排", en: "Sessions" },
  "event.sessions.empty": { zh: "还没有课程。", en: "No sessions yet." },
  "event.sessions.add": { zh: "添加课程", en: "Add session" },
  "event.sessions.title": { zh: "课程名称", en: "Title" },
  "event.sessions.starts": { zh: "开始", en: "Starts" },
  "event.sessions.ends": { zh: "结束", en: "Ends" },

  "col.name": { zh: "姓名", en: "Name" },
  "col.gender": { zh: "性别", en: "Gender" },
  "col.phone": { zh: "手机号", en: "Mobile" },
  "col.id_number": { zh: "身份证号", en: "ID number" },
  "col.age": { zh: "年龄", en: "Age" },
  "col.birth_date": { zh: "出生日期", en: "Birth date" },
  "col.organization": { zh: "单位", en: "Organisation" },
  "col.occupation": { zh: "职业", en: "Occupation" },

  "gender.female": { zh: "女", en: "Female" },
  "gender.male": { zh: "男", en: "Male" },

  "import.title": { zh: "导入花名册", en: "Import a roster" },
  "import.intro": {
    zh: "支持 Excel（xlsx、xls）和 CSV（UTF-8、GBK/GB18030，逗号、分号或制表符分隔）。先预览，确认后再导入。",
    en: "Excel (xlsx, xls) and CSV (UTF-8 or GBK/GB18030; comma, semicolon or tab) are accepted. Preview first, then import.",
  },
  "import.path": { zh: "文件路径", en: "File path" },
  "import.path.placeholder": { zh: "粘贴或输入文件路径，例如 /home/用户/花名册.xlsx", en: "Paste or type a path, e.g. /home/me/roster.xlsx" },
  "import.browse": { zh: "选择文件…", en: "Choose file…" },
  "import.preview": { zh: "预览", en: "Preview" },
  "import.detected": { zh: "识别结果", en: "Detected" },
  "import.format": { zh: "格式", en: "Format" },
  "import.encoding": { zh: "编码", en: "Encoding" },
  "import.delimiter": { zh: "分隔符", en: "Delimiter" },
  "import.sheet": { zh: "工作表", en: "Sheet" },
  "import.rows": { zh: "{valid} / {total} 行可导入", en: "{valid} of {total} rows can be imported" },
  "import.mapping": { zh: "列对应", en: "Column mapping" },
  "import.mapping.header": { zh: "文件中的列", en: "Column in file" },
  "import.mapping.field": { zh: "导入为", en: "Imported as" },
  "import.mapping.extra": { zh: "其他信息（原样保留）", en: "Extra (kept as is)" },
  "import.sample": { zh: "前 {n} 行", en: "First {n} rows" },
  "import.warnings": { zh: "提示", en: "Notes" },
  "import.run": { zh: "导入 {n} 行有效数据", en: "Import {n} valid rows" },
  "import.dry": { zh: "只检查，不导入", en: "Check only" },
  "import.running": { zh: "正在导入… {done} / {total}", en: "Importing… {done} / {total}" },
  "import.done": { zh: "导入完成", en: "Import finished" },
  "import.dry.done": { zh: "检查完成（未写入）", en: "Check finished (nothing written)" },
  "import.imported": { zh: "已导入", en: "Imported" },
  "import.would": { zh: "可导入", en: "Would import" },
  "import.duplicates": { zh: "重复（已跳过）", en: "Duplicates (skipped)" },
  "import.duplicates.rows": { zh: "重复的行：", en: "Duplicate rows:" },
  "import.rejected": { zh: "有问题（未导入）", en: "Rejected" },
  "import.errors": { zh: "未导入的行", en: "Rows not imported" },
  "import.errors.line": { zh: "行号", en: "Line" },
  "import.errors.field": { zh: "字段", en: "Field" },
  "import.errors.reason": { zh: "原因", en: "Reason" },
  "import.errors.more": { zh: "还有 {n} 条，保存问题行文件查看全部。", en: "{n} more — save the rejects file to see all." },
  "import.save_rejects": { zh: "保存问题行文件…", en: "Save rejects file…" },
  "import.saved": { zh: "已保存到 {path}", en: "Saved to {path}" },
  "import.again": { zh: "再导入一个文件", en: "Import another file" },
  "import.to_roster": { zh: "查看花名册", en: "View roster" },
  "import.need_path": { zh: "请先输入或选择一个文件。", en: "Enter or choose a file first." },
  "import.rejects_name": { zh: "问题行", en: "rejects" },
  "import.filter": { zh: "花名册文件", en: "Roster files" },

  "error.invalid_input": { zh: "输入有误，没有写入任何内容", en: "The input was not accepted; nothing was written" },
  "error.not_found": { zh: "找不到该记录", en: "Not found" },
  "error.conflict": { zh: "与已有数据冲突", en: "Conflicts with existing data" },
  "error.storage": { zh: "本地数据库出错", en: "The local database failed" },
  "error.io": { zh: "无法读取或写入文件", en: "A file could not be read or written" },
  "error.needs_confirmation": { zh: "需要您确认后才能继续", en: "This needs your confirmation first" },
  "error.internal": { zh: "程序出错", en: "Something went wrong" },
  "error.line": { zh: "第 {n} 行", en: "line {n}" },
  "error.field": { zh: "字段“{f}”", en: "field “{f}”" },
  "error.dismiss": { zh: "关闭", en: "Dismiss" },

  "footer.offline": { zh: "离线可用 · 数据保存在本机", en: "Works offline · data stays on this computer" },
  "common.loading": { zh: "加载中…", en: "Loading…" },
  "common.cancel": { zh: "取消", en: "Cancel" },
} satisfies Record<string, Entry>;

export type Key = keyof typeof MESSAGES;

let current: Lang = "en";

/** zh when the system language is Chinese, else en. */
export function detectLang(navigatorLanguage: string | undefined, stored: string | null): Lang {
  if (stored === "zh" || stored === "en") return stored;
  return (navigatorLanguage ?? "").toLowerCase().startsWith("zh") ? "zh" : "en";
}

export function initLang(): Lang {
  let stored: string | null = null;
  try {
    stored = globalThis.localStorage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    stored = null;
  }
  current = detectLang(globalThis.navigator?.language, stored);
  return current;
}

export function getLang(): Lang {
  return current;
}

export function setLang(lang: Lang): void {
  current = lang;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  } catch {
    // private mode etc.: the choice lasts for this run only
  }
}

/** The text for `key` in the current (or given) language, `{name}` filled from `params`. */
export function t(key: Key, params: Record<string, string | number> = {}, lang: Lang = current): string {
  const entry: Entry = MESSAGES[key];
  const text = entry[lang];
  return text.replace(/\{(\w+)\}/g, (m, name: string) =>
    name in params ? String(params[name]) : m,
  );
}
