//! Understanding a roster's header row: which column is the name, the
//! mobile, the ID number… in Chinese or English, however it is spaced,
//! cased or decorated (`*姓名`, `手机号码（必填）`, `ID No.:`).

use super::{ColumnMapping, RosterField};
use crate::normalize;

/// Header synonyms per field, compared after [`canonical`].
const SYNONYMS: &[(RosterField, &[&str])] = &[
    (
        RosterField::Name,
        &[
            "姓名",
            "名字",
            "学员姓名",
            "学员名字",
            "学生姓名",
            "参训人员姓名",
            "name",
            "full name",
            "trainee name",
            "participant name",
        ],
    ),
    (RosterField::Gender, &["性别", "性別", "sex", "gender"]),
    (
        RosterField::Phone,
        &[
            "手机",
            "手机号",
            "手机号码",
            "电话",
            "电话号码",
            "联系电话",
            "联系方式",
            "移动电话",
            "手机/电话",
            "手機",
            "手機號碼",
            "電話",
            "聯絡電話",
            "聯繫電話",
            "行動電話",
            "phone",
            "mobile",
            "mobile phone",
            "mobile number",
            "phone number",
            "tel",
            "telephone",
            "cell phone",
        ],
    ),
    (
        RosterField::IdNumber,
        &[
            "身份证",
            "身份证号",
            "身份证号码",
            "身份证件号码",
            "公民身份号码",
            "证件号",
            "证件号码",
            "身份證",
            "身份證號碼",
            "身分證",
            "身分證字號",
            "身分證號碼",
            "證件號碼",
            "id number",
            "national id",
            "id no",
            "id card",
            "id card number",
        ],
    ),
    (RosterField::Age, &["年龄", "年齡", "age"]),
    (
        RosterField::BirthDate,
        &[
            "出生日期",
            "出生年月",
            "出生年月日",
            "生日",
            "birth date",
            "date of birth",
            "dob",
            "birthday",
        ],
    ),
    (
        RosterField::Organization,
        &[
            "单位",
            "工作单位",
            "所在单位",
            "村",
            "所在村",
            "村名",
            "村委会",
            "單位",
            "工作單位",
            "organization",
            "organisation",
            "village",
            "company",
            "employer",
        ],
    ),
    (
        RosterField::Occupation,
        &["职业", "職業", "工种", "occupation", "job", "profession"],
    ),
];

/// The header reduced to what matters: full-width folded, lower-cased,
/// without spaces, `*` markers, `_ - .` separators, a trailing colon, or a
/// trailing note in brackets (`（必填）`, `[11位]`, `【选填】`).
pub fn canonical(header: &str) -> String {
    let mut s: String = normalize::text(header)
        .to_lowercase()
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '*' | '_' | '-' | '.')))
        .collect();
    loop {
        let before = s.len();
        s = s.trim_end_matches([':', '：']).to_string();
        for (open, close) in [('(', ')'), ('[', ']'), ('【', '】'), ('〔', '〕')] {
            if s.ends_with(close) {
                if let Some(at) = s.rfind(open) {
                    if at > 0 {
                        s.truncate(at);
                    }
                }
            }
        }
        if s.len() == before {
            return s;
        }
    }
}

/// The roster field a header names, if any: as written, else as an online
/// survey platform words a question ([`as_question`]).
pub fn field_for(header: &str) -> Option<RosterField> {
    let c = canonical(header);
    if c.is_empty() {
        return None;
    }
    let find = |c: &str| SYNONYMS.iter().find_map(|(field, names)| names.iter().any(|n| canonical(n) == c).then_some(*field));
    find(&c).or_else(|| as_question(&c).iter().find_map(|q| find(q)))
}

