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

  "tab.roster": { zh: "花名册", en: "Roster" },
  "tab.checkin": { zh: "签到", en: "Check-in" },
  "tab.dashboard": { zh: "实时看板", en: "Dashboard" },
  "tab.report": { zh: "考勤报表", en: "Attendance" },
  "tab.duplicates": { zh: "重复学员", en: "Duplicates" },
  "col.code": { zh: "编号", en: "Code" },
  "col.reason": { zh: "原因", en: "Reason" },
  "col.hours": { zh: "学时", en: "Hours" },
  "col.status": { zh: "状态", en: "Status" },

  "door.session": { zh: "课程", en: "Session" },
  "door.mode.in": { zh: "签到", en: "Check in" },
  "door.mode.out": { zh: "签退", en: "Sign out" },
  "door.mode.label": { zh: "模式", en: "Mode" },
  "door.arrived": { zh: "已到 {n} / {total}", en: "{n} of {total} arrived" },
  "door.walkin": { zh: "现场登记", en: "Walk-in" },
  "door.input.placeholder": { zh: "扫码，或输入姓名 / 拼音 / 手机尾号 / 编号", en: "Scan, or type a name / pinyin / mobile's last 4 / code" },
  "door.input.hint": { zh: "回车：签到第一位", en: "Enter checks in the first match" },
  "door.input.hint.out": { zh: "回车：签退第一位", en: "Enter signs out the first match" },
  "door.tip.scan": { zh: "扫码枪：直接扫胸牌上的编号，自动签到", en: "Scanner: scan the code on the badge; it checks in at once" },
  "door.tip.search": { zh: "搜索：王素梅、wangsumei、wang su、wsm、手机尾号 5678", en: "Search: 王素梅, wangsumei, wang su, wsm, or mobile's last 4 (5678)" },
  "door.tip.keys": { zh: "↑ ↓ 选择，回车确认，Esc 清空", en: "↑ ↓ to choose, Enter to confirm, Esc to clear" },
  "door.results.none": { zh: "没有找到“{q}”", en: "No one matches “{q}”" },
  "door.results.enter": { zh: "回车", en: "Enter" },
  "door.no_sessions": { zh: "这个活动还没有课程。请先在花名册页面添加课程。", en: "This event has no sessions yet. Add one on the roster page first." },
  "door.idle.title": { zh: "等待扫码", en: "Waiting for a scan" },
  "door.idle.body": { zh: "用扫码枪扫学员编号，或输入姓名搜索后按回车。", en: "Scan a trainee code, or type a name and press Enter." },
  "door.status.checked_in": { zh: "签到成功", en: "Checked in" },
  "door.status.already_checked_in": { zh: "已经签过到了", en: "Already checked in" },
  "door.status.checked_out": { zh: "签退成功", en: "Signed out" },
  "door.status.already_checked_out": { zh: "已经签退过了", en: "Already signed out" },
  "door.line.checked_in": { zh: "{time} 签到", en: "Checked in at {time}" },
  "door.line.already_in": { zh: "已于 {time} {where}签到", en: "Already checked in at {time} {where}" },
  "door.line.checked_out": { zh: "{time} 签退", en: "Signed out at {time}" },
  "door.line.already_out": { zh: "已于 {time} {where}签退", en: "Already signed out at {time} {where}" },
  "door.this_laptop": { zh: "在本机", en: "on this laptop" },
  "door.other_laptop": { zh: "在另一台电脑", en: "on another laptop" },
  "door.late": { zh: "迟到", en: "Late" },
  "door.walkin.badge": { zh: "现场登记", en: "Walk-in" },
  "door.err.bad_code": { zh: "不是本活动的有效编号", en: "Not a valid code for this event" },
  "door.err.bad_code.body": { zh: "“{q}”无法识别，没有记录任何内容。请重新扫码或输入姓名。", en: "“{q}” was not understood; nothing was recorded. Scan again or type the name." },
  "door.err.unknown_code": { zh: "查无此编号", en: "Unknown code" },
  "door.err.unknown_code.body": { zh: "编号“{q}”不在本活动的花名册上，没有记录任何内容。", en: "Code “{q}” is not on this event's roster; nothing was recorded." },
  "door.err.no_match": { zh: "没有找到这位学员", en: "No such trainee" },
  "door.err.no_match.body": { zh: "没有匹配“{q}”的学员，没有记录任何内容。可以用“现场登记”添加。", en: "No trainee matches “{q}”; nothing was recorded. Use Walk-in to register them." },
  "door.err.not_in": { zh: "还没有签到", en: "Not checked in" },
  "door.err.not_in.body": { zh: "{name} 还没有签到这节课，不能签退。", en: "{name} has not checked in to this session, so cannot sign out." },
  "door.cancelled": { zh: "已取消，没有记录", en: "Cancelled — nothing recorded" },
  "door.recent": { zh: "本机最近记录", en: "Recent on this laptop" },
  "door.recent.empty": { zh: "还没有记录。", en: "Nothing yet." },
  "door.confirm.title.not_started": { zh: "这节课还没开始", en: "This session has not started" },
  "door.confirm.title.ended": { zh: "这节课已经结束", en: "This session has ended" },
  "door.confirm.body.not_started": { zh: "“{session}”{starts} 开始。仍要为 {name} 记录吗？", en: "“{session}” starts {starts}. Record {name} anyway?" },
  "door.confirm.body.ended": { zh: "“{session}”已于 {ends} 结束。仍要为 {name} 记录吗？", en: "“{session}” ended {ends}. Record {name} anyway?" },
  "door.confirm.yes": { zh: "仍然记录", en: "Record anyway" },
  "door.confirm.keys": { zh: "回车 = 确认，Esc = 取消", en: "Enter = confirm, Esc = cancel" },
  "door.this_trainee": { zh: "该学员", en: "this trainee" },

  "walkin.title": { zh: "现场登记", en: "Register a walk-in" },
  "walkin.intro": { zh: "不在花名册上的学员：填写姓名和手机号即可，会标记为现场登记。", en: "Someone not on the roster: name and mobile are enough; they are marked as a walk-in." },
  "walkin.name": { zh: "姓名", en: "Name" },
  "walkin.phone": { zh: "手机号", en: "Mobile" },
  "walkin.id": { zh: "身份证号（选填）", en: "ID number (optional)" },
  "walkin.submit": { zh: "登记", en: "Register" },
  "walkin.done": { zh: "已登记：{name}，编号 {code}", en: "Registered: {name}, code {code}" },
  "walkin.dups": { zh: "可能与以下学员是同一人（不会自动合并，可在“重复学员”中处理）：", en: "May be the same person as (never merged automatically; see Duplicates):" },
  "walkin.checkin": { zh: "为此人签到", en: "Check this person in" },
  "walkin.close": { zh: "完成", en: "Done" },
  "walkin.required": { zh: "请填写姓名和手机号。", en: "Enter a name and a mobile number." },

  "dup.title": { zh: "可能重复的学员", en: "Possible duplicates" },
  "dup.intro": { zh: "手机号或身份证号相同的记录，可能是在两台电脑上各登记了一次。选择保留哪一条，再合并；不会自动合并。", en: "Records sharing a mobile or ID number, e.g. registered on two laptops. Choose which to keep, then merge; nothing is merged automatically." },
  "dup.none": { zh: "没有可能重复的学员。", en: "No possible duplicates." },
  "dup.by.phone": { zh: "手机号相同：{value}", en: "Same mobile: {value}" },
  "dup.by.id_number": { zh: "身份证号相同：{value}", en: "Same ID number: {value}" },
  "dup.keep": { zh: "保留", en: "Keep" },
  "dup.merge": { zh: "合并到所选记录", en: "Merge into the selected record" },
  "dup.confirm.title": { zh: "确认合并", en: "Confirm the merge" },
  "dup.confirm.body": { zh: "保留 {keep}（{code}），把 {others} 合并进来。被合并记录的签到计入保留的记录。确定吗？", en: "Keep {keep} ({code}) and merge {others} into it. Their check-ins count for the record kept. Go ahead?" },
  "dup.confirm.yes": { zh: "合并", en: "Merge" },
  "dup.merged": { zh: "已合并到 {name}", en: "Merged into {name}" },
  "dup.added": { zh: "登记于 {at}", en: "added {at}" },

  "dash.title": { zh: "实时看板", en: "Live dashboard" },
  "dash.arrived": { zh: "已到", en: "Arrived" },
  "dash.expected": { zh: "应到", en: "Expected" },
  "dash.present": { zh: "出席", en: "Present" },
  "dash.late": { zh: "迟到", en: "Late" },
  "dash.left_early": { zh: "早退", en: "Left early" },
  "dash.absent": { zh: "未到", en: "Absent" },
  "dash.arrivals": { zh: "每 5 分钟到达人数", en: "Arrivals per 5 minutes" },
  "dash.arrivals.none": { zh: "还没有人签到。", en: "No arrivals yet." },
  "dash.late_list": { zh: "迟到名单", en: "Late arrivals" },
  "dash.late_list.none": { zh: "没有人迟到。", en: "No one late." },
  "dash.minutes_late": { zh: "晚 {n} 分钟", en: "{n} min late" },
  "dash.refresh": { zh: "每 {n} 秒自动刷新 · 更新于 {time}", en: "Refreshes every {n} s · updated {time}" },
  "dash.no_sessions": { zh: "还没有课程。", en: "No sessions yet." },

  "report.title": { zh: "考勤报表", en: "Attendance report" },
  "report.sessions": { zh: "各节课统计", en: "Per session" },
  "report.trainees": { zh: "学员考勤", en: "Per trainee" },
  "report.session": { zh: "课程", en: "Session" },
  "report.hours": { zh: "学时", en: "Hours" },
  "report.export.xlsx": { zh: "导出 Excel", en: "Export Excel" },
  "report.export.csv": { zh: "导出 CSV", en: "Export CSV" },
  "report.export.path": { zh: "或输入保存路径", en: "Or type where to save" },
  "report.export.path.placeholder": { zh: "例如 /home/用户/考勤.xlsx", en: "e.g. /home/me/attendance.xlsx" },
  "report.export.save": { zh: "保存", en: "Save" },
  "report.exported": { zh: "已导出到 {path}", en: "Exported to {path}" },
  "report.file_name": { zh: "考勤", en: "attendance" },
  "report.corrected": { zh: "已更正：{reason}", en: "Corrected: {reason}" },
  "report.correct.hint": { zh: "点击状态可更正", en: "Click a status to correct it" },
  "report.empty": { zh: "花名册是空的。", en: "The roster is empty." },
  "report.filter": { zh: "筛选姓名或编号…", en: "Filter by name or code…" },

  "status.present": { zh: "出席", en: "Present" },
  "status.late": { zh: "迟到", en: "Late" },
  "status.left_early": { zh: "早退", en: "Left early" },
  "status.absent": { zh: "未到", en: "Absent" },

  "correct.title": { zh: "更正考勤", en: "Correct attendance" },
  "correct.intro": { zh: "更正会被记录下来（谁、何时、原因），原来的签到记录保留不变。", en: "The correction is recorded (when, why); the original check-ins stay as they are." },
  "correct.status": { zh: "状态", en: "Status" },
  "correct.hours": { zh: "学时（选填，最多 {max}）", en: "Hours (optional, at most {max})" },
  "correct.reason": { zh: "原因（必填）", en: "Reason (required)" },
  "correct.reason.placeholder": { zh: "例如：交了请假条", en: "e.g. brought a sick note" },
  "correct.save": { zh: "保存更正", en: "Save correction" },
  "correct.saved": { zh: "已记录更正", en: "Correction recorded" },
  "correct.need_reason": { zh: "请填写更正原因。", en: "Please give a reason." },

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
