// Screen (d): check-in at the door, keyboard first.
//
// One big input that keeps the focus. A USB scanner types a code and Enter:
// that checks the trainee into the chosen session at once. Typing shows live
// results (name, pinyin, initials, mobile's last four, code); Enter checks in
// the highlighted (first) one. The confirmation panel shows the name large, a
// colour and a beep per outcome. A session that has not started or has ended
// asks first (Enter = confirm, Esc = cancel). Sign-out mode, walk-ins.

import { api, type MarkSource, type MarkWho } from "../api";
import type { Event } from "../bindings/Event";
import type { MarkOutcome } from "../bindings/MarkOutcome";
import type { Session } from "../bindings/Session";
import type { Trainee } from "../bindings/Trainee";
import { clear, debounce, h, later, on, untilAbort } from "../dom";
import {
  clockTime, defaultSession, enterAction, isBurst, localMinute, outcomeLine, outcomeTone, sessionTiming,
} from "../door";
import { errorMessage, errorTitle, formatDateTime, formatPhone, maskId, type UiError } from "../format";
import { role } from "../session";
import { t } from "../i18n";
import { beep, warmUp } from "../sound";
import { loadInto, confirmDialog, errorBox, field, modalOpen, openModal, type Ctx } from "../ui";
import { eventHeader, eventTabs, findEvent } from "./event";

/** Live results wait this long after the last keystroke (a scanner's burst is faster). */
export const DOOR_DEBOUNCE_MS = 60;
/** Live results shown under the input. */
const RESULTS = 5;
/** Lines in the "recent on this laptop" list. */
const RECENT = 4;

type Mode = "in" | "out";

type RecentItem = { name: string; code: string; line: string; tone: "ok" | "warn" | "error" };

/** Recent outcomes per session, kept while the app runs (across screens). */
const recent = new Map<string, RecentItem[]>();

function sessionLabel(s: Session): string {
  return `${formatDateTime(s.starts_at)}–${clockTime(s.ends_at)}  ${s.title}`;
}

function isField(el: Element | null): boolean {
  return !!el && (el.tagName === "INPUT" || el.tagName === "SELECT" || el.tagName === "TEXTAREA" || (el as HTMLElement).isContentEditable);
}

