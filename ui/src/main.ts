// Muster's front end: a header with the language switch (and who is
// signed in), one screen at a time, and a footer saying where the data
// lives. On a laptop with users the PIN screen comes first, after the idle
// lock and on "Switch user" (Ctrl+L).
//
// Each screen (route) is mounted into a fresh element with an AbortSignal
// of its own; leaving it (another screen, the lock, a re-render, the window
// unloading) aborts that signal: its document listeners, timers and Rust
// listeners stop, its pending loads paint nothing, and what it opened in
// Rust (a keying session) is ended.

import "./style.css";
import { api } from "./api";
import { alarm, clear, debounce, h } from "./dom";
import { getLang, htmlLang, initLang, langName, LANGS, setLang, t, type Lang } from "./i18n";
import type { Ctx, Mount, Route } from "./ui";
import { renderEvent } from "./views/event";
import { renderEvents } from "./views/events";
import { renderImport } from "./views/import";
import { renderCheckin } from "./views/checkin";
import { renderDashboard } from "./views/dashboard";
import { renderDuplicates } from "./views/duplicates";
import { renderReport } from "./views/report";
import { renderSettings } from "./views/settings";
import { renderCertificates } from "./views/certificates";
import { keepKeyingSession, renderForms, renderKeying } from "./views/keying";
import { renderPortrait } from "./views/portrait";
import type { SyncStatus } from "./api";
import { syncBadge } from "./sync";
import { unlockFirst } from "./views/unlock";
import { setLockedHandler } from "./api";
import type { Key } from "./i18n";
import { can, landing } from "./access";
import { IdleClock, TouchThrottle, touchInterval } from "./idle";
import { needsPin, role, session, setSession } from "./session";
import { closeAllModals } from "./ui";
import { renderAudit } from "./views/audit";
import { backupBanner, openBackup } from "./views/backup";
import { pinScreenOpen, showPinScreen, type PinReason } from "./views/pin";
import { renderUsers } from "./views/users";

let route: Route = { name: "events" };

const app = document.getElementById("app")!;
const main = h("main", { class: "main", id: "main", tabindex: "-1" });
const langBtn = h("button", { class: "lang-toggle", type: "button", testid: "lang-toggle" });
const footerInfo = h("span", { class: "footer-path", testid: "db-path" });
const syncBtn = h("button", { class: "sync-badge sync-idle", type: "button", testid: "sync-badge" });
let lastSync: SyncStatus | null = null;
const toastSlot = h("div", { class: "toast-slot", "aria-live": "polite" });
const userSlot = h("div", { class: "user-slot", testid: "user-slot" });
const navSlot = h("nav", { class: "top-nav", testid: "top-nav" });

function applyLang(lang: Lang): void {
  document.documentElement.lang = htmlLang(lang);
  // Every language file of ./locales, the current one marked.
  langBtn.replaceChildren(...LANGS.map((l) => h("span", { class: l === lang ? "on" : "", "data-lang": l }, langName(l))));
  langBtn.title = t("lang.switch");
  langBtn.setAttribute("aria-label", t("lang.switch"));
  tagline.textContent = t("app.tagline");
  footerText.textContent = t("footer.offline");
  paintSync();
  paintUser();
}

/** The header's user badge, Switch user, and the links the role may use. */
function paintUser(): void {
  const s = session();
  const r = role();
  userSlot.replaceChildren();
  if (s?.has_users && s.actor) {
    userSlot.append(
      h("span", { class: "user-badge", testid: "user-badge", "data-role": s.actor.role },
        h("span", { class: "user-name", testid: "current-user" }, s.actor.name),
        h("span", { class: `user-role role-${s.actor.role}`, testid: "current-role" }, t(`role.${s.actor.role}` as Key))),
      h("button", { class: "btn btn-secondary btn-sm", type: "button", testid: "switch-user", title: t("user.switch.title"), onclick: () => void lockApp("switch") },
        t("user.switch")),
    );
  }
  const link = (name: "users" | "audit" | "settings", key: Key) =>
    h("button", { class: `top-link${route.name === name ? " on" : ""}`, type: "button", testid: `nav-${name}`, onclick: () => ctx.go({ name }) }, t(key));
  navSlot.replaceChildren(
    can(r, "backup") ? h("button", { class: "top-link", type: "button", testid: "nav-backup", onclick: () => openBackup(ctx, () => void banner.check()) }, t("nav.backup")) : "",
    can(r, "users") ? link("users", "nav.users") : "",
    can(r, "audit") ? link("audit", "nav.audit") : "",
    can(r, "sync") ? link("settings", "nav.settings") : "",
  );
  syncBtn.disabled = !can(r, "sync");
}

