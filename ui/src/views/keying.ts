// Screens: an event's paper questionnaires (import an XLSForm, list them)
// and heads-down keying — keyboard only, driven by the Rust state machine
// (muster-core forms::keying): every keydown is one `keying_press`, the
// screen is re-drawn from the `Screen` it returns. Presses are sent in
// order, one at a time, so fast typing is never reordered. Leaving the
// screen (by any means: the router aborts its signal) ends its session in
// Rust at once, after the presses already sent — except a re-render in
// another language (the language switch), which keeps the session and the
// paper in progress ([`keepKeyingSession`]).

import { api, pickOpenPath, pickSavePath, type KeyingPress } from "../api";
import type { KeyingStart } from "../bindings/KeyingStart";
import type { Event } from "../bindings/Event";
import type { Screen } from "../bindings/Screen";
import { clear, h, on, onAbort, untilAbort } from "../dom";
import { cleanPath, type UiError } from "../format";
import { getLang, t, worded } from "../i18n";
import type { Form } from "../bindings/Form";
import { errorShower, errorBox, spinner, type Ctx } from "../ui";
import { eventHeader, eventTabs, findEvent } from "./event";
import { can } from "../access";
import { role, userName } from "../session";

const KEYER = "muster.keyer";

/** What a keying screen hands the next mount of the same form when it is
 * re-rendered in another language: its session, the screen as the last
 * press left it (updated even after the leave, by presses in flight), and
 * the papers saved this sitting. */
interface Live { screen: Screen; saved: number; savedList: HTMLElement }
interface Carried { formId: string; entry: string; verify: boolean; sid: string; live: Live; chain: Promise<void>; timer: ReturnType<typeof setTimeout> }
let keepOnLeave = false;
let carried: Carried | null = null;
/** How long a kept session waits for the screen that takes it over before it is ended. */
const CARRY_MS = 5_000;

/** The keying screen's next leave is a re-render in another language: its
 * Rust session goes on into the new screen, so a half-keyed paper is not
 * lost (the form's labels follow the paper's language, not the app's). */
export function keepKeyingSession(on = true): void {
  keepOnLeave = on;
}

/** The keys to send for text an input method finished (compositionend):
 * one per character, so the state machine counts and edits them. */
export function composedKeys(data: string | null | undefined): string[] {
  return [...(data ?? "")].filter((c) => c !== "\n" && c !== "\r");
}

/** Whether a keydown belongs to an input method still composing. */
export function composing(e: Pick<KeyboardEvent, "isComposing" | "key" | "keyCode">): boolean {
  return e.isComposing || e.key === "Process" || e.keyCode === 229;
}

/** The key to send for a keydown, or null to let the browser have it. */
export function keyFor(e: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey" | "isComposing">): string | null {
  if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return null;
  if (e.key === "Enter" || e.key === "Backspace") return e.key;
  if (e.key === "ArrowUp") return "Back";
  return [...e.key].length === 1 ? e.key : null;
}

async function loadEvent(root: HTMLElement, id: string, signal: AbortSignal): Promise<Event | undefined> {
  clear(root);
  root.appendChild(spinner());
  try {
    const ev = await untilAbort(findEvent(id), signal);
    clear(root);
    if (!ev) root.appendChild(errorBox({ code: "not_found", message: id }));
    return ev;
  } catch (e) {
    clear(root);
    root.appendChild(errorBox(e as UiError));
    return undefined;
  }
}

