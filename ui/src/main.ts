// Muster's front end: a header with the language switch, one screen at a
// time, and a footer saying where the data lives.

import "./style.css";
import { api } from "./api";
import { clear, h } from "./dom";
import { getLang, initLang, setLang, t, type Lang } from "./i18n";
import type { Ctx, Route } from "./ui";
import { renderEvent, installSearchShortcut } from "./views/event";
import { renderEvents } from "./views/events";
import { renderImport } from "./views/import";
import { renderCheckin } from "./views/checkin";
import { renderDashboard } from "./views/dashboard";
import { renderDuplicates } from "./views/duplicates";
import { renderReport } from "./views/report";
import { renderSettings } from "./views/settings";
import { renderCertificates } from "./views/certificates";
import { renderForms, renderKeying } from "./views/keying";
import { renderPortrait } from "./views/portrait";
import type { SyncStatus } from "./api";
import { syncBadge } from "./sync";
import { unlockFirst } from "./views/unlock";

let route: Route = { name: "events" };

const app = document.getElementById("app")!;
const main = h("main", { class: "main", id: "main", tabindex: "-1" });
const langBtn = h("button", { class: "lang-toggle", type: "button", testid: "lang-toggle" });
const footerInfo = h("span", { class: "footer-path", testid: "db-path" });
const syncBtn = h("button", { class: "sync-badge sync-idle", type: "button", testid: "sync-badge" });
let lastSync: SyncStatus | null = null;
const toastSlot = h("div", { class: "toast-slot", "aria-live": "polite" });

function applyLang(lang: Lang): void {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  langBtn.replaceChildren(
    h("span", { class: lang === "zh" ? "on" : "" }, "中文"),
    h("span", { class: lang === "en" ? "on" : "" }, "EN"),
  );
  langBtn.title = t("lang.switch");
  langBtn.setAttribute("aria-label", t("lang.switch"));
  tagline.textContent = t("app.tagline");
  footerText.textContent = t("footer.offline");
  paintSync();
}

/** The header badge: what waits, the last sync, offline/error. */
function paintSync(s: SyncStatus | null = lastSync): void {
  if (s && s.state === "syncing" && lastSync && lastSync.state !== "syncing") {
    // progress events carry no counts of the store: keep the last ones
    s = { ...s, pending: lastSync.pending, last_sync: lastSync.last_sync };
  }
  lastSync = s;
  syncBtn.title = t("sync.badge.title");
  if (!s) { syncBtn.textContent = t("sync.badge.off"); return; }
  const b = syncBadge(s);
  syncBtn.className = `sync-badge sync-${b.tone}`;
  syncBtn.dataset.state = s.state;
  syncBtn.dataset.pending = String(s.pending);
  syncBtn.replaceChildren(h("span", { class: "sync-dot", "aria-hidden": "true" }), h("span", { testid: "sync-badge-text" }, b.text));
}

function watchSync(): void {
  const poll = () => api.syncStatus().then((s) => paintSync(s), () => { /* badge only */ });
  void api.onSyncStatus((s) => { if (s.state === "syncing") paintSync(s); else void poll(); });
  void poll();
  // Pending grows with every check-in: a cheap count every few seconds.
  setInterval(poll, 5000);
}

const tagline = h("span", { class: "brand-tagline" });
const footerText = h("span", null);

const ctx: Ctx = {
  go(next: Route) {
    route = next;
    void render();
    main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  },
  toast(text: string) {
    const el = h("div", { class: "toast", role: "status", testid: "toast" }, text);
    toastSlot.appendChild(el);
    setTimeout(() => el.remove(), 4000);
  },
};

async function render(): Promise<void> {
  switch (route.name) {
    case "events":
      return renderEvents(main, ctx);
    case "event":
      return renderEvent(main, ctx, route.id);
    case "import":
      return renderImport(main, ctx, route.id);
    case "checkin":
      return renderCheckin(main, ctx, route.id);
    case "dashboard":
      return renderDashboard(main, ctx, route.id);
    case "report":
      return renderReport(main, ctx, route.id);
    case "duplicates":
      return renderDuplicates(main, ctx, route.id);
    case "certificates":
      return renderCertificates(main, ctx, route.id);
    case "forms":
      return renderForms(main, ctx, route.id);
    case "keying":
      return renderKeying(main, ctx, route.id, route.formId, route.entry);
    case "portrait":
      return renderPortrait(main, ctx, route.id, route.formId);
    case "settings":
      return renderSettings(main, ctx);
  }
}

function brandMark(): HTMLElement {
  const mark = h("span", { class: "brand-mark", "aria-hidden": "true" });
  mark.innerHTML =
    '<svg viewBox="0 0 32 32" width="28" height="28"><rect width="32" height="32" rx="8" fill="currentColor"/>' +
    '<circle cx="11" cy="12" r="3.2" fill="#f4efe6"/><circle cx="21" cy="12" r="3.2" fill="#f4efe6"/>' +
    '<path d="M6 24c0-3.5 2.4-6 5-6s5 2.5 5 6M16 24c0-3.5 2.4-6 5-6s5 2.5 5 6" stroke="#f4efe6" stroke-width="2.2" fill="none" stroke-linecap="round"/></svg>';
  return mark;
}

function boot(): void {
  initLang();
  clear(app);
  app.append(
    h("a", { class: "skip-link", href: "#main" }, "Skip"),
    h("header", { class: "topbar" },
      h("button", { class: "brand", type: "button", testid: "home", onclick: () => ctx.go({ name: "events" }) },
        brandMark(), h("span", { class: "brand-name" }, "Muster"), tagline),
      h("div", { class: "topbar-right" }, syncBtn, langBtn),
    ),
    main,
    h("footer", { class: "footer" }, footerText, footerInfo),
    toastSlot,
  );
  langBtn.addEventListener("click", () => {
    const next: Lang = getLang() === "zh" ? "en" : "zh";
    setLang(next);
    applyLang(next);
    void render();
  });
  applyLang(getLang());
  installSearchShortcut();
  syncBtn.addEventListener("click", () => ctx.go({ name: "settings" }));
  watchSync();
  api.appInfo().then(
    (info) => { footerInfo.textContent = `v${info.version} · ${info.db_path}`; },
    () => { /* footer detail only */ },
  );
  void render();
}

// An encrypted store asks for its passphrase first; a plain one boots at once.
void unlockFirst(app, boot);
