// The end-of-day backup reminder and "Back up now": a banner under the
// header when the backup reminder is due (from half an hour before the
// day's last session ends until a backup is made), for admins and
// coordinators; "Later" snoozes it for 30 minutes. Backing up picks a file
// with the save dialog (or a typed path where no dialog can open) and
// shows the file and its size.

import { api, pickSavePath } from "../api";
import { can } from "../access";
import { clear, h } from "../dom";
import { cleanPath, fileSize, formatDateTime, type UiError } from "../format";
import { getLang, t } from "../i18n";
import { role } from "../session";
import { openModal, type Ctx } from "../ui";

const SNOOZE_MS = 30 * 60 * 1000;
const SNOOZE_KEY = "muster.backupSnoozedUntil";

/** Whether to show the banner: due, a role that backs up, not snoozed. */
export function showReminder(due: boolean, canBackUp: boolean, snoozedUntil: number, now: number): boolean {
  return due && canBackUp && now >= snoozedUntil;
}

function snoozedUntil(): number {
  try {
    return Number(localStorage.getItem(SNOOZE_KEY) ?? 0) || 0;
  } catch {
    return 0;
  }
}

/** The banner (empty while not due) and its check, run every minute and on screen changes. */
export function backupBanner(ctx: Ctx): { el: HTMLElement; check: () => Promise<void> } {
  const el = h("div", { class: "backup-slot", testid: "backup-slot" });
  let checking = false;
  const check = async () => {
    if (checking) return;
    checking = true;
    try {
      if (!showReminder(true, can(role(), "backup"), snoozedUntil(), Date.now())) { clear(el); return; }
      const r = await api.backupReminder();
      if (!showReminder(r.due, can(role(), "backup"), snoozedUntil(), Date.now())) { clear(el); return; }
      // Already showing, in this language (a language switch paints it again).
      if (el.firstChild && el.dataset.lang === getLang()) return;
      clear(el);
      el.dataset.lang = getLang();
      const later = h("button", { class: "btn btn-ghost", type: "button", testid: "backup-later" }, t("backup.later"));
      later.addEventListener("click", () => {
        try { localStorage.setItem(SNOOZE_KEY, String(Date.now() + SNOOZE_MS)); } catch { /* this run only */ }
        clear(el);
      });
      const now = h("button", { class: "btn btn-primary", type: "button", testid: "backup-now" }, t("backup.now"));
      now.addEventListener("click", () => openBackup(ctx, () => void check()));
      el.appendChild(h("div", { class: "backup-banner", role: "status", testid: "backup-banner" },
        h("span", { class: "backup-icon", "aria-hidden": "true" }, "⛁"),
        h("div", { class: "backup-text" },
          h("strong", null, t("backup.due")),
          h("div", { class: "muted" }, r.last_backup ? t("backup.due.last", { when: formatDateTime(r.last_backup) }) : t("backup.due.never"))),
        h("div", { class: "backup-actions" }, later, now)));
    } catch {
      // nobody signed in, or not allowed: no banner
      clear(el);
    } finally {
      checking = false;
    }
  };
  return { el, check };
}

/** The backup dialog: choose a file (or type a path), back up, show the file and its size. */
export function openBackup(ctx: Ctx, done: () => void = () => undefined): void {
  const result = h("div", { class: "backup-result", testid: "backup-result", role: "status" });
  const pathInput = h("input", { type: "text", class: "path-input", testid: "backup-path", placeholder: t("backup.path.placeholder") });
  const name = `${t("backup.file_name")}-${new Date().toISOString().slice(0, 10)}.db`;
  const run = async (path: string) => {
    if (!path) { typed.open = true; pathInput.focus(); return; }
    choose.disabled = true;
    result.className = "backup-result muted";
    result.textContent = t("backup.running");
    try {
      const b = await api.backupNow(path);
      const text = t("backup.done", { file: b.file, size: fileSize(b.bytes) });
      result.className = "backup-result alert alert-ok";
      result.textContent = text;
      result.dataset.bytes = String(b.bytes);
      ctx.toast(text);
      done();
    } catch (e) {
      const err = e as UiError;
      result.className = "backup-result alert alert-error";
      result.textContent = err.message;
    } finally {
      choose.disabled = false;
    }
  };
  const typed = h("details", { class: "export-typed", testid: "backup-typed" },
    h("summary", null, t("backup.path")),
    h("div", { class: "path-row" }, pathInput,
      h("button", { class: "btn btn-secondary", type: "button", testid: "backup-save", onclick: () => run(cleanPath(pathInput.value)) }, t("backup.save"))));
  const choose = h("button", { class: "btn btn-primary", type: "button", testid: "backup-choose" }, t("backup.choose"));
  choose.addEventListener("click", async () => {
    let dest: string | null;
    try {
      dest = await pickSavePath(name, { name: "Muster backup", extensions: ["db"] });
    } catch {
      typed.open = true;
      if (!pathInput.value) pathInput.value = name;
      pathInput.focus();
      return;
    }
    if (dest) await run(dest);
  });
  openModal({
    title: t("backup.title"),
    testid: "backup-dialog",
    autofocus: choose,
    body: [
      h("p", { class: "modal-text" }, t("backup.body")),
      h("div", { class: "modal-actions" }, choose),
      typed,
      result,
    ],
  });
}