export async function renderForms(root: HTMLElement, ctx: Ctx, id: string, signal: AbortSignal): Promise<void> {
  const ev = await loadEvent(root, id, signal);
  if (!ev) return;
  const event = ev;
  const errorSlot = h("div", { class: "error-slot" });
  const showError = errorShower(errorSlot);
  const list = h("div", { class: "form-list" }, spinner());
  const load = async () => {
    let forms;
    try {
      forms = await untilAbort(api.listForms(id), signal);
    } catch (e) {
      clear(list);
      showError(e as UiError);
      return;
    }
    clear(list);
    if (forms.length === 0) {
      list.appendChild(h("div", { class: "empty-line muted", testid: "forms-empty" }, t("forms.empty")));
      return;
    }
    for (const f of forms) {
      // What can be keyed, and what the form holds that cannot (said, not hidden).
      const n = f.form.questions.filter((q) => q.kind !== "note" && q.kind !== "other" && !q.skipped).length;
      const skipped = f.form.skipped.length;
      list.appendChild(h("div", { class: "form-item", testid: "form-item" },
        h("div", null,
          h("div", { class: "strong", testid: "form-title" }, f.form.title || f.form.form_id),
          h("div", { class: "muted", testid: "form-counts" }, [t("forms.questions", { n }), skipped ? t("forms.skipped", { n: skipped }) : "", f.source, f.double_entry ? t("forms.double") : ""].filter(Boolean).join(" · ")),
          // What the import noticed, in the reader's language (the English for a form stored before).
          f.form.warnings.length
            ? h("details", { class: "form-warnings", testid: "form-warnings" },
              h("summary", { class: "muted" }, t("forms.warnings", { n: f.form.warnings.length })),
              h("ul", { class: "warn-list" }, f.form.warnings.map((w, i) => h("li", null, worded(f.form.warnings_worded?.[i], w)))))
            : null),
        h("div", { class: "form-item-actions" },
          // Double entry switched on or off after the import (admins).
          can(role(), "forms.import")
            ? h("label", { class: "check-line form-double-toggle", title: t("forms.import.double") },
              h("input", { type: "checkbox", testid: "form-double-toggle", checked: f.double_entry, onchange: async (e: { target: EventTarget | null }) => {
                const box = e.target as HTMLInputElement;
                try {
                  await untilAbort(api.setDoubleEntry(f.id, box.checked), signal);
                  await load();
                } catch (err) {
                  box.checked = !box.checked;
                  showError(err as UiError);
                }
              } }), " ", t("forms.double"))
            : null,
          f.double_entry && can(role(), "forms.key")
            ? h("button", { class: "btn btn-secondary", type: "button", testid: "form-key-second",
              onclick: () => ctx.go({ name: "keying", id, formId: f.id, entry: "second" }) }, t("forms.key.second"))
            : null,
          f.double_entry && can(role(), "forms.key")
            ? h("button", { class: "btn btn-secondary", type: "button", testid: "form-key-verify", title: t("forms.key.verify.help"),
              onclick: () => ctx.go({ name: "keying", id, formId: f.id, entry: "second", verify: true }) }, t("forms.key.verify"))
            : null,
          can(role(), "forms.results")
            ? h("button", { class: "btn btn-secondary", type: "button", testid: "form-results",
              onclick: () => ctx.go({ name: "portrait", id, formId: f.id }) }, t("forms.results"))
            : null,
          can(role(), "forms.key")
            ? h("button", { class: "btn btn-primary", type: "button", testid: "form-key",
              onclick: () => ctx.go({ name: "keying", id, formId: f.id, entry: "first" }) }, t("forms.key"))
            : null),
      ));
    }
  };
  const path = h("input", { type: "text", class: "path-input", testid: "form-path", placeholder: t("forms.import.path.placeholder") });
  const double = h("input", { type: "checkbox", testid: "form-double" });
  const keyer = h("input", { type: "text", class: "input", testid: "form-keyer", value: localStorage.getItem(KEYER) ?? "", placeholder: t("forms.keyer.placeholder"),
    oninput: () => localStorage.setItem(KEYER, keyer.value.trim()) });
  const importIt = async () => {
    const p = cleanPath(path.value);
    if (!p) { path.focus(); return; }
    try {
      const f = await untilAbort(api.importForm(id, p, double.checked), signal);
      clear(errorSlot);
      ctx.toast(t("forms.imported", { title: f.form.title || f.form.form_id }));
      path.value = "";
      await load();
    } catch (e) {
      showError(e as UiError);
    }
  };
  const choose = h("button", { class: "btn btn-secondary", type: "button", onclick: async () => {
    try {
      const p = await untilAbort(pickOpenPath({ name: "XLSForm", extensions: ["xlsx", "xls"] }), signal);
      if (p) { path.value = p; await importIt(); }
    } catch {
      path.focus();
    }
  } }, t("forms.import.choose"));
  // The ready questionnaire: start from it, or save it to edit in Excel.
  const templatePath = h("input", { type: "text", class: "path-input", testid: "form-template-path", placeholder: t("forms.template.path") });
  const templateTyped = h("details", { class: "export-typed", testid: "form-template-typed" },
    h("summary", null, t("forms.template.typed")),
    h("div", { class: "path-row" }, templatePath,
      h("button", { class: "btn btn-secondary", type: "button", testid: "form-template-save-typed", onclick: () => saveTemplate(cleanPath(templatePath.value)) }, t("forms.template.save.go"))));
  const saveTemplate = async (dest: string) => {
    if (!dest) { templatePath.focus(); return; }
    try {
      const n = await untilAbort(api.saveFormTemplate(dest), signal);
      clear(errorSlot);
      ctx.toast(t("forms.template.saved", { path: dest, n }));
    } catch (e) {
      showError(e as UiError);
    }
  };
  const startFromTemplate = async () => {
    try {
      const f = await untilAbort(api.importFormTemplate(id, double.checked), signal);
      clear(errorSlot);
      ctx.toast(t("forms.imported", { title: f.form.title || f.form.form_id }));
      await load();
    } catch (e) {
      showError(e as UiError);
    }
  };
  const templateCard = h("div", { class: "form-template", testid: "form-template" },
    h("p", { class: "muted" }, t("forms.xlsform.explain")),
    h("div", { class: "path-row" },
      h("button", { class: "btn btn-secondary", type: "button", testid: "form-template-start", onclick: startFromTemplate }, t("forms.template.start")),
      h("button", { class: "btn btn-secondary", type: "button", testid: "form-template-save", onclick: async () => {
        let dest: string | null;
        try {
          dest = await untilAbort(pickSavePath(t("forms.template.file"), { name: "XLSForm", extensions: ["xlsx"] }), signal);
        } catch {
          // No dialog here (e.g. a driven test window): the typed path.
          templateTyped.open = true;
          templatePath.focus();
          return;
        }
        if (dest) await saveTemplate(dest);
      } }, t("forms.template.save"))),
    templateTyped);
  root.appendChild(h("div", { class: "page", testid: "forms-page" },
    eventHeader(event, ctx),
    eventTabs(event, ctx, "forms"),
    errorSlot,
    !can(role(), "forms.import") ? null : h("section", { class: "card" },
      h("h2", { class: "card-title" }, t("forms.import")),
      h("div", { class: "path-row" }, path, choose,
        h("button", { class: "btn btn-primary", type: "button", testid: "form-import", onclick: importIt }, t("forms.import.go"))),
      h("label", { class: "check-line" }, double, " ", t("forms.import.double")),
      templateCard),
    h("section", { class: "card" }, h("h2", { class: "card-title" }, t("forms.title")),
      // A signed-in user keys as themselves (the shell uses their name).
      !can(role(), "forms.key") ? null
        : userName() ? h("p", { class: "muted", testid: "forms-keying-as" }, t("forms.keying_as", { name: userName() ?? "" }))
          : h("label", { class: "field" }, h("span", { class: "field-label" }, t("forms.keyer")), keyer),
      list),
  ));
  await load();
}

