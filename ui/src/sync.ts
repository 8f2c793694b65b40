// Pure sync display logic: the header badge's text and tone, the time of
// the last sync, and the title of a sync error code. Unit-tested.

import type { SyncStatus } from "./api";
import { MESSAGES, t, type Key, type Lang, getLang } from "./i18n";

/** "10:42" for a time today, "11-28 10:42" for an earlier day (local time). */
export function syncTime(iso: string | null, now: Date = new Date()): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, "0");
  const hm = `${p(d.getHours())}:${p(d.getMinutes())}`;
  const sameDay = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  return sameDay ? hm : `${p(d.getMonth() + 1)}-${p(d.getDate())} ${hm}`;
}

export type Badge = { text: string; tone: "ok" | "warn" | "error" | "idle" };

/** What the header shows for a status: "3 条待同步 · 上次同步 10:42", "离线", … */
export function syncBadge(s: SyncStatus, lang: Lang = getLang(), now: Date = new Date()): Badge {
  if (!s.configured) return { text: t("sync.badge.off", {}, lang), tone: "idle" };
  if (s.state === "syncing") return { text: t("sync.badge.syncing", {}, lang), tone: "idle" };
  const time = syncTime(s.last_sync, now);
  const last = time ? t("sync.badge.last", { time }, lang) : t("sync.badge.never", {}, lang);
  // Changes set aside are never silent: they ride along every state.
  const aside = s.quarantined > 0 ? ` · ${t("sync.badge.quarantined", { n: s.quarantined }, lang)}` : "";
  const pending = t("sync.badge.pending", { n: s.pending }, lang);
  if (s.state === "offline") return { text: `${t("sync.badge.offline", {}, lang)} · ${pending}${aside}`, tone: "warn" };
  if (s.state === "error") return { text: `${syncErrorTitle(s.error_code, lang)} · ${pending}${aside}`, tone: "error" };
  return { text: `${pending} · ${last}${aside}`, tone: s.pending > 0 || s.quarantined > 0 ? "warn" : "ok" };
}

const ERROR_KEYS: Record<string, Key> = {
  unreachable: "syncerr.unreachable",
  unauthorized: "syncerr.unauthorized",
  protocol_version: "syncerr.protocol_version",
  // Two laptops syncing as one store, or a token of another store.
  conflict: "syncerr.conflict",
  wrong_device: "syncerr.wrong_device",
  invalid_change: "syncerr.invalid_change",
  too_large: "syncerr.too_large",
};

/** What to do about a sync error, in the reader's language (the server's own words stay technical detail). */
export function syncErrorDetail(code: string | null, lang: Lang = getLang()): string {
  const key = `syncerr.detail.${code ?? ""}`;
  return t((key in MESSAGES ? key : "syncerr.detail.other") as Key, {}, lang);
}

/** A short title for a sync error code (never the message text). */
export function syncErrorTitle(code: string | null, lang: Lang = getLang()): string {
  return t(ERROR_KEYS[code ?? ""] ?? "syncerr.other", {}, lang);
}
