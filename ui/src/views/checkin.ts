// Screen (d): check-in at the door, keyboard first.
//
// One big input that keeps the focus. A USB scanner types a code and Enter:
// that checks the trainee into the chosen session at once. Typing shows live
// results (name, pinyin, initials, mobile's last four, code); Enter checks in
// at once only the one trainee the query names exactly, else it moves into
// the list and asks (↑↓, Enter). The confirmation panel shows the name and
// the session large, a colour and a beep per outcome, and offers Undo for
// 10 s (Ctrl+Z). A session that has not started or has ended asks first,
// with a deliberate key (Y = record, Esc = cancel): a scanner's burst never
// answers it, its code waits in the door's queue (shown) and comes next.
// Every Enter goes through that queue, one at a time. Sign-out mode, walk-ins.

import { api, type MarkSource, type MarkWho } from "../api";
import type { DoorHit } from "../bindings/DoorHit";
import type { Event } from "../bindings/Event";
import type { MarkOutcome } from "../bindings/MarkOutcome";
import type { Session } from "../bindings/Session";
import type { Trainee } from "../bindings/Trainee";
import { alarm, clear, debounce, h, later, on, untilAbort } from "../dom";
import {
  clockTime, defaultSession, enterAction, isBurst, localMinute, onOtherDay, outcomeLine, outcomeTone, SCANNER_GAP_MS, sessionTiming,
} from "../door";
import { dateRange, errorMessage, errorTitle, formatDateTime, formatPhone, maskId, type UiError } from "../format";
import { role } from "../session";
import { t } from "../i18n";
import { beep, warmUp } from "../sound";
import { loadInto, errorBox, field, modalOpen, openModal, type Ctx } from "../ui";
import { eventHeader, eventTabs, findEvent } from "./event";

/** Live results wait this long after the last keystroke (a scanner's burst is faster). */
export const DOOR_DEBOUNCE_MS = 60;
/** Live results shown under the input. */
const RESULTS = 5;
/** Lines in the "recent on this laptop" list. */
const RECENT = 4;
/** After this long without a key the scan box rests (gives up the focus, and its blinking caret). */
export const REST_AFTER_MS = 10_000;
/** How long the confirmation offers Undo (ms). */
export const UNDO_MS = 10_000;
/** A Y or N in the dialog answers it only if no other key follows this fast (a scanner's burst). */
const ANSWER_SETTLE_MS = SCANNER_GAP_MS * 3;

type Mode = "in" | "out" | "paper";

/** Enter in the scan box, waiting its turn in the door's queue. */
type Pending = { label: string; run: () => Promise<void> };

/** `line` is worded when shown, so the list follows a change of language. */
type RecentItem = { name: string; code: string; line: () => string; tone: "ok" | "warn" | "error" };

/** Recent outcomes per session, kept while the app runs (across screens). */
const recent = new Map<string, RecentItem[]>();

function sessionLabel(s: Session): string {
  return `${formatDateTime(s.starts_at)}–${clockTime(s.ends_at)}  ${s.title}`;
}