/// Headers of registrations collected online (问卷星, 腾讯问卷, 金数据) are
/// questions: `1、您的姓名：`, `3. 您的手机号码`, `Q4 请填写您的身份证号`,
/// `您所在的村？`. The readings of a canonical header without its question
/// number, its 您的/请填写 phrasing and its question mark (and without 的).
fn as_question(c: &str) -> Vec<String> {
    let mut s = c.trim_end_matches(['?', '？']).to_string();
    // The question number: 1、 3. Q4 第5题 (the dot is gone already).
    let mut rest = s.as_str();
    rest = rest.strip_prefix('q').filter(|r| r.starts_with(|ch: char| ch.is_ascii_digit())).unwrap_or(rest);
    rest = rest.strip_prefix('第').unwrap_or(rest);
    let digits = rest.len() - rest.trim_start_matches(|ch: char| ch.is_ascii_digit()).len();
    if digits > 0 {
        rest = rest[digits..].trim_start_matches(['、', '题', ')', '）', ':', '：', '，', ',']);
    }
    s = rest.to_string();
    loop {
        let before = s.len();
        for p in ["请填写", "请输入", "请选择", "请问", "请", "填写", "您的", "你的", "本人", "您", "你"] {
            if let Some(r) = s.strip_prefix(p) {
                s = r.to_string();
            }
        }
        for t in ["是什么", "是多少", "是"] {
            if let Some(r) = s.strip_suffix(t) {
                s = r.to_string();
            }
        }
        if s.len() == before {
            break;
        }
    }
    let mut out = vec![s.clone()];
    if s.contains('的') {
        out.push(s.replace('的', ""));
    }
    out.retain(|x| !x.is_empty() && x != c);
    out
}

/// Columns an online survey platform adds to its export (not the
/// registration's questions): kept as extra fields, and said so apart —
/// when the file is such an export, which one of the distinctive ones
/// shows (a plain roster has a 序号 column too).
const PLATFORM_DISTINCTIVE: &[&str] = &[
    "提交答卷时间", "所用时间", "答题时长", "填写时长", "来自ip", "来源详情", "填写设备", "答卷编号", "提交者", "填写人", "微信昵称",
];
const PLATFORM_GENERIC: &[&str] = &["序号", "编号", "提交时间", "答题时间", "开始时间", "结束时间", "来源", "ip", "ip地址", "设备", "浏览器", "操作系统", "总分", "用户id", "昵称"];

fn is_in(list: &[&str], header: &str) -> bool {
    let c = canonical(header);
    list.iter().any(|p| canonical(p) == c)
}

/// The name headers listed in the "no name column" message.
pub const NAME_EXAMPLES: &str = "姓名, 名字, name, full name";

