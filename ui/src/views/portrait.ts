// Screen: one questionnaire's results — the trainee portrait as bar charts
// readable on a projector (plain CSS bars, no chart library), export to
// XLSX/PDF; paper batches (count, done, missing paper IDs); double-entry
// differences resolved by a supervisor; keyer statistics.

import { api, pickSavePath } from "../api";
import type { Portrait } from "../bindings/Portrait";
import type { QuestionSummary } from "../bindings/QuestionSummary";
import { clear, h, untilAbort } from "../dom";
import { exportedMessage, plainChoice } from "../exports";
import { cleanPath, whoName, type UiError } from "../format";
import { t } from "../i18n";
import { errorShower, loadInto, type Ctx } from "../ui";
import { eventHeader, eventTabs, findEvent } from "./event";
import { can } from "../access";
import { role, userName } from "../session";

/** A percent as the report prints it: one decimal. */
export function pct(p: number): string {
  return `${p.toFixed(1)}%`;
}

/** Bar width in percent of the track: share of the largest count, so the
 * top answer fills the row and small differences stay visible. */
export function barWidth(count: number, max: number): number {
  return max <= 0 ? 0 : Math.round((count / max) * 1000) / 10;
}

function chart(q: QuestionSummary): HTMLElement {
  const max = Math.max(0, ...q.choices.map((c) => Number(c.count)));
  const body: (HTMLElement | null)[] = q.choices.map((c) =>
    h("div", { class: "bar-row", testid: "portrait-bar", "data-value": c.value, "data-count": String(c.count), "data-percent": String(c.percent) },
      h("span", { class: "bar-label" }, c.label),
      h("span", { class: "bar-track" }, h("span", { class: "bar-fill", style: `width:${barWidth(Number(c.count), max)}%` })),
      h("span", { class: "bar-num" }, `${c.count} · ${pct(c.percent)}`)));
  if (q.numeric) {
    const n = q.numeric;
    body.push(h("div", { class: "portrait-numeric", testid: "portrait-numeric" },
      t("portrait.numeric", { n: n.n, min: n.min, max: n.max, mean: n.mean, median: n.median })));
  }
  if (!q.choices.length && !q.numeric) body.push(h("div", { class: "muted" }, t("portrait.text.only")));
  return h("section", { class: "card portrait-q", testid: "portrait-question", "data-question": q.name },
    h("div", { class: "portrait-q-head" },
      h("h3", { class: "portrait-q-title" }, q.label),
      h("span", { class: "muted", testid: "portrait-answered" }, t("portrait.answered", { n: q.answered }))),
    ...body);
}