export async function renderCheckin(root: HTMLElement, ctx: Ctx, id: string, signal: AbortSignal): Promise<void> {
  const loaded = await loadInto(root, async () => {
    const ev = await findEvent(id);
    return ev && { ev, sessions: await api.listSessions(id) };
  }, id, signal);
  if (!loaded) return;
  const event = loaded.ev;
  const sessions = [...loaded.sessions].sort((a, b) => a.starts_at.localeCompare(b.starts_at));
  const page = h("div", { class: "page page-door", testid: "checkin-page" },
    eventHeader(event, ctx),
    eventTabs(event, ctx, "checkin"),
  );
  root.appendChild(page);
  if (sessions.length === 0) {
    page.appendChild(h("div", { class: "card empty-line muted", testid: "checkin-no-sessions" }, t("door.no_sessions")));
    return;
  }

  let session: Session = defaultSession(sessions, localMinute(new Date())) ?? sessions[0];
  let mode: Mode = "in";

  // ---- toolbar: session, mode, counter, walk-in ----------------------------
  const select = h("select", { class: "select session-select", testid: "checkin-session", "aria-label": t("door.session") },
    sessions.map((s) => h("option", { value: s.id, selected: s.id === session.id }, sessionLabel(s))),
  );
  const modeIn = h("button", { type: "button", class: "seg on", testid: "mode-in" }, t("door.mode.in"));
  const modeOut = h("button", { type: "button", class: "seg", testid: "mode-out" }, t("door.mode.out"));
  const counter = h("div", { class: "door-counter", testid: "checkin-counter" });
  const walkBtn = h("button", { class: "btn btn-secondary", type: "button", testid: "open-walkin" }, "+ ", t("door.walkin"));

  // ---- scan input and live results -----------------------------------------
  const input = h("input", {
    type: "text", class: "scan-input", testid: "scan-input", autocomplete: "off", spellcheck: "false",
    placeholder: t("door.input.placeholder"), "aria-label": t("door.input.placeholder"),
  });
  const hint = h("div", { class: "scan-hint muted" });
  const resultsList = h("ol", { class: "door-results", testid: "door-results" });

  // ---- confirmation panel and recent list ---------------------------------
  const panel = h("section", { class: "result-panel tone-idle", testid: "checkin-result", "data-status": "idle", "data-seq": "0", "aria-live": "assertive" });
  const recentList = h("ol", { class: "recent-list", testid: "recent-list" });

  let shown: { query: string; rows: Trainee[] } = { query: "", rows: [] };
  let selected = 0;
  let searchSeq = 0;
  let renderSeq = 0;

  const setHint = () => { hint.textContent = t(mode === "in" ? "door.input.hint" : "door.input.hint.out"); };

  const tips = h("ul", { class: "door-tips", testid: "door-tips" },
    h("li", null, h("span", { class: "tip-icon", "aria-hidden": "true" }, "▮▯▮"), t("door.tip.scan")),
    h("li", null, h("span", { class: "tip-icon", "aria-hidden": "true" }, "拼"), t("door.tip.search")),
    h("li", null, h("span", { class: "tip-icon", "aria-hidden": "true" }, "↵"), t("door.tip.keys")),
  );
  const renderResults = () => {
    clear(resultsList);
    if (!shown.query) {
      resultsList.appendChild(h("li", null, tips));
      return;
    }
    if (shown.rows.length === 0) {
      resultsList.appendChild(h("li", { class: "door-result-none muted", testid: "door-noresult" }, t("door.results.none", { q: shown.query })));
      return;
    }
    shown.rows.forEach((tr, i) => {
      const tail = tr.phone && tr.phone.length >= 4 ? `…${tr.phone.slice(-4)}` : "";
      resultsList.appendChild(
        h("li", null,
          h("button", {
            type: "button", tabindex: "-1", class: `door-result${i === selected ? " on" : ""}`, testid: "door-result",
            "data-trainee-id": tr.id,
            onmousedown: (e: MouseEvent) => e.preventDefault(), // keep the focus in the input
            onclick: () => { const t0 = performance.now(); resetInput(); void mark({ traineeId: tr.id }, "search", t0, tr.name, tr.name); },
          },
            h("span", { class: "door-result-name", testid: "door-result-name" }, tr.name),
            tr.walk_in ? h("span", { class: "chip chip-muted" }, t("door.walkin.badge")) : null,
            h("span", { class: "door-result-meta mono" }, tr.code ?? ""),
            h("span", { class: "door-result-meta" }, [tail, tr.organization ?? ""].filter(Boolean).join(" · ")),
            i === selected ? h("kbd", { class: "door-enter" }, "↵ ", t("door.results.enter")) : null,
          ),
        ),
      );
    });
  };

  const runSearch = debounce(async (query: string) => {
    const mine = ++searchSeq;
    if (!query) {
      shown = { query: "", rows: [] };
      renderResults();
      return;
    }
    // Enter may have taken (and cleared) the input since the keystroke.
    if (query !== input.value.trim()) return;
    try {
      const rows = await untilAbort(api.search(event.id, query, RESULTS), signal);
      if (mine !== searchSeq || query !== input.value.trim()) return;
      shown = { query, rows };
      selected = 0;
      renderResults();
    } catch {
      // the search box is a convenience; Enter reports errors properly
    }
  }, DOOR_DEBOUNCE_MS, signal);

  const resetInput = () => {
    input.value = "";
    searchSeq++; // drop answers in flight
    shown = { query: "", rows: [] };
    renderResults();
  };

  // ---- outcome rendering ---------------------------------------------------
  const stamp = (status: string, t0: number) => {
    panel.dataset.status = status;
    panel.dataset.seq = String(++renderSeq);
    // Time from Enter to the confirmation being in the DOM, then painted.
    panel.dataset.latencyMs = (performance.now() - t0).toFixed(1);
    delete panel.dataset.paintMs;
    const seq = panel.dataset.seq;
    requestAnimationFrame(() => setTimeout(() => {
      if (panel.dataset.seq === seq) panel.dataset.paintMs = (performance.now() - t0).toFixed(1);
    }, 0));
  };

  /** The beep goes right after the frame with the confirmation: starting
   *  the audio device can block, and the colour must not wait for it. */
  const beepAfterPaint = (tone: "ok" | "warn" | "error") =>
    requestAnimationFrame(() => setTimeout(() => beep(tone), 0));

  const pushRecent = (item: RecentItem) => {
    const list = recent.get(session.id) ?? [];
    list.unshift(item);
    list.length = Math.min(list.length, RECENT);
    recent.set(session.id, list);
    renderRecent();
  };

  const renderRecent = () => {
    clear(recentList);
    const list = recent.get(session.id) ?? [];
    if (list.length === 0) recentList.appendChild(h("li", { class: "muted recent-empty" }, t("door.recent.empty")));
    for (const r of list) {
      recentList.appendChild(h("li", { class: `recent tone-${r.tone}`, testid: "recent-item" },
        h("span", { class: "recent-dot", "aria-hidden": "true" }),
        h("span", { class: "recent-name" }, r.name),
        h("span", { class: "recent-line muted" }, r.line),
      ));
    }
  };

  const showOutcome = (o: MarkOutcome, t0: number) => {
    const tone = outcomeTone(o);
    const line = outcomeLine(o);
    panel.className = `result-panel tone-${tone}`;
    panel.replaceChildren(
      h("div", { class: "result-status", testid: "result-status" },
        h("span", { class: "result-icon", "aria-hidden": "true" }, tone === "ok" ? "✓" : "!"),
        t(`door.status.${o.status}`),
        o.late ? h("span", { class: "chip chip-late", testid: "result-late" }, t("door.late")) : null,
      ),
      h("div", { class: "result-name", testid: "result-name" }, o.trainee.name),
      h("div", { class: "result-line", testid: "result-line" }, line),
      h("div", { class: "result-meta" },
        o.trainee.code ? h("span", { class: "mono result-code", testid: "result-code" }, o.trainee.code) : null,
        o.trainee.walk_in ? h("span", { class: "chip chip-muted" }, t("door.walkin.badge")) : null,
        o.trainee.organization ? h("span", null, o.trainee.organization) : null,
        o.trainee.phone ? h("span", { class: "mono" }, formatPhone(o.trainee.phone)) : null,
        o.trainee.id_number ? h("span", { class: "mono" }, maskId(o.trainee.id_number)) : null,
      ),
    );
    stamp(o.status, t0);
    beepAfterPaint(tone);
    pushRecent({ name: o.trainee.name, code: o.trainee.code ?? "", line, tone });
    later(0, () => void refreshCounter(), signal);
  };

  const showProblem = (status: string, title: string, body: string, detail: string | null, t0: number, tone: "error" | "idle" = "error") => {
    panel.className = `result-panel tone-${tone}`;
    panel.replaceChildren(
      h("div", { class: "result-status", testid: "result-status" },
        h("span", { class: "result-icon", "aria-hidden": "true" }, tone === "error" ? "✕" : "–"), title),
      h("div", { class: "result-body", testid: "result-body" }, body),
      detail ? h("div", { class: "result-detail muted", testid: "result-detail" }, detail) : "",
    );
    stamp(status, t0);
    if (tone === "error") beepAfterPaint("error");
  };

  /** `name`: the trainee's name when known, for the messages that name a person. */
  const showError = (e: UiError, typed: string, t0: number, name: string | null = null) => {
    let title = errorTitle(e.code);
    let body = errorMessage(e, role());
    let detail: string | null = null;
    if (e.kind === "not_a_code" || e.kind === "other_event") {
      // Chosen by the error's kind; the core's message (shown below) says why:
      // a character no code has, half a code, a check symbol, another event.
      title = t("door.err.bad_code");
      body = t("door.err.bad_code.body", { q: typed });
      detail = e.message;
    } else if (e.code === "not_found" && typed) {
      title = t("door.err.unknown_code");
      body = t("door.err.unknown_code.body", { q: typed });
      detail = e.message;
    } else if (e.code === "conflict" && mode === "out") {
      title = t("door.err.not_in");
      body = t("door.err.not_in.body", { name: name ?? typed });
      detail = e.message;
    }
    showProblem(`error:${e.code}`, title, body, detail, t0);
    pushRecent({ name: name ?? (typed || "—"), code: "", line: title, tone: "error" });
  };

  /** Checks in (or signs out) `who`; asks first outside the session's times. */
  const mark = async (who: MarkWho, source: MarkSource, t0: number, typed: string, name: string | null) => {
    const call = mode === "in" ? api.checkIn : api.checkOut;
    const s = session;
    /** The trainee's name for a message: known from search, else looked up by code. */
    const nameOf = async (): Promise<string | null> => {
      if (name || !("code" in who)) return name;
      try { return (await untilAbort(api.search(event.id, who.code, 1), signal))[0]?.name ?? null; } catch { return null; }
    };
    try {
      showOutcome(await untilAbort(call(event.id, s.id, who, false, source), signal), t0);
    } catch (err) {
      const e = err as UiError;
      if (e.code === "conflict") return showError(e, typed, t0, await nameOf());
      if (e.code !== "needs_confirmation") return showError(e, typed, t0);
      const who_name = await nameOf();
      const timing = sessionTiming(s, localMinute(new Date()));
      const ended = timing === "ended";
      const ok = await untilAbort(confirmDialog({
        title: t(ended ? "door.confirm.title.ended" : "door.confirm.title.not_started"),
        body: t(ended ? "door.confirm.body.ended" : "door.confirm.body.not_started", {
          session: s.title, starts: formatDateTime(s.starts_at), ends: formatDateTime(s.ends_at), name: who_name ?? t("door.this_trainee"),
        }),
        detail: e.message,
        yes: t("door.confirm.yes"),
        signal,
      }), signal);
      input.focus();
      const t1 = performance.now();
      if (!ok) {
        showProblem("cancelled", t("door.cancelled"), who_name ?? typed, null, t1, "idle");
        return;
      }
      try {
        showOutcome(await untilAbort(call(event.id, s.id, who, true, source), signal), t1);
      } catch (err2) {
        showError(err2 as UiError, typed, t1, who_name);
      }
    }
  };

  /**
   * Enter in the scan box: a complete code, a scanner's burst or a code-like
   * fragment checks in by code (the core refuses garbage and half codes and
   * says why); a name, pinyin or mobile digits checks in the highlighted hit.
   */
  const onEnter = async (raw: string, t0: number, burst: boolean) => {
    const action = enterAction(raw, burst);
    if (action.kind === "none") return;
    if (action.kind === "code") return mark({ code: action.code }, "scan", t0, action.code, null);
    const q = action.query;
    let hit: Trainee | undefined;
    if (shown.query === q && shown.rows.length > 0) {
      hit = shown.rows[Math.min(selected, shown.rows.length - 1)];
    } else {
      try {
        hit = (await untilAbort(api.search(event.id, q, 1), signal))[0];
      } catch (e) {
        return showError(e as UiError, q, t0);
      }
    }
    if (hit) return mark({ traineeId: hit.id }, "search", t0, hit.name, hit.name);
    showProblem("error:no_match", t("door.err.no_match"), t("door.err.no_match.body", { q }), null, t0);
  };

  // Times of the keys typed since the box was last empty: a scanner's burst.
  let keyTimes: number[] = [];
  input.addEventListener("input", () => {
    if (!input.value) keyTimes = [];
    runSearch(input.value.trim());
  });
  input.addEventListener("keydown", (e) => {
    if (e.isComposing) return; // an IME is choosing characters
    if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) {
      if (!input.value) keyTimes = [];
      keyTimes.push(performance.now());
    }
    if (e.key === "Enter") {
      e.preventDefault();
      const t0 = performance.now();
      const raw = input.value;
      const burst = isBurst(keyTimes, t0);
      panel.dataset.burst = String(burst);
      keyTimes = [];
      // The query's shown results are used by onEnter before the reset.
      const snapshot = { ...shown };
      const sel = selected;
      resetInput();
      shown = snapshot;
      selected = sel;
      void onEnter(raw, t0, burst).finally(() => {
        if (!input.value) {
          shown = { query: "", rows: [] };
          renderResults();
        }
      });
    } else if (e.key === "Escape") {
      resetInput();
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (shown.rows.length === 0) return;
      e.preventDefault();
      selected = (selected + (e.key === "ArrowDown" ? 1 : shown.rows.length - 1)) % shown.rows.length;
      renderResults();
    }
  });

  // Keep the focus in the scan box: a scanner types wherever the focus is.
  const keepFocus = () => {
    if (input.isConnected && !modalOpen() && !isField(document.activeElement)) input.focus();
  };
  input.addEventListener("blur", () => later(0, keepFocus, signal));
  const onDocKey = (e: KeyboardEvent) => {
    if (modalOpen() || isField(e.target as Element)) return;
    if (e.key.length === 1 || e.key === "Enter") input.focus();
  };
  on(document, "keydown", onDocKey, signal, { capture: true });

  // ---- counter --------------------------------------------------------------
  const refreshCounter = async () => {
    try {
      const board = await untilAbort(api.dashboard(event.id), signal);
      const mine = board.find((b) => b.session.id === session.id);
      if (!mine) return;
      counter.replaceChildren(
        h("span", { class: "door-counter-num", testid: "checkin-arrived" }, String(mine.session.arrived)),
        h("span", { class: "door-counter-of" }, `/ ${mine.session.expected}`),
        h("span", { class: "door-counter-label" }, t("dash.arrived")),
      );
    } catch {
      counter.textContent = "";
    }
  };

  select.addEventListener("change", () => {
    session = sessions.find((s) => s.id === select.value) ?? session;
    renderRecent();
    void refreshCounter();
    input.focus();
  });
  const setMode = (m: Mode) => {
    mode = m;
    modeIn.classList.toggle("on", m === "in");
    modeOut.classList.toggle("on", m === "out");
    page.classList.toggle("mode-out", m === "out");
    setHint();
    input.focus();
  };
  modeIn.addEventListener("click", () => setMode("in"));
  modeOut.addEventListener("click", () => setMode("out"));
  walkBtn.addEventListener("click", () => openWalkIn(event, (tr) => {
    void mark({ traineeId: tr.id }, "manual", performance.now(), tr.name, tr.name);
  }, signal));

  panel.append(
    h("div", { class: "result-status" }, h("span", { class: "result-icon", "aria-hidden": "true" }, "⌁"), t("door.idle.title")),
    h("div", { class: "result-body muted" }, t("door.idle.body")),
    // Loads the large bold faces (CJK and Latin) before the first scan, so
    // the first confirmation does not wait for a font file.
    h("div", { class: "font-warm", "aria-hidden": "true" },
      h("span", { class: "result-name" }, "签到王素梅 Aa"), h("span", { class: "result-line" }, "签到 Checked in 08:41"),
      h("span", { class: "result-code" }, "7KQ2MX")),
  );
  setHint();
  renderRecent();
  renderResults();

  page.append(
    h("div", { class: "door-toolbar" },
      field(t("door.session"), select, "door-session"),
      h("div", { class: "field door-mode" },
        h("span", { class: "field-label" }, t("door.mode.label")),
        h("div", { class: "segmented", role: "group" }, modeIn, modeOut)),
      counter,
      h("div", { class: "door-toolbar-end" }, walkBtn),
    ),
    h("div", { class: "door-grid" },
      h("section", { class: "card scan-card" }, input, hint, resultsList),
      h("div", { class: "door-side" },
        panel,
        h("section", { class: "card recent-card" }, h("h2", { class: "card-title" }, t("door.recent")), recentList),
      ),
    ),
  );
  input.focus();
  void refreshCounter();
  warmUp();
}