/** A label of a question or choice in the UI's language, else any. */
function labelIn(labels: Record<string, string>, fallback: string): string {
  const lang = getLang();
  const keys = Object.keys(labels);
  const mine = keys.find((k) => (lang === "zh" ? /zh|中文|chinese/i : /\ben\b|english/i).test(k) && labels[k]);
  return (mine && labels[mine]) || labels[""] || keys.map((k) => labels[k]).find(Boolean) || fallback;
}

/** The repeat a keyed question is keyed in, once per repetition (its
 * answers are stored as `name[1]`, `name[2]`, …). */
export function repeatOf(form: Form, q: Form["questions"][number]): Form["groups"][number] | undefined {
  if (q.skipped || q.kind === "note" || q.kind === "other") return undefined;
  return [...(q.groups ?? [])].reverse().map((n) => form.groups.find((g) => g.name === n)).find((g) => g?.repeat);
}

/** The review's rows in form order: a question's answer, and a repeat's
 * repetitions one after another, each headed "<group> <n>". */
export function reviewRows(form: Form, answers: Record<string, string | undefined>): ({ key: string; question: Form["questions"][number]; rep: number } | { group: Form["groups"][number]; rep: number })[] {
  const out: ({ key: string; question: Form["questions"][number]; rep: number } | { group: Form["groups"][number]; rep: number })[] = [];
  const done = new Set<string>();
  for (const q of form.questions) {
    const g = repeatOf(form, q);
    if (!g) {
      if (answers[q.name] !== undefined) out.push({ key: q.name, question: q, rep: 0 });
      continue;
    }
    if (done.has(g.name)) continue;
    done.add(g.name);
    const members = form.questions.filter((x) => repeatOf(form, x)?.name === g.name);
    const reps = Object.keys(answers).map((k) => /^(.+)\[(\d+)\]$/.exec(k)).filter((m) => m && members.some((x) => x.name === m[1])).map((m) => Number(m![2]));
    const most = reps.length ? Math.max(...reps) : 0;
    for (let rep = 1; rep <= most; rep++) {
      const rows = members.filter((x) => answers[`${x.name}[${rep}]`] !== undefined).map((x) => ({ key: `${x.name}[${rep}]`, question: x, rep }));
      if (rows.length) out.push({ group: g, rep }, ...rows);
    }
  }
  return out;
}

