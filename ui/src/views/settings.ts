// Screen: sync settings and status — the server address and device token
// (the token is write-only: the shell never sends it back), a connection
// test, "Sync now", and the USB-stick sync file (dialog, or a typed path
// where the dialog cannot open).

import { api, pickOpenPath, pickSavePath, type SyncStatus } from "../api";
import { clear, h, listenUntil, untilAbort } from "../dom";
import { exportedMessage, plainChoice } from "../exports";
import { cleanPath, type UiError } from "../format";
import { t, type Key } from "../i18n";
import { syncErrorDetail, syncErrorTitle, syncTime } from "../sync";
import { errorShower, errorBox, field, spinner, type Ctx } from "../ui";

const FILTER = { name: "Muster sync", extensions: ["sync"] };

export async function renderSettings(root: HTMLElement, ctx: Ctx, signal: AbortSignal): Promise<void> {
  clear(root);
  root.appendChild(spinner());
  let settings;
  try {
    settings = await untilAbort(api.syncSettings(), signal);
  } catch (e) {
    clear(root);
    root.appendChild(errorBox(e as UiError));
    return;
  }
  clear(root);
  const errorSlot = h("div", { class: "error-slot" });
  const showError = errorShower(errorSlot);
  const note = h("div", { class: "error-slot", testid: "sync-note" });
  const say = (tone: "ok" | "warn" | "error", title: string, detail?: string | null, technical?: string | null) => {
    clear(errorSlot);
    clear(note);
    note.appendChild(h("div", { class: `alert alert-${tone}`, role: "status", testid: "sync-result", "data-tone": tone, title: technical ?? "" },
      h("div", { class: "alert-body" },
        h("strong", { class: "alert-title" }, title),
        detail ? h("div", { class: "alert-message" }, detail) : null)));
  };

  // ---- server -----------------------------------------------------------------
  const url = h("input", { type: "url", class: "path-input", testid: "sync-url", value: settings.url, placeholder: t("settings.url.placeholder"), autocomplete: "off", spellcheck: "false" });
  const token = h("input", {
    type: "password", class: "path-input", testid: "sync-token", autocomplete: "off",
    placeholder: settings.has_token ? t("settings.token.kept") : t("settings.token.placeholder"),
  });
  const tokenValue = () => token.value.trim() || null;
  const busy = (btn: HTMLButtonElement, on: boolean) => { btn.disabled = on; btn.classList.toggle("busy", on); };

  const save = h("button", { class: "btn btn-primary", type: "button", testid: "sync-save" }, t("settings.save"));
  save.addEventListener("click", async () => {
    busy(save, true);
    try {
      settings = await untilAbort(api.saveSyncSettings(url.value, tokenValue()), signal);
      token.value = "";
      token.placeholder = settings.has_token ? t("settings.token.kept") : t("settings.token.placeholder");
      ctx.toast(t("settings.saved"));
      await refresh();
    } catch (e) {
      showError(e as UiError);
    } finally {
      busy(save, false);
    }
  });
  const test = h("button", { class: "btn btn-secondary", type: "button", testid: "sync-test" }, t("settings.test"));
  test.addEventListener("click", async () => {
    busy(test, true);
    try {
      const r = await untilAbort(api.testSyncConnection(url.value, tokenValue()), signal);
      if (r.ok) say("ok", t("settings.test.ok"));
      else say("error", syncErrorTitle(r.error_code), syncErrorDetail(r.error_code), r.error_message);
    } catch (e) {
      showError(e as UiError);
    } finally {
      busy(test, false);
    }
  });
  const now = h("button", { class: "btn btn-primary", type: "button", testid: "sync-now" }, t("settings.sync_now"));
  now.addEventListener("click", async () => {
    busy(now, true);
    try {
      const s = await untilAbort(api.syncNow(), signal);
      show(s);
      if (s.error_code) say(s.state === "offline" ? "warn" : "error", syncErrorTitle(s.error_code), syncErrorDetail(s.error_code), s.error_message);
      else say("ok", t("settings.synced", { pushed: s.pushed, pulled: s.pulled }));
    } catch (e) {
      showError(e as UiError);
    } finally {
      busy(now, false);
    }
  });

  // ---- status -----------------------------------------------------------------
  const stat = (label: string, testid: string) => {
    const value = h("div", { class: "mini-stat-value", testid });
    return { el: h("div", { class: "mini-stat" }, h("div", { class: "mini-stat-label" }, label), value), value };
  };
  const st = stat(t("settings.state"), "sync-state");
  const pending = stat(t("settings.pending"), "sync-pending");
  const last = stat(t("settings.last"), "sync-last");
  const aside = stat(t("settings.quarantined"), "sync-quarantined");
  // What this store set aside: each change, where from, and why.
  const asideList = h("div", { class: "card card-wide", testid: "sync-quarantine", hidden: true });
  const showAside = async (n: number) => {
    asideList.hidden = n === 0;
    if (n === 0) return;
    let rows;
    try {
      rows = await untilAbort(api.syncQuarantine(), signal);
    } catch {
      return;
    }
    clear(asideList);
    asideList.append(
      h("h2", { class: "card-title" }, t("settings.quarantine.title")),
      h("p", { class: "muted" }, t("settings.quarantine.body")),
      h("table", { class: "table" },
        h("thead", null, h("tr", null,
          h("th", null, t("settings.quarantine.device")),
          h("th", null, t("settings.quarantine.what")),
          h("th", null, t("settings.quarantine.reason")))),
        h("tbody", null, ...rows.map((q) => h("tr", { testid: "sync-quarantine-row" },
          h("td", null, h("code", null, `${q.device_id.slice(0, 8)}… #${q.seq}`)),
          h("td", null, `${q.entity} (${q.op})${q.field ? ` · ${q.field}` : ""}`),
          h("td", { class: "wrap" }, q.reason))))),
    );
  };
  const show = (s: SyncStatus) => {
    st.value.textContent = t(`settings.state.${s.state}` as Key);
    st.value.dataset.state = s.state;
    if (s.state !== "syncing") {
      pending.value.textContent = String(s.pending);
      last.value.textContent = syncTime(s.last_sync) ?? t("settings.never");
      aside.value.textContent = String(s.quarantined);
      void showAside(s.quarantined);
    }
  };
  const refresh = async () => {
    try {
      show(await untilAbort(api.syncStatus(), signal));
    } catch {
      // the badge shows the state too
    }
  };

  // ---- sync file --------------------------------------------------------------
  const filePath = h("input", { type: "text", class: "path-input", testid: "sync-file-path", placeholder: t("settings.file.path.placeholder") });
  const typed = h("details", { class: "export-typed", testid: "sync-file-typed" },
    h("summary", null, t("settings.file.path")),
    h("div", { class: "path-row" }, filePath,
      h("button", { class: "btn btn-secondary", type: "button", testid: "sync-file-export-typed", onclick: () => exportTo(cleanPath(filePath.value)) }, t("settings.file.export")),
      h("button", { class: "btn btn-secondary", type: "button", testid: "sync-file-import-typed", onclick: () => importFrom(cleanPath(filePath.value)) }, t("settings.file.import"))),
  );
  const plain = plainChoice("sync-file-plain");
  // A passphrase for this file only: the other laptop has a store
  // passphrase of its own, so a stick between two laptops is sealed with
  // one both coordinators know. Asked for when an import needs it.
  const filePass = h("input", { type: "password", class: "path-input", testid: "sync-file-passphrase", autocomplete: "off", placeholder: t("settings.file.pass.placeholder") });
  const passSummary = h("summary", null, t("settings.file.pass"));
  const passBody = h("p", { class: "muted" }, t("settings.file.pass.body"));
  const passBox = h("details", { class: "export-typed", testid: "sync-file-pass" },
    passSummary, passBody, h("div", { class: "path-row" }, filePass));
  // A plain store writes plain sync files (the export policy): there the
  // passphrase only opens a sealed file from another laptop.
  plain.encrypted.then(
    (encrypted) => {
      if (!encrypted && !signal.aborted) {
        passSummary.textContent = t("settings.file.pass.open");
        passBody.textContent = t("settings.file.pass.open.body");
      }
    },
    () => { /* unknown: keep the general wording */ },
  );
  const exportTo = async (path: string) => {
    if (!path) { filePath.focus(); return; }
    try {
      const written = await untilAbort(api.exportSyncFile(path, plain.plain(), filePass.value), signal);
      say("ok", exportedMessage("settings.file.exported", { n: written.changes, path: written.file }, written.encrypted));
    } catch (e) {
      showError(e as UiError);
    }
  };
  const importFrom = async (path: string) => {
    if (!path) { filePath.focus(); return; }
    try {
      const n = await untilAbort(api.importSyncFile(path, filePass.value), signal);
      say("ok", t("settings.file.imported", { n }));
      await refresh();
    } catch (e) {
      const err = e as UiError;
      if (err.kind === "wrong_passphrase") {
        // Sealed with a passphrase this laptop does not know: ask for it.
        passBox.open = true;
        filePass.select();
        filePass.focus();
        say("warn", t(filePass.value ? "settings.file.pass.wrong" : "settings.file.pass.needed"));
        return;
      }
      showError(err);
    }
  };
  const fallback = (name = "") => {
    typed.open = true;
    if (!filePath.value) filePath.value = name;
    filePath.focus();
  };
  const name = `muster-${new Date().toISOString().slice(0, 10)}.sync`;
  const exportBtn = h("button", { class: "btn btn-secondary", type: "button", testid: "sync-file-export" }, t("settings.file.export"));
  exportBtn.addEventListener("click", async () => {
    let dest: string | null;
    try { dest = await untilAbort(pickSavePath(name, FILTER), signal); } catch { fallback(name); return; }
    if (dest) await exportTo(dest);
  });
  const importBtn = h("button", { class: "btn btn-secondary", type: "button", testid: "sync-file-import" }, t("settings.file.import"));
  importBtn.addEventListener("click", async () => {
    let src: string | null;
    try { src = await untilAbort(pickOpenPath(FILTER), signal); } catch { fallback(); return; }
    if (src) await importFrom(src);
  });

  // ---- organisation ---------------------------------------------------------------
  // One code from the administrator (pasted, typed, or read by the USB
  // scanner from the QR the server prints) sets server and token, and lets
  // this laptop check every certificate of the organisation.
  const orgCard = h("div", { class: "card", testid: "org-card" });
  const joinCode = h("input", { type: "text", class: "path-input", testid: "join-code", autocomplete: "off", spellcheck: "false", placeholder: t("settings.org.placeholder") });
  const joinBtn = h("button", { class: "btn btn-primary", type: "button", testid: "join-submit" }, t("settings.org.join"));
  const showOrg = async () => {
    let org;
    try {
      org = await untilAbort(api.organisation(), signal);
    } catch {
      return;
    }
    clear(orgCard);
    orgCard.append(h("h2", { class: "card-title" }, t("settings.org.title")));
    if (org) {
      const fp = (org.key_ids[0] ?? "").replace(/(.{4})(?=.)/g, "$1 ");
      orgCard.append(
        h("p", { class: "org-name", testid: "org-name" }, org.org),
        h("p", { class: "muted" }, t("settings.org.joined", { laptops: org.laptops, key: fp })),
      );
    } else {
      orgCard.append(h("p", { class: "muted" }, t("settings.org.body")), field(t("settings.org.code"), joinCode), h("div", { class: "form-actions" }, joinBtn));
    }
  };
  const join = async () => {
    if (!joinCode.value.trim()) { joinCode.focus(); return; }
    busy(joinBtn, true);
    try {
      const j = await untilAbort(api.joinOrganisation(joinCode.value), signal);
      joinCode.value = "";
      settings = await untilAbort(api.syncSettings(), signal);
      url.value = settings.url;
      token.placeholder = settings.has_token ? t("settings.token.kept") : t("settings.token.placeholder");
      say("ok", t("settings.org.done", { org: j.org }));
      await showOrg();
      await refresh();
    } catch (e) {
      showError(e as UiError);
    } finally {
      busy(joinBtn, false);
    }
  };
  joinBtn.addEventListener("click", () => void join());
  // The scanner's burst ends in Enter.
  joinCode.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); void join(); } });
  void showOrg();

  // ---- which events this laptop syncs ------------------------------------------------
  // A laptop holds only the stops it works on: a pull brings no other
  // event's trainees, check-ins or responses.
  const scopeCard = h("div", { class: "card", testid: "sync-events-card" });
  const showScope = async () => {
    let scope, events;
    try {
      [scope, events] = await Promise.all([untilAbort(api.syncEvents(), signal), untilAbort(api.listEvents(), signal)]);
    } catch {
      return;
    }
    if (!scope || !Array.isArray(events)) return;
    clear(scopeCard);
    const all = h("input", { type: "checkbox", testid: "sync-events-all", checked: scope.events === null });
    const boxes = events.filter((e) => !e.purged_at).map((e) => {
      const box = h("input", { type: "checkbox", value: e.id, testid: "sync-event", checked: scope.events === null || scope.events.includes(e.id), disabled: scope.events === null });
      return { box, line: h("label", { class: "check-line" }, box, " ", e.name, " ", h("span", { class: "muted" }, e.starts_on)) };
    });
    const apply = async () => {
      const chosen = all.checked ? null : boxes.filter((b) => b.box.checked).map((b) => b.box.value);
      try {
        await untilAbort(api.setSyncEvents(chosen), signal);
        ctx.toast(t("settings.events.saved"));
      } catch (e) {
        showError(e as UiError);
      }
      await showScope();
    };
    all.addEventListener("change", () => void apply());
    for (const b of boxes) b.box.addEventListener("change", () => void apply());
    scopeCard.append(
      h("h2", { class: "card-title" }, t("settings.events.title")),
      h("p", { class: "muted" }, t("settings.events.body")),
      h("label", { class: "check-line" }, all, " ", t("settings.events.all")),
      ...boxes.map((b) => b.line),
    );
    if (scope.purged.length > 0) scopeCard.append(h("p", { class: "muted" }, t("settings.events.purged", { n: scope.purged.length })));
  };
  void showScope();

  const form = h("form", { class: "card form-card", testid: "sync-form", onsubmit: (e: SubmitEvent) => { e.preventDefault(); save.click(); } },
    h("h2", { class: "card-title" }, t("settings.server")),
    field(t("settings.url"), url),
    field(t("settings.token"), token),
    h("div", { class: "form-actions" }, save, test),
  );
  root.append(h("section", { class: "page", testid: "settings-page" },
    h("div", { class: "page-head" },
      h("div", null,
        h("h1", { class: "page-title" }, t("settings.title")),
        h("p", { class: "page-sub" }, t("settings.subtitle")))),
    errorSlot,
    note,
    h("div", { class: "settings-grid" },
      orgCard,
      form,
      scopeCard,
      h("div", { class: "card", testid: "sync-status-card" },
        h("h2", { class: "card-title" }, t("settings.status")),
        h("div", { class: "mini-stats" }, st.el, pending.el, last.el, aside.el),
        h("div", { class: "form-actions" }, now)),
      h("div", { class: "card" },
        h("h2", { class: "card-title" }, t("settings.file.title")),
        h("p", { class: "muted" }, t("settings.file.body")),
        h("div", { class: "form-actions" }, exportBtn, importBtn),
        plain.el,
        passBox,
        typed),
      asideList,
    ),
  ));
  // The status as it changes, while this screen is on show.
  await listenUntil(api.onSyncStatus(show), signal);
  await refresh();
}