let paintedSync = "";

/** The header badge: what waits, the last sync, offline/error. */
function paintSync(s: SyncStatus | null = lastSync): void {
  if (s && s.state === "syncing" && lastSync && lastSync.state !== "syncing") {
    // progress events carry no counts of the store: keep the last ones
    s = { ...s, pending: lastSync.pending, last_sync: lastSync.last_sync };
  }
  lastSync = s;
  // The badge is polled every few seconds: repainted only when it changes.
  const key = `${getLang()}\n${JSON.stringify(s)}`;
  if (key === paintedSync) return;
  paintedSync = key;
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
  // Pending grows with what this laptop writes, and that follows a key or
  // a click: counted again shortly after input, and every half minute for
  // writes from elsewhere (the CLI on the same store, a sync). A screen
  // left alone is not woken every few seconds for a count that cannot
  // have changed.
  const soon = debounce(() => void poll(), 1500);
  for (const type of ["keydown", "click"]) document.addEventListener(type, soon, { capture: true, passive: true });
  setInterval(poll, 30_000);
}

const tagline = h("span", { class: "brand-tagline" });
const footerText = h("span", null);

const ctx: Ctx = {
  go(next: Route) {
    route = landing(role(), next);
    void render();
    main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  },
  toast(text: string) {
    const el = h("div", { class: "toast", role: "status", testid: "toast" }, text);
    toastSlot.appendChild(el);
    setTimeout(() => el.remove(), 4000);
  },
  async sessionChanged() {
    await refreshSession();
  },
};

const banner = backupBanner(ctx);

/** The screen on show; aborted when it is left. */
let mounted: AbortController | null = null;

/** Leaves the screen on show: its listeners, timers and loads stop, and
 * what it opened in Rust is ended. */
function leaveRoute(): void {
  const m = mounted;
  mounted = null;
  m?.abort();
}

/** The mount function of a route. */
function mountOf(r: Route): Mount {
  switch (r.name) {
    case "events":
      return (root, c, signal) => renderEvents(root, c, signal);
    case "event":
      return (root, c, signal) => renderEvent(root, c, r.id, signal);
    case "import":
      return (root, c, signal) => renderImport(root, c, r.id, signal);
    case "checkin":
      return (root, c, signal) => renderCheckin(root, c, r.id, signal);
    case "dashboard":
      return (root, c, signal) => renderDashboard(root, c, r.id, signal);
    case "report":
      return (root, c, signal) => renderReport(root, c, r.id, signal);
    case "duplicates":
      return (root, c, signal) => renderDuplicates(root, c, r.id, signal);
    case "certificates":
      return (root, c, signal) => renderCertificates(root, c, r.id, signal);
    case "forms":
      return (root, c, signal) => renderForms(root, c, r.id, signal);
    case "keying":
      return (root, c, signal) => renderKeying(root, c, r.id, r.formId, r.entry, signal, r.verify ?? false);
    case "portrait":
      return (root, c, signal) => renderPortrait(root, c, r.id, r.formId, signal);
    case "settings":
      return (root, c, signal) => renderSettings(root, c, signal);
    case "users":
      return (root, c, signal) => renderUsers(root, c, signal);
    case "audit":
      return (root, c, signal) => renderAudit(root, c, signal);
  }
}

/** The context a screen gets: a screen that was left navigates no more. */
function routeCtx(signal: AbortSignal): Ctx {
  return {
    go: (next) => { if (!signal.aborted) ctx.go(next); },
    toast: (text) => ctx.toast(text),
    sessionChanged: () => ctx.sessionChanged(),
  };
}

/** Leaves the screen on show and mounts `route` in a fresh element of `main`. */
async function render(): Promise<void> {
  leaveRoute();
  // Only the leave just made may keep a keying session (the language switch).
  keepKeyingSession(false);
  if (needsPin()) return;
  route = landing(role(), route);
  paintUser();
  void banner.check();
  const ctl = new AbortController();
  mounted = ctl;
  const root = h("div", { class: "route", "data-route": route.name });
  main.replaceChildren(root);
  return mountOf(route)(root, routeCtx(ctl.signal), ctl.signal);
}

// ---- who is signed in, the PIN screen, the idle lock --------------------------

const idle = new IdleClock(0, Date.now());
let throttle = new TouchThrottle(30_000);
let touchTimer: ReturnType<typeof setTimeout> | undefined;