/** The walk-in form in a dialog; `onCheckIn` checks the new trainee in. */
function openWalkIn(event: Event, onCheckIn: (t: Trainee) => void, signal: AbortSignal): void {
  const name = h("input", { type: "text", maxlength: 60, autocomplete: "off", testid: "walkin-name" });
  const phone = h("input", { type: "text", inputmode: "numeric", maxlength: 20, autocomplete: "off", testid: "walkin-phone" });
  const idNumber = h("input", { type: "text", maxlength: 30, autocomplete: "off", testid: "walkin-id" });
  const errorSlot = h("div", { class: "error-slot" });
  const submit = h("button", { class: "btn btn-primary", type: "submit", testid: "walkin-submit" }, t("walkin.submit"));
  const body = h("div", { class: "walkin-body" });
  const form = h("form", {
    class: "walkin-form", novalidate: true,
    onsubmit: async (e: SubmitEvent) => {
      e.preventDefault();
      clear(errorSlot);
      if (!name.value.trim() || !phone.value.trim()) {
        errorSlot.appendChild(errorBox({ code: "invalid_input", message: t("walkin.required"), file: null, line: null, field: !name.value.trim() ? "name" : "phone" } as UiError));
        (!name.value.trim() ? name : phone).focus();
        return;
      }
      submit.disabled = true;
      try {
        const w = await untilAbort(api.walkIn(event.id, name.value.trim(), phone.value.trim(), idNumber.value.trim() || null), signal);
        const checkIn = h("button", { class: "btn btn-primary", type: "button", testid: "walkin-checkin" }, t("walkin.checkin"));
        const done = h("button", { class: "btn btn-secondary", type: "button", testid: "walkin-close" }, t("walkin.close"));
        body.replaceChildren(
          h("div", { class: "alert alert-ok", testid: "walkin-done" },
            h("div", { class: "alert-body" }, t("walkin.done", { name: w.trainee.name, code: w.trainee.code ?? "" }))),
          w.duplicates.length > 0
            ? h("div", { class: "alert alert-warn", testid: "walkin-dups" },
              h("div", { class: "alert-body" },
                t("walkin.dups"),
                h("ul", null, w.duplicates.map((d) => h("li", { testid: "walkin-dup" },
                  h("strong", null, d.name), " ", h("span", { class: "mono" }, d.code ?? ""), " · ", formatPhone(d.phone),
                  d.walk_in ? ` · ${t("door.walkin.badge")}` : ""))),
              ))
            : "",
          h("div", { class: "modal-actions" }, done, checkIn),
        );
        checkIn.addEventListener("click", () => { modal.close(); onCheckIn(w.trainee); });
        done.addEventListener("click", () => modal.close());
        checkIn.focus();
      } catch (err) {
        errorSlot.appendChild(errorBox(err as UiError));
      } finally {
        submit.disabled = false;
      }
    },
  },
    h("p", { class: "modal-text muted" }, t("walkin.intro")),
    errorSlot,
    field(t("walkin.name"), name),
    field(t("walkin.phone"), phone),
    field(t("walkin.id"), idNumber),
    h("div", { class: "modal-actions" }, submit),
  );
  body.appendChild(form);
  const modal = openModal({ title: t("walkin.title"), testid: "walkin-dialog", body: [body], autofocus: name, signal });
}
