//! The small demo event offered on an empty store, so a coordinator can try
//! Muster before the real roster arrives. Written through the same domain
//! calls as real data.

use crate::model::{Event, Gender, NewEvent, NewSession, TraineeFields};
use crate::store::{self, Store};
use crate::{event, Result};

const NAMES: &[(&str, Gender, &str)] = &[
    ("王素梅", Gender::Female, "王家村"),
    ("李建国", Gender::Male, "李家湾"),
    ("张丽华", Gender::Female, "城关镇"),
    ("刘洋", Gender::Male, "王家村"),
    ("陈静", Gender::Female, "东风村"),
    ("杨波", Gender::Male, "城关镇"),
    ("赵敏", Gender::Female, "李家湾"),
    ("黄海涛", Gender::Male, "东风村"),
    ("周小红", Gender::Female, "新华村"),
    ("吴刚", Gender::Male, "新华村"),
    ("徐丹", Gender::Female, "城关镇"),
    ("孙志强", Gender::Male, "王家村"),
    ("马晓燕", Gender::Female, "东风村"),
    ("朱明", Gender::Male, "李家湾"),
    ("胡玉兰", Gender::Female, "新华村"),
    ("郭俊", Gender::Male, "城关镇"),
    ("何秀英", Gender::Female, "王家村"),
    ("林峰", Gender::Male, "东风村"),
    ("罗桂芳", Gender::Female, "新华村"),
    ("高勇", Gender::Male, "李家湾"),
    ("单雄信", Gender::Male, "城关镇"),
    ("曾丽", Gender::Female, "东风村"),
    ("欧阳娜娜", Gender::Female, "新华村"),
    ("Sok Dara", Gender::Male, "Kampong Cham"),
    ("សុខ ដារ៉ា", Gender::Female, "Kampong Cham"),
    ("Aysel Məmmədova", Gender::Female, "Şəki"),
];

const OCCUPATIONS: &[&str] = &["农民", "个体户", "电商从业者", "村干部", "返乡青年", "合作社成员"];

/// Creates the demo event: two days, two sessions, a roster of 26.
pub(crate) fn create(store: &mut Store, today: &str) -> Result<Event> {
    let ev = event::create(
        store,
        &NewEvent { name: "乡村电商技能培训（示例）Rural E-commerce Training (demo)".into(), venue: "县文化中心 County Cultural Centre".into(), starts_on: today.into(), days: 2 },
        None,
    )?;
    for (day, title, start, end) in [
        (0, "第一天 微信数字化运营 Day 1 WeChat Digital Operation", "09:00", "17:00"),
        (1, "第二天 就业技能 Day 2 Employment Skills", "09:00", "16:30"),
    ] {
        let date = crate::clock::add_days(today, day);
        event::add_session(
            store,
            &ev.id,
            &NewSession { title: title.into(), starts_at: format!("{date}T{start}"), ends_at: format!("{date}T{end}") },
        )?;
    }
    store.write(|w| {
        for (i, (name, gender, village)) in NAMES.iter().enumerate() {
            let t = TraineeFields {
                name: name.to_string(),
                gender: Some(*gender),
                phone: Some(format!("13{:09}", 800_000_000 + i * 7_919_311 % 199_999_999)),
                age: Some(22 + (i as u32 * 7) % 38),
                organization: Some(village.to_string()),
                occupation: Some(OCCUPATIONS[i % OCCUPATIONS.len()].to_string()),
                ..TraineeFields::default()
            };
            store::trainees::insert(w, &ev.id, &t)?;
        }
        Ok(())
    })?;
    Ok(store::events::get(store, &ev.id)?.unwrap_or(ev))
}