/** Reads who is signed in and the idle-lock time; repaints the header. */
async function refreshSession(): Promise<void> {
  try {
    const s = await api.sessionInfo();
    setSession(s);
    const limit = s.has_users ? s.idle_lock_secs * 1000 : 0;
    idle.setLimit(limit);
    throttle = new TouchThrottle(touchInterval(limit));
    armIdleLock();
  } catch {
    // the store is not open: nothing to show
  }
  paintUser();
}

/** Nobody is signed in: close dialogs, clear the screen, ask for a PIN. */
function showPin(reason: PinReason): void {
  if (pinScreenOpen()) return;
  leaveRoute();
  closeAllModals();
  clear(main);
  void banner.check();
  paintUser();
  showPinScreen(reason, () => {
    idle.input(Date.now());
    void refreshSession().then(() => render());
  });
}

/** Signs out (Switch user, Ctrl+L, the idle timer) and shows the PIN screen. */
async function lockApp(reason: PinReason): Promise<void> {
  const s = session();
  if (!s?.has_users || pinScreenOpen()) return;
  // The screen is left before the lock: what it opened ends now.
  leaveRoute();
  try {
    await api.lockSession();
  } catch {
    // the backend locks by itself on the next command
  }
  setSession({ ...s, actor: null });
  showPin(reason);
}

/** A command failed with `locked`: the backend locked (idle) or nobody is signed in. */
function onLockedError(): void {
  const s = session();
  if (!s || pinScreenOpen()) return;
  setSession({ ...s, actor: null });
  showPin("idle");
}

/**
 * The idle lock's one timer: due when the idle time would run out; input
 * only moves `idle`'s clock, and a timer that finds the time not yet out
 * waits the rest. No wake-up every second on a screen left alone.
 */
const idleAlarm = alarm();
function armIdleLock(): void {
  const now = Date.now();
  // Nobody signed in: nothing to lock; signing in re-arms it.
  if (!session()?.actor) { idleAlarm.clear(); return; }
  if (idle.due(now)) { void lockApp("idle"); return; }
  const left = idle.remaining(now);
  // Without a limit (no users yet) a minute's check costs nothing; the
  // limit's change re-arms it (refreshSession).
  idleAlarm.set(Number.isFinite(left) ? left + 50 : 60_000, armIdleLock);
}

/** Key, mouse and scanner input restart the idle time (and tell the backend, throttled). */
function watchIdle(): void {
  const onInput = () => {
    if (pinScreenOpen() || !session()?.actor) return;
    const now = Date.now();
    idle.input(now);
    if (!session()?.has_users) return;
    const what = throttle.input(now);
    if (what === "send") void api.touch().catch(() => undefined);
    else if (what === "schedule") {
      clearTimeout(touchTimer);
      touchTimer = setTimeout(() => {
        throttle.sent(Date.now());
        void api.touch().catch(() => undefined);
      }, Math.max(0, throttle.dueAt() - now));
    }
  };
  for (const type of ["keydown", "mousedown", "mousemove", "wheel", "touchstart", "click", "input"]) {
    document.addEventListener(type, onInput, { capture: true, passive: true });
  }
  armIdleLock();
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey && !e.altKey && !e.metaKey && (e.key === "l" || e.key === "L")) {
      e.preventDefault();
      void lockApp("switch");
    }
  }, true);
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
      h("div", { class: "topbar-right" }, navSlot, userSlot, syncBtn, langBtn),
    ),
    banner.el,
    main,
    h("footer", { class: "footer" }, footerText, footerInfo),
    toastSlot,
  );
  langBtn.addEventListener("click", () => {
    // The next language of the switch (with two: the other one).
    const next: Lang = LANGS[(LANGS.indexOf(getLang()) + 1) % LANGS.length] ?? "en";
    setLang(next);
    applyLang(next);
    // The keyer's paper in progress goes on in the new language.
    if (route.name === "keying") keepKeyingSession();
    void render();
  });
  applyLang(getLang());
  // A reload or a closing window leaves the screen too.
  window.addEventListener("pagehide", leaveRoute);
  syncBtn.addEventListener("click", () => ctx.go({ name: "settings" }));
  watchSync();
  setLockedHandler(onLockedError);
  watchIdle();
  setInterval(() => void banner.check(), 60_000);
  api.appInfo().then(
    (info) => { footerInfo.textContent = `v${info.version} · ${info.db_path}`; },
    () => { /* footer detail only */ },
  );
  void refreshSession().then(() => {
    if (needsPin()) showPin("start");
    else void render();
  });
}

// An encrypted store asks for its passphrase first; a plain one boots at once.
void unlockFirst(app, boot);