/** A key that types a character (not a shortcut). */
function printable(e: KeyboardEvent): boolean {
  return e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey;
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

  /** Said in large type when the chosen session is not today's. */
  const dayWarning = h("div", { class: "door-day-warning", testid: "door-day-warning", role: "alert", hidden: true });
  const renderDay = () => {
    const other = onOtherDay(session, localMinute(new Date()));
    dayWarning.hidden = !other;
    dayWarning.textContent = other ? t("door.other_day", { date: dateRange(session.starts_at.slice(0, 10), 1), session: session.title }) : "";
  };

  // ---- the door's queue: one Enter at a time ------------------------------
  const pending: Pending[] = [];
  let busy = false;
  const queueLine = h("div", { class: "door-queue", testid: "door-queue", "aria-live": "polite", hidden: true });
  /** Every place that shows the queue (the toolbar's line, an open dialog's). */
  const queueViews = new Set<HTMLElement>([queueLine]);
  const renderQueue = () => {
    const text = pending.length ? t("door.queue", { n: pending.length, codes: pending.map((p) => p.label).join(" · ") }) : "";
    for (const v of queueViews) {
      v.textContent = text;
      v.hidden = !text;
    }
  };
  const enqueue = (label: string, run: () => Promise<void>) => {
    pending.push({ label, run });
    renderQueue();
    if (!busy) void pump();
  };
  const pump = async () => {
    busy = true;
    try {
      while (pending.length > 0 && !signal.aborted) {
        const next = pending.shift()!;
        renderQueue();
        try { await next.run(); } catch { /* each action shows its own errors */ }
      }
    } finally {
      busy = false;
    }
  };

  // ---- toolbar: session, mode, counter, walk-in ----------------------------
  const select = h("select", { class: "select session-select", testid: "checkin-session", "aria-label": t("door.session") },
    sessions.map((s) => h("option", { value: s.id, selected: s.id === session.id }, sessionLabel(s))),
  );
  const modeIn = h("button", { type: "button", class: "seg on", testid: "mode-in" }, t("door.mode.in"));
  const modeOut = h("button", { type: "button", class: "seg", testid: "mode-out" }, t("door.mode.out"));
  // Keying the signed paper sheet back (the power or a laptop failed): each
  // scanned row is a check-in at the session's start, source `paper`.
  const modePaper = h("button", { type: "button", class: "seg", testid: "mode-paper" }, t("door.mode.paper"));
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
  const panel = h("section", { class: "result-panel tone-idle", testid: "checkin-result", "data-status": "idle", "data-seq": "0", "aria-live": "assertive", tabindex: "-1" });
  const recentList = h("ol", { class: "recent-list", testid: "recent-list" });

  let shown: { query: string; rows: Trainee[] } = { query: "", rows: [] };
  let selected = 0;
  let searchSeq = 0;
  let renderSeq = 0;
  /** The query whose Enter was answered with "which one?": the next Enter takes the highlighted hit. */
  let askedFor: string | null = null;

  const setHint = () => { hint.textContent = t(mode === "in" ? "door.input.hint" : mode === "out" ? "door.input.hint.out" : "door.input.hint.paper"); };

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
            onclick: () => { const t0 = performance.now(); resetInput(); enqueue(tr.name, () => mark({ traineeId: tr.id }, "search", t0, tr.name, tr.name)); },
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
      const rows = (await untilAbort(api.doorSearch(event.id, query, RESULTS), signal)).hits;
      if (mine !== searchSeq || query !== input.value.trim()) return;
      // An answer for the query already asked about keeps its highlight.
      if (shown.query !== query) selected = 0;
      shown = { query, rows };
      renderResults();
    } catch {
      // the search box is a convenience; Enter reports errors properly
    }
  }, DOOR_DEBOUNCE_MS, signal);

  const resetInput = () => {
    input.value = "";
    searchSeq++; // drop answers in flight
    shown = { query: "", rows: [] };
    askedFor = null;
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
        h("span", { class: "recent-line muted" }, r.line()),
      ));
    }
  };

  /** The check-in the confirmation offers to undo, until `until` (ms). */
  let undoable: { traineeId: string; name: string; session: Session; until: number; seq: string } | null = null;

  const undo = async () => {
    const u = undoable;
    if (!u || performance.now() > u.until || panel.dataset.seq !== u.seq) return;
    undoable = null;
    const t0 = performance.now();
    try {
      await untilAbort(api.undoCheckIn(event.id, u.session.id, { traineeId: u.traineeId }, t("door.undo.reason")), signal);
      showProblem("undone", t("door.undone"), t("door.undone.body", { name: u.name, session: u.session.title }), null, t0, "idle");
      pushRecent({ name: u.name, code: "", line: () => t("door.undone"), tone: "warn" });
      later(0, () => void refreshCounter(), signal);
    } catch (err) {
      showError(err as UiError, "", t0, u.name);
    }
  };

  const showOutcome = (o: MarkOutcome, t0: number, s: Session) => {
    const tone = outcomeTone(o);
    const line = outcomeLine(o);
    const fresh = o.status === "checked_in";
    const undoBtn = fresh
      ? h("button", {
        type: "button", tabindex: "-1", class: "btn btn-secondary result-undo", testid: "result-undo",
        onmousedown: (e: MouseEvent) => e.preventDefault(), onclick: () => enqueue(t("door.undo"), undo),
      }, t("door.undo"), h("kbd", null, "Ctrl+Z"))
      : null;
    panel.className = `result-panel tone-${tone}`;
    panel.replaceChildren(
      h("div", { class: "result-status", testid: "result-status" },
        h("span", { class: "result-icon", "aria-hidden": "true" }, tone === "ok" ? "✓" : "!"),
        t(`door.status.${o.status}`),
        o.late ? h("span", { class: "chip chip-late", testid: "result-late" }, t("door.late")) : null,
      ),
      h("div", { class: "result-name", testid: "result-name" }, o.trainee.name),
      h("div", { class: "result-session", testid: "result-session" }, `${s.title} · ${formatDateTime(s.starts_at)}–${clockTime(s.ends_at)}`),
      h("div", { class: "result-line", testid: "result-line" }, line),
      o.note ? h("div", { class: "result-note", testid: "result-note", role: "note" }, h("span", { class: "result-note-label" }, t("door.note")), o.note) : "",
      h("div", { class: "result-meta" },
        o.trainee.code ? h("span", { class: "mono result-code", testid: "result-code" }, o.trainee.code) : null,
        o.trainee.walk_in ? h("span", { class: "chip chip-muted" }, t("door.walkin.badge")) : null,
        o.trainee.organization ? h("span", null, o.trainee.organization) : null,
        o.trainee.phone ? h("span", { class: "mono" }, formatPhone(o.trainee.phone)) : null,
        o.trainee.id_number ? h("span", { class: "mono" }, maskId(o.trainee.id_number)) : null,
      ),
      undoBtn ?? "",
    );
    stamp(o.status, t0);
    undoable = null;
    if (undoBtn) {
      const seq = panel.dataset.seq!;
      undoable = { traineeId: o.trainee.id, name: o.trainee.name, session: s, until: performance.now() + UNDO_MS, seq };
      later(UNDO_MS, () => { if (undoable?.seq === seq) undoable = null; undoBtn.remove(); }, signal);
    }
    beepAfterPaint(tone);
    pushRecent({ name: o.trainee.name, code: o.trainee.code ?? "", line: () => outcomeLine(o), tone });
    later(0, () => void refreshCounter(), signal);
  };

  const showProblem = (status: string, title: string, body: string, detail: string | null, t0: number, tone: "error" | "idle" = "error") => {
    undoable = null;
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
    const out = mode === "out";
    /** The title, in the language of the moment (the recent list words it again). */
    const titleOf = () => {
      if (e.kind === "not_a_code" || e.kind === "other_event") return t("door.err.bad_code");
      if (e.code === "not_found" && typed) return t("door.err.unknown_code");
      if (e.code === "conflict" && out) return t("door.err.not_in");
      return errorTitle(e.code);
    };
    let body = errorMessage(e, role());
    let detail: string | null = null;
    if (e.kind === "not_a_code" || e.kind === "other_event") {
      // Chosen by the error's kind; the core's message (shown below) says why:
      // a character no code has, half a code, a check symbol, another event.
      body = t("door.err.bad_code.body", { q: typed });
      detail = errorMessage(e, role());
    } else if (e.code === "not_found" && typed) {
      body = t("door.err.unknown_code.body", { q: typed });
      detail = errorMessage(e, role());
    } else if (e.code === "conflict" && out) {
      body = t("door.err.not_in.body", { name: name ?? typed });
      detail = errorMessage(e, role());
    }
    showProblem(`error:${e.code}`, titleOf(), body, detail, t0);
    pushRecent({ name: name ?? (typed || "—"), code: "", line: titleOf, tone: "error" });
  };

  /** Checks in (or signs out) `who`; asks first outside the session's times. */
  const mark = async (who: MarkWho, source: MarkSource, t0: number, typed: string, name: string | null) => {
    const call = mode === "out" ? api.checkOut : api.checkIn;
    if (mode === "paper") source = "paper";
    const s = session;
    /** The trainee's name for a message: known from search, else looked up by code. */
    const nameOf = async (): Promise<string | null> => {
      if (name || !("code" in who)) return name;
      try { return (await untilAbort(api.search(event.id, who.code, 1), signal))[0]?.name ?? null; } catch { return null; }
    };
    try {
      showOutcome(await untilAbort(call(event.id, s.id, who, false, source), signal), t0, s);
    } catch (err) {
      const e = err as UiError;
      if (e.code === "conflict") return showError(e, typed, t0, await nameOf());
      if (e.code !== "needs_confirmation") return showError(e, typed, t0);
      const who_name = await nameOf();
      const timing = sessionTiming(s, localMinute(new Date()));
      const ended = timing === "ended";
      const ok = await untilAbort(askOutsideTimes({
        title: t(ended ? "door.confirm.title.ended" : "door.confirm.title.not_started"),
        body: t(ended ? "door.confirm.body.ended" : "door.confirm.body.not_started", {
          session: s.title, starts: formatDateTime(s.starts_at), ends: formatDateTime(s.ends_at), name: who_name ?? t("door.this_trainee"),
        }),
        detail: errorMessage(e, role()),
      }), signal);
      input.focus();
      const t1 = performance.now();
      if (!ok) {
        showProblem("cancelled", t("door.cancelled"), who_name ?? typed, null, t1, "idle");
        return;
      }
      try {
        showOutcome(await untilAbort(call(event.id, s.id, who, true, source), signal), t1, s);
      } catch (err2) {
        showError(err2 as UiError, typed, t1, who_name);
      }
    }
  };

  /**
   * The "not started / has ended" question. Only a deliberate answer counts:
   * Y (or the button) records, N or Esc cancels. Enter answers nothing, and
   * a key that comes in a scanner's burst is part of a code: the code and its
   * Enter join the door's queue (shown here) and are checked in after this
   * answer, never lost and never taken as one.
   */
  const askOutsideTimes = (opts: { title: string; body: string; detail: string }): Promise<boolean> =>
    new Promise((resolve) => {
      let answer = false;
      let keys: { ch: string; at: number }[] = [];
      let settle: number | undefined;
      const yes = h("button", { class: "btn btn-primary btn-lg", type: "button", testid: "confirm-yes", tabindex: "-1" }, t("door.confirm.yes"), " ", h("kbd", null, "Y"));
      const no = h("button", { class: "btn btn-secondary btn-lg", type: "button", testid: "confirm-no", tabindex: "-1" }, t("common.cancel"), " ", h("kbd", null, "Esc"));
      const queued = h("p", { class: "door-queue modal-detail", testid: "confirm-queue", hidden: true });
      const keyLine = h("span", { class: "modal-keys", tabindex: "-1", testid: "confirm-keys" }, t("door.confirm.keys"));
      const finish = (ok: boolean) => { answer = ok; modal.close(); };
      const onKey = (e: KeyboardEvent) => {
        if (e.isComposing || e.key === "Escape") return; // Esc: the modal cancels
        if (e.key === "Enter") {
          e.preventDefault();
          e.stopPropagation();
          const now = performance.now();
          if (keys.length > 0) {
            // A code typed or scanned while asked: it waits its turn.
            const raw = keys.map((k) => k.ch).join("");
            const burst = isBurst(keys.map((k) => k.at), now);
            keys = [];
            window.clearTimeout(settle);
            enqueue(raw.trim(), () => onEnter(raw, performance.now(), burst, null));
          } else {
            keyLine.classList.remove("flash");
            void keyLine.offsetWidth;
            keyLine.classList.add("flash");
          }
          return;
        }
        if (!printable(e)) return;
        e.preventDefault();
        e.stopPropagation();
        const first = keys.length === 0;
        keys.push({ ch: e.key, at: performance.now() });
        const k = e.key.toLowerCase();
        if (first && (k === "y" || k === "n")) {
          // An answer, unless more keys follow at a scanner's pace.
          settle = window.setTimeout(() => {
            if (keys.length === 1) {
              keys = [];
              finish(k === "y");
            }
          }, ANSWER_SETTLE_MS);
        }
      };
      window.addEventListener("keydown", onKey, true);
      queueViews.add(queued);
      renderQueue();
      const modal = openModal({
        title: opts.title,
        testid: "confirm-dialog",
        tone: "warn",
        autofocus: keyLine,
        signal,
        body: [
          h("p", { class: "modal-text", testid: "confirm-body" }, opts.body),
          h("p", { class: "modal-detail muted" }, opts.detail),
          queued,
          h("div", { class: "modal-actions" }, keyLine, no, yes),
        ],
        onClose: () => {
          window.removeEventListener("keydown", onKey, true);
          window.clearTimeout(settle);
          queueViews.delete(queued);
          resolve(answer);
        },
      });
      yes.addEventListener("click", () => finish(true));
      no.addEventListener("click", () => finish(false));
    });

  /**
   * Enter in the scan box: a complete code, a scanner's burst or a code-like
   * fragment checks in by code (the core refuses garbage and half codes and
   * says why); a name, pinyin or mobile digits checks in the highlighted hit.
   */
  const onEnter = async (raw: string, t0: number, burst: boolean, seen: { query: string; rows: Trainee[]; selected: number; asked: string | null } | null) => {
    const action = enterAction(raw, burst);
    if (action.kind === "none") return;
    if (action.kind === "code") return mark({ code: action.code }, "scan", t0, action.code, null);
    const q = action.query;
    // Asked "which one?" before, or moved with ↑↓: the highlighted hit.
    if (seen && seen.query === q && seen.rows.length > 0 && (seen.asked === q || seen.selected > 0)) {
      const hit = seen.rows[Math.min(seen.selected, seen.rows.length - 1)];
      return mark({ traineeId: hit.id }, "search", t0, hit.name, hit.name);
    }
    let hits: DoorHit[];
    let sure: string | null;
    try {
      ({ hits, sure } = await untilAbort(api.doorSearch(event.id, q, RESULTS), signal));
    } catch (e) {
      return showError(e as UiError, q, t0);
    }
    const one = sure ? hits.find((h) => h.id === sure) : undefined;
    if (one) return mark({ traineeId: one.id }, "search", t0, one.name, one.name);
    if (hits.length === 0) {
      showProblem("error:no_match", t("door.err.no_match"), t("door.err.no_match.body", { q }), null, t0);
      return;
    }
    // Not one exact match: into the list, and ask. Nothing is recorded.
    if (!input.value) input.value = q;
    searchSeq++;
    shown = { query: q, rows: hits };
    selected = 0;
    askedFor = q;
    renderResults();
    showProblem("ask", t("door.ask"), t("door.ask.body", { n: hits.length, q }), null, t0, "idle");
  };

  // Times of the keys typed since the box was last empty: a scanner's burst.
  let keyTimes: number[] = [];
  /** A key's character, put in the box by the door itself (at rest, or with the focus elsewhere). */
  const typeIn = (key: string) => {
    if (!input.value) keyTimes = [];
    keyTimes.push(performance.now());
    input.value += key;
    input.dispatchEvent(new Event("input"));
  };
  input.addEventListener("input", () => {
    if (!input.value) keyTimes = [];
    if (askedFor !== null && input.value.trim() !== askedFor) askedFor = null;
    runSearch(input.value.trim());
  });
  input.addEventListener("keydown", (e) => {
    if (resting && printable(e)) {
      // Read-only at rest: this key's character is put in here.
      e.preventDefault();
      rest(false);
      typeIn(e.key);
      return;
    }
    if (resting && e.key !== "Enter") rest(false);
    if (e.isComposing) return; // an IME is choosing characters
    if (printable(e)) {
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
      // What the person saw when they pressed Enter decides a search's hit.
      const seen = { query: shown.query, rows: shown.rows, selected, asked: askedFor };
      resetInput();
      if (!raw.trim()) return;
      enqueue(raw.trim(), () => onEnter(raw, t0, burst, seen));
    } else if (e.key === "z" && (e.ctrlKey || e.metaKey) && !input.value) {
      e.preventDefault();
      if (undoable) enqueue(t("door.undo"), undo);
    } else if (e.key === "Escape") {
      resetInput();
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (shown.rows.length === 0) return;
      e.preventDefault();
      selected = (selected + (e.key === "ArrowDown" ? 1 : shown.rows.length - 1)) % shown.rows.length;
      renderResults();
    }
  });

  // The scan box at rest: a focused text box blinks its caret, and every
  // blink repaints the window (in software on these laptops: most of the
  // idle screen's CPU, all day on battery). After REST_AFTER_MS without a
  // key the box turns read-only (no caret) and keeps the focus and its
  // ready look; the next key — a scanner's first character too — is put in
  // by the box's own keydown handler, which turns it back (the keys never
  // change target, so none is lost).
  let resting = false;
  let lastKey = performance.now();
  // One timer, due REST_AFTER_MS after the last key; none while resting,
  // so the idle screen wakes nothing at all.
  const restAlarm = alarm(signal);
  const rest = (on: boolean) => {
    if (!on) restAlarm.set(REST_AFTER_MS, checkRest);
    resting = on;
    input.readOnly = on;
    input.classList.toggle("resting", on);
    page.dataset.resting = String(on);
    // A focused box with a selection in it keeps WebKit's caret timer and
    // display link running even read-only (measured: 0.8–1.1% of a core
    // idle, 0.3% without): at rest the selection goes, the focus stays, and
    // the next key's own handler (below) puts the caret back at the end.
    if (on) window.getSelection()?.removeAllRanges();
    else if (document.activeElement === input) input.setSelectionRange(input.value.length, input.value.length);
  };
  const checkRest = () => {
    if (resting) return;
    const quiet = performance.now() - lastKey;
    if (quiet < REST_AFTER_MS) { restAlarm.set(REST_AFTER_MS - quiet, checkRest); return; }
    if (document.activeElement === input && !input.value && !modalOpen()) rest(true);
    else restAlarm.set(REST_AFTER_MS, checkRest);
  };
  // A key moves the deadline: the pending check sees it and waits the rest.
  on(document, "keydown", () => { lastKey = performance.now(); }, signal, { capture: true });
  input.addEventListener("mousedown", () => { if (resting) rest(false); });
  restAlarm.set(REST_AFTER_MS, checkRest);

  // Keep the focus in the scan box: a scanner types wherever the focus is.
  const keepFocus = () => {
    if (input.isConnected && !modalOpen() && !isField(document.activeElement)) input.focus();
  };
  input.addEventListener("blur", () => later(0, keepFocus, signal));
  const onDocKey = (e: KeyboardEvent) => {
    if (modalOpen() || isField(e.target as Element)) return;
    if (e.key === "z" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      if (undoable) enqueue(t("door.undo"), undo);
      return;
    }
    if (printable(e) && document.activeElement !== input) {
      // Put in here: where the text of a key lands whose keydown moved the
      // focus is the engine's choice, and a scanner's first symbol must
      // not be left to it.
      e.preventDefault();
      input.focus();
      typeIn(e.key);
      return;
    }
    if (e.key === "Enter") input.focus();
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
    renderDay();
    renderRecent();
    void refreshCounter();
    input.focus();
  });
  const setMode = (m: Mode) => {
    mode = m;
    modeIn.classList.toggle("on", m === "in");
    modeOut.classList.toggle("on", m === "out");
    modePaper.classList.toggle("on", m === "paper");
    page.classList.toggle("mode-out", m === "out");
    page.classList.toggle("mode-paper", m === "paper");
    setHint();
    input.focus();
  };
  modeIn.addEventListener("click", () => setMode("in"));
  modeOut.addEventListener("click", () => setMode("out"));
  modePaper.addEventListener("click", () => setMode("paper"));
  walkBtn.addEventListener("click", () => openWalkIn(event, (tr) => {
    const t0 = performance.now();
    enqueue(tr.name, () => mark({ traineeId: tr.id }, "manual", t0, tr.name, tr.name));
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
  renderDay();
  renderRecent();
  renderResults();

  page.append(
    h("div", { class: "door-toolbar" },
      field(t("door.session"), select, "door-session"),
      h("div", { class: "field door-mode" },
        h("span", { class: "field-label" }, t("door.mode.label")),
        h("div", { class: "segmented", role: "group" }, modeIn, modeOut, modePaper)),
      counter,
      h("div", { class: "door-toolbar-end" }, walkBtn),
    ),
    dayWarning,
    h("div", { class: "door-grid" },
      h("section", { class: "card scan-card" }, input, hint, queueLine, resultsList),
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
