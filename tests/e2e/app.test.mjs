// End-to-end test of the Muster desktop app, driven as a coordinator would:
// the real binary in a real WebKitGTK window (Xvfb), through tauri-driver and
// WebKitWebDriver, with WebdriverIO's standalone API.
//
//   first start (demo offer) → demo event → create an event → import a
//   GB18030 CSV roster (preview, import, result) → roster shows Chinese
//   names → search-as-you-type filters it.
//
// Screenshots go to tests/e2e/screenshots/ (git-ignored).
// Run via tests/e2e/run.sh, or with a built binary:
//   node --test tests/e2e/app.test.mjs
// Env: MUSTER_APP_BIN (default target/debug/muster-app), TAURI_DRIVER,
// TAURI_DRIVER_PORT (4444) and TAURI_NATIVE_PORT (tauri-driver's 4445),
// WEBKIT_WEBDRIVER (default /usr/bin/WebKitWebDriver), DISPLAY (else an Xvfb
// is started here).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { remote } from "webdriverio";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const BIN = process.env.MUSTER_APP_BIN ?? path.join(repo, "target/debug/muster-app");
const SHOTS = path.join(here, "screenshots");
const MUSTER = process.env.MUSTER_BIN ?? path.join(path.dirname(BIN), "muster");
const NATIVE_DRIVER = process.env.WEBKIT_WEBDRIVER ?? "/usr/bin/WebKitWebDriver";
const PORT = Number(process.env.TAURI_DRIVER_PORT ?? 4444);
// The native WebDriver's port (tauri-driver's default, 4445, unless set):
// another one lets two runs share a machine.
const NATIVE_PORT = process.env.TAURI_NATIVE_PORT;
const T = 20_000; // ms to wait for a screen

function findTauriDriver() {
  if (process.env.TAURI_DRIVER) return process.env.TAURI_DRIVER;
  const cargoBin = path.join(os.homedir(), ".cargo/bin/tauri-driver");
  return fs.existsSync(cargoBin) ? cargoBin : "tauri-driver";
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForPort(port, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => { s.end(); resolve(true); });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    await sleep(150);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
}

/** A TCP port nothing listens on right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const children = [];
function start(cmd, args, env) {
  // Its own process group, so teardown reaches what it starts in turn
  // (tauri-driver → WebKitWebDriver → the app).
  const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const log = [];
  child.stdout.on("data", (d) => log.push(String(d)));
  child.stderr.on("data", (d) => log.push(String(d)));
  child.log = log;
  children.push(child);
  return child;
}

/** An Xvfb of our own when not already under one (e.g. xvfb-run). */
async function ensureDisplay(env) {
  if (env.DISPLAY) return;
  for (let n = 90; n < 110; n++) {
    if (fs.existsSync(`/tmp/.X11-unix/X${n}`) || fs.existsSync(`/tmp/.X${n}-lock`)) continue;
    const xvfb = start("Xvfb", [`:${n}`, "-screen", "0", "1400x900x24", "-nolisten", "tcp"], env);
    for (let i = 0; i < 50 && !fs.existsSync(`/tmp/.X11-unix/X${n}`); i++) await sleep(100);
    if (xvfb.exitCode === null) {
      env.DISPLAY = `:${n}`;
      return;
    }
  }
  throw new Error("could not start Xvfb");
}

let browser;
let tmp;
let driver;

const $t = (id) => browser.$(`[data-testid="${id}"]`);
// A click that a toast passing over the button cannot intercept: scrolled
// into view and dispatched to the element itself.
const clickEl = async (el) => {
  await el.waitForDisplayed({ timeout: 15000 });
  await browser.execute((e) => { e.scrollIntoView({ block: "center" }); e.click(); }, el);
};
const $$t = (id) => browser.$$(`[data-testid="${id}"]`);

async function shot(name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await sleep(250); // let transitions settle
  await browser.saveScreenshot(path.join(SHOTS, `${name}.png`));
}

async function texts(id) {
  const els = await $$t(id);
  const out = [];
  for (const el of els) out.push((await el.getText()).trim());
  return out;
}

async function waitUntil(fn, message, timeout = T) {
  await browser.waitUntil(fn, { timeout, interval: 100, timeoutMsg: message });
}

/** Sends `keys` to the keying screen and waits until each was taken (one
 * round trip per key): its keystroke count grew by as many, or a paper was
 * saved. `screen()` reads `{ keys, saved }` off the screen. */
async function keyInto(screen, keys) {
  const s0 = await screen();
  await browser.keys(keys);
  await waitUntil(async () => {
    const s = await screen();
    return s.saved > s0.saved || s.keys >= s0.keys + keys.length;
  }, `keys ${keys.join("")} were not all taken`);
}

/** The questionnaires page's row of the form titled `title`. */
async function formItem(title) {
  for (const it of await $$t("form-item")) {
    if ((await (await it.$('[data-testid="form-title"]')).getText()).includes(title)) return it;
  }
  throw new Error(`the form ${title} is not listed`);
}

async function typeInto(id, text) {
  const el = await $t(id);
  await el.waitForDisplayed({ timeout: T });
  // In the middle of the window: never under the header or a toast.
  await el.scrollIntoView({ block: "center" });
  try {
    await el.click();
  } catch (e) {
    // Say what lay over the field.
    const over = await browser.execute((x) => { const r = x.getBoundingClientRect(); return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)?.outerHTML?.slice(0, 200); }, el);
    throw new Error(`${id}: ${e.message}; over it: ${over}`);
  }
  await el.clearValue();
  await el.setValue(text);
}

/** Goes home and opens the demo event, once the list has loaded. */
async function openDemoEvent() {
  await clickEl(await $t("home"));
  await waitUntil(async () => (await texts("event-card")).some((c) => /示例/.test(c)), "the demo event is listed");
  for (const c of await $$t("event-card")) if (/示例/.test(await c.getText())) { await c.click(); break; }
}

/** Presses each key down and up in turn (`browser.keys` presses them as
 * one chord, so a repeated key — a PIN like 1100 — would count once). */
async function pressEach(keys) {
  let a = browser.action("key");
  for (const k of keys) a = a.down(k).up(k);
  await a.perform();
}

before(async () => {
  assert.ok(fs.existsSync(BIN), `app binary not found: ${BIN} (build it: see tests/e2e/run.sh)`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "muster-e2e-"));
  const env = {
    ...process.env,
    XDG_DATA_HOME: path.join(tmp, "data"),
    XDG_CONFIG_HOME: path.join(tmp, "config"),
    XDG_CACHE_HOME: path.join(tmp, "cache"),
    NO_AT_BRIDGE: "1",
    // Test hook: an idle-lock "minute" lasts 2 s (no effect until users exist).
    MUSTER_IDLE_MINUTE_SECS: "2",
  };
  await ensureDisplay(env);
  fs.copyFileSync(path.join(here, "fixtures/roster-gb18030.csv"), path.join(tmp, "roster-gb18030.csv"));

  const native = NATIVE_PORT ? ["--native-port", NATIVE_PORT] : [];
  driver = start(findTauriDriver(), ["--port", String(PORT), ...native, "--native-driver", NATIVE_DRIVER], env);
  driver.on("exit", (code) => {
    if (code && browser === undefined) console.error(`tauri-driver exited ${code}:\n${driver.log.join("")}`);
  });
  await waitForPort(PORT, 15_000);

  browser = await remote({
    hostname: "127.0.0.1",
    port: PORT,
    logLevel: "warn",
    connectionRetryTimeout: 60_000,
    connectionRetryCount: 1,
    capabilities: {
      "tauri:options": { application: BIN },
      "wdio:enforceWebDriverClassic": true,
    },
  });
  try {
    await browser.setWindowSize(1280, 820);
  } catch {
    // some drivers cannot resize a Tauri window; the configured size is fine
  }
});

/** Sends `signal` to the child's whole process group (the child if that fails). */
function killGroup(c, signal) {
  try {
    process.kill(-c.pid, signal);
  } catch {
    try { c.kill(signal); } catch { /* already gone */ }
  }
}

/** `p`, or undefined after `ms`. */
const within = (p, ms) => Promise.race([p, sleep(ms)]);

after(async () => {
  // Teardown is bounded: a driver that does not answer, or a child that
  // keeps a pipe open, must not keep this process (and CI) alive. Past the
  // deadline the process ends with the result the tests already reported.
  const t0 = Date.now();
  setTimeout(() => {
    console.error(`e2e teardown still running after ${Date.now() - t0} ms: ending the test process`);
    process.exit(process.exitCode ?? 0);
  }, 30_000).unref();
  try {
    if (browser) await within(browser.deleteSession(), 10_000);
  } catch {
    // the app may already be gone
  }
  for (const c of [...children].reverse()) killGroup(c, "SIGTERM");
  await sleep(500);
  for (const c of children) {
    killGroup(c, "SIGKILL");
    c.stdout?.destroy();
    c.stderr?.destroy();
    c.unref();
  }
  if (tmp && !process.env.KEEP_E2E_TMP) fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`e2e teardown took ${Date.now() - t0} ms`);
});

