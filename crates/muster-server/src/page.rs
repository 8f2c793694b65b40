//! The server's pages: [`public`], all that anyone without a token sees
//! (that this is a Muster server, and its version), and [`render`], the
//! organisers' view behind a token (events, devices, last sync per device,
//! counts). Plain HTML, no scripts, no personal data (no names of
//! trainees).

use crate::storage::{DeviceInfo, Summary};

/// Text for HTML, in an element or a quoted attribute (either quote).
pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// The page at `/`: nothing from the store.
pub fn public() -> String {
    format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>Muster sync</title></head><body>
<h1>Muster 同步服务 · sync service</h1><p>muster-server {}</p></body></html>"#,
        env!("CARGO_PKG_VERSION")
    )
}

pub fn render(devices: &[DeviceInfo], summary: &Summary) -> String {
    let mut rows = String::new();
    for d in devices {
        rows.push_str(&format!(
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&d.name),
            esc(&d.id),
            esc(d.last_seen.as_deref().unwrap_or("never")),
            d.changes,
            if d.revoked { "revoked 已停用" } else { "active 使用中" }
        ));
    }
    let events: String = summary.events.iter().map(|(_, name)| format!("<li>{}</li>", esc(name))).collect();
    let counts: String = summary.by_entity.iter().map(|(e, n)| format!("<tr><td>{}</td><td>{n}</td></tr>", esc(e))).collect();
    format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>Muster sync</title>
<style>body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2rem;color:#1f2933}}
table{{border-collapse:collapse;margin:.5rem 0 1.5rem}}td,th{{border-bottom:1px solid #d9e2ec;padding:.35rem .8rem;text-align:left}}
h1{{font-weight:600}}h2{{font-size:1.1rem;color:#486581}}</style></head><body>
<h1>Muster 同步服务 · sync service</h1>
<h2>活动 Events</h2><ul>{events}</ul>
<h2>设备 Devices</h2><table><tr><th>Name</th><th>ID</th><th>Last sync 最近同步</th><th>Changes</th><th>Status</th></tr>{rows}</table>
<h2>记录 Records ({total})</h2><table>{counts}</table>
</body></html>"#,
        total = summary.changes
    )
}

/// The public verification page of one code: genuine, revoked or not
/// genuine, with what was signed, in Chinese and English. Readable on a
/// phone, no script, nothing beyond what the code itself carries (and the
/// organisation's names for the laptop and the event).
pub fn verdict(v: &crate::org::Verdict) -> String {
    let (class, zh, en) = match (v.valid, v.revoked.is_some()) {
        (true, _) => ("ok", "证书真实有效", "Genuine certificate"),
        (false, true) => ("revoked", "证书已撤销", "Certificate revoked"),
        (false, false) => ("bad", "无法确认此证书", "Not a genuine certificate"),
    };
    let row = |zh: &str, en: &str, value: &Option<String>| match value {
        Some(x) if !x.is_empty() => format!("<tr><th>{zh}<br><small>{en}</small></th><td>{}</td></tr>", esc(x)),
        _ => String::new(),
    };
    let hours = v.hours.map(|h| {
        let h = if h.fract() == 0.0 { format!("{h:.0}") } else { format!("{h:.1}") };
        format!("{h} 学时 · {h} {}", if h == "1" { "hour" } else { "hours" })
    });
    let mut rows = String::new();
    for (zh, en, value) in [
        ("姓名", "Name", &v.name),
        ("培训", "Training", &v.event),
        ("学时", "Hours", &hours),
        ("证书编号", "Certificate No.", &v.number),
        ("颁发机构", "Organisation", &v.org),
        ("签发设备", "Issued on", &v.issued_by),
        ("签发时间", "Signed at", &v.issued_at),
    ] {
        rows.push_str(&row(zh, en, value));
    }
    let reason = v.reason.as_deref().map(|r| format!("<p class=\"why\">{}</p>", esc(r))).unwrap_or_default();
    let recorded = if v.valid && !v.recorded {
        "<p class=\"note\">签名有效，但签发的电脑尚未将此证书同步到机构。<br>The signature is valid; the issuing laptop has not yet synced this certificate to the organisation.</p>"
    } else {
        ""
    };
    format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{zh} · {en}</title>
<style>body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;padding:1.2rem;color:#1f2933;max-width:36rem}}
.verdict{{font-size:1.6rem;font-weight:700;padding:1rem;border-radius:.6rem;margin:0 0 1rem}}
.ok{{background:#e3f9e5;color:#0e5e2a}}.revoked{{background:#fff3c4;color:#8d2b0b}}.bad{{background:#ffe3e3;color:#8a041a}}
.verdict small{{display:block;font-size:1rem;font-weight:600}}table{{border-collapse:collapse;width:100%}}
th,td{{text-align:left;vertical-align:top;padding:.45rem .3rem;border-bottom:1px solid #d9e2ec}}th{{width:38%;color:#486581;font-weight:600}}
th small{{font-weight:400}}.why,.note{{color:#486581}}</style></head><body>
<p class="verdict {class}" id="verdict">{zh}<small>{en}</small></p>
{reason}<table>{rows}</table>{recorded}
<p class="note"><small>Muster · muster-server {}</small></p></body></html>"#,
        env!("CARGO_PKG_VERSION")
    )
}
