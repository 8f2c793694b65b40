//! The server's pages: [`public`], all that anyone without a token sees
//! (that this is a Muster server, and its version), and [`render`], the
//! organisers' view behind a token (events, devices, last sync per device,
//! counts). Plain HTML, no scripts, no personal data (no names of
//! trainees).

use crate::storage::{DeviceInfo, Summary};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
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