describe("Muster desktop app", () => {
  const EVENT_NAME = "电商直播技能培训（光山）";
  // The core may store full-width punctuation folded (NFKC): compare so.
  const same = (a, b) => a.normalize("NFKC") === b.normalize("NFKC");

  test("first start offers a demo event, in both languages", async () => {
    const empty = await $t("empty-events");
    await empty.waitForDisplayed({ timeout: T });
    await shot("01-first-start");

    // The language toggle switches every label, and the choice sticks.
    const title = () => browser.$(".page-title").getText();
    const before = await title();
    await (await $t("lang-toggle")).click();
    await waitUntil(async () => (await title()) !== before, "the title did not change language");
    // End in Chinese for the rest of the run (what coordinators see).
    if (!/[\u4e00-\u9fff]/.test(await title())) await (await $t("lang-toggle")).click();
    await waitUntil(async () => (await title()) === "培训活动", "the Chinese title did not show");
    assert.equal(await browser.execute(() => localStorage.getItem("muster.lang")), "zh");
    assert.match(await (await $t("demo-button")).getText(), /示例活动/);
    await shot("02-first-start-zh");
  });

  test("the demo event opens with its roster and sessions", async () => {
    await (await $t("demo-button")).click();
    await (await $t("event-page")).waitForDisplayed({ timeout: T });
    await waitUntil(async () => (await $$t("roster-row")).length >= 10, "the demo roster did not show");
    assert.ok((await $$t("session-item")).length >= 1, "the demo event has sessions");
    // ID numbers are shown partially masked.
    const ids = await $$t("trainee-idnum");
    const someId = (await ids[0].getText()).trim();
    if (someId) assert.match(someId, /\*{4,}/);
    await shot("03-demo-event");
    await (await $t("back-events")).click();
    await waitUntil(async () => (await $$t("event-card")).length === 1, "the demo event is not listed");
  });

  test("creating an event opens its (empty) page", async () => {
    await typeInto("create-name", EVENT_NAME);
    await typeInto("create-venue", "光山县职业教育中心");
    await typeInto("create-days", "3");
    await (await $t("create-submit")).click();
    const heading = await $t("event-title");
    await heading.waitForDisplayed({ timeout: T });
    const shown = await heading.getText();
    assert.ok(same(shown, EVENT_NAME), `${shown} is ${EVENT_NAME}`);
    await (await $t("roster-empty")).waitForDisplayed({ timeout: T });
  });

  test("sessions: a new event comes with its half-day sessions; one renamed, one removed, the badge follows; a mistaken event removed", async () => {
    const count = () => browser.execute(() => document.querySelector('[data-testid="sessions-count"]')?.textContent?.trim());
    await waitUntil(async () => (await count()) === "6", "3 days × a morning and an afternoon session");
    await shot("06b-event-sessions-zh");
    await clickEl((await $$t("session-edit"))[0]);
    await (await $t("session-dialog")).waitForDisplayed({ timeout: T });
    await typeInto("session-edit-title", "开班仪式");
    await shot("06c-session-edit-zh");
    await clickEl(await $t("session-edit-save"));
    await waitUntil(async () => (await texts("session-item")).some((x) => x.includes("开班仪式")), "the session is renamed");
    const removes = await $$t("session-delete");
    await clickEl(removes[removes.length - 1]);
    await (await $t("remove-dialog")).waitForDisplayed({ timeout: T });
    await clickEl(await $t("confirm-yes"));
    await waitUntil(async () => (await count()) === "5", "the badge follows the list");
    // The venue, mistyped, is fixed.
    await clickEl(await $t("event-edit"));
    await (await $t("event-dialog")).waitForDisplayed({ timeout: T });
    await typeInto("event-edit-venue", "光山县职业教育中心（新校区）");
    await clickEl(await $t("event-edit-save"));
    await waitUntil(async () => /新校区/.test(await (await browser.$(".page-sub")).getText()), "the venue is fixed");

    // An event created by mistake, without sessions: offered the half-days, then removed.
    await clickEl(await $t("back-events"));
    await typeInto("create-name", "打错了的活动");
    await clickEl(await $t("create-half-days"));
    await clickEl(await $t("create-submit"));
    await (await $t("sessions-empty")).waitForDisplayed({ timeout: T });
    assert.ok(await (await $t("sessions-half-days")).isDisplayed(), "an event without sessions offers the half-days");
    await shot("06d-event-no-sessions-zh");
    await clickEl(await $t("event-delete"));
    await (await $t("remove-dialog")).waitForDisplayed({ timeout: T });
    await clickEl(await $t("confirm-yes"));
    await waitUntil(async () => (await $$t("event-card")).length > 0, "back on the list");
    const cards = await texts("event-card");
    assert.ok(!cards.some((c) => c.includes("打错了")), `removed: ${cards}`);
    for (const c of await $$t("event-card")) if (same((await c.getText()).split("\n")[0], EVENT_NAME) || (await c.getText()).normalize("NFKC").includes(EVENT_NAME.normalize("NFKC"))) { await c.click(); break; }
    await (await $t("open-import")).waitForDisplayed({ timeout: T });
  });

  test("a GB18030 CSV roster is previewed and imported", async () => {
    await (await $t("open-import")).click();
    await typeInto("import-path", path.join(tmp, "roster-gb18030.csv"));
    await (await $t("import-preview")).click();
    const preview = await $t("preview");
    await preview.waitForDisplayed({ timeout: T });

    const detected = await (await $t("preview-detected")).getText();
    assert.match(detected, /CSV/);
    assert.match(detected, /GB/i, `encoding detected as GB18030/GBK: ${detected}`);
    const sample = await (await $t("preview-sample")).getText();
    assert.match(sample, /王素梅/);
    const mapping = await (await $t("preview-mapping")).getText();
    assert.match(mapping, /手机号码/);
    await shot("04-import-preview");
    // The coordinator corrects how a column is read: 职业 kept as an extra field, then back.
    const readAs = () => browser.execute(() => document.querySelector('[data-testid="mapping-select"][data-header="职业"]')?.closest("tr")?.dataset.field);
    assert.equal(await readAs(), "occupation");
    await (await browser.$('[data-testid="mapping-select"][data-header="职业"]')).selectByAttribute("value", "extra");
    await waitUntil(async () => (await readAs()) === "extra", "职业 is read as an extra field");
    await shot("04-import-mapping");
    await (await browser.$('[data-testid="mapping-select"][data-header="职业"]')).selectByAttribute("value", "occupation");
    await waitUntil(async () => (await readAs()) === "occupation", "职业 is the occupation again");

    await (await $t("import-run")).click();
    const report = await $t("import-report");
    await report.waitForDisplayed({ timeout: T });
    assert.equal(await (await $t("report-imported")).getText(), "6");
    assert.equal(await (await $t("report-duplicates")).getText(), "1");
    assert.equal(await (await $t("report-rejected")).getText(), "1");
    const errorRows = await texts("report-error-row");
    assert.ok(errorRows.some((r) => /^8\b/.test(r)), `line 8 (孙芳's short mobile) is listed: ${errorRows}`);
    await shot("05-import-report");

    await (await $t("import-to-roster")).click();
    await (await $t("event-page")).waitForDisplayed({ timeout: T });
  });

  test("the roster shows the Chinese names and search filters it", async () => {
    await waitUntil(async () => (await $$t("roster-row")).length === 6, "six trainees on the roster");
    const names = await texts("trainee-name");
    for (const n of ["王素梅", "李建国", "张丽", "刘洋", "陈晓红", "赵志强"]) {
      assert.ok(names.includes(n), `${n} in ${names}`);
    }
    await shot("06-roster");

    await typeInto("roster-search", "素梅");
    await waitUntil(async () => (await $$t("roster-row")).length === 1, "search 素梅 → one row");
    assert.deepEqual(await texts("trainee-name"), ["王素梅"]);
    await shot("07-search");

    await typeInto("roster-search", "139123");
    await waitUntil(async () => {
      const n = await texts("trainee-name");
      return n.length === 1 && n[0] === "李建国";
    }, "search by mobile digits → 李建国");


    // A wrong mobile is corrected on the row itself.
    await typeInto("roster-search", "李建国");
    await waitUntil(async () => (await $$t("roster-row")).length === 1, "search 李建国 → one row");
    // (The row is looked up at each try: the search's answer may replace the table.)
    await waitUntil(async () => {
      await browser.execute(() => document.querySelector('[data-testid="roster-row"]')?.click());
      return (await $$t("trainee-dialog")).length > 0;
    }, "a click on the row opens its details");
    await typeInto("trainee-edit-phone", "1391234");
    await clickEl(await $t("trainee-edit-save"));
    await waitUntil(async () => /11/.test(await (await $t("trainee-dialog")).getText()), "a short mobile is refused in the dialog");
    await shot("07c-trainee-edit-refused-zh");
    await typeInto("trainee-edit-phone", "13912345679");
    await clickEl(await $t("trainee-edit-save"));
    await waitUntil(async () => (await $$t("trainee-dialog")).length === 0, "the dialog closes when saved");
    await waitUntil(async () => (await $$t("roster-row")).length === 6, "the roster reloads");
    const phones = await browser.execute(() => [...document.querySelectorAll('[data-testid="roster-row"]')].map((r) => r.textContent.replace(/\s/g, "")));
    assert.ok(phones.some((r) => r.includes("李建国") && r.includes("13912345679")), `the new mobile shows: ${phones}`);

    // By work unit, as the placeholder promises.
    await typeInto("roster-search", "光山县槐店");
    await waitUntil(async () => {
      const n = await texts("trainee-name");
      return n.length === 1 && n[0] === "李建国";
    }, "search by work unit → 李建国");

    await typeInto("roster-search", "没有这个人");
    await (await $t("roster-nomatch")).waitForDisplayed({ timeout: T });

    // Escape clears the search and the whole roster is back.
    await (await $t("roster-search")).click();
    await browser.keys("Escape");
    await waitUntil(async () => (await $$t("roster-row")).length === 6, "Escape restores the roster");
  });

  test("an XLSForm given as a roster is said to be a questionnaire, and its place offered", async () => {
    await (await $t("open-import")).click();
    await typeInto("import-path", path.join(here, "fixtures/form-portrait.xlsx"));
    await (await $t("import-preview")).click();
    await (await $t("import-is-form")).waitForDisplayed({ timeout: T });
    assert.match(await (await $t("import-is-form")).getText(), /这是一份问卷/);
    assert.equal((await $$t("preview")).length, 0, "no roster preview of a questionnaire");
    await shot("07b-import-is-form-zh");
    await clickEl(await $t("import-as-form"));
    await (await $t("forms-page")).waitForDisplayed({ timeout: T });
    await clickEl(await $t("tab-roster"));
    await waitUntil(async () => (await $$t("roster-row")).length === 6, "back on the roster");
  });

  test("the events list counts the imported trainees", async () => {
    await (await $t("back-events")).click();
    await waitUntil(async () => (await $$t("event-card")).length === 2, "two events listed");
    const cards = await texts("event-card");
    const ours = cards.find((c) => c.normalize("NFKC").includes(EVENT_NAME.normalize("NFKC")));
    assert.ok(ours, `our event in ${cards}`);
    assert.match(ours, /6 名学员/);
    await shot("08-events");
  });

  // ---- check-in at the door (demo event) ---------------------------------
  // The demo event starts today: day 1 09:00–17:00, day 2 tomorrow. Day 1
  // may or may not be open by the wall clock (check-in opens an hour before
  // the start), so a scan there may ask for confirmation: `scan` confirms
  // when asked and says so. Day 2 has always not started: it always asks.
  const latencies = [];
  let demoCodes = {}; // name → code, read from the roster table
  let demoPhones = {};

  /** The confirmation panel's state, read in one round trip. */
  const panelState = () => browser.execute(() => {
    const p = document.querySelector('[data-testid="checkin-result"]');
    const text = (id) => p?.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() ?? "";
    return {
      seq: Number(p?.dataset.seq ?? -1), status: p?.dataset.status ?? "", latency: Number(p?.dataset.latencyMs ?? NaN),
      paint: Number(p?.dataset.paintMs ?? NaN), name: text("result-name"), title: text("result-status"),
      line: text("result-line"), body: text("result-body"), detail: text("result-detail"), session: text("result-session"),
      focused: document.activeElement?.getAttribute("data-testid") ?? null,
    };
  });

  const dialogOpen = () => browser.execute(() => !!document.querySelector('[data-testid="confirm-dialog"]'));

  /**
   * Types `text` + Enter into the focused scan box as a USB scanner does
   * (key events, not setValue). `confirm`: what to do if the app asks
   * (true = Y, false = Esc; Enter never answers it). Returns the new panel
   * state and whether it asked.
   */
  async function scan(text, { confirm = true } = {}) {
    const before = (await panelState()).seq;
    // WebDriver "send keys" to the focused scan box: key events per
    // character, then Enter (W3C key \uE007), as fast as a scanner.
    const probe = await browser.execute(() => {
      const el = document.querySelector('[data-testid="scan-input"]');
      // At rest the box has given up the focus (no blinking caret); the scanner's first key takes it back.
      return { focused: document.activeElement === el, resting: el.readOnly, value: el.value };
    });
    assert.ok(probe.focused, "the scan box has the focus before a scan");
    // At rest the box is read-only (no blinking caret): keys, as the scanner sends them.
    if (probe.resting) await pressEach([...text, "\uE007"]);
    else await (await $t("scan-input")).addValue(`${text}\uE007`);
    let asked = false;
    await waitUntil(async () => {
      if ((await panelState()).seq !== before) return true;
      if (await dialogOpen()) {
        asked = true;
        return true;
      }
      return false;
    }, `no confirmation after scanning ${text}`);
    if (asked) {
      await shot(`checkin-confirm-${text.replace(/\W/g, "_")}`);
      await browser.keys([confirm ? "y" : "\uE00C"]);
      await waitUntil(async () => (await panelState()).seq !== before, "no outcome after the confirmation dialog");
    }
    // The paint time is stamped on the frame after the confirmation.
    await waitUntil(async () => Number.isFinite((await panelState()).paint), "no paint time stamped", 3000);
    const state = await panelState();
    // From Enter (or, when asked, the confirming Enter) to the confirmation.
    latencies.push({ text, status: state.status, asked, dom: state.latency, painted: state.paint });
    return { ...state, asked };
  }

  async function chooseSession(index) {
    const select = await $t("checkin-session");
    await select.waitForDisplayed({ timeout: T });
    await select.selectByIndex(index);
    const input = await $t("scan-input");
    await input.click();
    await waitUntil(async () => (await panelState()).focused === "scan-input", "the scan box has the focus");
  }

  test("the demo roster shows each trainee's code", async () => {
    const cards = await $$t("event-card");
    let demo;
    for (const c of cards) if (/示例/.test(await c.getText())) demo = c;
    assert.ok(demo, "the demo event is listed");
    await demo.click();
    await waitUntil(async () => (await $$t("roster-row")).length >= 10, "the demo roster did not show");
    const rows = await browser.execute(() => [...document.querySelectorAll('[data-testid="roster-row"]')].map((r) => ({
      name: r.querySelector('[data-testid="trainee-name"]').textContent.trim(),
      code: r.querySelector('[data-testid="trainee-code"]').textContent.trim(),
      phone: r.querySelector("td:nth-child(5)").textContent.replace(/\s/g, ""),
    })));
    for (const r of rows) {
      assert.match(r.code, /^[0-9A-HJKMNP-TV-Z]{6}$/, `${r.name} has a code: ${r.code}`);
      demoCodes[r.name] = r.code;
      demoPhones[r.name] = r.phone;
    }
    assert.ok(demoCodes["王素梅"] && demoCodes["李建国"] && demoCodes["张丽华"]);
  });

  test("a scanned code plus Enter checks the trainee in, once", async () => {
    try {
      await browser.setWindowSize(1366, 768); // the coordinators' cheap laptop
    } catch {
      // the configured size is fine where the driver cannot resize
    }
    await (await $t("tab-checkin")).click();
    await (await $t("scan-input")).waitForDisplayed({ timeout: T });
    await shot("09-checkin-idle");
    await chooseSession(0);

    const first = await scan(demoCodes["李建国"]);
    assert.equal(first.status, "checked_in", JSON.stringify(first));
    assert.equal(first.name, "李建国");
    assert.match(first.title, /签到成功/);
    assert.match(first.session, /第一天/, "the confirmation names the session it recorded");
    assert.equal(first.focused, "scan-input", "the scan box keeps the focus");
    await shot("10-checkin-ok");

    // The same badge again: reported with when and where, not recorded twice.
    const again = await scan(demoCodes["李建国"]);
    assert.equal(again.status, "already_checked_in", JSON.stringify(again));
    assert.equal(again.name, "李建国");
    assert.match(again.title, /已经签过到了/);
    assert.match(again.line, /已于 \d\d:\d\d 在本机签到/);
    await shot("11-checkin-already");
  });

  test("a garbled scan is refused visibly and records nothing", async () => {
    const bad = await scan("@@@");
    assert.equal(bad.status, "error:invalid_input", JSON.stringify(bad));
    assert.equal(bad.asked, false, "garbage never asks, it is refused");
    assert.match(bad.title, /不是本活动的有效编号/);
    assert.match(bad.body, /@@@/);
    assert.match(bad.body, /没有记录/);
    assert.equal(bad.focused, "scan-input");
    await shot("12-checkin-garbage");

    // Half a code, as a scanner's burst: the core says why (length), nothing
    // recorded — never a search that would guess someone from it.
    const half = await scan(demoCodes["张丽华"].slice(0, 4));
    assert.equal(await browser.execute(() => document.querySelector('[data-testid="checkin-result"]').dataset.burst), "true");
    assert.equal(half.status, "error:invalid_input", JSON.stringify(half));
    assert.match(half.detail, /学员编号有 6 个字符，这里只有 4 个/, "said in Chinese");
  });

  test("searching wsm shows 王素梅 first and Enter checks her in", async () => {
    const before = (await panelState()).seq;
    await browser.keys([..."wsm"]);
    await waitUntil(async () => {
      const names = await texts("door-result-name");
      return names[0] === "王素梅";
    }, "wsm → 王素梅 on top");
    await shot("13-checkin-search");
    assert.equal((await panelState()).seq, before, "typing alone records nothing");
    const done = await scan("");
    assert.equal(done.status, "checked_in", JSON.stringify(done));
    assert.equal(done.name, "王素梅");
    await shot("14-checkin-search-ok");
  });

  test("the dashboard counts two arrivals in day 1", async () => {
    await (await $t("tab-dashboard")).click();
    await waitUntil(async () => (await $$t("dash-session")).length === 2, "two sessions on the dashboard");
    const arrived = () => browser.execute(() =>
      [...document.querySelectorAll('[data-testid="dash-arrived"]')].map((e) => e.textContent.trim()));
    assert.deepEqual(await arrived(), ["2", "0"]);
    const expected = await browser.execute(() => document.querySelector('[data-testid="dash-expected"]').textContent.trim());
    assert.equal(expected, String(Object.keys(demoCodes).length));
    // The chart has bars for the arrivals.
    assert.ok(await browser.execute(() => document.querySelectorAll(".chart-bar").length >= 1));
    await shot("15-dashboard");
  });

  test("a session that has not started asks first: Esc records nothing, Y records", async () => {
    await (await $t("tab-checkin")).click();
    await chooseSession(1); // day 2, tomorrow: never open today
    const code = demoCodes["张丽华"];
    const cancelled = await scan(code, { confirm: false });
    assert.equal(cancelled.asked, true, "day 2 has not started: the app asks");
    assert.equal(cancelled.status, "cancelled");
    assert.equal(cancelled.focused, "scan-input");
    const confirmed = await scan(code, { confirm: true });
    assert.equal(confirmed.asked, true);
    assert.equal(confirmed.status, "checked_in", JSON.stringify(confirmed));
    assert.equal(confirmed.name, "张丽华");
    assert.match(confirmed.session, /第二天/);
    await (await $t("tab-dashboard")).click();
    await waitUntil(async () => {
      const a = await browser.execute(() =>
        [...document.querySelectorAll('[data-testid="dash-arrived"]')].map((e) => e.textContent.trim()));
      return a.join() === "2,1";
    }, "day 1: 2 arrived (Esc recorded nothing), day 2: 1");
  });

  test("a walk-in with a known mobile is shown as a possible duplicate, merged only on request", async () => {
    await (await $t("tab-checkin")).click();
    await (await $t("open-walkin")).waitForDisplayed({ timeout: T });
    await (await $t("open-walkin")).click();
    await (await $t("walkin-dialog")).waitForDisplayed({ timeout: T });
    await typeInto("walkin-name", "王素梅");
    await typeInto("walkin-phone", demoPhones["王素梅"]);
    await (await $t("walkin-submit")).click();
    await (await $t("walkin-done")).waitForDisplayed({ timeout: T });
    assert.match(await (await $t("walkin-dups")).getText(), /王素梅/);
    await shot("16-walkin-duplicate");
    await (await $t("walkin-close")).click();

    await (await $t("tab-duplicates")).click();
    await waitUntil(async () => (await $$t("dup-group")).length === 1, "one duplicate group");
    assert.equal((await $$t("dup-row")).length, 2);
    await shot("17-duplicates");
    await (await $t("dup-merge")).click();
    await (await $t("merge-dialog")).waitForDisplayed({ timeout: T });
    await browser.keys(["\uE007"]);
    await (await $t("dup-none")).waitForDisplayed({ timeout: T });
  });

  test("the attendance report shows statuses, records a correction and exports", async () => {
    await (await $t("tab-report")).click();
    await waitUntil(async () => (await $$t("report-session-row")).length === 2, "two sessions in the report");
    assert.deepEqual(await texts("report-arrived"), ["2", "1"]);
    const row = await browser.$(`[data-testid="report-row"]*=赵敏`);
    const cell = await row.$('[data-testid="status-cell"]');
    assert.equal(await cell.getAttribute("data-status"), "absent");
    await shot("18-report");

    await cell.click();
    await (await $t("correct-dialog")).waitForDisplayed({ timeout: T });
    await (await $t("correct-status")).selectByAttribute("value", "present");
    await (await $t("correct-save")).click();
    assert.ok(await (await $t("correct-dialog")).isDisplayed(), "a correction without a reason is refused");
    await typeInto("correct-reason", "请假条已交");
    await shot("19-correction");
    await (await $t("correct-save")).click();
    await waitUntil(async () => {
      const c = await (await browser.$(`[data-testid="report-row"]*=赵敏`)).$('[data-testid="status-cell"]');
      return (await c.getAttribute("data-status")) === "present" && /✎/.test(await c.getText());
    }, "the corrected status shows, marked as corrected");

    // The native save dialog cannot be driven: the typed path.
    const dest = path.join(tmp, "考勤.csv");
    await (await browser.$('[data-testid="export-typed"] summary')).click();
    await typeInto("export-path", dest);
    await (await $t("export-save")).click();
    await waitUntil(async () => fs.existsSync(dest), "the CSV was written");
    const csv = fs.readFileSync(dest, "utf8");
    assert.match(csv, /王素梅/);
    assert.match(csv, /赵敏.*present/);
    await shot("20-report-exported");
  });

  test("sign-out mode signs a trainee out, and refuses one who never came", async () => {
    await (await $t("tab-checkin")).click();
    await chooseSession(0);
    await (await $t("mode-out")).click();
    await waitUntil(async () => (await panelState()).focused === "scan-input", "the scan box keeps the focus");
    const out = await scan(demoCodes["李建国"]);
    assert.equal(out.status, "checked_out", JSON.stringify(out));
    assert.match(out.title, /签退成功/);
    const never = await scan(demoCodes["刘洋"]);
    assert.equal(never.status, "error:conflict", JSON.stringify(never));
    assert.match(never.title, /还没有签到/);
    assert.match(never.body, /刘洋 还没有签到这节课/);
    await shot("22-signout");
    await (await $t("mode-in")).click();
  });

  test("the check-in screen speaks English too", async () => {
    await (await $t("tab-checkin")).click();
    await (await $t("scan-input")).waitForDisplayed({ timeout: T });
    await (await $t("lang-toggle")).click();
    await waitUntil(async () => (await (await $t("tab-checkin")).getText()) === "Check-in", "English tabs");
    await chooseSession(0);
    const again = await scan(demoCodes["王素梅"]);
    assert.equal(again.status, "already_checked_in");
    assert.match(again.line, /^Already checked in at \d\d:\d\d on this laptop$/);
    await shot("21-checkin-en");
    await (await $t("lang-toggle")).click();
    await waitUntil(async () => (await (await $t("tab-checkin")).getText()) === "签到", "back to Chinese");
  });


  // ---- the door never records the wrong person (issue 17, 1–4) -------------
  const inputValue = () => browser.execute(() => document.querySelector('[data-testid="scan-input"]').value);
  const confirmText = (id) => browser.execute((i) => document.querySelector(`[data-testid="${i}"]`)?.textContent?.trim() ?? "", id);
  /** Two demo trainees (not yet in day 2) whose codes a Y or N does not begin: typed slowly into the question, those answer it. */
  const twoForTheQueue = () => {
    const names = ["刘洋", "陈静", "徐丹", "孙志强", "马晓燕", "胡玉兰", "郭俊"].filter((n) => demoCodes[n] && !/^[YN]/i.test(demoCodes[n]));
    assert.ok(names.length >= 2, "two suitable codes");
    return names.slice(0, 2);
  };

  test("door: a scan while the not-started question is open waits in line; it never answers the question", async () => {
    await (await $t("tab-checkin")).click();
    await chooseSession(1); // day 2: tomorrow
    const warn = await $t("door-day-warning");
    assert.ok(await warn.isDisplayed(), "another day's session is said in large type");
    assert.match(await warn.getText(), /不是今天/);
    const [nameA, nameB] = twoForTheQueue();
    const [a, b] = [demoCodes[nameA], demoCodes[nameB]];
    const before = (await panelState()).seq;
    await (await $t("scan-input")).addValue(`${a}\uE007`);
    await waitUntil(dialogOpen, `day 2 asks before recording ${nameA}`);
    // The next badge, typed by the scanner into the open question.
    await pressEach([...b, "\uE007"]); // (browser.keys would press a doubled symbol once)
    try {
      await waitUntil(async () => (await confirmText("confirm-queue")).includes(b), "the second code waits in line, shown in the question");
    } catch (e) {
      await shot("23-door-queue-FAILED");
      const seen = await browser.execute(() => ({ dialog: document.querySelector('[data-testid="confirm-dialog"]')?.textContent, active: document.activeElement?.outerHTML?.slice(0, 120), queue: document.querySelector('[data-testid="door-queue"]')?.textContent }));
      throw new Error(`${e.message}: ${b} → ${JSON.stringify(seen)}`);
    }
    assert.ok(await dialogOpen(), "the scanner's Enter did not answer the question");
    assert.equal((await panelState()).seq, before, "nothing recorded yet");
    await shot("23-door-queue-zh");
    await browser.keys(["y"]);
    await waitUntil(async () => {
      const p = await panelState();
      return p.status === "checked_in" && p.name === nameA;
    }, `Y records ${nameA}`);
    await waitUntil(async () => (await dialogOpen()) && (await confirmText("confirm-body")).includes(nameB), `then ${nameB}'s scan asks in turn`);
    await browser.keys(["\uE00C"]);
    await waitUntil(async () => (await panelState()).status === "cancelled", `Esc cancels ${nameB}`);
    assert.ok((await panelState()).body.includes(nameB));
    assert.equal(await dialogOpen(), false);
  });

  test("door: Enter on a search that several match asks which one; ↓ and Enter take the highlighted", async () => {
    await chooseSession(0);
    assert.equal(await (await $t("door-day-warning")).isDisplayed(), false, "today's session: no warning");
    await browser.keys([..."zh"]);
    await waitUntil(async () => (await texts("door-result-name")).length >= 2, "zh lists several");
    const names = await texts("door-result-name");
    assert.equal(names[0], "张丽华", "the surname zhang before rarer readings");
    const before = (await panelState()).seq;
    await (await $t("scan-input")).addValue("\uE007");
    await waitUntil(async () => (await panelState()).seq !== before, "Enter answers");
    const asked = await panelState();
    assert.equal(asked.status, "ask", JSON.stringify(asked));
    assert.match(asked.title, /请选择/);
    assert.equal(await inputValue(), "zh", "the query stays, with its list");
    await shot("24-door-ask-zh");
    await browser.keys(["ArrowDown"]);
    const done = await scan("");
    assert.equal(done.status, "checked_in", JSON.stringify(done));
    assert.equal(done.name, names[1], "the highlighted one, not the first");
    assert.match(done.session, /第一天/);
  });

  test("door: Undo (Ctrl+Z) takes a scan back for the door, the counter and the report; the next scan counts", async () => {
    const code = demoCodes["杨波"];
    const arrived = async () => Number(await confirmText("checkin-arrived"));
    const first = await scan(code);
    assert.equal(first.status, "checked_in", JSON.stringify(first));
    await waitUntil(async () => (await $t("result-undo")).isDisplayed(), "the confirmation offers Undo");
    await shot("25-door-undo-offer-zh");
    const n = await arrived();
    await browser.action("key").down("\uE009").down("z").up("z").up("\uE009").perform();
    await waitUntil(async () => (await panelState()).status === "undone", "Ctrl+Z undoes it");
    assert.match((await panelState()).body, /杨波/);
    await waitUntil(async () => (await arrived()) === n - 1, "the counter takes it back");
    await shot("26-door-undone-zh");
    const again = await scan(code);
    assert.equal(again.status, "checked_in", `a real scan counts again, not "already": ${JSON.stringify(again)}`);
    await waitUntil(async () => (await arrived()) === n, "and the counter counts it");
  });

  test("door: at rest the scan box stops its blinking caret (read-only); a scanner's code still checks in, first character included", async () => {
    await chooseSession(0);
    const rest = () => browser.execute(() => ({
      resting: document.querySelector('[data-testid="checkin-page"]')?.dataset.resting ?? "",
      active: document.activeElement?.getAttribute("data-testid") ?? null,
    }));
    await waitUntil(async () => (await rest()).resting === "true", "the box rests after 10 s without a key", 15_000);
    assert.equal((await rest()).active, "scan-input", "it keeps the focus");
    assert.equal(await browser.execute(() => document.querySelector('[data-testid="scan-input"]').readOnly), true, "read-only: no caret");
    const before = (await panelState()).seq;
    // Keys to whatever has the focus, as a USB scanner sends them.
    await pressEach([...demoCodes["黄海涛"], "\uE007"]);
    await waitUntil(async () => (await panelState()).seq !== before || (await dialogOpen()), "the scan is answered");
    if (await dialogOpen()) {
      await browser.keys(["y"]);
      await waitUntil(async () => (await panelState()).seq !== before, "recorded after Y");
    }
    const p = await panelState();
    assert.equal(p.status, "checked_in", `${demoCodes["黄海涛"]}: ${JSON.stringify(p)}`);
    assert.equal(p.name, "黄海涛");
    assert.equal((await rest()).resting, "false");
    assert.equal(p.focused, "scan-input");
  });

  test("scan → confirmation is fast", () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    fs.writeFileSync(path.join(SHOTS, "latency.json"), JSON.stringify(latencies, null, 2));
    console.log(`scan→confirmation (ms): ${JSON.stringify(latencies)}`);
    assert.ok(latencies.length >= 10, `measured ${latencies.length} scans`);
    for (const l of latencies) {
      assert.ok(l.dom < 100, `${l.text}: ${l.dom} ms from Enter to the confirmation in the DOM`);
      // Painted: the frame after it (software rendering under Xvfb is slower
      // than a laptop's; this bound catches e.g. audio blocking the frame).
      assert.ok(l.painted < 300, `${l.text}: ${l.painted} ms from Enter to the painted confirmation`);
    }
  });

  // ---- sync (issue 6) -----------------------------------------------------
  // A real sync service (`muster serve`) on a temp store, a device paired
  // with `muster server device add`; the app is pointed at it in Settings.
  const badgeState = () => browser.execute(() => {
    const b = document.querySelector('[data-testid="sync-badge"]');
    return { state: b?.dataset.state ?? "", pending: b?.dataset.pending ?? "", text: b?.textContent?.trim() ?? "" };
  });
  const syncResult = () => browser.execute(() => {
    const r = document.querySelector('[data-testid="sync-result"]');
    return r ? { tone: r.dataset.tone, text: r.textContent.trim() } : null;
  });
  let syncServer;
  let serverStore;

  test("sync: Settings takes a server and a token, syncs, and the badge shows nothing waits", async () => {
    assert.ok(fs.existsSync(MUSTER), `muster CLI not found: ${MUSTER} (cargo build -p muster-cli)`);
    serverStore = `sqlite:${path.join(tmp, "server.db")}`;
    const pair = JSON.parse(execFileSync(MUSTER, ["--json", "server", "device", "add", "--store", serverStore, "--name", "e2e"], { encoding: "utf8" }));
    assert.ok(pair.token && pair.device_id, JSON.stringify(Object.keys(pair)));
    const port = await freePort();
    syncServer = start(MUSTER, ["serve", "--store", serverStore, "--listen", `127.0.0.1:${port}`], process.env);
    await waitForPort(port, 15_000);

    // Not set up yet: the badge says so; everything done so far waits.
    await waitUntil(async () => /未设置同步/.test((await badgeState()).text), "the badge says sync is not set up");
    // Settings have their own place in the header (the badge leads there too).
    assert.equal(await (await $t("nav-settings")).getText(), "设置");
    await (await $t("nav-settings")).click();
    await (await $t("settings-page")).waitForDisplayed({ timeout: T });
    await waitUntil(async () => Number(await (await $t("sync-pending")).getText()) > 0, "records wait before the first sync");
    await shot("30-sync-settings");

    // A wrong token: the test says why, by code.
    await typeInto("sync-url", `http://127.0.0.1:${port}`);
    await typeInto("sync-token", "not-a-token");
    await (await $t("sync-test")).click();
    await waitUntil(async () => (await syncResult())?.tone === "error", "the connection test reports the bad token");
    assert.match((await syncResult()).text, /设备令牌无效/);

    await typeInto("sync-token", pair.token);
    await (await $t("sync-test")).click();
    await waitUntil(async () => (await syncResult())?.tone === "ok", "the connection test succeeds");
    assert.match((await syncResult()).text, /连接成功/);
    await (await $t("sync-save")).click();
    await waitUntil(async () => /已保存令牌/.test(await (await $t("sync-token")).getAttribute("placeholder")), "the token is saved, not shown");
    assert.equal(await (await $t("sync-token")).getValue(), "", "the token field is emptied");

    await (await $t("sync-now")).click();
    await waitUntil(async () => (await syncResult())?.tone === "ok", "sync now succeeds");
    await waitUntil(async () => {
      const b = await badgeState();
      return b.state === "idle" && b.pending === "0";
    }, "the badge shows nothing waiting", 40_000);
    assert.match((await badgeState()).text, /^0 条待同步 · 上次同步 \d\d:\d\d$/);
    assert.equal(await (await $t("sync-pending")).getText(), "0");
    await shot("31-sync-done");

    const { devices } = JSON.parse(execFileSync(MUSTER, ["--json", "server", "device", "list", "--store", serverStore], { encoding: "utf8" }));
    const dev = devices.find((d) => d.name === "e2e");
    assert.ok(dev?.last_seen, `the server saw the device: ${JSON.stringify(dev)}`);
    assert.ok(dev.changes > 0, `the server holds the app's changes: ${JSON.stringify(dev)}`);
    // The token never reaches the page.
    assert.ok(!(await browser.execute(() => document.body.innerHTML)).includes(pair.token), "the token is not in the DOM");
  });

  test("sync: a change this laptop cannot apply is set aside, on the badge and in Settings, and sync goes on", async () => {
    // What a server from before the sync rules may hold: an event of 0 days.
    const db = serverStore.replace(/^sqlite:/, "");
    const hlc = `${String(Date.now()).padStart(16, "0")}-0000`;
    const fields = JSON.stringify({ name: "零天的活动", venue: "礼堂", starts_on: "2026-12-01", days: 0, created_at: "2026-12-01T08:00:00.000Z" });
    execFileSync("sqlite3", [db, `INSERT INTO changes (device_id, seq, hlc, entity, entity_id, op, fields) VALUES ('0190a000-0000-7000-8000-00000000beef', 1, '${hlc}', 'event', '0190a000-0000-7000-8000-00000000dead', 'insert', '${fields}')`]);
    await (await $t("sync-badge")).click();
    await (await $t("settings-page")).waitForDisplayed({ timeout: T });
    await (await $t("sync-now")).click();
    await waitUntil(async () => (await (await $t("sync-quarantined")).getText()) === "1", "the change is counted as set aside", 40_000);
    await waitUntil(async () => /^0 条待同步 · 上次同步 \d\d:\d\d · 1 条已搁置$/.test((await badgeState()).text), "the badge says one is set aside", 40_000);
    await waitUntil(async () => (await $$t("sync-quarantine-row")).length === 1, "Settings lists it");
    const row = await (await $$t("sync-quarantine-row"))[0].getText();
    assert.match(row, /event/);
    assert.match(row, /days/);
    await shot("33-sync-quarantine-zh");
    await (await $t("lang-toggle")).click();
    await (await $t("sync-badge")).click();
    await (await $t("settings-page")).waitForDisplayed({ timeout: T });
    await waitUntil(async () => /Records received but not applied/.test(await (await $t("sync-quarantine")).getText()), "the list in English");
    await shot("34-sync-quarantine-en");
    await (await $t("lang-toggle")).click();
    await (await $t("sync-badge")).click();
    await (await $t("settings-page")).waitForDisplayed({ timeout: T });
  });

  test("sync: a check-in waits, then goes up; with the server gone the badge says offline", async () => {
    await openDemoEvent();
    await (await $t("tab-checkin")).click();
    await chooseSession(0);
    const done = await scan(demoCodes["刘洋"]);
    assert.equal(done.status, "checked_in", JSON.stringify(done));
    // The badge counts it (polled), and the background sync or "sync now" sends it.
    await (await $t("sync-badge")).click();
    await (await $t("settings-page")).waitForDisplayed({ timeout: T });
    await (await $t("sync-now")).click();
    await waitUntil(async () => (await badgeState()).pending === "0" && (await badgeState()).state === "idle", "the check-in went up", 40_000);

    syncServer.kill("SIGTERM");
    await new Promise((r) => syncServer.once("exit", r));
    await (await $t("sync-now")).click();
    await waitUntil(async () => (await badgeState()).state === "offline", "the badge says offline");
    assert.match((await badgeState()).text, /^离线 · 0 条待同步 · 1 条已搁置$/);
    assert.equal((await syncResult()).tone, "warn");
    await shot("32-sync-offline");

    // Offline never blocks the door: a scan still confirms at once.
    await openDemoEvent();
    await (await $t("tab-checkin")).click();
    await chooseSession(0);
    const used = ["李建国", "王素梅", "张丽华", "刘洋", "赵敏"];
    const someone = Object.keys(demoCodes).find((n) => !used.includes(n));
    const offline = await scan(demoCodes[someone]);
    assert.equal(offline.status, "checked_in", JSON.stringify(offline));
    // The check-in and its audit line (a synced fact too) wait.
    await waitUntil(async () => Number((await badgeState()).pending) >= 1, "the offline check-in waits", 15_000);
  });

  test("sync: the sync file for a USB stick is written (typed path)", async () => {
    await (await $t("sync-badge")).click();
    await (await $t("settings-page")).waitForDisplayed({ timeout: T });
    const dest = path.join(tmp, "muster.sync");
    await (await browser.$('[data-testid="sync-file-typed"] summary')).click();
    await typeInto("sync-file-path", dest);
    await (await $t("sync-file-export-typed")).click();
    await waitUntil(async () => fs.existsSync(dest), "the sync file was written");
    await waitUntil(async () => /已导出 \d+ 条记录/.test((await syncResult())?.text ?? ""), "the export is confirmed");
    // Importing our own file adds nothing.
    await (await $t("sync-file-import-typed")).click();
    await waitUntil(async () => /已导入 0 条新记录/.test((await syncResult())?.text ?? ""), "importing it again adds nothing");
    await shot("33-sync-file");
  });

  test("sync: a stick sealed on another laptop asks for its passphrase, then imports", async () => {
    // The other laptop: an encrypted store (its own passphrase) with a
    // walk-in of its own, exported with a passphrase agreed for the stick.
    const other = path.join(tmp, "other.db");
    const env = { ...process.env, MUSTER_PASSPHRASE: "另一台电脑", MUSTER_EXPORT_PASSPHRASE: "county hall" };
    const cli = (...args) => JSON.parse(execFileSync(MUSTER, ["--db", other, "--json", ...args], { env }).toString());
    const ev = cli("event", "create", "--name", "邻县培训 Neighbour county", "--starts", "2026-12-03");
    cli("walkin", "--event", ev.id, "--name", "古丽 Guli", "--phone", "13700001111");
    const stick = path.join(tmp, "neighbour.sync");
    const out = cli("sync", "export", "--out", stick);
    assert.ok(out.encrypted && fs.existsSync(`${stick}.zip`), JSON.stringify(out));

    await typeInto("sync-file-path", `${stick}.zip`);
    await (await $t("sync-file-import-typed")).click();
    await waitUntil(async () => /另一个口令加密/.test((await syncResult())?.text ?? ""), "the passphrase is asked for");
    assert.ok(await (await $t("sync-file-passphrase")).isDisplayed(), "the passphrase box opens");
    await (await $t("sync-file-passphrase")).setValue("county hall");
    await (await $t("sync-file-import-typed")).click();
    await waitUntil(async () => /已导入 [1-9]\d* 条新记录/.test((await syncResult())?.text ?? ""), "the neighbour's records arrive");
    await shot("34-sync-file-passphrase");
    await (await $t("sync-file-passphrase")).clearValue();
    await clickEl(await $t("home"));
    await waitUntil(async () => (await texts("event-card")).some((c) => /邻县培训/.test(c)), "the neighbour's event is listed");
  });

  // ---- certificates (issue 5) ---------------------------------------------
  const certRow = (name) => browser.execute((n) => {
    const r = [...document.querySelectorAll('[data-testid="cert-row"]')]
      .find((x) => x.querySelector('[data-testid="cert-name"]').textContent.trim() === n);
    return r ? { eligible: r.dataset.eligible, why: r.querySelector('[data-testid="cert-why"]').textContent.trim(),
      issued: !!r.querySelector('[data-testid="cert-issued"]') } : null;
  }, name);

  test("certificates: eligibility with reasons, an override needs a reason, an invalid code is invalid", async () => {
    await openDemoEvent();
    await (await $t("tab-certificates")).click();
    await waitUntil(async () => (await $$t("cert-row")).length === Object.keys(demoCodes).length, "one eligibility row per trainee");
    const why = await texts("cert-why");
    assert.ok(why.every((w) => /出勤 [\d.]+\/[\d.]+ 小时（\d+%）[≥<] \d+%/.test(w)), why.join("\n"));
    assert.match(await (await $t("cert-counts")).getText(), /\d+ 人合格 · \d+ 人不合格/);
    // 刘洋's attendance depends on the time of day the run checked him in
    // (past midnight his scans land before day 1 begins, and count): the
    // override below is recorded and shown either way.
    const liu = await certRow("刘洋");
    assert.ok(liu, "刘洋 is listed");
    if (liu.eligible !== "false") console.log(`刘洋 already eligible by attendance at this hour: ${liu.why}`);
    await shot("40-certificates");

    await typeInto("verify-input", "ABCDEFGH");
    await browser.keys(["\uE007"]);
    await waitUntil(async () => (await (await $t("verify-result")).getAttribute("data-valid")) === "false", "the code is invalid");
    assert.match(await (await $t("verify-title")).getText(), /^无效：/);
    await shot("41-verify-invalid");

    // Override: refused without a reason, recorded with one.
    const row = await browser.$('[data-testid="cert-row"]*=刘洋');
    await (await row.$('[data-testid="cert-override"]')).click();
    await (await $t("override-dialog")).waitForDisplayed({ timeout: T });
    await (await $t("override-save")).click();
    assert.ok(await (await $t("override-dialog")).isDisplayed(), "an override without a reason is refused");
    // Made eligible, whatever the dialog proposed (it proposes the opposite of the current standing).
    await (await $t("override-eligible")).selectByAttribute("value", "true");
    await typeInto("override-reason", "已补课");
    await shot("42-override");
    await (await $t("override-save")).click();
    // Waits for the override's own wording: past midnight 刘洋 was eligible before it.
    await waitUntil(async () => /^人工认定合格/.test((await certRow("刘洋"))?.why ?? ""), "刘洋 is eligible by override");
    assert.equal((await certRow("刘洋")).eligible, "true");
    assert.match((await certRow("刘洋")).why, /^人工认定合格（.+）：已补课 · 出勤/);
  });

  test("certificates: issue to a PDF (typed path), then verify a real code", async () => {
    const dest = path.join(tmp, "证书.pdf");
    await (await browser.$('[data-testid="issue-typed"] summary')).click();
    await typeInto("issue-path", dest);
    await (await $t("issue-save")).click();
    // The Latin forms Muster made (pinyin) are checked first: one corrected.
    await (await $t("latin-dialog")).waitForDisplayed({ timeout: T });
    const liuLatin = await browser.$('[data-testid="latin-input"][aria-label="刘洋"]');
    assert.equal(await liuLatin.getValue(), "LIU Yang", "pinyin, surname first in capitals");
    assert.ok((await $$t("latin-row")).length >= 1, "the eligible names without a certificate are listed");
    await liuLatin.clearValue();
    await liuLatin.addValue("LIU Yang (Tony)");
    await shot("43a-latin-names-zh");
    assert.deepEqual(await englishSentences(), [], "the dialog is in Chinese");
    await clickEl(await $t("latin-confirm"));
    await (await $t("cert-result")).waitForDisplayed({ timeout: 60_000 });
    assert.match(await (await $t("cert-result")).getText(), /已生成 \d+ 张证书/);
    assert.equal(fs.readFileSync(dest).subarray(0, 5).toString(), "%PDF-");
    await waitUntil(async () => (await certRow("刘洋"))?.issued === true, "刘洋's certificate is issued");
    await shot("43-issued");

    // Printing again is a reprint: the app asks for a reason.
    await (await $t("issue-save")).click();
    await (await $t("reissue-dialog")).waitForDisplayed({ timeout: T });
    await browser.keys(["\uE00C"]);

    // The code, as a QR scanner would type it (read via the CLI's reprint).
    const db = path.join(tmp, "data/muster/muster.db");
    const ids = JSON.parse(execFileSync(MUSTER, ["--json", "--db", db, "event", "list"], { encoding: "utf8" }));
    const demo = (ids.events ?? ids).find((e) => /示例/.test(e.name));
    const elig = JSON.parse(execFileSync(MUSTER, ["--json", "--db", db, "certificates", "eligibility", "--event", demo.id], { encoding: "utf8" }));
    const liu = elig.trainees.find((t) => t.name === "刘洋");
    const reprint = JSON.parse(execFileSync(MUSTER, ["--json", "--db", db, "certificates", "reprint", liu.certificate_id,
      "--reason", "e2e", "--out", path.join(tmp, "reprint.pdf")], { encoding: "utf8" }));
    assert.equal(reprint.certificate.name_latin, "LIU Yang (Tony)", "the corrected Latin form is on the certificate");
    await typeInto("verify-input", reprint.certificate.code);
    await browser.keys(["\uE007"]);
    await waitUntil(async () => (await (await $t("verify-result")).getAttribute("data-valid")) === "true", "the code is valid");
    assert.match(await (await $t("verify-details")).getText(), /^刘洋 · .*示例.* · [\d.]+ 小时$/);
    await shot("44-verify-valid");
    // The short number printed under the QR, typed by a person, verifies too.
    assert.match(reprint.certificate.number, /^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    await typeInto("verify-input", "ABCDEFGH");
    await browser.keys(["\uE007"]);
    await waitUntil(async () => (await (await $t("verify-result")).getAttribute("data-valid")) === "false", "a wrong input first");
    await typeInto("verify-input", reprint.certificate.number.toLowerCase());
    await browser.keys(["\uE007"]);
    await waitUntil(async () => (await (await $t("verify-result")).getAttribute("data-valid")) === "true", "the number verifies");
    assert.match(await (await $t("verify-details")).getText(), /^刘洋 · /);
  });

  // ---- keying paper questionnaires (issue 4) ---------------------------------
  test("keying: an XLSForm is imported and one paper is keyed with the keyboard alone", async () => {
    const form = path.join(tmp, "问卷.xlsx");
    fs.copyFileSync(path.join(here, "fixtures/form-text-integer.xlsx"), form);
    await shot("45-before-forms");
    await clickEl(await $t("tab-forms"));
    await (await $t("forms-empty")).waitForDisplayed({ timeout: T });
    await typeInto("form-path", form);
    await (await $t("form-import")).click();
    await waitUntil(async () => (await $$t("form-item")).length === 1, "the form is listed");
    await shot("50-forms");
    await (await $t("form-key")).click();
    await (await $t("keying-screen")).waitForDisplayed({ timeout: T });
    await browser.execute(() => document.activeElement?.blur());

    const screen = () => browser.execute(() => {
      const v = document.querySelector('[data-testid="keying-screen"]');
      const l = v.querySelector('[data-testid="keying-label"]');
      return { stage: v.dataset.stage, keys: Number(v.dataset.keystrokes), paper: v.querySelector('[data-testid="keying-paper"]').textContent.trim(),
        kind: l?.dataset.kind ?? "", saved: document.querySelectorAll('[data-testid="keying-saved-item"]').length };
    });
    let sent = 0;
    const type = async (keys) => {
      sent += keys.length;
      await keyInto(screen, keys);
    };
    await type(["1", "\uE007"]);
    if ((await screen()).stage === "paper") await type(["\uE007"]); // a paper outside any batch: Enter confirms
    let shotTaken = false;
    for (let i = 0; i < 10 && (await screen()).saved === 0; i++) {
      const s = await screen();
      if (s.stage === "complete") {
        // The last answer shows the whole paper for review; Enter saves it.
        const rows = await texts("keying-review-row");
        assert.equal(rows.length, 2, `the review lists every answer: ${JSON.stringify(rows)}`);
        await shot("51-keying-review");
        await type(["\uE007"]);
        continue;
      }
      assert.equal(s.stage, "question", JSON.stringify(s));
      if (!shotTaken) { await shot("51-keying-question"); shotTaken = true; }
      if (s.kind === "integer") await type(["4", "2", "\uE007"]);
      else await type(["o", "k", "\uE007"]);
    }
    const saved = await browser.execute(() => [...document.querySelectorAll('[data-testid="keying-saved-item"]')]
      .map((e) => ({ keys: Number(e.dataset.keystrokes), text: e.textContent.trim() })));
    assert.equal(saved.length, 1, JSON.stringify(saved));
    assert.equal(saved[0].keys, sent, `every key counted once: ${JSON.stringify(saved)} vs ${sent} sent`);
    assert.match(saved[0].text, /^已保存 1：\d+ 次按键，2 道题$/);
    const after = await screen();
    assert.equal(after.stage, "paper", "the next paper begins");
    console.log(`keying: one paper in ${sent} keystrokes`);
    await shot("52-keying-saved");
    await (await $t("keying-back")).click();
    await (await $t("forms-page")).waitForDisplayed({ timeout: T });
  });

  test("keying: leaving the keying screen with the mouse ends its Rust session at once, no key pressed", async () => {
    await (await $t("form-key")).click();
    const view = await $t("keying-screen");
    await view.waitForDisplayed({ timeout: T });
    const sid = await view.getAttribute("data-session");
    assert.match(sid ?? "", /^k\d+$/, "the screen names its session");
    // One press straight to the command: "ok" while the session is open,
    // the error's code once it was ended.
    const press = (id) => browser.execute(async (id) => {
      try {
        await window.__TAURI_INTERNALS__.invoke("keying_press", { sessionId: id, key: "Backspace" });
        return "ok";
      } catch (e) {
        return e?.code ?? String(e);
      }
    }, id);
    assert.equal(await press(sid), "ok", "the session is open on the keying screen");
    await (await $t("keying-back")).click(); // the mouse, not a key
    await (await $t("forms-page")).waitForDisplayed({ timeout: T });
    await waitUntil(async () => (await press(sid)) === "not_found", "the session ended when the screen was left");
  });

  // ---- the portrait, paper batches, double entry (issue 4) -------------------
  test("keying: a Chinese text answer, a batch, the portrait chart, a double entry resolved", async () => {
    const form = path.join(tmp, "结业问卷.xlsx");
    fs.copyFileSync(path.join(here, "fixtures/form-portrait.xlsx"), form);
    await typeInto("form-path", form);
    await clickEl(await $t("form-double"));
    await clickEl(await $t("form-import"));
    await waitUntil(async () => (await $$t("form-item")).length === 2, "the second form is listed");
    // The new form's row and its buttons.
    const formButton = async (testid) => (await formItem("结业问卷")).$(`[data-testid="${testid}"]`);
    await typeInto("form-keyer", "李明");

    // Register a batch of three papers from A001.
    await clickEl(await formButton("form-results"));
    await (await $t("portrait-page")).waitForDisplayed({ timeout: T });
    await typeInto("batch-name", "第二天A");
    await typeInto("batch-count", "3");
    await typeInto("batch-first", "A001");
    await clickEl(await $t("batch-add"));
    await waitUntil(async () => (await $$t("batch-status")).length === 2, "the batch is listed for both entries");
    assert.match(await (await $t("batch-missing")).getText(), /A001 A002 A003/);

    const screen = () => browser.execute(() => {
      const v = document.querySelector('[data-testid="keying-screen"]');
      const l = v.querySelector('[data-testid="keying-label"]');
      return { stage: v.dataset.stage, keys: Number(v.dataset.keystrokes), kind: l?.dataset.kind ?? "",
        input: v.querySelector('[data-testid="keying-input"]')?.textContent ?? "",
        saved: document.querySelectorAll('[data-testid="keying-saved-item"]').length,
        imeFocused: document.activeElement?.dataset?.testid === "keying-ime" };
    });
    const press = (keys) => keyInto(screen, keys);
    // One paper: Enter takes the batch and its next missing paper; a choice
    // by its number; the age and Enter; the occupation through the text input.
    const keyPaper = async ({ valuable, age, job, ime = "addValue" }) => {
      const before = (await screen()).saved;
      for (let i = 0; i < 3 && (await screen()).stage !== "question"; i++) await press(["\uE007"]);
      assert.equal((await screen()).kind, "select_one", JSON.stringify(await screen()));
      // Each option's number is drawn inside its own choice, not piled up
      // at the window's edge.
      const hints = await browser.execute(() => [...document.querySelectorAll('[data-testid="keying-choice"]')].map((c) => {
        const b = c.getBoundingClientRect(), k = c.querySelector(".kbd-hint").getBoundingClientRect();
        return { inside: k.left >= b.left && k.right <= b.right && k.top >= b.top && k.bottom <= b.bottom, left: Math.round(k.left) };
      }));
      assert.ok(hints.length >= 2 && hints.every((x) => x.inside), `option numbers outside their choices: ${JSON.stringify(hints)}`);
      await shot("53-keying-choices");
      await press([valuable]);
      await press([...age, "\uE007"]);
      await waitUntil(async () => { const s = await screen(); return s.kind === "text" && s.imeFocused; }, "the text input has focus");
      if (job) {
        const k0 = (await screen()).keys;
        if (ime === "addValue") {
          await (await $t("keying-ime")).addValue(job);
        } else {
          // What an input method does: compose, then commit the characters.
          await browser.execute((text) => {
            const el = document.querySelector('[data-testid="keying-ime"]');
            el.dispatchEvent(new CompositionEvent("compositionstart", { data: "" }));
            el.value = text;
            el.dispatchEvent(new CompositionEvent("compositionend", { data: text }));
          }, job);
        }
        await waitUntil(async () => (await screen()).keys >= k0 + [...job].length, `${job} was not taken`);
        assert.match((await screen()).input, new RegExp(job));
        await shot(`53-keying-chinese-${ime}`);
      }
      await press(["\uE007"]);
      await waitUntil(async () => (await screen()).stage === "complete", "the last answer shows the paper for review");
      await press(["\uE007"]);
      await waitUntil(async () => (await screen()).saved === before + 1, "Enter on the review saves the paper");
    };
    const keyTwo = async (entry, papers) => {
      await clickEl(await $t("portrait-back"));
      await (await $t("forms-page")).waitForDisplayed({ timeout: T });
      await typeInto("form-keyer", entry === "first" ? "李明" : "王芳");
      await clickEl(await formButton(entry === "first" ? "form-key" : "form-key-second"));
      await (await $t("keying-screen")).waitForDisplayed({ timeout: T });
      await browser.execute(() => document.activeElement?.blur());
      for (const p of papers) await keyPaper(p);
      await waitUntil(async () => /缺 A003/.test(await (await $t("keying-batch")).getText()), "the keying screen shows the missing paper");
      await shot(`54-keying-batch-${entry}`);
      await clickEl(await $t("keying-back"));
      await (await $t("forms-page")).waitForDisplayed({ timeout: T });
      await clickEl(await formButton("form-results"));
      await (await $t("portrait-page")).waitForDisplayed({ timeout: T });
    };
    await keyTwo("first", [{ valuable: "1", age: "30", job: "农民" }, { valuable: "2", age: "45", job: "" }]);
    assert.match(await (await $t("portrait-pending")).getText(), /2/);
    await keyTwo("second", [{ valuable: "1", age: "31", job: "农民", ime: "composition" }, { valuable: "2", age: "45", job: "" }]);

    // The difference: age of A001, 30 vs 31; the supervisor takes 31.
    await waitUntil(async () => (await $$t("diff-row")).length === 1, "one difference is listed");
    const row = await $t("diff-row");
    assert.equal(await row.getAttribute("data-field"), "age");
    assert.equal(await row.getAttribute("data-paper"), "A001");
    await shot("55-double-entry-difference");
    await typeInto("resolve-by", "张主管");
    await (await row.$('[data-testid="diff-second"]')).click();
    await (await $t("diff-resolution")).waitForDisplayed({ timeout: T });
    assert.match(await (await $t("diff-resolution")).getText(), /31.*张主管/);

    // The portrait: both papers, one yes and one no, 50.0% each.
    await waitUntil(async () => /2/.test(await (await $t("portrait-included")).getText()), "both papers are in the portrait");
    const bars = await browser.execute(() => [...document.querySelectorAll('[data-testid="portrait-question"][data-question="valuable"] [data-testid="portrait-bar"]')]
      .map((b) => ({ value: b.dataset.value, count: Number(b.dataset.count), percent: Number(b.dataset.percent), text: b.textContent })));
    assert.deepEqual(bars.map((b) => [b.value, b.count, b.percent]), [["yes", 1, 50], ["no", 1, 50]], JSON.stringify(bars));
    assert.match(bars[0].text, /1 · 50\.0%/);
    assert.match(await (await browser.$('[data-question="age"] [data-testid="portrait-numeric"]')).getText(), /38/);
    const stats = await $$t("keyer-row");
    assert.equal(stats.length, 2);
    await browser.execute(() => window.scrollTo(0, 0));
    await shot("56-portrait");

    // Exports.
    const pdf = path.join(tmp, "画像.pdf");
    await browser.execute(() => window.scrollTo(0, 0));
    await typeInto("portrait-export-path", pdf);
    await clickEl(await $t("portrait-pdf"));
    await waitUntil(async () => fs.existsSync(pdf), "the PDF is written");
    assert.equal(fs.readFileSync(pdf).subarray(0, 4).toString(), "%PDF");
    const xlsx = path.join(tmp, "画像.xlsx");
    await browser.execute(() => window.scrollTo(0, 0));
    await typeInto("portrait-export-path", xlsx);
    await clickEl(await $t("portrait-xlsx"));
    await waitUntil(async () => fs.existsSync(xlsx), "the XLSX is written");
  });

  // ---- a repeat keyed as a table (issue 14) ----------------------------------
  test("keying: a repeat is keyed once per repetition until the keyer ends it, a counted one as often as its count says", async () => {
    const form = path.join(tmp, "入户调查.xlsx");
    fs.copyFileSync(path.join(here, "fixtures/form-repeat.xlsx"), form);
    await clickEl(await $t("tab-forms"));
    await (await $t("forms-page")).waitForDisplayed({ timeout: T });
    const before = (await $$t("form-item")).length;
    await typeInto("form-path", form);
    await clickEl(await $t("form-import"));
    await waitUntil(async () => (await $$t("form-item")).length === before + 1, "the repeat form is listed");
    await clickEl(await (await formItem("入户调查")).$('[data-testid="form-key"]'));
    await (await $t("keying-screen")).waitForDisplayed({ timeout: T });
    await browser.execute(() => document.activeElement?.blur());

    const screen = () => browser.execute(() => {
      const v = document.querySelector('[data-testid="keying-screen"]');
      const l = v.querySelector('[data-testid="keying-label"]');
      const another = v.querySelector('[data-testid="keying-another"]');
      const rep = v.querySelector('[data-testid="keying-repeat"]');
      return { stage: v.dataset.stage, keys: Number(v.dataset.keystrokes), question: l?.dataset.question ?? "",
        label: l?.textContent ?? "", another: another ? `${another.dataset.group}#${another.dataset.rep}` : "",
        rep: rep ? `${rep.dataset.group}#${rep.dataset.rep}` : "", chip: rep?.textContent ?? "",
        saved: document.querySelectorAll('[data-testid="keying-saved-item"]').length };
    });
    const press = (keys) => keyInto(screen, keys);
    // What the paper says, per question and repetition, and the key that
    // answers "another child?" before each repetition.
    const paper = { "head": "wang", "n_visits": "2", "child_name#1": "amy", "child_age#1": "5", "child_name#2": "bob", "child_age#2": "3",
      "visit_hours#1": "4", "visit_hours#2": "6" };
    const another = { "child#1": "\uE007", "child#2": "1", "child#3": "0" };
    const words = {
      zh: { another: /还有孩子吗？（第 2 次）/, counted: /走访：第 2 次（共 2 次）/, reps: /孩子 第 1 次 \| 孩子 第 2 次 \| 走访 第 1 次 \| 走访 第 2 次/, saved: /8 道题$/ },
      // The form's own words (its labels) follow the paper's language; the app's, the reader's.
      en: { another: /^Another \S+\? \(repetition 2\)$/, counted: /^\S+: repetition 2 of 2$/, reps: /^\S+ 1 \| \S+ 2 \| \S+ 1 \| \S+ 2$/, saved: /8 questions$/ },
    };
    // One paper keyed with the keyboard alone, the screens shot in `lang`.
    const keyPaper = async (paperId, lang) => {
      const w = words[lang];
      const sx = lang === "zh" ? "" : "-en";
      const seen = [];
      const saved = (await screen()).saved;
      await press([paperId, "\uE007"]);
      if ((await screen()).stage === "paper") await press(["\uE007"]);
      for (let i = 0; i < 30 && (await screen()).stage !== "complete"; i++) {
        const s = await screen();
        if (s.stage === "another") {
          assert.ok(s.another in another, `asked for another ${s.another}: only the uncounted repeat asks (${JSON.stringify(seen)})`);
          if (s.another === "child#2") {
            assert.match(s.label, w.another);
            await shot(`57a-keying-repeat-another${sx}`);
            if (lang === "en") {
              // The language switched mid-paper and back: the same session, the paper where it was.
              const sid = await (await $t("keying-screen")).getAttribute("data-session");
              for (const back of [/问卷编号/, /Paper ID/]) {
                await (await $t("lang-toggle")).click();
                await waitUntil(async () => back.test(await (await $t("keying-page")).getText()), "the keying screen in the other language");
                const again = await screen();
                assert.deepEqual([again.stage, again.another, again.keys], [s.stage, s.another, s.keys], "the paper goes on where it was");
                assert.equal(await (await $t("keying-screen")).getAttribute("data-session"), sid);
              }
            }
          }
          seen.push(`another ${s.another}`);
          await press([another[s.another]]);
          continue;
        }
        assert.equal(s.stage, "question", JSON.stringify(s));
        const at = s.rep ? `${s.question}#${s.rep.split("#")[1]}` : s.question;
        assert.ok(at in paper, `an unexpected question ${at} after ${seen.join(", ")}: ${JSON.stringify(s)}`);
        if (at === "visit_hours#2") {
          assert.match(s.chip, w.counted, "the counted repeat says how many");
          await shot(`57b-keying-repeat-counted${sx}`);
        }
        seen.push(at);
        await press([...paper[at]]);
        // A number that can only be complete (0–5 visits, an age of 0–17 typed as 5) moves on by itself; else Enter.
        const now = await screen();
        if (now.stage === "question" && now.question === s.question && now.rep === s.rep) await press(["\uE007"]);
      }
      assert.deepEqual(seen, ["head", "n_visits", "another child#1", "child_name#1", "child_age#1", "another child#2", "child_name#2", "child_age#2",
        "another child#3", "visit_hours#1", "visit_hours#2"]);
      // The review: every repetition under its own heading, then Enter saves.
      const review = await browser.execute(() => [...document.querySelectorAll('[data-testid="keying-review"] li')]
        .map((e) => e.dataset.question ?? `${e.dataset.group} ${e.dataset.rep}`));
      assert.deepEqual(review, ["head", "n_visits", "child 1", "child_name[1]", "child_age[1]", "child 2", "child_name[2]", "child_age[2]",
        "visit 1", "visit_hours[1]", "visit 2", "visit_hours[2]"]);
      assert.match((await texts("keying-review-rep")).join(" | "), w.reps);
      await shot(`57c-keying-repeat-review${sx}`);
      await press(["\uE007"]);
      await waitUntil(async () => (await screen()).saved === saved + 1, "the paper is saved");
      assert.match((await texts("keying-saved-item"))[0], w.saved);
    };
    await keyPaper("7", "zh");
    // The next paper in English (the switch keeps the keying session).
    await (await $t("lang-toggle")).click();
    await waitUntil(async () => (await screen()).stage === "paper" && /Paper/.test(await (await $t("keying-screen")).getText()), "the keying screen in English");
    await keyPaper("8", "en");
    await (await $t("lang-toggle")).click();
    await waitUntil(async () => /[\u4e00-\u9fff]/.test(await (await $t("keying-screen")).getText()) && (await screen()).stage === "paper", "the keying screen in Chinese again");

    // What was stored, as the CLI reads the app's store: each repetition an answer.
    const db = path.join(tmp, "data/muster/muster.db");
    const forms = JSON.parse(execFileSync(MUSTER, ["--json", "--db", db, "event", "list"], { encoding: "utf8" })).events
      .flatMap((e) => JSON.parse(execFileSync(MUSTER, ["--json", "--db", db, "form", "list", "--event", e.id], { encoding: "utf8" })).forms);
    const f = forms.find((x) => x.title === "入户调查");
    const report = JSON.parse(execFileSync(MUSTER, ["--json", "--db", db, "responses", "report", "--form", f.id], { encoding: "utf8" }));
    const q = Object.fromEntries(report.questions.map((x) => [x.name, x]));
    assert.equal(report.stored, 2);
    assert.equal(q.child_name.answered, 4);
    assert.equal(q.child_age.numeric.mean, 4);
    assert.equal(q.visit_hours.answered, 4);
    assert.equal(q.visit_hours.numeric.max, 6);
    await clickEl(await $t("keying-back"));
    await (await $t("forms-page")).waitForDisplayed({ timeout: T });
  });

  // ---- users, roles, PINs, the audit log, backups (issue 7) ------------------
  // Until now the laptop had no users: everybody acted as its admin. These
  // tests add users, so they come last.
  const ADMIN = { name: "安娜", pin: "1357" };
  const KEYER = { name: "小王", pin: "2468" };
  const COORD = { name: "陈老师", pin: "9753" };

  const who = () => browser.execute(() => ({
    name: document.querySelector('[data-testid="current-user"]')?.textContent ?? null,
    role: document.querySelector('[data-testid="user-badge"]')?.dataset.role ?? null,
    pin: !!document.querySelector('[data-testid="pin-screen"]'),
    nav: [...document.querySelectorAll('[data-testid^="nav-"]')].map((e) => e.dataset.testid),
    tabs: [...document.querySelectorAll('[data-testid^="tab-"]')].map((e) => e.dataset.testid),
  }));
  const pinMessage = () => browser.execute(() => {
    const m = document.querySelector('[data-testid="pin-message"]');
    return m ? { kind: m.dataset.kind ?? "", text: m.textContent.trim() } : null;
  });

  /** On the PIN screen: picks `name` with the arrow keys and Enter, types `pin` + Enter. */
  async function signIn({ name, pin }, { expectIn = true } = {}) {
    await (await $t("pin-screen")).waitForDisplayed({ timeout: T });
    if (await browser.execute(() => !!document.querySelector('[data-testid="pin-tiles"]'))) {
      await waitUntil(async () => (await browser.execute(() => document.activeElement?.dataset?.testid)) === "pin-tile", "a tile has the focus");
      // The focus starts on the last user who signed in here.
      const names = await browser.execute(() => [...document.querySelectorAll('[data-testid="pin-tile"]')].map((e) => e.dataset.name));
      for (let i = 0; i < 10; i++) {
        const focused = await browser.execute(() => document.activeElement?.dataset?.name ?? null);
        if (focused === name) break;
        await browser.keys([names.indexOf(focused) < names.indexOf(name) ? "ArrowRight" : "ArrowLeft"]);
      }
      assert.equal(await browser.execute(() => document.activeElement?.dataset?.name), name, `the arrow keys reach ${name}`);
      await browser.keys(["\uE007"]);
    }
    await waitUntil(async () => (await browser.execute(() => document.activeElement?.dataset?.testid)) === "pin-input", "the PIN field has the focus");
    assert.match(await (await $t("pin-who")).getText(), new RegExp(name));
    await pressEach([...pin, "\uE007"]);
    if (expectIn) await waitUntil(async () => { const w = await who(); return !w.pin && w.name === name; }, `${name} is signed in`);
  }

  async function addUser({ name, pin }, role, pin2 = pin) {
    await typeInto("user-name", name);
    if (role) await (await $t("user-role")).selectByAttribute("value", role);
    await typeInto("user-pin", pin);
    await typeInto("user-pin2", pin2);
    await clickEl(await $t("user-add"));
  }

  // ---- the programme: stops grouped, a person at two stops, a stop closed (issue 13) ----
  test("programme: a new programme from the create form, its stops grouped in date order, a person at both, a stop closed", async () => {
    const PROGRAMME = "第四次工业革命助力产业帮扶与乡村振兴";
    const db = path.join(tmp, "data/muster/muster.db");
    await clickEl(await $t("home"));
    await typeInto("create-name", "延安站");
    // Typed as people write a date in Chinese; said back as the day it is.
    await typeInto("create-starts", "2027年3月10日");
    assert.equal(await (await $t("create-starts-says")).getText(), "2027年3月10日 星期三");
    await (await $t("create-programme")).selectByAttribute("value", "\u0000new");
    await typeInto("create-programme-name", PROGRAMME);
    await shot("60-programme-create-zh");
    await clickEl(await $t("create-submit"));
    await (await $t("event-title")).waitForDisplayed({ timeout: T });
    await clickEl(await $t("home"));
    await typeInto("create-name", "灵寿站");
    await browser.execute(() => { const d = document.querySelector('[data-testid="create-starts"]'); d.value = "2026-11-20"; d.dispatchEvent(new Event("input")); });
    await waitUntil(async () => (await texts("create-programme")).some((x) => x.includes(PROGRAMME)), "the new programme is offered");
    const select = await $t("create-programme");
    const value = await browser.execute((sel, name) => [...sel.options].find((o) => o.text === name)?.value, select, PROGRAMME);
    await select.selectByAttribute("value", value);
    await clickEl(await $t("create-submit"));
    await (await $t("event-title")).waitForDisplayed({ timeout: T });
    await clickEl(await $t("home"));
    await waitUntil(async () => (await texts("programme-title")).some((x) => x.startsWith(PROGRAMME)), "the events are grouped by programme");
    const stops = await browser.execute((name) => {
      const g = [...document.querySelectorAll('[data-testid="programme-group"]')].find((x) => x.querySelector('[data-testid="programme-title"]').textContent.startsWith(name));
      return [...g.querySelectorAll('[data-testid="event-name"]')].map((x) => x.textContent);
    }, PROGRAMME);
    assert.deepEqual(stops, ["灵寿站", "延安站"], "stops in date order");
    assert.ok((await texts("programme-title")).some((x) => x.startsWith("其他培训")), "events of no programme are listed apart");
    await shot("61-programme-list-zh");

    // The same person registered at both stops (as two laptops would): linked on the card.
    const events = JSON.parse(execFileSync(MUSTER, ["--json", "--db", db, "event", "list"], { encoding: "utf8" })).events;
    const id = (n) => events.find((e) => e.name === n).id;
    for (const n of ["灵寿站", "延安站"]) {
      execFileSync(MUSTER, ["--json", "--db", db, "walkin", "--event", id(n), "--name", "王素梅", "--phone", "13812345678"], { encoding: "utf8" });
    }
    for (const c of await $$t("event-card")) if ((await c.getText()).includes("灵寿站")) { await clickEl(c); break; }
    await waitUntil(async () => (await $$t("roster-row")).length === 1, "the walk-in is on the roster");
    await waitUntil(async () => {
      await browser.execute(() => document.querySelector('[data-testid="roster-row"]')?.click());
      return (await $$t("trainee-dialog")).length > 0;
    }, "a click on the row opens its details");
    // Both stops, in date order (and 王素梅 of the imported roster too: the same name and mobile).
    await waitUntil(async () => (await $$t("trainee-history-stop")).length >= 2, "the card names both stops");
    const hist = await texts("trainee-history-stop");
    const at = (re) => hist.findIndex((x) => re.test(x));
    assert.ok(at(/2026-11-20 · 灵寿站/) >= 0 && at(/2026-11-20 · 灵寿站/) < at(/2027-03-10 · 延安站/), hist.join("\n"));
    await shot("62-trainee-history-zh");
    await browser.keys(["\uE00C"]);
    await waitUntil(async () => (await $$t("trainee-dialog")).length === 0, "the dialog closes");

    // Closing the stop: confirmed, then read-only (a walk-in is refused, in Chinese).
    await clickEl(await $t("event-edit"));
    await (await $t("event-dialog")).waitForDisplayed({ timeout: T });
    await shot("63-event-dialog-programme-zh");
    await clickEl(await $t("event-close"));
    await (await $t("event-close-confirm")).waitForDisplayed({ timeout: T });
    await clickEl(await $t("confirm-yes"));
    await waitUntil(async () => (await $$t("event-dialog")).length === 0, "the dialog closes");
    let refused = "";
    try {
      execFileSync(MUSTER, ["--json", "--db", db, "walkin", "--event", id("灵寿站"), "--name", "迟到者"], { encoding: "utf8" });
    } catch (e) {
      refused = e.stdout?.toString() ?? "";
    }
    assert.match(refused, /closed/, "a closed stop takes no walk-in");
    await clickEl(await $t("home"));
    await waitUntil(async () => (await $$t("event-closed")).length === 1, "the closed stop is marked on its card");
    await shot("64-programme-closed-zh");
    await (await $t("lang-toggle")).click();
    await waitUntil(async () => (await texts("programme-title")).some((x) => x.startsWith("Other events")), "the list in English");
    await shot("64-programme-closed-en");
    await (await $t("lang-toggle")).click();
    await waitUntil(async () => (await texts("programme-title")).some((x) => x.startsWith("其他培训")), "back in Chinese");
  });

  test("users: the first admin turns PINs on; the admin adds a keyer and a coordinator", async () => {
    await clickEl(await $t("home"));
    await (await $t("events-page")).waitForDisplayed({ timeout: T });
    assert.deepEqual((await who()).name, null, "no users: nobody's name in the header");
    await clickEl(await $t("nav-users"));
    await (await $t("users-page")).waitForDisplayed({ timeout: T });
    assert.match(await (await $t("users-none")).getText(), /添加第一位管理员即开启 PIN 码/);
    assert.equal(await (await $t("user-role")).getValue(), "admin");
    assert.equal(await (await $t("user-role")).isEnabled(), false, "the first user is an admin");
    await shot("60-users-none");

    await addUser(ADMIN);
    await waitUntil(async () => (await who()).name === ADMIN.name, "the first admin is signed in");
    await waitUntil(async () => (await $$t("user-row")).length === 1, "the Users screen lists the admin");
    assert.equal((await who()).role, "admin");
    // A long idle time while the users are set up (2 s "minutes": 60 s).
    await typeInto("idle-minutes", "30");
    await clickEl(await $t("idle-save"));
    await waitUntil(async () => (await browser.execute(() => [...document.querySelectorAll('[data-testid="toast"]')].map((e) => e.textContent).join(" "))).includes("30 分钟"), "the idle minutes are saved");

    // Two PINs that differ: nothing is added.
    await addUser(KEYER, "keyer", "2469");
    await waitUntil(async () => /不一致/.test(await (await $t("error-message")).getText().catch(() => "")), "the PINs differ");
    assert.equal((await $$t("user-row")).length, 1);
    await addUser(KEYER, "keyer");
    await waitUntil(async () => (await $$t("user-row")).length === 2, "the keyer is listed");
    await addUser(COORD, "coordinator");
    await waitUntil(async () => (await $$t("user-row")).length === 3, "the coordinator is listed");
    const rows = await browser.execute(() => [...document.querySelectorAll('[data-testid="user-row"]')].map((r) => [r.dataset.name, r.dataset.role]));
    assert.deepEqual(rows.sort(), [[ADMIN.name, "admin"], [KEYER.name, "keyer"], [COORD.name, "coordinator"]].sort());
    await shot("61-users");
  });

  test("users: Switch user → the keyer signs in by PIN and sees only keying; a wrong PIN says so", async () => {
    await clickEl(await $t("switch-user"));
    await (await $t("pin-screen")).waitForDisplayed({ timeout: T });
    assert.equal((await $$t("pin-tile")).length, 3);
    assert.equal((await who()).name, null, "nobody is signed in behind the PIN screen");
    await shot("62-pin-tiles");

    // A wrong PIN: the message says how many tries are left.
    await signIn({ name: KEYER.name, pin: "0000" }, { expectIn: false });
    await waitUntil(async () => (await pinMessage())?.kind === "wrong", "the wrong PIN is reported");
    assert.match((await pinMessage()).text, /PIN 码不正确，还可以再试 4 次/);
    assert.equal(await browser.execute(() => document.activeElement?.dataset?.testid), "pin-input", "the PIN field keeps the focus");
    await shot("63-pin-wrong");
    await pressEach([...KEYER.pin, "\uE007"]);
    await waitUntil(async () => { const w = await who(); return !w.pin && w.name === KEYER.name; }, "the keyer is signed in");
    assert.equal((await who()).role, "keyer");
    assert.deepEqual((await who()).nav, [], "no Users, Audit or Backup for a keyer");
    assert.equal(await (await $t("sync-badge")).isEnabled(), false, "a keyer cannot open the sync settings");

    // The events list without the create form; an event opens on its questionnaires.
    await (await $t("events-page")).waitForDisplayed({ timeout: T });
    assert.equal((await $$t("create-form")).length, 0);
    await openDemoEvent();
    await (await $t("forms-page")).waitForDisplayed({ timeout: T });
    assert.deepEqual((await who()).tabs, ["tab-forms"], "a keyer sees only the questionnaires");
    assert.equal((await $$t("form-import")).length, 0, "no form import");
    assert.equal((await $$t("form-results")).length, 0, "no results");
    assert.ok((await $$t("form-key")).length >= 1, "keying is there");
    assert.match(await (await $t("forms-keying-as")).getText(), new RegExp(KEYER.name));
    await shot("64-keyer");
    await clickEl((await $$t("form-key"))[0]);
    await (await $t("keying-screen")).waitForDisplayed({ timeout: T });
    await clickEl(await $t("keying-back"));
    await (await $t("forms-page")).waitForDisplayed({ timeout: T });
  });

  test("users: Ctrl+L → the coordinator sees the door, but not Users or Audit", async () => {
    await browser.action("key").down("\uE009").down("l").up("l").up("\uE009").perform();
    await (await $t("pin-screen")).waitForDisplayed({ timeout: T });
    await signIn(COORD);
    assert.equal((await who()).role, "coordinator");
    assert.deepEqual((await who()).nav, ["nav-backup", "nav-settings"], "Backup and Settings, but no Users or Audit");
    // The screen they were on (the questionnaires) is theirs too.
    await (await $t("forms-page")).waitForDisplayed({ timeout: T });
    assert.ok((await who()).tabs.includes("tab-checkin"), JSON.stringify((await who()).tabs));
    assert.equal((await $$t("form-key")).length, 0, "no keying for a coordinator");
    // The results of the double-entry form: the portrait and the
    // differences, without batch registration or resolving, and no refusal.
    await clickEl(await (await formItem("结业问卷")).$('[data-testid="form-results"]'));
    await (await $t("portrait-page")).waitForDisplayed({ timeout: T });
    await waitUntil(async () => (await $$t("diff-row")).length === 1, "the difference is listed");
    assert.equal((await $$t("error")).length, 0, "nothing the coordinator may not do was asked");
    assert.equal((await $$t("batch-add")).length + (await $$t("diff-resolve")).length + (await $$t("resolve-by")).length, 0);
    await clickEl(await $t("tab-checkin"));
    await (await $t("checkin-page")).waitForDisplayed({ timeout: T });
    await shot("65-coordinator-door");
  });

  test("audit: the admin's log lists the user additions and the wrong PIN, and exports", async () => {
    await clickEl(await $t("switch-user"));
    await signIn(ADMIN);
    assert.deepEqual((await who()).nav, ["nav-backup", "nav-users", "nav-audit", "nav-settings"]);
    await clickEl(await $t("nav-audit"));
    await (await $t("audit-page")).waitForDisplayed({ timeout: T });
    await (await $t("audit-action")).selectByAttribute("value", "user_add");
    await waitUntil(async () => (await $$t("audit-row")).length === 3, "three users were added");
    const lines = await browser.execute(() => [...document.querySelectorAll('[data-testid="audit-row"]')]
      .map((r) => ({ user: r.dataset.user, action: r.dataset.action, what: r.querySelector('[data-testid="audit-what"]').textContent, text: r.textContent })));
    assert.ok(lines.every((l) => l.action === "user_add"), JSON.stringify(lines));
    // The first admin was added by the user-less laptop's admin, the others by 安娜.
    assert.deepEqual(lines.map((l) => l.user).sort(), ["admin", ADMIN.name, ADMIN.name].sort(), JSON.stringify(lines));
    for (const u of [ADMIN, KEYER, COORD]) assert.ok(lines.some((l) => l.what.includes(u.name)), `${u.name} in ${JSON.stringify(lines)}`);
    assert.ok(lines.some((l) => /role=keyer/.test(l.text)), JSON.stringify(lines));
    await shot("66-audit-users");
    await (await $t("audit-action")).selectByAttribute("value", "sign_in_failed");
    await waitUntil(async () => (await $$t("audit-row")).length === 1, "the wrong PIN is in the log");
    assert.equal(await (await $t("audit-row")).getAttribute("data-user"), KEYER.name);
    // Worded in the app's language from the core's facts, not the CLI's English.
    assert.match(await (await $t("audit-what")).getText(), /PIN 码错误（第 1 次，共 5 次机会）/);
    await (await $t("audit-action")).selectByAttribute("value", "");
    await waitUntil(async () => (await $$t("audit-row")).length > 10, "all lines");
    await shot("67-audit-all");

    const csv = path.join(tmp, "审计日志.csv");
    await (await browser.$('[data-testid="audit-export-typed"] summary')).click();
    await typeInto("audit-export-path", csv);
    await clickEl(await $t("audit-export-save"));
    await waitUntil(async () => fs.existsSync(csv), "the audit CSV is written");
    const text = fs.readFileSync(csv, "utf8");
    assert.ok(text.startsWith("\uFEFF") && text.includes("user_add") && text.includes(KEYER.name), text.slice(0, 300));
  });

  test("backup: Back up writes the store to a file and shows its size", async () => {
    await clickEl(await $t("nav-backup"));
    await (await $t("backup-dialog")).waitForDisplayed({ timeout: T });
    const dest = path.join(tmp, "muster-备份.db");
    await (await browser.$('[data-testid="backup-typed"] summary')).click();
    await typeInto("backup-path", dest);
    await clickEl(await $t("backup-save"));
    await waitUntil(async () => /已备份到/.test(await (await $t("backup-result")).getText()), "the backup is reported");
    assert.ok(fs.existsSync(dest) && fs.statSync(dest).size > 4096, "the backup file is written");
    assert.match(await (await $t("backup-result")).getText(), /muster-备份\.db（[\d.]+ (KB|MB)）/);
    await shot("69-backup");
    await browser.keys(["Escape"]);
    await waitUntil(async () => (await $$t("backup-dialog")).length === 0, "the dialog closes");
  });

  test("idle: after the idle time without input the app locks and asks for a PIN", async () => {
    await clickEl(await $t("nav-users"));
    await (await $t("users-page")).waitForDisplayed({ timeout: T });
    // One "minute" is 2 s here (MUSTER_IDLE_MINUTE_SECS).
    await typeInto("idle-minutes", "1");
    await clickEl(await $t("idle-save"));
    const t0 = Date.now();
    await (await $t("pin-screen")).waitForDisplayed({ timeout: 15_000 });
    const waited = Date.now() - t0;
    assert.equal(await (await $t("pin-screen")).getAttribute("data-reason"), "idle");
    assert.equal((await who()).name, null);
    assert.ok(waited >= 1000, `locked after ${waited} ms`);
    console.log(`idle lock after ${waited} ms (limit 2000 ms)`);
    await shot("68-idle-lock");
    await signIn(ADMIN);
    await (await $t("users-page")).waitForDisplayed({ timeout: T });
    // Back to a long idle time for whatever comes next.
    await typeInto("idle-minutes", "30");
    await clickEl(await $t("idle-save"));
  });

  // ---- the day (issue 15) ----------------------------------------------------
  test("the day: a note typed at the desk shows large at the scan; a paper sheet is keyed back with the scanner; a session is closed", async () => {
    // Not anyone an earlier test checked in to day 2 (the queue test's pair depends on this run's codes).
    const used = new Set(["李建国", "王素梅", "张丽华", "刘洋", "赵敏", ...twoForTheQueue()]);
    const free = Object.keys(demoCodes).filter((n) => !used.has(n));
    assert.ok(free.length >= 4, JSON.stringify(Object.keys(demoCodes)));
    const [person, ...rest] = free;
    await openDemoEvent();
    await (await $t("tab-roster")).click();
    await typeInto("roster-search", person);
    await waitUntil(async () => (await $$t("roster-row")).length === 1, `search ${person} → one row`);
    await waitUntil(async () => {
      await browser.execute(() => document.querySelector('[data-testid="roster-row"]')?.click());
      return (await $$t("trainee-dialog")).length > 0;
    }, "a click on the row opens its details");
    await typeInto("trainee-edit-note", "需要轮椅通道");
    await clickEl(await $t("trainee-edit-save"));
    await waitUntil(async () => (await $$t("trainee-dialog")).length === 0, "the dialog closes when saved");

    await (await $t("tab-checkin")).click();
    await chooseSession(1);
    const noted = await scan(demoCodes[person]);
    assert.equal(noted.status, "checked_in", JSON.stringify(noted));
    assert.match(await (await $t("result-note")).getText(), /需要轮椅通道/);
    await shot("24-door-note");

    // The power failed for an hour: the signed sheet's rows are scanned back.
    await clickEl(await $t("mode-paper"));
    const rows = rest.slice(0, 3);
    for (const name of rows) {
      const r = await scan(demoCodes[name]);
      assert.equal(r.status, "checked_in", `${name}: ${JSON.stringify(r)}`);
      assert.equal(r.asked, false, "a paper row needs no confirmation, whatever the time");
      assert.equal(r.name, name);
    }
    await shot("25-door-paper");
    await (await $t("lang-toggle")).click();
    await waitUntil(async () => (await (await $t("mode-paper")).getText()) === "Key a paper sheet", "paper mode in English");
    await shot("25-door-paper-en");
    await (await $t("lang-toggle")).click();
    await waitUntil(async () => (await (await $t("mode-paper")).getText()) === "补录签到表", "back to Chinese");
    await clickEl(await $t("mode-in"));

    // The dashboard offers to close a session once it has ended.
    await (await $t("tab-dashboard")).click();
    await (await $t("dashboard")).waitForDisplayed({ timeout: T });
    const closable = await $$t("close-session");
    if (closable.length > 0) {
      await clickEl(closable[0]);
      await (await $t("close-session-dialog")).waitForDisplayed({ timeout: T });
      await browser.keys(["\uE007"]);
      await waitUntil(async () => (await $$t("close-session-dialog")).length === 0, "the close dialog answers");
      await shot("26-session-closed");
    }
  });

  // ---- questionnaires: the template, two keyers, verify mode (issues 15, 17) --
  test("forms: start from the portrait template; the same user's second entry is refused at the paper ID; verify mode settles a difference", async () => {
    await openDemoEvent();
    await (await $t("tab-forms")).click();
    await (await $t("forms-page")).waitForDisplayed({ timeout: T });
    const items = () => browser.execute(() => [...document.querySelectorAll('[data-testid="form-item"]')].map((e) => ({
      title: e.querySelector('[data-testid="form-title"]')?.textContent ?? "", counts: e.querySelector('[data-testid="form-counts"]')?.textContent ?? "" })));
    const before = (await items()).length;
    assert.match(await (await $t("form-template")).getText(), /XLSForm/);
    await clickEl(await $t("form-double"));
    await clickEl(await $t("form-template-start"));
    await waitUntil(async () => (await items()).length === before + 1, "the template becomes a questionnaire");
    const at = (await items()).findIndex((x) => /学员画像问卷/.test(x.title));
    assert.ok(at >= 0, JSON.stringify(await items()));
    assert.match((await items())[at].counts, /6 道题可录入/);
    const button = async (testid) => (await browser.$$('[data-testid="form-item"]'))[at].$(`[data-testid="${testid}"]`);
    // Double entry can be switched after the import: off, then on again.
    assert.match((await items())[at].counts, /双人录入/);
    await clickEl(await button("form-double-toggle"));
    await waitUntil(async () => !/双人录入/.test((await items())[at].counts), "double entry off");
    await clickEl(await button("form-double-toggle"));
    await waitUntil(async () => /双人录入/.test((await items())[at].counts), "double entry on again");
    // Saved to edit in Excel.
    const file = path.join(tmp, "portrait-template.xlsx");
    await (await browser.$('[data-testid="form-template-typed"] summary')).click();
    await typeInto("form-template-path", file);
    await clickEl(await $t("form-template-save-typed"));
    await waitUntil(async () => fs.existsSync(file) && fs.statSync(file).size > 1000, "the template is written");
    await shot("56-forms-template");
    await (await $t("lang-toggle")).click();
    await waitUntil(async () => /6 questions to key/.test((await items())[at].counts), "the list in English");
    await shot("56-forms-template-en");
    await (await $t("lang-toggle")).click();
    await waitUntil(async () => /6 道题可录入/.test((await items())[at].counts), "back to Chinese");

    const screen = () => browser.execute(() => {
      const v = document.querySelector('[data-testid="keying-screen"]');
      return { stage: v?.dataset.stage, keys: Number(v?.dataset.keystrokes ?? 0), saved: document.querySelectorAll('[data-testid="keying-saved-item"]').length,
        message: document.querySelector('[data-testid="keying-message"]')?.textContent ?? "", mismatch: document.querySelector('[data-testid="keying-mismatch"]')?.dataset.question ?? null,
        question: document.querySelector('[data-testid="keying-label"]')?.dataset.question ?? "" };
    });
    // One key at a time, each waited for (a saving Enter starts the next paper: its count restarts).
    const send = async (keys) => {
      for (const k of keys) {
        const s0 = await screen();
        await browser.keys([k]);
        await waitUntil(async () => { const s = await screen(); return s.keys > s0.keys || s.saved > s0.saved; }, `key ${k} taken`);
      }
    };
    // The signed-in admin keys paper 1 first: age 31–40, 女, farmer, valuable, opened a shop; no comment.
    await clickEl(await button("form-key"));
    await (await $t("keying-screen")).waitForDisplayed({ timeout: T });
    await browser.execute(() => document.activeElement?.blur());
    await send(["1", "\uE007", "2", "1", "1", "1", "1", "\uE007"]);
    await waitUntil(async () => (await screen()).stage === "complete", "the review");
    await send(["\uE007"]);
    await waitUntil(async () => (await screen()).saved === 1, "paper 1 saved");
    await clickEl(await $t("keying-back"));
    await (await $t("forms-page")).waitForDisplayed({ timeout: T });

    // The same user's second entry: refused at the paper ID, before any answer.
    await clickEl(await button("form-key-second"));
    await (await $t("keying-screen")).waitForDisplayed({ timeout: T });
    await browser.execute(() => document.activeElement?.blur());
    await send(["1", "\uE007"]);
    await waitUntil(async () => /第二遍必须换一个人录/.test((await screen()).message), "the same keyer is refused, in Chinese");
    assert.equal((await screen()).stage, "paper", "still on the paper ID");
    await shot("57-keying-second-same-user");
    await clickEl(await $t("keying-back"));
    await (await $t("forms-page")).waitForDisplayed({ timeout: T });

    // The keyer verifies it: gender keyed as 男 differs; 1 says the first entry was right.
    await browser.action("key").down("\uE009").down("l").up("l").up("\uE009").perform();
    await signIn(KEYER);
    await (await $t("forms-page")).waitForDisplayed({ timeout: T });
    await clickEl(await button("form-key-verify"));
    await (await $t("keying-verify")).waitForDisplayed({ timeout: T });
    await browser.execute(() => document.activeElement?.blur());
    await send(["1", "\uE007", "2", "2"]);
    await waitUntil(async () => (await screen()).mismatch === "gender", "the difference is shown at once");
    assert.match(await (await $t("mismatch-first")).getText(), /女/);
    assert.match(await (await $t("mismatch-keyed")).getText(), /男/);
    await send(["\uE007"]);
    assert.equal((await screen()).mismatch, "gender", "the scanner's Enter does not settle it");
    await shot("58-keying-verify-mismatch");
    await send(["1"]);
    await waitUntil(async () => (await screen()).question === "occupation", "1: the first entry's value; on to the next question");
    await send(["1", "1", "1", "\uE007"]);
    await waitUntil(async () => (await screen()).stage === "complete", "the review");
    await send(["\uE007"]);
    await waitUntil(async () => (await screen()).saved === 1, "the verified paper is saved");
    await clickEl(await $t("keying-back"));
    await (await $t("forms-page")).waitForDisplayed({ timeout: T });
    await browser.action("key").down("\uE009").down("l").up("l").up("\uE009").perform();
    await signIn(ADMIN);

    // 安娜 corrects her paper 1: it opens with its answers; Enter keeps one, a key changes one.
    await (await $t("forms-page")).waitForDisplayed({ timeout: T });
    await clickEl(await button("form-key"));
    await (await $t("keying-screen")).waitForDisplayed({ timeout: T });
    await typeInto("correct-paper", "1");
    await typeInto("correct-reason", "职业看错了");
    await clickEl(await $t("correct-open"));
    await waitUntil(async () => (await screen()).question === "age_bracket", "the saved paper opens at its first question");
    await shot("59-keying-correct");
    await browser.execute(() => document.activeElement?.blur());
    await send(["\uE007", "\uE007", "2", "\uE007", "\uE007", "\uE007"]);
    await waitUntil(async () => (await screen()).stage === "complete", "the corrected paper's review");
    try {
      await send(["\uE007"]);
    } catch (e) {
      await shot("59-keying-correct-FAILED");
      const err = await browser.execute(() => document.querySelector('[data-testid="error"]')?.textContent ?? null);
      throw new Error(`${e.message}: ${err}`);
    }
    await waitUntil(async () => (await browser.execute(() => document.querySelector('[data-testid="keying-saved-item"]')?.dataset.corrected)) === "true", "saved as a correction");
    assert.match(await (await $t("keying-saved")).getText(), /已修改 1/);
    await clickEl(await $t("keying-back"));
    await (await $t("forms-page")).waitForDisplayed({ timeout: T });
  });

  // ---- Chinese all the way (issue 17, 5) ---------------------------------------
  /** Runs of five or more Latin words on the page: an English sentence left in the Chinese UI. */
  const englishSentences = () => browser.execute(() => {
    const text = document.body.innerText;
    const runs = text.match(/[A-Za-z][A-Za-z'’-]*(?:[ ,;:]+[A-Za-z][A-Za-z'’-]*){4,}/g) ?? [];
    // File paths and URLs are not sentences.
    return runs.filter((r) => !/[\/\\]/.test(r));
  });
  test("zh: no English sentence on any screen (messages from the core are worded in Chinese)", async () => {
    const seen = {};
    const look = async (name) => {
      await sleep(300);
      const found = await englishSentences();
      if (found.length) seen[name] = found;
    };
    // Dates follow the app's language, not the system's locale: the new
    // event's day is ISO in its box and said in Chinese beside it; no
    // 11/20/2026 anywhere (a box's value is not in innerText: read it).
    await clickEl(await $t("home"));
    await (await $t("create-starts")).waitForDisplayed({ timeout: T });
    await browser.execute(() => { const d = document.querySelector('[data-testid="create-starts"]'); d.value = "2026-11-20"; d.dispatchEvent(new Event("input")); });
    assert.equal(await (await $t("create-starts-says")).getText(), "2026年11月20日 星期五");
    const usDates = () => browser.execute(() => [document.body.innerText, ...[...document.querySelectorAll("input")].map((i) => i.value)].join("\n").match(/\b\d{1,2}\/\d{1,2}\/\d{4}\b/g) ?? []);
    assert.deepEqual(await usDates(), [], "no month/day/year date on the events screen");
    await look("events");
    await openDemoEvent();
    assert.equal(await (await $t("tab-checkin")).getText(), "签到", "the UI is in Chinese");
    // The session dialog: its day and its 24-hour time.
    await clickEl((await $$t("session-edit"))[0]);
    await (await $t("session-dialog")).waitForDisplayed({ timeout: T });
    assert.match(await (await $t("session-edit-starts")).getValue(), /^\d{4}-\d{2}-\d{2}$/);
    assert.match(await (await $t("session-edit-starts-time")).getValue(), /^\d{2}:\d{2}$/);
    assert.match(await (await $t("session-edit-starts-says")).getText(), /^\d{4}年\d{1,2}月\d{1,2}日 星期[一二三四五六日]$/);
    assert.deepEqual(await usDates(), [], "no month/day/year date in the session dialog");
    await shot("06e-session-dates-zh");
    await look("session dialog");
    await browser.keys("\uE00C");
    await (await $t("session-dialog")).waitForDisplayed({ timeout: T, reverse: true });
    for (const tab of ["roster", "checkin", "dashboard", "report", "duplicates", "certificates", "forms"]) {
      const el = await $$t(`tab-${tab}`);
      if (!el.length) continue;
      await clickEl(el[0]);
      await look(tab);
    }
    // The import preview of the GB18030 roster: its notes in Chinese too.
    await clickEl(await $t("tab-roster"));
    const imp = await $$t("open-import");
    if (imp.length) {
      await clickEl(imp[0]);
      await typeInto("import-path", path.join(tmp, "roster-gb18030.csv"));
      await clickEl(await $t("import-preview"));
      await (await $t("preview")).waitForDisplayed({ timeout: T });
      await look("import preview");
      // A roster with more unknown columns than a message lists: the
      // rest counted in Chinese, not "and 5 more".
      const many = path.join(tmp, "many-columns.csv");
      const extra = Array.from({ length: 25 }, (_, i) => `备用${i + 1}`);
      fs.writeFileSync(many, `姓名,手机,${extra.join(",")}\n王小明,13812345678,${extra.map(() => "x").join(",")}\n`);
      await typeInto("import-path", many);
      await clickEl(await $t("import-preview"));
      await waitUntil(async () => /备用20/.test(await browser.execute(() => document.body.innerText)), "the unknown columns are listed");
      const said = await browser.execute(() => document.body.innerText);
      assert.match(said, /及另外 5 项/, "the list's rest is counted in Chinese");
      assert.doesNotMatch(said, /and \d+ more/);
      await look("import preview, many columns");
      await openDemoEvent();
    }
    // A wrong code at the door, and a half one: said in Chinese.
    await clickEl(await $t("tab-checkin"));
    await chooseSession(0);
    for (const code of ["ABC#", "ZZ"]) {
      await (await $t("scan-input")).addValue(`${code}\uE007`);
      await sleep(400);
      await look(`door ${code}`);
    }
    for (const nav of ["nav-settings", "nav-users", "nav-audit"]) {
      const el = await $$t(nav);
      if (!el.length) continue;
      await clickEl(el[0]);
      await look(nav);
    }
    assert.deepEqual(seen, {}, "English sentences on the Chinese screens");
  });

  // ---- organisation (issue 12) ---------------------------------------------
  test("organisation: a join code read by the scanner joins the laptop; it syncs and certificates name the organisation", async () => {
    const store = `sqlite:${path.join(tmp, "org-server.db")}`;
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const org = "第四次工业革命项目办公室";
    const init = JSON.parse(execFileSync(MUSTER, ["--json", "server", "init", "--store", store, "--org", org, "--public-url", url], { encoding: "utf8" }));
    assert.equal(init.key_id.length, 16);
    const pair = JSON.parse(execFileSync(MUSTER, ["--json", "server", "device", "add", "--store", store, "--name", "灵寿 1 号机"], { encoding: "utf8" }));
    assert.match(pair.join, /^MJ1[0-9A-Z]+$/);
    const server = start(MUSTER, ["serve", "--store", store, "--listen", `127.0.0.1:${port}`], process.env);
    try {
      await waitForPort(port, 15_000);
      await clickEl(await $t("nav-settings"));
      await (await $t("settings-page")).waitForDisplayed({ timeout: T });
      await (await $t("join-code")).waitForDisplayed({ timeout: T });
      await shot("33-org-join");
      // As the USB scanner types it: a burst of keys ending in Enter.
      await (await $t("join-code")).click();
      await pressEach([...pair.join, "\uE007"]);
      await waitUntil(async () => (await $$t("org-name")).length === 1, "the organisation is shown", 20_000);
      assert.equal(await (await $t("org-name")).getText(), org);
      assert.match((await syncResult()).text, new RegExp(`已加入：${org}`));
      assert.equal(await (await $t("sync-url")).getValue(), url, "the join code set the server");
      await shot("34-org-joined");
      await (await $t("lang-toggle")).click();
      await waitUntil(async () => /Organisation/.test(await (await $t("org-card")).getText()), "the card in English");
      assert.match(await (await $t("org-card")).getText(), /Laptops certified: 1 · organisation key [0-9a-f]{4} /);
      await shot("34-org-joined-en");
      await (await $t("lang-toggle")).click();
      await waitUntil(async () => /所属机构/.test(await (await $t("org-card")).getText()), "back to Chinese");
      await (await $t("sync-now")).click();
      try {
        await waitUntil(async () => (await badgeState()).pending === "0" && (await badgeState()).state === "idle", "the laptop syncs with what the join stored", 40_000);
      } catch (e) {
        throw new Error(`${e.message}: badge ${JSON.stringify(await badgeState())}, result ${JSON.stringify(await syncResult())}`);
      }
      const { devices } = JSON.parse(execFileSync(MUSTER, ["--json", "server", "device", "list", "--store", store], { encoding: "utf8" }));
      assert.ok(devices.find((d) => d.name === "灵寿 1 号机")?.changes > 0, JSON.stringify(devices));
    } finally {
      server.kill("SIGTERM");
    }
  });
});
