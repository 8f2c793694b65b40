// @vitest-environment happy-dom
//
// The screens' lifecycle, through the real router (main.ts) with the Rust
// commands mocked: leaving a screen (a click on another one, the lock)
// stops its listeners, drops its pending loads and ends what it opened in
// Rust (the keying session).

import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

type Fn = (...args: unknown[]) => unknown;

const m = vi.hoisted(() => {
  const EVENT = {
    id: "e1", name: "Spring course", venue: "Hall", starts_on: "2025-03-01", days: 1, created_at: "2025-01-01T00:00:00Z",
    trainee_count: 0, session_count: 0, grace_minutes: 10,
  };
  const FORM = {
    id: "f1", event_id: "e1", double_entry: false, source: "survey.xlsx", created_at: "2025-01-01T00:00:00Z",
    form: { form_id: "survey", title: "Survey", questions: [], skipped: [], warnings: [] },
  };
  const SCREEN = {
    stage: "paper", batch: null, paper_id: "", next_paper: null, question: null, label: null, hint: null, kind: null,
    required: false, choices: [], input: "", message: null, position: 0, total: 3, answers: {}, keystrokes: 0, verify: false, mismatch: null,
  };
  const SYNC = {
    state: "idle", configured: false, pending: 0, last_sync: null, error_code: null, error_message: null, pushed: 0, pulled: 0, quarantined: 0,
  };
  const SESSION = {
    actor: { user_id: "u1", name: "Ada", role: "admin" }, has_users: true, idle_lock_minutes: 0, idle_lock_secs: 0,
    encrypted: false, device_id: "d1",
  };
  /** What the mocked commands answer unless a test says otherwise. */
  const answers: Record<string, Fn> = {
    appInfo: async () => ({ version: "0.0.0", db_path: "/tmp/muster.db" }),
    sessionInfo: async () => SESSION,
    syncStatus: async () => SYNC,
    syncSettings: async () => ({ url: "", has_token: false }),
    syncQuarantine: async () => [],
    storeEncrypted: async () => false,
    backupReminder: async () => ({ due: false, from: "17:00" }),
    listEvents: async () => [EVENT],
    getEvent: async () => EVENT,
    roster: async () => [],
    listSessions: async () => [],
    listForms: async () => [FORM],
    keyingStart: async () => ({ session_id: "k1", screen: SCREEN }),
    keyingPress: async () => ({ step: "typed", screen: { ...SCREEN, input: "1", keystrokes: 1 }, saved: null }),
    keyingEnd: async () => undefined,
    batchStatus: async () => ({ name: "", keyed: 0, expected: 0, missing: [] }),
    dashboard: async () => [],
    signInChoices: async () => [],
    lockSession: async () => undefined,
    touch: async () => undefined,
  };
  /** The Rust event listeners the screens hang (api.on…), with their unlisten spies. */
  const listeners: { event: string; handler: Fn; unlisten: ReturnType<typeof vi.fn> }[] = [];
  const listen = (event: string) => async (...args: unknown[]) => {
    const handler = args[0] as Fn;
    const unlisten = vi.fn();
    listeners.push({ event, handler, unlisten });
    return unlisten;
  };
  answers.onSyncStatus = listen("sync-status");
  answers.onImportProgress = listen("import-progress");
  answers.onCertificateProgress = listen("certificate-progress");
  const api: Record<string, ReturnType<typeof vi.fn>> = {};
  const mock = (name: string) => (api[name] ??= vi.fn((...args: unknown[]) => (answers[name] ?? (async () => undefined))(...args)));
  const proxy = new Proxy(api, { get: (_, name: string) => mock(name) });
  return { api: proxy, mock, answers, listeners, EVENT, SCREEN };
});

vi.mock("./api", () => ({
  api: m.api,
  setLockedHandler: () => undefined,
  pickOpenPath: async () => null,
  pickSavePath: async () => null,
  pickRosterFile: async () => null,
}));
vi.mock("@tauri-apps/api/core", () => ({ invoke: async () => false }));

const $ = (testid: string) => document.querySelector<HTMLElement>(`[data-testid="${testid}"]`);
const click = (testid: string) => {
  const el = $(testid);
  if (!el) throw new Error(`no ${testid} on the screen`);
  el.click();
};
const shown = (testid: string) => vi.waitFor(() => { if (!$(testid)) throw new Error(`waiting for ${testid}`); });
/** Lets every pending promise chain run. */
const settle = () => new Promise<void>((r) => setTimeout(r, 10));
const calls = (name: string) => m.mock(name).mock.calls;
const key = (k: string, mods: KeyboardEventInit = {}) =>
  document.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...mods }));

/** Deferred answer for the next call of a command. */
function hold<T>(name: string): { resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  m.mock(name).mockImplementationOnce(() => new Promise<T>((r) => { resolve = r; }));
  return { resolve: (v) => resolve(v) };
}

async function home(): Promise<void> {
  click("home");
  await shown("events-page");
  await settle();
}

