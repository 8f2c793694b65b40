//! The ready questionnaire: the trainee portrait the organisers publish
//! per stop (age bracket, gender, occupation, was the training valuable,
//! did you open a WeChat shop or a Video Channel) as an XLSForm workbook in
//! Chinese and English. A coordinator who has never heard of XLSForm
//! downloads it to edit in Excel, or starts keying from it as it is.
//!
//! An XLSForm is a workbook with a `survey` sheet (one question per row:
//! `type`, `name`, a `label` per language), a `choices` sheet (the answers of
//! each `select_one` list) and a `settings` sheet (title, id, language). The
//! workbook written here is read back by [`super::xlsform::read_bytes`] in
//! the tests, so the template and the reader cannot drift apart.

use crate::{Error, Result};

/// The file name offered for the download.
pub const FILE_NAME: &str = "学员画像问卷 portrait questionnaire.xlsx";

/// (type, name, 中文, English, required)
const SURVEY: &[(&str, &str, &str, &str, bool)] = &[
    ("select_one age", "age_bracket", "您的年龄段", "Your age bracket", true),
    ("select_one gender", "gender", "您的性别", "Your gender", true),
    ("select_one occupation", "occupation", "您目前的职业", "Your occupation", true),
    ("select_one valuable", "valuable", "本次培训对您有帮助吗？", "Was this training valuable to you?", true),
    ("select_one yes_no", "opened_shop", "培训后您是否开通了微信小店或视频号？", "Since the training, did you open a WeChat shop or a Video Channel?", true),
    ("text", "comments", "您还有什么建议？（可不填）", "Any suggestions? (optional)", false),
];

/// (list, name, 中文, English)
const CHOICES: &[(&str, &str, &str, &str)] = &[
    ("age", "18_30", "18–30 岁", "18–30"),
    ("age", "31_40", "31–40 岁", "31–40"),
    ("age", "41_50", "41–50 岁", "41–50"),
    ("age", "51_plus", "51 岁及以上", "51 and over"),
    ("gender", "female", "女", "Female"),
    ("gender", "male", "男", "Male"),
    ("occupation", "farmer", "农民", "Farmer"),
    ("occupation", "entrepreneur", "个体经营 / 创业者", "Entrepreneur, own business"),
    ("occupation", "employee", "企业员工", "Employee"),
    ("occupation", "official", "村干部 / 公职人员", "Village cadre, civil servant"),
    ("occupation", "student", "学生", "Student"),
    ("occupation", "other", "其他", "Other"),
    ("valuable", "very", "很有帮助", "Very valuable"),
    ("valuable", "somewhat", "有一些帮助", "Somewhat valuable"),
    ("valuable", "not", "没有帮助", "Not valuable"),
    ("yes_no", "yes", "是", "Yes"),
    ("yes_no", "no", "否", "No"),
];

const ZH: &str = "label::中文 (zh)";
const EN: &str = "label::English (en)";

/// How many questions the template asks (for a test and the UI's line).
pub fn questions() -> usize {
    SURVEY.len()
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::io(FILE_NAME, std::io::Error::other(e.to_string()))
}

/// The template as XLSX bytes.
pub fn workbook() -> Result<Vec<u8>> {
    let mut wb = crate::export::workbook();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    {
        let s = wb.add_worksheet().set_name("survey").map_err(xlsx_error)?;
        for (c, head) in ["type", "name", ZH, EN, "required"].iter().enumerate() {
            s.write_string_with_format(0, c as u16, *head, &bold).map_err(xlsx_error)?;
        }
        for (r, (kind, name, zh, en, required)) in SURVEY.iter().enumerate() {
            let r = r as u32 + 1;
            s.write_string(r, 0, *kind).map_err(xlsx_error)?;
            s.write_string(r, 1, *name).map_err(xlsx_error)?;
            s.write_string(r, 2, *zh).map_err(xlsx_error)?;
            s.write_string(r, 3, *en).map_err(xlsx_error)?;
            if *required {
                s.write_string(r, 4, "yes").map_err(xlsx_error)?;
            }
        }
        s.set_column_width(0, 24).map_err(xlsx_error)?;
        s.set_column_width(1, 14).map_err(xlsx_error)?;
        s.set_column_width(2, 40).map_err(xlsx_error)?;
        s.set_column_width(3, 52).map_err(xlsx_error)?;
    }
    {
        let s = wb.add_worksheet().set_name("choices").map_err(xlsx_error)?;
        for (c, head) in ["list_name", "name", ZH, EN].iter().enumerate() {
            s.write_string_with_format(0, c as u16, *head, &bold).map_err(xlsx_error)?;
        }
        for (r, (list, name, zh, en)) in CHOICES.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, v) in [list, name, zh, en].iter().enumerate() {
                s.write_string(r, c as u16, **v).map_err(xlsx_error)?;
            }
        }
        s.set_column_width(2, 24).map_err(xlsx_error)?;
        s.set_column_width(3, 30).map_err(xlsx_error)?;
    }
    {
        let s = wb.add_worksheet().set_name("settings").map_err(xlsx_error)?;
        for (c, (head, v)) in [("form_title", "学员画像问卷 Trainee portrait"), ("form_id", "portrait"), ("default_language", "中文 (zh)")].iter().enumerate() {
            s.write_string_with_format(0, c as u16, *head, &bold).map_err(xlsx_error)?;
            s.write_string(1, c as u16, *v).map_err(xlsx_error)?;
        }
    }
    wb.save_to_buffer().map_err(xlsx_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_reads_back_as_the_portrait_questionnaire() {
        let bytes = workbook().unwrap();
        let form = crate::forms::xlsform::read_bytes(FILE_NAME, &bytes).unwrap();
        assert_eq!(form.form_id, "portrait");
        assert_eq!(form.questions.len(), questions());
        let names: Vec<&str> = form.questions.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(names, ["age_bracket", "gender", "occupation", "valuable", "opened_shop", "comments"]);
        let occupation = &form.questions[2];
        assert_eq!(occupation.choices.len(), 6);
        assert!(occupation.labels.values().any(|l| l == "您目前的职业"));
        assert!(occupation.labels.values().any(|l| l == "Your occupation"));
        assert!(form.questions.iter().all(|q| q.skipped.is_none()), "every question can be keyed");
    }
}