/** The complete paper, every answer on one screen before it is saved. */
function review(form: Form | undefined, s: Screen): HTMLElement {
  const rows = (form ? reviewRows(form, s.answers) : []).map((r) => {
    if ("group" in r) {
      return h("li", { class: "keying-review-rep strong", testid: "keying-review-rep", "data-group": r.group.name, "data-rep": String(r.rep) },
        t("keying.review.repetition", { group: labelIn(r.group.labels, r.group.name), n: r.rep }));
    }
    const q = r.question;
    const v = s.answers[r.key] ?? "";
    const choices = q.choices ?? [];
    const shown = choices.length
      ? v.split(" ").map((x) => { const c = choices.find((c) => c.value === x); return c ? `${c.key} ${labelIn(c.labels, c.value)}` : x; }).join("、")
      : v;
    return h("li", { class: "keying-review-row", testid: "keying-review-row", "data-question": r.key },
      h("span", { class: "muted" }, labelIn(q.labels, q.name)), h("strong", null, shown));
  });
  return h("div", { class: "keying-body keying-review", testid: "keying-review" },
    h("div", { class: "keying-label" }, t("keying.review.title")),
    rows.length ? h("ol", { class: "keying-review-list" }, rows) : h("p", { class: "muted" }, t("keying.review.none")),
    h("p", { class: "keying-review-help" }, t("keying.review.help")));
}

