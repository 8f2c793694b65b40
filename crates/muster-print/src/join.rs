//! The join sheet: one A4 page the administrator hands over with a new
//! laptop. A large QR of the join code (the coordinator points the USB
//! scanner at it in Settings → Join an organisation), the code itself in
//! groups of four for typing, the organisation, the laptop's name, the
//! server and the organisation key's fingerprint to compare.

use crate::draw::{self, mm};
use crate::fonts::Family;
use crate::qr::Qr;
use crate::text::{self, Style};
use crate::{Doc, Rendered, Result};

/// What the sheet says.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinSheet {
    pub org: String,
    pub device: String,
    pub server: String,
    /// The key id in groups (`a1b2 c3d4 …`).
    pub fingerprint: String,
    /// The join code (`MJ1…`).
    pub code: String,
}

const NAVY: draw::Rgb = (0x1F, 0x3A, 0x5F);
const INK: draw::Rgb = (0x1A, 0x1A, 0x1A);
const GREY: draw::Rgb = (0x66, 0x66, 0x66);

/// Renders the sheet.
pub fn render(j: &JoinSheet) -> Result<Rendered> {
    let mut doc = Doc::new(&format!("{} — join {}", j.org, j.device));
    doc.page(210.0, 297.0, |s, missing| {
        let cx = 105.0;
        text::noted(missing, &j.org, Style::new(Family::Sans, true, 18.0, NAVY)).fit(mm(180.0)).draw_centered(s, mm(cx), mm(28.0));
        text::noted(missing, "加入机构 · Join the organisation", Style::new(Family::Sans, false, 11.0, GREY)).draw_centered(s, mm(cx), mm(37.0));
        text::noted(missing, &j.device, Style::new(Family::Sans, true, 24.0, INK)).fit(mm(180.0)).draw_centered(s, mm(cx), mm(52.0));
        let qr = Qr::new(&j.code)?;
        let q = 80.0;
        qr.draw(s, mm(cx - q / 2.0), mm(62.0), mm(q))?;
        let steps = [
            "在这台电脑上打开 Muster → 设置 → 加入机构，用扫码枪扫描上方二维码（或输入下面的加入码）。",
            "On this laptop open Muster → Settings → Join an organisation and scan the QR above (or type the code below).",
        ];
        let mut y = 62.0 + q + 12.0;
        for step in steps {
            for l in text::wrap(step, Style::new(Family::Sans, false, 10.0, INK), mm(170.0)) {
                l.draw_centered(s, mm(cx), mm(y));
                y += 5.5;
            }
            y += 1.5;
        }
        y += 4.0;
        let groups: Vec<String> = j.code.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
        for row in groups.chunks(8) {
            text::noted(missing, &row.join(" "), Style::new(Family::Mono, true, 12.0, INK)).draw_centered(s, mm(cx), mm(y));
            y += 6.5;
        }
        y += 6.0;
        for (label, value) in [("服务器 · Server", j.server.as_str()), ("机构密钥 · Organisation key", j.fingerprint.as_str())] {
            text::noted(missing, &format!("{label}:  {value}"), Style::new(Family::Sans, false, 10.0, GREY)).fit(mm(180.0)).draw_centered(s, mm(cx), mm(y));
            y += 6.0;
        }
        text::noted(
            missing,
            "此码含设备令牌，请像密码一样保管；用后销毁。 · This code holds the device token: keep it like a password and destroy it after use.",
            Style::new(Family::Sans, true, 8.5, NAVY),
        )
        .fit(mm(185.0))
        .draw_centered(s, mm(cx), mm(280.0));
        Ok(())
    })?;
    doc.finish()
}
