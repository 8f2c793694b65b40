//! The offline certificate verifier: one self-contained HTML file that an
//! employer, an embassy or an organiser opens in any browser with no network
//! at all, types or pastes a certificate code (or the URL the QR holds) and
//! reads genuine / revoked / not genuine with what was signed.
//!
//! The file carries the organisation's trust (its public root keys with
//! their endorsements, the device certificates, revoked devices and
//! certificates, and event names) as JSON, and repeats in JavaScript the
//! checks of `muster_protocol::trust`: the key chain from the keys the file
//! was written with, each device certificate's signature, the code's
//! Ed25519 signature (a small BigInt implementation, so no browser feature
//! beyond `crypto.subtle.digest` is needed; `file://` pages have it), the
//! revocations. It holds no personal data beyond the event names: the names
//! on certificates come from the code being checked.

use muster_protocol::trust::Trust;

/// Marks a file as one this module wrote (so `--out` may replace it).
pub const GENERATOR: &str = r#"<meta name="generator" content="Muster verifier">"#;

fn script_json(t: &Trust) -> String {
    // Inside <script>: `<` is escaped so no text can close the element.
    serde_json::to_string(t).unwrap_or_else(|_| "{}".into()).replace('<', "\\u003c").replace('\u{2028}', "\\u2028").replace('\u{2029}', "\\u2029")
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The verifier page for `trust`.
pub fn html(trust: &Trust) -> String {
    let pinned: Vec<String> = trust.key_ids();
    format!(
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">{GENERATOR}
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>证书验证 · Certificate verifier — {org}</title>
<style>
body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",system-ui,sans-serif;margin:0;padding:1.2rem;color:#1f2933;max-width:40rem}}
h1{{font-size:1.3rem;margin:.2rem 0 1rem}}textarea{{width:100%;box-sizing:border-box;font:1rem ui-monospace,monospace;padding:.6rem;min-height:5rem}}
button{{font-size:1rem;padding:.5rem 1.2rem;margin:.5rem 0}}#result{{margin-top:1rem}}
.verdict{{font-size:1.5rem;font-weight:700;padding:1rem;border-radius:.6rem}}.verdict small{{display:block;font-size:1rem}}
.ok{{background:#e3f9e5;color:#0e5e2a}}.revoked{{background:#fff3c4;color:#8d2b0b}}.bad{{background:#ffe3e3;color:#8a041a}}
table{{border-collapse:collapse;width:100%;margin-top:.6rem}}th,td{{text-align:left;padding:.4rem .3rem;border-bottom:1px solid #d9e2ec;vertical-align:top}}
th{{width:38%;color:#486581}}.note{{color:#486581;font-size:.9rem}}
</style></head><body>
<h1>{org}<br><small>证书验证 · Certificate verifier</small></h1>
<p class="note">输入或粘贴证书二维码中的代码（或扫码得到的网址）。本页面无需联网。<br>Type or paste the code from the certificate's QR (or the URL it opens). This page needs no network.</p>
<label for="code">证书代码 · Certificate code</label>
<textarea id="code" autocomplete="off" spellcheck="false"></textarea>
<button id="check" type="button">验证 · Verify</button>
<div id="result" data-verdict="none"></div>
<p class="note">机构密钥 · Organisation keys: {keys}. 设备 · Laptops: {devices}. 已撤销 · Revoked: {revoked}.</p>
<script id="trust" type="application/json">{json}</script>
<script>
"use strict";
const TRUST = JSON.parse(document.getElementById("trust").textContent);
const PINNED = {pinned};
const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const D = 37095705934669439343138083508754565189542113879843219016388785533085940283555n;
const SQRT_M1 = 19681161376707505956807079304988542015446066515923890162744021073123829784752n;
const BASE = [15112221349535400772501151409588531511454012693041857206046113283949847762202n, 46316835694926478169428394003475163141307993866256225615783033603165251855960n, 1n, 0n];
BASE[3] = (BASE[0] * BASE[1]) % P;
const mod = (a, m = P) => ((a % m) + m) % m;
function pow(b, e) {{ let r = 1n; b = mod(b); while (e > 0n) {{ if (e & 1n) r = (r * b) % P; b = (b * b) % P; e >>= 1n; }} return r; }}
function add(p, q) {{
  const A = mod((p[1] - p[0]) * (q[1] - q[0])), B = mod((p[1] + p[0]) * (q[1] + q[0]));
  const C = mod(2n * p[3] * q[3] * D), DD = mod(2n * p[2] * q[2]);
  const E = B - A, F = DD - C, G = DD + C, H = B + A;
  return [mod(E * F), mod(G * H), mod(F * G), mod(E * H)];
}}
function mul(p, n) {{ let r = [0n, 1n, 1n, 0n]; while (n > 0n) {{ if (n & 1n) r = add(r, p); p = add(p, p); n >>= 1n; }} return r; }}
function le(bytes) {{ let n = 0n; for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]); return n; }}
function decodePoint(b) {{
  if (b.length !== 32) return null;
  const sign = BigInt(b[31] >> 7), c = b.slice(); c[31] &= 127;
  const y = le(c); if (y >= P) return null;
  const y2 = mod(y * y), x2 = mod((y2 - 1n) * pow(D * y2 + 1n, P - 2n));
  let x = pow(x2, (P + 3n) / 8n);
  if (mod(x * x - x2) !== 0n) x = mod(x * SQRT_M1);
  if (mod(x * x - x2) !== 0n) return null;
  if (x === 0n && sign === 1n) return null;
  if ((x & 1n) !== sign) x = P - x;
  return [x, y, 1n, mod(x * y)];
}}
const same = (p, q) => mod(p[0] * q[2] - q[0] * p[2]) === 0n && mod(p[1] * q[2] - q[1] * p[2]) === 0n;
async function sha(alg, bytes) {{ return new Uint8Array(await crypto.subtle.digest(alg, bytes)); }}
async function ed25519(pub, msg, sig) {{
  if (!pub || pub.length !== 32 || !sig || sig.length !== 64) return false;
  const A = decodePoint(pub), R = decodePoint(sig.slice(0, 32)), S = le(sig.slice(32));
  if (!A || !R || S >= L) return false;
  const h = mod(le(await sha("SHA-512", cat(sig.slice(0, 32), pub, msg))), L);
  return same(mul(BASE, S), add(R, mul(A, h)));
}}
function cat(...parts) {{ const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0)); let i = 0; for (const p of parts) {{ out.set(p, i); i += p.length; }} return out; }}
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
function unhex(s) {{ if (typeof s !== "string" || !/^([0-9a-f]{{2}})*$/i.test(s)) return null; const o = new Uint8Array(s.length / 2); for (let i = 0; i < o.length; i++) o[i] = parseInt(s.substr(i * 2, 2), 16); return o; }}
const utf8 = (s) => new TextEncoder().encode(s);
const B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
function unbase32(text) {{
  const out = []; let acc = 0, bits = 0;
  for (const ch of text) {{
    let c = ch.toUpperCase();
    if (" -\n\r\t".includes(c)) continue;
    if (c === "O") c = "0"; if (c === "I" || c === "L") c = "1";
    const v = B32.indexOf(c); if (v < 0) return null;
    acc = ((acc << 5) | v) & 0xffff; bits += 5;
    if (bits >= 8) {{ bits -= 8; out.push((acc >> bits) & 255); }}
  }}
  if (bits >= 5 || (acc & ((1 << bits) - 1)) !== 0) return null;
  return new Uint8Array(out);
}}
function codeText(input) {{
  let t = input.trim();
  if (t.includes("://")) t = t.split(/[?#]/)[0].replace(/\/+$/, "").split("/").pop();
  return t;
}}
async function keyId(pub) {{ return hex((await sha("SHA-256", pub)).slice(0, 8)); }}
async function trustedKeys() {{
  const ok = [];
  for (const k of TRUST.keys) if (PINNED.includes(k.key_id) && (await keyId(unhex(k.public_key) || new Uint8Array())) === k.key_id) ok.push(k);
  for (let grew = true; grew; ) {{
    grew = false;
    for (const k of TRUST.keys) {{
      if (ok.some((t) => t.key_id === k.key_id)) continue;
      const pub = unhex(k.public_key);
      if (!pub || (await keyId(pub)) !== k.key_id) continue;
      const msg = utf8("MUSTER-ORGKEY-1\n" + k.public_key + "\n" + k.created_at);
      for (const [byId, sig] of [[k.endorsed_by, k.endorsement], [k.vouched_by, k.vouch]]) {{
        const by = ok.find((t) => t.key_id === byId);
        if (by && sig && (await ed25519(unhex(by.public_key), msg, unhex(sig)))) {{ ok.push(k); grew = true; break; }}
      }}
    }}
  }}
  return ok;
}}
async function certified(d, keys) {{
  const k = keys.find((x) => x.key_id === d.org_key_id); if (!k) return false;
  const msg = utf8(["MUSTER-DEVICE-1", d.device_id, d.name, d.public_key, d.valid_from, d.org_key_id].join("\n"));
  return ed25519(unhex(k.public_key), msg, unhex(d.signature));
}}
function uuid(b) {{ const h = hex(b); return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20); }}
function number(id) {{
  const h = id.replace(/[^0-9a-f]/gi, ""); let v = BigInt("0x" + h.slice(-13)) & ((1n << 50n) - 1n); let s = "";
  for (let i = 9; i >= 0; i--) s += B32[Number((v >> BigInt(i * 5)) & 31n)];
  return s.slice(0, 5) + "-" + s.slice(5);
}}
async function verify(input) {{
  const all = unbase32(codeText(input));
  if (!all || all.length < 1 + 16 + 2 + 4 + 4 + 64) return {{ verdict: "invalid", why: "不是证书代码 · not a certificate code" }};
  if (all[0] !== 2) return {{ verdict: "invalid", why: "此代码不是由本机构的电脑签发 · not signed by a laptop of this organisation" }};
  const payload = all.slice(0, all.length - 64), sig = all.slice(all.length - 64);
  const ref = hex(payload.slice(23, 27));
  const keys = await trustedKeys();
  let device = null;
  for (const d of TRUST.devices) {{
    const pub = unhex(d.public_key); if (!pub || hex((await sha("SHA-256", pub)).slice(0, 4)) !== ref) continue;
    if ((await certified(d, keys)) && (await ed25519(pub, cat(utf8("MUSTER-CERT"), payload), sig))) {{ device = d; break; }}
  }}
  let name;
  try {{ name = new TextDecoder("utf-8", {{ fatal: true }}).decode(payload.slice(27)); }} catch (e) {{ device = null; }}
  if (!device) return {{ verdict: "invalid", why: "签名不符：代码被改动，或不是本机构签发 · the signature does not match: altered, or not issued by this organisation" }};
  const id = uuid(payload.slice(1, 17));
  const signedAt = Number(payload.slice(1, 7).reduce((n, b) => n * 256n + BigInt(b), 0n));
  const eventRef = hex(payload.slice(19, 23));
  const ev = (TRUST.events || []).find((e) => e.event_ref === eventRef);
  const details = {{ name, id, number: number(id), hours: ((payload[17] << 8) | payload[18]) / 10, event: ev ? ev.name : eventRef, issued_by: device.name, issued_at: new Date(signedAt).toISOString() }};
  if (device.revoked_at && signedAt >= Date.parse(device.revoked_at)) return {{ verdict: "revoked", why: "签发电脑已于 " + device.revoked_at + " 被停用 · signed after the laptop was revoked on " + device.revoked_at, ...details }};
  const r = (TRUST.revoked || []).find((x) => x.certificate_id === id);
  if (r) return {{ verdict: "revoked", why: "已于 " + r.revoked_at + " 撤销 · revoked on " + r.revoked_at + ": " + r.reason, ...details }};
  return {{ verdict: "genuine", ...details }};
}}
function show(v) {{
  const box = document.getElementById("result");
  box.dataset.verdict = v.verdict;
  box.replaceChildren();
  const head = document.createElement("p");
  const [cls, zh, en] = v.verdict === "genuine" ? ["ok", "证书真实有效", "Genuine certificate"] : v.verdict === "revoked" ? ["revoked", "证书已撤销", "Certificate revoked"] : ["bad", "无法确认此证书", "Not a genuine certificate"];
  head.className = "verdict " + cls; head.append(zh); const small = document.createElement("small"); small.textContent = en; head.append(small); box.append(head);
  if (v.why) {{ const p = document.createElement("p"); p.className = "note"; p.textContent = v.why; box.append(p); }}
  if (!v.name) return;
  const table = document.createElement("table");
  const hours = (h) => (Number.isInteger(h) ? String(h) : h.toFixed(1)) + " 学时 · " + (h === 1 ? "1 hour" : (Number.isInteger(h) ? h : h.toFixed(1)) + " hours");
  for (const [zh, en, val] of [["姓名", "Name", v.name], ["培训", "Training", v.event], ["学时", "Hours", hours(v.hours)], ["证书编号", "Certificate No.", v.number], ["颁发机构", "Organisation", TRUST.org], ["签发设备", "Issued on", v.issued_by], ["签发时间", "Signed at", v.issued_at]]) {{
    const tr = document.createElement("tr"), th = document.createElement("th"), td = document.createElement("td");
    th.textContent = zh + " · " + en; td.textContent = val; tr.append(th, td); table.append(tr);
  }}
  box.append(table);
}}
async function run() {{
  const text = document.getElementById("code").value;
  if (!text.trim()) {{ document.getElementById("result").dataset.verdict = "none"; document.getElementById("result").replaceChildren(); return; }}
  try {{ show(await verify(text)); }} catch (e) {{ show({{ verdict: "invalid", why: String(e) }}); }}
}}
document.getElementById("check").addEventListener("click", run);
document.getElementById("code").addEventListener("keydown", (e) => {{ if (e.key === "Enter") {{ e.preventDefault(); run(); }} }});
document.getElementById("code").addEventListener("input", () => {{ clearTimeout(window.__t); window.__t = setTimeout(run, 300); }});
</script></body></html>
"#,
        org = esc(&trust.org),
        keys = trust.keys.len(),
        devices = trust.devices.len(),
        revoked = trust.revoked.len(),
        json = script_json(trust),
        pinned = serde_json::to_string(&pinned).unwrap_or_else(|_| "[]".into()),
    )
}
