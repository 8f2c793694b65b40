//! The trainee portrait: per question, how many papers answered it, the
//! count and share of each choice (percent of answered, one decimal) and,
//! for numbers, n/min/max/mean/median; with the totals of stored and
//! rejected papers. Written to XLSX with rust_xlsxwriter (a summary sheet
//! and a data sheet). PDF is left to the print crate.

use super::responses::Answers;
use super::{pick, Kind, StoredForm};
use crate::store::forms::{RejectionRow, ResponseRow};
use crate::{Error, Result};
use rust_xlsxwriter::Format;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// One choice's share.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChoiceShare {
    pub value: String,
    pub label: String,
    pub count: u64,
    /// Percent of the papers that answered the question, one decimal.
    pub percent: f64,
}

/// Summary of a number question.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Numeric {
    pub n: u64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub median: f64,
}

/// One question of the portrait.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QuestionSummary {
    pub name: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    pub answered: u64,
    pub choices: Vec<ChoiceShare>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numeric: Option<Numeric>,
}

/// `responses report`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Portrait {
    pub form: String,
    pub title: String,
    /// Papers stored (first entry).
    pub stored: u64,
    /// Papers rejected on import and not stored since.
    pub rejected: u64,
    /// Papers in the portrait (double entry: agreed or resolved).
    pub included: u64,
    /// Double entry: papers waiting for a second keying or a resolution.
    pub pending: u64,
    pub questions: Vec<QuestionSummary>,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Builds the portrait from the final answers of each paper.
pub fn build(form: &StoredForm, rows: &[ResponseRow], rejections: &[RejectionRow], finals: &BTreeMap<String, Answers>, pending: u64, lang: Option<&str>) -> Portrait {
    let lang = lang.or(form.form.default_language.as_deref());
    let stored_papers: HashSet<(&str, super::Entry)> = rows.iter().map(|r| (r.paper_id.as_str(), r.entry)).collect();
    let stored = rows.iter().filter(|r| r.entry == super::Entry::First).map(|r| r.paper_id.as_str()).collect::<HashSet<_>>().len() as u64;
    let rejected = rejections
        .iter()
        .filter(|r| r.paper_id.is_empty() || !stored_papers.contains(&(r.paper_id.as_str(), r.entry)))
        .map(|r| if r.paper_id.is_empty() { format!("{}:{}", r.source, r.line) } else { r.paper_id.clone() })
        .collect::<HashSet<_>>()
        .len() as u64;
    let mut questions = Vec::new();
    for q in form.form.keyed() {
        // A question of a repeat: every repetition's answer counts.
        let values: Vec<&str> = match form.form.repeat_of(q) {
            Some(_) => finals
                .values()
                .flat_map(|a| a.iter().filter(|(k, _)| super::parse_slot(k).is_some_and(|(n, _)| n == q.name)).map(|(_, v)| v.as_str()))
                .filter(|v| !v.is_empty())
                .collect(),
            None => finals.values().filter_map(|a| a.get(&q.name)).map(String::as_str).filter(|v| !v.is_empty()).collect(),
        };
        let answered = values.len() as u64;
        let percent = |count: u64| if answered == 0 { 0.0 } else { round1(count as f64 * 100.0 / answered as f64) };
        let choices = if q.kind.is_select() {
            q.choices
                .iter()
                .map(|c| {
                    let count = values.iter().filter(|v| v.split(' ').any(|x| x == c.value)).count() as u64;
                    ChoiceShare { value: c.value.clone(), label: pick(&c.labels, lang).unwrap_or(&c.value).to_string(), count, percent: percent(count) }
                })
                .collect()
        } else {
            Vec::new()
        };
        let numeric = matches!(q.kind, Kind::Integer | Kind::Decimal).then(|| {
            let mut nums: Vec<f64> = values.iter().filter_map(|v| v.parse::<f64>().ok()).filter(|n| n.is_finite()).collect();
            nums.sort_by(f64::total_cmp);
            let n = nums.len();
            if n == 0 {
                return None;
            }
            let median = if n % 2 == 1 { nums[n / 2] } else { (nums[n / 2 - 1] + nums[n / 2]) / 2.0 };
            Some(Numeric {
                n: n as u64,
                min: nums[0],
                max: nums[n - 1],
                mean: (nums.iter().sum::<f64>() / n as f64 * 100.0).round() / 100.0,
                median,
            })
        });
        questions.push(QuestionSummary { name: q.name.clone(), label: q.label(lang).to_string(), kind: q.kind, answered, choices, numeric: numeric.flatten() });
    }
    Portrait {
        form: form.id.clone(),
        title: form.form.title.clone(),
        stored,
        rejected,
        included: finals.len() as u64,
        pending,
        questions,
    }
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::io("portrait", std::io::Error::other(e.to_string()))
}