function paint(view: HTMLElement, s: Screen, form?: Form): void {
  clear(view);
  view.dataset.stage = s.stage;
  view.dataset.keystrokes = String(s.keystrokes);
  const paper = h("div", { class: "keying-paper" },
    h("span", { class: "muted" }, t("keying.paper")),
    h("span", { class: "keying-paper-id mono", testid: "keying-paper" }, s.paper_id || "—"),
    s.batch ? h("span", { class: "chip" }, s.batch) : null,
    h("span", { class: "keying-keys muted", testid: "keying-keys" }, t("keying.keys", { n: s.keystrokes })));
  view.appendChild(paper);
  if (s.stage === "paper" || s.stage === "batch") {
    view.appendChild(h("div", { class: "keying-body" },
      h("div", { class: "keying-label", testid: "keying-label" }, t("keying.paper.prompt")),
      h("div", { class: "keying-input mono", testid: "keying-input" }, s.input || s.paper_id, h("span", { class: "caret" })),
      s.next_paper ? h("div", { class: "muted" }, t("keying.paper.next", { id: s.next_paper })) : null,
    ));
  } else if (s.stage === "another" && s.repeat) {
    // Before each repetition of a repeat without a count: one key says whether there is one.
    view.appendChild(h("div", { class: "keying-body keying-another", testid: "keying-another", "data-group": s.repeat.group, "data-rep": String(s.repeat.index) },
      h("div", { class: "keying-label", testid: "keying-label" }, t("keying.another", { group: s.repeat.label, n: s.repeat.index })),
      h("div", { class: "keying-choices" },
        h("div", { class: "keying-choice" }, h("span", { class: "kbd-hint" }, "↵ / 1"), t("keying.repeat.of", { group: s.repeat.label, n: s.repeat.index })),
        h("div", { class: "keying-choice" }, h("span", { class: "kbd-hint" }, "0"), t("keying.another.none"))),
      h("p", { class: "muted" }, t("keying.another.help"))));
  } else if (s.stage === "question") {
    const r = s.repeat;
    view.appendChild(h("div", { class: "keying-body" },
      h("div", { class: "keying-pos muted", testid: "keying-position" },
        t("keying.position", { n: s.position, total: s.total }), s.required ? h("span", { class: "chip chip-inline" }, t("keying.required")) : null,
        r ? h("span", { class: "chip chip-inline", testid: "keying-repeat", "data-group": r.group, "data-rep": String(r.index) },
          r.count !== null && r.count !== undefined ? t("keying.repeat.of_count", { group: r.label, n: r.index, count: r.count }) : t("keying.repeat.of", { group: r.label, n: r.index })) : null),
      h("div", { class: "keying-label", testid: "keying-label", "data-question": s.question ?? "", "data-kind": s.kind ?? "" }, s.label ?? ""),
      s.hint ? h("div", { class: "muted" }, s.hint) : null,
      s.choices.length
        ? h("div", { class: "keying-choices" }, s.choices.filter((c) => c.offered).map((c) =>
          h("div", { class: `keying-choice${c.picked ? " on" : ""}`, testid: "keying-choice" },
            h("span", { class: "kbd-hint" }, c.key), c.label)))
        : null,
      h("div", { class: "keying-input mono", testid: "keying-input" }, s.input, h("span", { class: "caret" })),
    ));
  }
  else if (s.stage === "complete") {
    view.appendChild(review(form, s));
  }
  if (s.mismatch) {
    const m = s.mismatch;
    view.appendChild(h("div", { class: "keying-mismatch", role: "alert", testid: "keying-mismatch", "data-question": m.question },
      h("div", { class: "strong" }, t("keying.mismatch.title")),
      h("div", { class: "keying-mismatch-options" },
        h("div", { class: "keying-mismatch-option" }, h("span", { class: "kbd-hint" }, "1"), t("keying.mismatch.first"), h("strong", { testid: "mismatch-first" }, m.first_shown)),
        h("div", { class: "keying-mismatch-option" }, h("span", { class: "kbd-hint" }, "2"), t("keying.mismatch.keyed"), h("strong", { testid: "mismatch-keyed" }, m.keyed_shown))),
      h("div", { class: "muted" }, t("keying.mismatch.help"))));
  }
  if (s.message) view.appendChild(h("div", { class: "alert alert-warn", role: "alert", testid: "keying-message", "data-key": s.worded?.key ?? "" }, worded(s.worded, s.message)));
}