/// Maps each header (already trimmed, one per kept column, with its 0-based
/// index in the file) to a field. The first column for a field wins; later
/// ones and unknown ones are kept as extra fields, with warnings. Whether a
/// name column exists is the caller's check.
pub fn map_headers(headers: &[(u32, String)]) -> (Vec<ColumnMapping>, Vec<crate::Said>) {
    let mut columns = Vec::with_capacity(headers.len());
    let mut warnings = Vec::new();
    let mut unknown = Vec::new();
    let mut platform = Vec::new();
    let export = headers.iter().any(|(_, h)| is_in(PLATFORM_DISTINCTIVE, h));
    for (index, header) in headers {
        let mut field = field_for(header);
        if let Some(f) = field {
            if columns.iter().any(|c: &ColumnMapping| c.field == Some(f)) {
                warnings.push(crate::Said::new(
                    format!(
                        "column {} also looks like {}; only the first such column is used, this one is kept as an extra field",
                        crate::quote(header),
                        f.as_str()
                    ),
                    "import.column_twice",
                    &[("column", &crate::quote(header)), ("field", &f.as_str())],
                ));
                field = None;
            }
        } else if export && (is_in(PLATFORM_DISTINCTIVE, header) || is_in(PLATFORM_GENERIC, header)) {
            platform.push(header.as_str());
        } else if !crate::model::NOTE_KEYS.contains(&header.trim().to_lowercase().as_str()) {
            // (A note column is the door's note: known, not "unknown".)
            unknown.push(header.as_str());
        }
        columns.push(ColumnMapping {
            index: *index,
            header: header.clone(),
            field,
        });
    }
    if !unknown.is_empty() {
        let plural = if unknown.len() == 1 { "column" } else { "columns" };
        let list = crate::quote_list(unknown.iter().copied(), 20);
        warnings.insert(
            0,
            crate::Said::new(
                format!("kept {} unknown {plural} as extra fields: {list}", unknown.len()),
                "import.unknown_columns",
                &[("n", &unknown.len())],
            )
            .with_list("columns", unknown.iter().copied(), 20),
        );
    }
    if !platform.is_empty() {
        let list = crate::quote_list(platform.iter().copied(), 20);
        warnings.insert(
            0,
            crate::Said::new(
                format!(
                    "kept the survey platform's own {} as extra fields (not part of the registration): {list}",
                    if platform.len() == 1 { "column" } else { "columns" }
                ),
                "import.platform_columns",
                &[],
            )
            .with_list("columns", platform.iter().copied(), 20),
        );
    }
    (columns, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonyms_and_decorations() {
        let cases = [
            ("姓名", Some(RosterField::Name)),
            ("*姓名", Some(RosterField::Name)),
            ("学员姓名（必填）", Some(RosterField::Name)),
            ("  Full   Name ", Some(RosterField::Name)),
            ("NAME:", Some(RosterField::Name)),
            ("姓　名", Some(RosterField::Name)),
            ("手机号码(必填)", Some(RosterField::Phone)),
            ("Mobile Phone", Some(RosterField::Phone)),
            ("TEL", Some(RosterField::Phone)),
            ("联系方式：", Some(RosterField::Phone)),
            ("身份证号码【18位】", Some(RosterField::IdNumber)),
            ("ID No.", Some(RosterField::IdNumber)),
            ("national_id", Some(RosterField::IdNumber)),
            ("Date of Birth", Some(RosterField::BirthDate)),
            ("DOB", Some(RosterField::BirthDate)),
            ("出生年月", Some(RosterField::BirthDate)),
            ("所在村", Some(RosterField::Organization)),
            ("Organisation", Some(RosterField::Organization)),
            ("职业", Some(RosterField::Occupation)),
            ("Sex", Some(RosterField::Gender)),
            ("年龄(岁)", Some(RosterField::Age)),
            ("备注", None),
            ("", None),
            ("(必填)", None),
            // Online survey platforms (问卷星, 腾讯问卷, 金数据) word questions.
            ("1、您的姓名：", Some(RosterField::Name)),
            ("3. 您的手机号码", Some(RosterField::Phone)),
            ("Q4 请填写您的身份证号", Some(RosterField::IdNumber)),
            ("第5题 您的性别", Some(RosterField::Gender)),
            ("6、您所在的村？", Some(RosterField::Organization)),
            ("7.您的年龄是", Some(RosterField::Age)),
            ("8、您的职业：", Some(RosterField::Occupation)),
            ("2、您对本次培训的建议", None),
            ("提交答卷时间", None),
        ];
        for (header, want) in cases {
            assert_eq!(field_for(header), want, "{header}");
        }
    }

    #[test]
    fn a_survey_platforms_columns_are_said_apart() {
        let headers: Vec<(u32, String)> = ["序号", "提交答卷时间", "所用时间", "来源", "来自IP", "1、您的姓名：", "2、您的手机号码：", "3、备注"]
            .iter()
            .enumerate()
            .map(|(i, h)| (i as u32, h.to_string()))
            .collect();
        let (cols, warnings) = map_headers(&headers);
        let warnings: Vec<String> = warnings.into_iter().map(|w| w.english).collect();
        assert_eq!(cols[5].field, Some(RosterField::Name));
        assert_eq!(cols[6].field, Some(RosterField::Phone));
        assert_eq!(
            warnings[0],
            "kept the survey platform's own columns as extra fields (not part of the registration): '序号', '提交答卷时间', '所用时间', '来源', '来自IP'"
        );
        assert_eq!(warnings[1], "kept 1 unknown column as extra fields: '3、备注'");
        // A plain roster's 序号 is just an unknown column.
        let (_, warnings) = map_headers(&[(0, "序号".to_string()), (1, "姓名".to_string())]);
        let warnings: Vec<String> = warnings.into_iter().map(|w| w.english).collect();
        assert_eq!(warnings, ["kept 1 unknown column as extra fields: '序号'"]);
    }

    #[test]
    fn duplicates_and_unknowns_warn() {
        let headers: Vec<(u32, String)> = ["姓名", "电话", "备注", "手机", "微信号"]
            .iter()
            .enumerate()
            .map(|(i, h)| (i as u32, h.to_string()))
            .collect();
        let (cols, warnings) = map_headers(&headers);
        let warnings: Vec<String> = warnings.into_iter().map(|w| w.english).collect();
        let fields: Vec<_> = cols.iter().map(|c| c.field).collect();
        assert_eq!(
            fields,
            [
                Some(RosterField::Name),
                Some(RosterField::Phone),
                None,
                None,
                None
            ]
        );
        // 备注 is the door's note (model::NOTE_KEYS): known, kept, not "unknown".
        assert_eq!(
            warnings[0],
            "kept 1 unknown column as extra fields: '微信号'"
        );
        assert!(warnings[1].contains("'手机' also looks like phone"));
    }
}