/// The portrait (sheet `Portrait`) and the final answers (sheet `Data`,
/// one row per paper) as an XLSX workbook; written as an export by
/// `Muster::portrait_xlsx`.
pub fn xlsx_bytes(p: &Portrait, form: &StoredForm, finals: &BTreeMap<String, Answers>) -> Result<Vec<u8>> {
    let e = xlsx_err;
    let mut wb = crate::export::workbook();
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.0");
    let sheet = wb.add_worksheet();
    sheet.set_name("Portrait").map_err(e)?;
    sheet.write_string_with_format(0, 0, &p.title, &bold).map_err(e)?;
    let totals = [("已录入 Stored", p.stored), ("已拒绝 Rejected", p.rejected), ("纳入统计 Included", p.included), ("待核对 Pending", p.pending)];
    for (i, (label, n)) in totals.iter().enumerate() {
        sheet.write_string(1 + i as u32, 0, *label).map_err(e)?;
        sheet.write_number(1 + i as u32, 1, *n as f64).map_err(e)?;
    }
    let mut row = 6u32;
    for q in &p.questions {
        sheet.write_string_with_format(row, 0, format!("{} ({})", q.label, q.name), &bold).map_err(e)?;
        sheet.write_string(row, 1, "作答 Answered").map_err(e)?;
        sheet.write_number(row, 2, q.answered as f64).map_err(e)?;
        row += 1;
        if !q.choices.is_empty() {
            for (c, h) in ["选项 Choice", "人数 Count", "% of answered"].iter().enumerate() {
                sheet.write_string_with_format(row, c as u16, *h, &bold).map_err(e)?;
            }
            row += 1;
            for c in &q.choices {
                sheet.write_string(row, 0, &c.label).map_err(e)?;
                sheet.write_number(row, 1, c.count as f64).map_err(e)?;
                sheet.write_number_with_format(row, 2, c.percent, &pct).map_err(e)?;
                row += 1;
            }
        }
        if let Some(n) = &q.numeric {
            for (i, (label, v)) in [("n", n.n as f64), ("min", n.min), ("max", n.max), ("mean", n.mean), ("median", n.median)].iter().enumerate() {
                sheet.write_string(row, i as u16 * 2, *label).map_err(e)?;
                sheet.write_number(row, i as u16 * 2 + 1, *v).map_err(e)?;
            }
            row += 1;
        }
        row += 1;
    }
    sheet.set_column_width(0, 48).map_err(e)?;
    let data = wb.add_worksheet();
    data.set_name("Data").map_err(e)?;
    data.write_string_with_format(0, 0, "paper_id", &bold).map_err(e)?;
    // One column per answer key: `name`, and `name[1]`, `name[2]`, … for a
    // question of a repeat (as the responses CSV spells them).
    let sets: Vec<&Answers> = finals.values().collect();
    let keyed = super::responses::fields(&form.form, &sets);
    for (c, (key, _)) in keyed.iter().enumerate() {
        data.write_string_with_format(0, c as u16 + 1, key, &bold).map_err(e)?;
    }
    for (r, (paper, answers)) in finals.iter().enumerate() {
        let r = r as u32 + 1;
        data.write_string(r, 0, paper).map_err(e)?;
        for (c, (key, q)) in keyed.iter().enumerate() {
            if let Some(v) = answers.get(key) {
                match (q.kind, v.parse::<f64>()) {
                    (Kind::Integer | Kind::Decimal, Ok(n)) => data.write_number(r, c as u16 + 1, n).map_err(e)?,
                    _ => data.write_string(r, c as u16 + 1, v).map_err(e)?,
                };
            }
        }
    }
    wb.save_to_buffer().map_err(e)
}