async function openKeying(): Promise<void> {
  await home();
  click("event-card");
  await shown("event-page");
  click("tab-forms");
  await shown("form-key");
  click("form-key");
  await shown("keying-screen");
  await settle();
}

beforeAll(async () => {
  document.body.innerHTML = '<div id="app"></div>';
  await import("./main");
  await shown("events-page");
});

afterEach(async () => {
  vi.useRealTimers();
  await settle();
  for (const f of Object.values(m.api)) f.mockClear();
});

describe("leaving the keying screen", () => {
  it("ends its Rust session at once, on a click elsewhere, with the session's id", async () => {
    await openKeying();
    expect(calls("keyingStart")).toHaveLength(1);
    key("1");
    await settle();
    expect(calls("keyingPress")).toEqual([["k1", "1"]]);
    expect(calls("keyingEnd")).toHaveLength(0);
    await home();
    expect(calls("keyingEnd")).toEqual([["k1"]]);
  });

  it("leaves no key listener behind: a later keydown reaches no keying command", async () => {
    await openKeying();
    await home();
    const before = { press: calls("keyingPress").length, end: calls("keyingEnd").length };
    key("2");
    key("Enter");
    await settle();
    expect(calls("keyingPress").length).toBe(before.press);
    expect(calls("keyingEnd").length).toBe(before.end);
  });

  it("ends a session that opened only after the screen was left, and never shows it", async () => {
    await home();
    const start = hold<unknown>("keyingStart");
    click("event-card");
    await shown("event-page");
    click("tab-forms");
    await shown("form-key");
    click("form-key");
    await vi.waitFor(() => expect(calls("keyingStart")).toHaveLength(1));
    await home();
    start.resolve({ session_id: "k7", screen: m.SCREEN });
    await settle();
    expect($("keying-screen")).toBeNull();
    expect($("events-page")).not.toBeNull();
    expect(calls("keyingEnd")).toEqual([["k7"]]);
  });

});

describe("re-rendering the keying screen (the language switch)", () => {
  it("keeps the session and the paper in progress: no second session, nothing ended, the screen as the last press left it", async () => {
    await openKeying();
    const started = calls("keyingStart").length;
    const ended = calls("keyingEnd").length;
    // A press: the paper ID has its first digit.
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "1", bubbles: true }));
    await vi.waitFor(() => expect($("keying-screen")!.dataset.keystrokes).toBe("1"));
    click("lang-toggle");
    await shown("keying-screen");
    await settle();
    expect(calls("keyingStart")).toHaveLength(started);
    expect(calls("keyingEnd")).toHaveLength(ended);
    expect($("keying-screen")!.dataset.session).toBe("k1");
    expect($("keying-screen")!.dataset.keystrokes).toBe("1");
    click("lang-toggle"); // back to the language the other tests expect
    await shown("keying-screen");
    await settle();
    expect($("keying-screen")!.dataset.session).toBe("k1");
    // Leaving it for real still ends it, once.
    await home();
    await settle();
    expect(calls("keyingEnd").slice(ended)).toEqual([["k1"]]);
  });

  it("keeps it through a second switch made while the first screen is still loading", async () => {
    await openKeying();
    const started = calls("keyingStart").length;
    const ended = calls("keyingEnd").length;
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "1", bubbles: true }));
    await vi.waitFor(() => expect($("keying-screen")!.dataset.keystrokes).toBe("1"));
    const forms = calls("listForms").length;
    const loading = hold<unknown>("listForms");
    click("lang-toggle");
    await vi.waitFor(() => expect(calls("listForms")).toHaveLength(forms + 1));
    click("lang-toggle"); // back, before the first re-render has its form
    loading.resolve(await m.answers.listForms());
    await shown("keying-screen");
    await settle();
    expect(calls("keyingStart")).toHaveLength(started);
    expect(calls("keyingEnd")).toHaveLength(ended);
    expect($("keying-screen")!.dataset.session).toBe("k1");
    expect($("keying-screen")!.dataset.keystrokes).toBe("1");
    await home();
    await settle();
    expect(calls("keyingEnd").slice(ended)).toEqual([["k1"]]);
  });
});

describe("the forms page", () => {
  it("shows an import's notes in the reader's language, and the English of a form stored before they were worded", async () => {
    const FORM = (await m.answers.listForms() as Record<string, unknown>[])[0] as { form: Record<string, unknown> };
    const noted = {
      ...FORM,
      form: {
        ...FORM.form,
        warnings: ["survey columns not used for keying: colour", "an old note, in English"],
        warnings_worded: [{ key: "form.warn.columns_unused", params: { columns: "colour" } }],
      },
    };
    m.mock("listForms").mockImplementation(async () => [noted]);
    try {
      await home();
      click("event-card");
      await shown("event-page");
      click("tab-forms");
      await shown("form-warnings");
      const first = $("form-warnings")!.textContent ?? "";
      click("lang-toggle");
      await shown("form-warnings");
      await settle();
      const second = $("form-warnings")!.textContent ?? "";
      const [zh, en] = /[\u4e00-\u9fff]/.test(first) ? [first, second] : [second, first];
      expect(zh).toContain("survey 表中这些列不用于录入：colour");
      expect(en).toContain("Survey columns not used for keying: colour");
      // Without its sentence a note keeps the English it was stored with.
      expect(zh).toContain("an old note, in English");
      click("lang-toggle"); // back to the language the other tests expect
      await shown("form-warnings");
    } finally {
      m.mock("listForms").mockImplementation(async () => [FORM]);
      await home();
    }
  });
});

