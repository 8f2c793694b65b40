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

/// The roster field a header names, if any.
pub fn field_for(header: &str) -> Option<RosterField> {
    let c = canonical(header);
    if c.is_empty() {
        return None;
    }
    SYNONYMS
        .iter()
        .find_map(|(field, names)| names.iter().any(|n| canonical(n) == c).then_some(*field))
}

/// The name headers listed in the "no name column" message.
pub const NAME_EXAMPLES: &str = "姓名, 名字, name, full name";

/// Maps each header (already trimmed, one per kept column, with its 0-based
/// index in the file) to a field. The first column for a field wins; later
/// ones and unknown ones are kept as extra fields, with warnings. Whether a
/// name column exists is the caller's check.
pub fn map_headers(headers: &[(u32, String)]) -> (Vec<ColumnMapping>, Vec<String>) {
    let mut columns = Vec::with_capacity(headers.len());
    let mut warnings = Vec::new();
    let mut unknown = Vec::new();
    for (index, header) in headers {
        let mut field = field_for(header);
        if let Some(f) = field {
            if columns.iter().any(|c: &ColumnMapping| c.field == Some(f)) {
                warnings.push(format!(
                    "column {} also looks like {}; only the first such column is used, this one is kept as an extra field",
                    crate::quote(header),
                    f.as_str()
                ));
                field = None;
            }
        } else {
            unknown.push(header.as_str());
        }
        columns.push(ColumnMapping {
            index: *index,
            header: header.clone(),
            field,
        });
    }
    if !unknown.is_empty() {
        let plural = if unknown.len() == 1 {
            "column"
        } else {
            "columns"
        };
        warnings.insert(
            0,
            format!(
                "kept {} unknown {plural} as extra fields: {}",
                unknown.len(),
                crate::quote_list(unknown.iter().copied(), 20)
            ),
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
        ];
        for (header, want) in cases {
            assert_eq!(field_for(header), want, "{header}");
        }
    }

    #[test]
    fn duplicates_and_unknowns_warn() {
        let headers: Vec<(u32, String)> = ["姓名", "电话", "备注", "手机", "微信号"]
            .iter()
            .enumerate()
            .map(|(i, h)| (i as u32, h.to_string()))
            .collect();
        let (cols, warnings) = map_headers(&headers);
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
        assert_eq!(
            warnings[0],
            "kept 2 unknown columns as extra fields: '备注', '微信号'"
        );
        assert!(warnings[1].contains("'手机' also looks like phone"));
    }
}