export async function renderKeying(root: HTMLElement, ctx: Ctx, id: string, formId: string, entry: "first" | "second", signal: AbortSignal, verify = false): Promise<void> {
  const ev = await loadEvent(root, id, signal);
  if (!ev) return;
  let start;
  let title = "";
  let form: Form | undefined;
  // The presses sent, one at a time, in order.
  let chain: Promise<void> = Promise.resolve();
  // The session of the screen this one re-renders in another language.
  const kept = carried && carried.formId === formId && carried.entry === entry && carried.verify === verify ? carried : null;
  if (carried) clearTimeout(carried.timer);
  if (carried && !kept) void api.keyingEnd(carried.sid).catch(() => undefined);
  carried = null;
  let live: Live | null = kept ? kept.live : null;
  // Whether this screen's leave hands its session on, decided as it is left
  // (the handler below may run later, once the session has opened).
  let handOn = false;
  onAbort(signal, () => { handOn = keepOnLeave; keepOnLeave = false; });
  // The session ends when the screen is left (at once when it was left
  // while the session opened), after the presses in flight: the key that
  // completes a paper still saves it. A re-render in another language
  // hands it on instead.
  const own = (starting: Promise<KeyingStart>) => starting.then((s) => onAbort(signal, () => {
    const end = () => api.keyingEnd(s.session_id);
    if (handOn && live) {
      const c: Carried = { formId, entry, verify, sid: s.session_id, live, chain, timer: setTimeout(() => {
        if (carried === c) { carried = null; void c.chain.then(end, end).catch(() => undefined); }
      }, CARRY_MS) };
      carried = c;
      return;
    }
    chain = chain.then(end, end).catch(() => undefined);
  }), () => undefined);
  // A kept session is this screen's from now on, even if it is left before its form has loaded.
  const keptStart = kept ? kept.chain.then(() => ({ session_id: kept.sid, screen: kept.live.screen })) : null;
  if (kept && keptStart) {
    chain = kept.chain;
    void own(keptStart);
  }
  try {
    const forms = await untilAbort(api.listForms(id), signal);
    const f = forms.find((x) => x.id === formId);
    title = f ? f.form.title || f.form.form_id : formId;
    form = f?.form;
    const starting = keptStart ?? api.keyingStart(formId, entry, localStorage.getItem(KEYER) ?? "", undefined, verify);
    if (!keptStart) void own(starting);
    start = await untilAbort(starting, signal);
  } catch (e) {
    root.appendChild(errorBox(e as UiError));
    return;
  }
  const sid = start.session_id;
  const view = h("div", { class: "keying-view card", testid: "keying-screen", "data-session": sid });
  const savedList = kept ? kept.live.savedList : h("ol", { class: "keying-saved", testid: "keying-saved" });
  const errorSlot = h("div", { class: "error-slot" });
  const state = (live ??= { screen: start.screen, saved: 0, savedList });
  // Text answers go through a real, focused <input> so an input method
  // (pinyin, wubi) can compose; finished characters are sent one by one.
  // Numbers and choices keep the page-level, one-key-at-a-time path.
  const ime = h("input", { type: "text", class: "keying-ime", testid: "keying-ime", autocomplete: "off", spellcheck: "false", "aria-label": t("keying.ime") });
  const imeRow = h("div", { class: "keying-ime-row", testid: "keying-ime-row" }, h("span", { class: "muted" }, t("keying.ime")), ime);
  imeRow.hidden = true;
  const batchLine = h("div", { class: "muted keying-batch", testid: "keying-batch" });
  const show = (s: Screen) => {
    state.screen = s;
    paint(view, s, form);
    const text = s.stage === "question" && s.kind === "text";
    imeRow.hidden = !text;
    if (text && document.activeElement !== ime) ime.focus();
    if (!text && document.activeElement === ime) ime.blur();
  };
  const batchStatus = async (name: string | null) => {
    if (!name) { batchLine.textContent = ""; return; }
    try {
      const b = await untilAbort(api.batchStatus(formId, name, entry), signal);
      batchLine.textContent = t("keying.batch", { name: b.name, keyed: b.keyed, expected: b.expected, missing: b.missing.slice(0, 12).join(" ") + (b.missing.length > 12 ? " …" : "") });
    } catch {
      batchLine.textContent = "";
    }
  };
  let shownBatch = start.screen.batch;
  show(start.screen);
  void batchStatus(shownBatch);

  // A saved paper opened again to correct it (a reason is required; the
  // review's Enter saves the correction, the paper as keyed stays as history).
  const correctPaper = h("input", { type: "text", class: "input", testid: "correct-paper", placeholder: t("keying.correct.paper"), autocomplete: "off" });
  const correctReason = h("input", { type: "text", class: "input", testid: "correct-reason", placeholder: t("keying.correct.reason"), autocomplete: "off" });
  const correctBox = h("form", { class: "keying-correct", testid: "keying-correct", novalidate: true, onsubmit: async (e: SubmitEvent) => {
    e.preventDefault();
    if (!correctPaper.value.trim()) { correctPaper.focus(); return; }
    try {
      const r = await untilAbort(api.keyingCorrect(sid, correctPaper.value.trim(), correctReason.value), signal);
      clear(errorSlot);
      (document.activeElement as HTMLElement | null)?.blur();
      show(r.screen);
    } catch (err) {
      clear(errorSlot);
      errorSlot.appendChild(errorBox(err as UiError, () => clear(errorSlot)));
    }
  } },
    h("div", { class: "strong" }, t("keying.correct.title")),
    correctPaper, correctReason,
    h("button", { class: "btn btn-secondary btn-sm", type: "submit", testid: "correct-open" }, t("keying.correct.go")));

  const page = h("div", { class: "page", testid: "keying-page" },
    h("header", { class: "page-head" },
      h("div", null,
        h("button", { class: "back-link", type: "button", testid: "keying-back", onclick: () => ctx.go({ name: "forms", id }) }, "← ", t("keying.back")),
        h("h1", { class: "page-title" }, t("keying.title", { title }), verify ? h("span", { class: "chip chip-inline", testid: "keying-verify" }, t("forms.key.verify")) : null),
        h("p", { class: "page-sub" }, t("keying.help")))),
    errorSlot,
    h("div", { class: "keying-layout" }, h("div", { class: "keying-main" }, view, imeRow),
      h("aside", { class: "card" }, h("div", { class: "muted", testid: "keying-count" }, t("keying.saved.count", { n: state.saved })), batchLine, savedList, correctBox)),
  );
  root.appendChild(page);

  // One press at a time, in order; none once the screen was left.
  const send = (key: string) => {
    if (signal.aborted) return;
    chain = chain.then(async () => {
      if (signal.aborted) return;
      let r: KeyingPress;
      try {
        r = await api.keyingPress(sid, key);
        // Kept up to date after a leave too: a screen that takes the session over starts from here.
        state.screen = r.screen;
        if (r.saved) state.saved++;
        if (signal.aborted) return;
      } catch (e) {
        if (signal.aborted) return;
        clear(errorSlot);
        errorSlot.appendChild(errorBox(e as UiError, () => clear(errorSlot)));
        return;
      }
      if (r.saved) {
        const k = r.saved.keyed;
        savedList.prepend(h("li", { testid: "keying-saved-item", "data-keystrokes": String(k.keystrokes), "data-corrected": String(r.saved.corrected) },
          r.saved.corrected ? t("keying.corrected", { paper: k.paper_id }) : t("keying.saved", { paper: k.paper_id, n: k.keystrokes, q: k.questions_asked })));
        if (r.saved.corrected) { correctPaper.value = ""; correctReason.value = ""; }
        (page.querySelector('[data-testid="keying-count"]') as HTMLElement).textContent = t("keying.saved.count", { n: state.saved });
        void batchStatus(k.batch);
      } else if (r.screen.batch !== shownBatch) {
        void batchStatus(r.screen.batch);
      }
      shownBatch = r.screen.batch;
      show(r.screen);
    });
  };
  const onKey = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement | null;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) return;
    const key = keyFor(e);
    if (key === null) return;
    e.preventDefault();
    send(key);
  };
  on(document, "keydown", onKey, signal);
  ime.addEventListener("keydown", (e) => {
    if (composing(e)) return;
    const key = keyFor(e);
    if (key === null) return;
    e.preventDefault();
    send(key);
  });
  ime.addEventListener("compositionend", (e) => {
    for (const c of composedKeys(e.data)) send(c);
    ime.value = "";
  });
  // Text that arrived without a keydown we could take (e.g. pasted, or an
  // input method that commits without composition events).
  ime.addEventListener("input", (e) => {
    if ((e as InputEvent).isComposing) return;
    const v = ime.value;
    ime.value = "";
    for (const c of composedKeys(v)) send(c);
  });
}
