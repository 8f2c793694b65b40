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
// WEBKIT_WEBDRIVER (default /usr/bin/WebKitWebDriver), DISPLAY (else an Xvfb
// is started here).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
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
const NATIVE_DRIVER = process.env.WEBKIT_WEBDRIVER ?? "/usr/bin/WebKitWebDriver";
const PORT = Number(process.env.TAURI_DRIVER_PORT ?? 4444);
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

const children = [];
function start(cmd, args, env) {
  const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
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

async function typeInto(id, text) {
  const el = await $t(id);
  await el.waitForDisplayed({ timeout: T });
  await el.click();
  await el.clearValue();
  await el.setValue(text);
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
  };
  await ensureDisplay(env);
  fs.copyFileSync(path.join(here, "fixtures/roster-gb18030.csv"), path.join(tmp, "roster-gb18030.csv"));

  driver = start(findTauriDriver(), ["--port", String(PORT), "--native-driver", NATIVE_DRIVER], env);
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

after(async () => {
  try {
    if (browser) await browser.deleteSession();
  } catch {
    // the app may already be gone
  }
  for (const c of children.reverse()) {
    if (c.exitCode === null) c.kill("SIGTERM");
  }
  await sleep(300);
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  if (tmp && !process.env.KEEP_E2E_TMP) fs.rmSync(tmp, { recursive: true, force: true });
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
    const ids = await browser.$$(".roster-table tbody td:nth-child(5)");
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

    await typeInto("roster-search", "没有这个人");
    await (await $t("roster-nomatch")).waitForDisplayed({ timeout: T });

    // Escape clears the search and the whole roster is back.
    await (await $t("roster-search")).click();
    await browser.keys("Escape");
    await waitUntil(async () => (await $$t("roster-row")).length === 6, "Escape restores the roster");
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
});
