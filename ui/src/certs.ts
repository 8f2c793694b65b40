// Pure certificate display logic: why a trainee is (not) eligible, in the
// UI's language, from the numbers (never from the core's English text).

import type { Eligibility } from "./bindings/Eligibility";
import type { Needs } from "./bindings/Needs";
import { whoName } from "./format";
import { getLang, t, type Lang } from "./i18n";

export function hoursText(h: number): string {
  const r = Math.round(h * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

export function pct(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/** "出勤 8/10 小时（80%）≥ 80%", or the override and who decided. */
export function eligibilityReason(e: Eligibility, min: number, lang: Lang = getLang()): string {
  if (e.scheduled_hours <= 0) return t("cert.reason.none", {}, lang);
  const byRule = e.attendance + 1e-9 >= min;
  const rule = t("cert.reason.rule", {
    hours: hoursText(e.hours), scheduled: hoursText(e.scheduled_hours), pct: pct(e.attendance),
    op: byRule ? "≥" : "<", min: pct(min),
  }, lang);
  if (!e.override) return rule;
  const key = e.override.eligible ? "cert.reason.made_eligible" : "cert.reason.made_ineligible";
  return `${t(key, { by: whoName(e.override.decided_by, lang), reason: e.override.reason }, lang)} · ${rule}`;
}

/** What a trainee still needs for the certificate, in words. */
export function needsText(n: Needs): string {
  return n.reachable
    ? t("cert.needs", { hours: hoursText(n.hours), n: n.sessions, remaining: n.remaining })
    : t("cert.needs.unreachable", { hours: hoursText(n.hours) });
}