describe("leaving any screen", () => {
  it("drops a load that comes back afterwards: it paints nothing over the new screen", async () => {
    await home();
    const event = hold<unknown>("getEvent");
    click("event-card");
    await vi.waitFor(() => expect(calls("getEvent")).toHaveLength(1));
    await home();
    event.resolve(m.EVENT);
    await settle();
    expect($("event-page")).toBeNull();
    expect($("events-page")).not.toBeNull();
    expect(document.querySelectorAll("[data-testid=loading]")).toHaveLength(0);
  });

  it("drops a failed load too: no error box on the new screen", async () => {
    await home();
    let fail!: (e: unknown) => void;
    m.mock("getEvent").mockImplementationOnce(() => new Promise((_, reject) => { fail = reject; }));
    click("event-card");
    await vi.waitFor(() => expect(calls("getEvent")).toHaveLength(1));
    await home();
    fail({ code: "storage", message: "disk gone" });
    await settle();
    expect($("error")).toBeNull();
    expect($("events-page")).not.toBeNull();
  });

  it("unlistens its Rust listener (sync status) when left, not on the next event", async () => {
    await home();
    m.listeners.length = 0;
    click("sync-badge");
    await shown("settings-page");
    await settle();
    const mine = m.listeners.filter((l) => l.event === "sync-status");
    expect(mine).toHaveLength(1);
    expect(mine[0].unlisten).not.toHaveBeenCalled();
    await home();
    expect(mine[0].unlisten).toHaveBeenCalledTimes(1);
  });

  it("unlistens a progress listener when left mid-way, not when the work ends", async () => {
    await home();
    click("event-card");
    await shown("event-page");
    m.mock("certificateEligibility").mockImplementation(async () => ({
      min_attendance: 0.8, scheduled_hours: 3, eligible: 1, ineligible: 0, trainees: [],
    }));
    // Every Latin form already confirmed: printing goes straight on.
    m.mock("latinNames").mockImplementation(async () => []);
    click("tab-certificates");
    await shown("certificates-page");
    await settle();
    m.listeners.length = 0;
    const issuing = hold<unknown>("issueCertificates");
    ($("issue-path") as HTMLInputElement).value = "/tmp/certs.pdf";
    ($("issue-typed")!.querySelector("[data-testid=issue-save]") as HTMLElement).click();
    await vi.waitFor(() => expect(calls("issueCertificates")).toHaveLength(1));
    const progress = m.listeners.filter((l) => l.event === "certificate-progress");
    expect(progress).toHaveLength(1);
    expect(progress[0].unlisten).not.toHaveBeenCalled();
    await home();
    expect(progress[0].unlisten).toHaveBeenCalledTimes(1);
    issuing.resolve({ file: "/tmp/certs.pdf", issued: 1, new: 1, ineligible: 0, pages: 1, certificates: [], warnings: [] });
    await settle();
    expect(progress[0].unlisten).toHaveBeenCalledTimes(1);
    expect($("cert-result")).toBeNull();
    expect(calls("certificateEligibility")).toHaveLength(1);
  });

  it("stops its timers: the dashboard refreshes no more once left", async () => {
    await home();
    click("event-card");
    await shown("event-page");
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    click("tab-dashboard");
    await shown("dashboard-page");
    await vi.waitFor(() => expect(calls("dashboard")).toHaveLength(1));
    expect(vi.getTimerCount()).toBe(1);
    await home();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(60_000);
    await settle();
    expect(calls("dashboard")).toHaveLength(1);
  });
});

describe("a screen mounted by hand", () => {
  it("paints nothing into its own root once its signal aborted", async () => {
    const { renderEvent } = await import("./views/event");
    const root = document.createElement("div");
    document.body.appendChild(root);
    const ctl = new AbortController();
    const event = hold<unknown>("getEvent");
    const go = vi.fn();
    const mounted = renderEvent(root, { go, toast: vi.fn(), sessionChanged: async () => undefined }, "e1", ctl.signal);
    expect(root.querySelector("[data-testid=loading]")).not.toBeNull();
    ctl.abort();
    event.resolve(m.EVENT);
    await settle();
    expect(root.querySelector("[data-testid=event-page]")).toBeNull();
    expect(calls("roster")).toHaveLength(0);
    expect(go).not.toHaveBeenCalled();
    void mounted;
    root.remove();
  });
});

describe("the lock", () => {
  it("ends the keying session when the app locks (Ctrl+L)", async () => {
    await openKeying();
    key("l", { ctrlKey: true });
    await settle();
    expect(calls("keyingEnd")).toEqual([["k1"]]);
    expect(calls("lockSession")).toHaveLength(1);
    expect($("keying-screen")).toBeNull();
  });
});