export async function renderPortrait(root: HTMLElement, ctx: Ctx, id: string, formId: string, signal: AbortSignal): Promise<void> {
  const loaded = await loadInto(root, async () => {
    const ev = await findEvent(id);
    const form = (await untilAbort(api.listForms(id), signal)).find((f) => f.id === formId);
    return ev && form && { ev, form };
  }, formId, signal);
  if (!loaded) return;
  const { ev, form } = loaded;
  const title = form.form.title || form.form.form_id;
  const errorSlot = h("div", { class: "error-slot" });
  const showError = errorShower(errorSlot);
  const totals = h("div", { class: "portrait-totals", testid: "portrait-totals" });
  const charts = h("div", { class: "portrait-charts", testid: "portrait-charts" });
  const batches = h("div", { testid: "batch-list" });
  const diffs = h("div", { testid: "diff-list" });
  const stats = h("div", { testid: "keyer-stats" });

  const loadPortrait = async () => {
    let p: Portrait;
    try {
      p = await untilAbort(api.formPortrait(formId), signal);
    } catch (e) {
      showError(e as UiError);
      return;
    }
    clear(totals);
    totals.append(
      h("span", { class: "stat", testid: "portrait-stored" }, t("portrait.stored", { n: p.stored })),
      h("span", { class: "stat", testid: "portrait-rejected" }, t("portrait.rejected", { n: p.rejected })),
      h("span", { class: "stat", testid: "portrait-included" }, t("portrait.included", { n: p.included })),
      p.pending ? h("span", { class: "stat warn", testid: "portrait-pending" }, t("portrait.pending", { n: p.pending })) : "");
    clear(charts);
    for (const q of p.questions) charts.appendChild(chart(q));
  };

  const loadBatches = async () => {
    try {
      const list = await untilAbort(api.listBatches(formId), signal);
      clear(batches);
      if (!list.length) batches.appendChild(h("div", { class: "muted" }, t("batch.none")));
      for (const b of list) {
        const entries: ("first" | "second")[] = form.double_entry ? ["first", "second"] : ["first"];
        for (const entry of entries) {
          const s = await untilAbort(api.batchStatus(formId, b.id, entry), signal);
          batches.appendChild(h("div", { class: "batch-line", testid: "batch-status", "data-batch": b.name, "data-entry": entry },
            h("span", { class: "strong" }, b.name), " ",
            form.double_entry ? h("span", { class: "chip chip-inline" }, t(entry === "first" ? "batch.entry.first" : "batch.entry.second")) : "",
            " ", h("span", { testid: "batch-done" }, t("batch.done", { keyed: s.keyed, expected: s.expected })),
            s.missing.length ? h("div", { class: "muted mono", testid: "batch-missing" }, t("batch.missing", { ids: s.missing.join(" ") })) : h("div", { class: "muted" }, t("batch.complete"))));
        }
      }
    } catch (e) {
      showError(e as UiError);
    }
  };

  // Only an admin resolves differences (a coordinator sees them); a
  // signed-in user resolves as themselves.
  const resolver = can(role(), "forms.resolve");
  const byInput = h("input", { type: "text", class: "input", testid: "resolve-by", value: userName() ?? localStorage.getItem("muster.supervisor") ?? "", placeholder: t("diff.by.placeholder") });
  const loadDiffs = async () => {
    try {
      const d = await untilAbort(api.responsesDiff(formId), signal);
      clear(diffs);
      diffs.appendChild(h("div", { class: "muted", testid: "diff-summary" },
        t("diff.summary", { papers: d.papers_compared, n: d.differences.length, open: d.unresolved })));
      for (const x of d.differences) {
        const value = h("input", { type: "text", class: "input input-sm", value: x.resolution?.value ?? x.first });
        const resolve = async (v: string) => {
          const by = byInput.value.trim();
          if (!by) { byInput.focus(); showError({ code: "invalid_input", message: t("diff.by.needed"), field: "by" } as UiError); return; }
          localStorage.setItem("muster.supervisor", by);
          try {
            await untilAbort(api.resolveDifference(formId, x.paper_id, x.field, v, by), signal);
            clear(errorSlot);
            await untilAbort(Promise.all([loadDiffs(), loadPortrait(), loadStats()]), signal);
          } catch (e) {
            showError(e as UiError);
          }
        };
        diffs.appendChild(h("div", { class: "diff-row", testid: "diff-row", "data-paper": x.paper_id, "data-field": x.field, "data-resolved": x.resolution ? "yes" : "no" },
          h("div", null, h("span", { class: "mono strong" }, x.paper_id), " · ", x.label || x.field),
          h("div", { class: "diff-values" },
            h("button", { class: "btn btn-secondary", type: "button", testid: "diff-first", disabled: !resolver, onclick: () => resolve(x.first) }, t("diff.first", { v: x.first || "—", who: x.first_keyer })),
            h("button", { class: "btn btn-secondary", type: "button", testid: "diff-second", disabled: !resolver, onclick: () => resolve(x.second) }, t("diff.second", { v: x.second || "—", who: x.second_keyer })),
            resolver ? value : null,
            resolver ? h("button", { class: "btn btn-primary", type: "button", testid: "diff-resolve", onclick: () => resolve(value.value) }, t("diff.resolve")) : null),
          x.resolution ? h("div", { class: "ok-line", testid: "diff-resolution" }, t("diff.resolved", { v: x.resolution.value || "—", by: x.resolution.by, at: x.resolution.at })) : null));
      }
    } catch (e) {
      showError(e as UiError);
    }
  };

  const loadStats = async () => {
    try {
      const list = await untilAbort(api.keyerStats(formId), signal);
      clear(stats);
      const f = (x: number | null) => (x === null ? "—" : x.toFixed(1));
      stats.appendChild(h("table", { class: "table" },
        h("thead", null, h("tr", null, ...(["stats.keyer", "stats.forms", "stats.fph", "stats.kph", "stats.dis"] as const).map((k) => h("th", null, t(k))))),
        h("tbody", null, ...list.map((k) => h("tr", { testid: "keyer-row" },
          h("td", null, whoName(k.keyer)), h("td", null, String(k.forms)), h("td", null, f(k.forms_per_hour)),
          h("td", null, f(k.keystrokes_per_hour)), h("td", null, f(k.disagreements_per_1000)))))));
    } catch (e) {
      showError(e as UiError);
    }
  };

  const exportPath = h("input", { type: "text", class: "path-input", testid: "portrait-export-path", placeholder: t("portrait.export.placeholder") });
  // The XLSX is an export (sealed on an encrypted store); the PDF a printout.
  const plain = plainChoice("portrait-plain");
  const exportAs = async (format: "xlsx" | "pdf") => {
    let dest = cleanPath(exportPath.value);
    if (!dest) {
      try {
        dest = (await untilAbort(pickSavePath(`${title}.${format}`, { name: format.toUpperCase(), extensions: [format] }), signal)) ?? "";
      } catch {
        dest = "";
      }
      if (!dest) { exportPath.focus(); return; }
    }
    if (!dest.toLowerCase().endsWith(`.${format}`)) dest += `.${format}`;
    try {
      const sealed = format === "xlsx" && plain.sealed();
      const written = await untilAbort(api.exportPortrait(formId, dest, format, format === "xlsx" && plain.plain()), signal);
      clear(errorSlot);
      ctx.toast(exportedMessage("portrait.exported", { path: written }, sealed));
    } catch (e) {
      showError(e as UiError);
    }
  };

  const bName = h("input", { type: "text", class: "input", testid: "batch-name", placeholder: t("batch.name") });
  const bCount = h("input", { type: "number", class: "input input-sm", testid: "batch-count", min: "1", placeholder: t("batch.count") });
  const bFirst = h("input", { type: "text", class: "input input-sm", testid: "batch-first", placeholder: t("batch.first") });
  const addBatch = async () => {
    try {
      await untilAbort(api.addBatch(formId, bName.value, Number(bCount.value || 0), bFirst.value.trim()), signal);
      bName.value = ""; bCount.value = ""; bFirst.value = "";
      clear(errorSlot);
      await loadBatches();
    } catch (e) {
      showError(e as UiError);
    }
  };

  root.appendChild(h("div", { class: "page", testid: "portrait-page" },
    eventHeader(ev, ctx),
    eventTabs(ev, ctx, "forms"),
    h("header", { class: "page-head" },
      h("div", null,
        h("button", { class: "back-link", type: "button", testid: "portrait-back", onclick: () => ctx.go({ name: "forms", id }) }, "← ", t("keying.back")),
        h("h1", { class: "page-title" }, t("portrait.title", { title })))),
    errorSlot,
    h("section", { class: "card" },
      h("h2", { class: "card-title" }, t("portrait.heading")),
      totals,
      h("div", { class: "path-row" }, exportPath,
        h("button", { class: "btn btn-secondary", type: "button", testid: "portrait-xlsx", onclick: () => exportAs("xlsx") }, t("portrait.export.xlsx")),
        h("button", { class: "btn btn-secondary", type: "button", testid: "portrait-pdf", onclick: () => exportAs("pdf") }, t("portrait.export.pdf"))),
      plain.el),
    charts,
    // Paper batches are registered by an admin.
    can(role(), "forms.import")
      ? h("section", { class: "card" }, h("h2", { class: "card-title" }, t("batch.title")),
        h("div", { class: "inline-row" }, bName, bCount, bFirst,
          h("button", { class: "btn btn-primary", type: "button", testid: "batch-add", onclick: addBatch }, t("batch.add"))),
        batches)
      : null,
    form.double_entry
      ? h("section", { class: "card" }, h("h2", { class: "card-title" }, t("diff.title")),
        resolver ? h("label", { class: "field" }, h("span", { class: "field-label" }, t("diff.by")), byInput) : null, diffs)
      : null,
    h("section", { class: "card" }, h("h2", { class: "card-title" }, t("stats.title")), stats),
  ));
  await untilAbort(Promise.all([loadPortrait(), can(role(), "forms.import") ? loadBatches() : Promise.resolve(), form.double_entry ? loadDiffs() : Promise.resolve(), loadStats()]), signal);
}
