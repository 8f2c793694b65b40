// Screen (c): import a roster file — path (typed, pasted or picked) →
// preview (what was detected, how columns map, first rows) → import with a
// progress bar → result (counts, rejected rows, save the rejects file).

import { api, pickRosterFile, pickSavePath } from "../api";
import type { ImportReport } from "../bindings/ImportReport";
import type { RosterPreview } from "../bindings/RosterPreview";
import { clear, h, listenUntil, untilAbort } from "../dom";
import { exportedMessage, plainChoice } from "../exports";
import { cleanPath, fieldLabel, maskId, maskIdsIn, rejectsPathFor, type UiError } from "../format";
import { worded, t } from "../i18n";
import { errorShower, loadInto, spinner, type Ctx } from "../ui";
import { eventHeader, findEvent } from "./event";

/** Rejected rows listed on screen; the rest are in the rejects file. */
const MAX_ERRORS_SHOWN = 200;

function delimiterLabel(d: string | null | undefined): string {
  if (d == null) return "";
  if (d === "\t" || d === "tab") return t("import.delimiter.tab");
  if (d === ",") return t("import.delimiter.comma");
  if (d === ";") return t("import.delimiter.semicolon");
  return JSON.stringify(d);
}

function detected(preview: RosterPreview): HTMLElement {
  const items: [string, string | null | undefined][] = [
    [t("import.format"), preview.format.toUpperCase()],
    [t("import.encoding"), preview.encoding],
    [t("import.delimiter"), delimiterLabel(preview.delimiter)],
    [t("import.sheet"), preview.sheet],
  ];
  return h("dl", { class: "detected", testid: "preview-detected" },
    items.filter(([, v]) => v).map(([k, v]) => h("div", { class: "detected-item" }, h("dt", null, k), h("dd", null, v!))),
  );
}

const ROSTER_FIELDS = ["name", "gender", "phone", "id_number", "age", "birth_date", "organization", "occupation"] as const;

/** How each column is read; a select per column changes it (所在村 → 单位, or a column kept as an extra field). */
function mappingTable(preview: RosterPreview, onChange: (header: string, field: string) => void): HTMLElement {
  return h("table", { class: "table mapping-table", testid: "preview-mapping" },
    h("thead", null, h("tr", null, h("th", null, t("import.mapping.header")), h("th", null, t("import.mapping.field")))),
    h("tbody", null, preview.columns.map((c) => {
      const select = h("select", { class: "select mapping-select", testid: "mapping-select", "data-header": c.header, "aria-label": c.header },
        ...ROSTER_FIELDS.map((f) => h("option", { value: f, selected: c.field === f }, fieldLabel(f))),
        h("option", { value: "extra", selected: !c.field }, t("import.mapping.extra")));
      select.addEventListener("change", () => onChange(c.header, select.value));
      return h("tr", { "data-field": c.field ?? "extra", class: c.field ? "" : "muted" },
        h("td", null, c.header || `#${c.index + 1}`),
        h("td", null, select),
      );
    })),
  );
}

function sampleTable(preview: RosterPreview): HTMLElement {
  // ID numbers stay partially masked on screen, as in the roster.
  const idColumns = new Set(preview.columns.filter((c) => c.field === "id_number").map((c) => c.index));
  return h("div", { class: "table-wrap sample-wrap" },
    h("table", { class: "table sample-table", testid: "preview-sample" },
      h("thead", null, h("tr", null, preview.headers.map((hd) => h("th", null, hd)))),
      h("tbody", null, preview.sample.map((row) =>
        h("tr", null, row.map((cell, i) => h("td", null, idColumns.has(i) ? maskId(cell) : cell))))),
    ),
  );
}

function stat(label: string, value: number, kind: string, testid: string): HTMLElement {
  return h("div", { class: `stat stat-${kind}` }, h("div", { class: "stat-value", testid }, value), h("div", { class: "stat-label" }, label));
}

export async function renderImport(root: HTMLElement, ctx: Ctx, id: string, signal: AbortSignal): Promise<void> {
  const ev = await loadInto(root, () => findEvent(id), id, signal);
  if (!ev) return;

  const errorSlot = h("div", { class: "error-slot" });
  const body = h("div", { class: "import-body" });
  const showError = errorShower(errorSlot);

  const pathInput = h("input", {
    type: "text", class: "path-input", placeholder: t("import.path.placeholder"), spellcheck: "false",
    autocomplete: "off", testid: "import-path", "aria-label": t("import.path"),
  });
  const browse = h("button", { class: "btn btn-secondary", type: "button", testid: "import-browse" }, t("import.browse"));
  const previewBtn = h("button", { class: "btn btn-primary", type: "submit", testid: "import-preview" }, t("import.preview"));

  let busy = false;
  // The coordinator's reading of some columns, for the file previewed.
  let mapping: Record<string, string> = {};
  let mappedPath = "";

  const doPreview = async () => {
    const path = cleanPath(pathInput.value);
    pathInput.value = path;
    if (path !== mappedPath) { mapping = {}; mappedPath = path; }
    clear(errorSlot);
    if (!path) {
      showError({ code: "invalid_input", message: t("import.need_path"), file: null, line: null, field: null } as UiError);
      pathInput.focus();
      return;
    }
    busy = true;
    previewBtn.disabled = true;
    clear(body);
    body.appendChild(spinner());
    try {
      const preview = await untilAbort(api.previewRoster(path, mapping), signal);
      showPreview(path, preview);
    } catch (e) {
      clear(body);
      const err = e as UiError;
      if (err.kind === "is_questionnaire") {
        // A questionnaire, not a roster: say so, and offer where it belongs.
        body.appendChild(h("div", { class: "alert alert-warn", testid: "import-is-form" },
          h("div", { class: "alert-body" },
            h("strong", null, t("import.is_form")), " ", t("import.is_form.body"),
            h("div", { class: "form-actions" },
              h("button", { class: "btn btn-primary", type: "button", testid: "import-as-form", onclick: () => ctx.go({ name: "forms", id }) }, t("import.as_form"))))));
      } else {
        showError(err);
      }
    } finally {
      busy = false;
      previewBtn.disabled = false;
    }
  };

  browse.addEventListener("click", async () => {
    try {
      const picked = await untilAbort(pickRosterFile(t("import.filter")), signal);
      if (picked) {
        pathInput.value = picked;
        await doPreview();
      }
    } catch (e) {
      showError(e as UiError);
    }
  });

  const showPreview = (path: string, preview: RosterPreview) => {
    clear(body);
    const valid = Number(preview.valid_rows);
    const total = Number(preview.total_rows);
    const runBtn = h("button", { class: "btn btn-primary btn-lg", type: "button", testid: "import-run", disabled: valid === 0 },
      t("import.run", { n: valid }));
    const dryBtn = h("button", { class: "btn btn-secondary", type: "button", testid: "import-dry" }, t("import.dry"));
    const progressSlot = h("div", { class: "progress-slot" });
    const run = async (dryRun: boolean) => {
      if (busy) return;
      busy = true;
      runBtn.disabled = dryBtn.disabled = true;
      clear(errorSlot);
      const bar = h("div", { class: "progress-bar", style: "width: 0%" });
      const label = h("div", { class: "progress-label" }, t("import.running", { done: 0, total }));
      clear(progressSlot);
      progressSlot.appendChild(h("div", { class: "progress", testid: "import-progress" }, h("div", { class: "progress-track" }, bar), label));
      // Stops listening when the import ends, or when the screen is left.
      const unlisten = await listenUntil(api.onImportProgress(({ done, total: all }) => {
        const pct = all > 0 ? Math.min(100, Math.round((done / all) * 100)) : 100;
        bar.style.width = `${pct}%`;
        label.textContent = t("import.running", { done, total: all });
      }), signal);
      if (signal.aborted) return;
      try {
        const report = await untilAbort(api.importRoster(id, path, dryRun, mapping), signal);
        showReport(path, report, dryRun);
      } catch (e) {
        clear(progressSlot);
        showError(e as UiError);
        runBtn.disabled = valid === 0;
        dryBtn.disabled = false;
      } finally {
        unlisten();
        busy = false;
      }
    };
    runBtn.addEventListener("click", () => run(false));
    dryBtn.addEventListener("click", () => run(true));

    body.appendChild(
      h("div", { class: "preview", testid: "preview" },
        h("section", { class: "card" },
          h("div", { class: "preview-head" },
            h("div", null,
              h("h2", { class: "card-title" }, t("import.detected")),
              h("div", { class: "preview-file", title: path }, preview.file || path),
            ),
            h("div", { class: "preview-rows", testid: "preview-rows" }, t("import.rows", { valid, total })),
          ),
          detected(preview),
          preview.warnings.length
            ? h("div", { class: "alert alert-warn", testid: "preview-warnings" },
                h("div", { class: "alert-body" },
                  h("strong", { class: "alert-title" }, t("import.warnings")),
                  h("ul", null, preview.warnings.map((w, i) => h("li", null, worded(preview.warnings_worded?.[i], w)))),
                ))
            : null,
          h("div", { class: "action-row" }, runBtn, dryBtn),
          progressSlot,
        ),
        h("div", { class: "preview-grid" },
          h("section", { class: "card" }, h("h2", { class: "card-title" }, t("import.mapping")), mappingTable(preview, (header, field) => { mapping = { ...mapping, [header]: field }; void doPreview(); })),
          h("section", { class: "card sample-card" },
            h("h2", { class: "card-title" }, t("import.sample", { n: preview.sample.length })),
            sampleTable(preview),
          ),
        ),
      ),
    );
    runBtn.focus();
  };

  const showReport = (path: string, report: ImportReport, dryRun: boolean) => {
    clear(body);
    const errors = report.errors ?? [];
    const saveBtn = h("button", { class: "btn btn-secondary", type: "button", testid: "save-rejects" }, t("import.save_rejects"));
    const plain = plainChoice("rejects-plain");
    saveBtn.addEventListener("click", async () => {
      try {
        const dest = await untilAbort(pickSavePath(rejectsPathFor(path, t("import.rejects_name"))), signal);
        if (!dest) return;
        const sealed = plain.sealed();
        const written = await untilAbort(api.saveRejects(path, dest, id, plain.plain()), signal);
        ctx.toast(exportedMessage("import.saved", { path: written }, sealed));
      } catch (e) {
        showError(e as UiError);
      }
    });
    const again = h("button", {
      class: "btn btn-ghost", type: "button", testid: "import-again",
      onclick: () => { clear(body); pathInput.value = ""; pathInput.focus(); },
    }, t("import.again"));
    const toRoster = h("button", {
      class: "btn btn-primary", type: "button", testid: "import-to-roster",
      onclick: () => ctx.go({ name: "event", id }),
    }, t("import.to_roster"));

    body.appendChild(
      h("div", { class: "report", testid: "import-report" },
        h("section", { class: "card" },
          h("h2", { class: "card-title" }, dryRun ? t("import.dry.done") : t("import.done")),
          h("div", { class: "stats" },
            stat(dryRun ? t("import.would") : t("import.imported"), Number(report.imported), "ok", "report-imported"),
            stat(t("import.duplicates"), Number(report.duplicates), "muted", "report-duplicates"),
            stat(t("import.rejected"), Number(report.rejected), Number(report.rejected) > 0 ? "bad" : "muted", "report-rejected"),
          ),
          (report.duplicate_rows ?? []).length
            ? h("p", { class: "dup-list", testid: "report-duplicate-rows" },
                t("import.duplicates.rows"), " ",
                report.duplicate_rows.slice(0, 50).map((d) =>
                  h("span", null, `${t("error.line", { n: Number(d.line) })} ${d.name}`)),
                report.duplicate_rows.length > 50 ? " …" : null)
            : null,
          report.warnings.length
            ? h("ul", { class: "warn-list" }, report.warnings.map((w, i) => h("li", null, worded(report.warnings_worded?.[i], w))))
            : null,
          h("div", { class: "action-row" }, toRoster, Number(report.rejected) > 0 ? saveBtn : null, again),
          Number(report.rejected) > 0 ? plain.el : null,
        ),
        errors.length
          ? h("section", { class: "card" },
              h("h2", { class: "card-title" }, t("import.errors"), h("span", { class: "count-badge count-bad" }, errors.length)),
              h("div", { class: "table-wrap" },
                h("table", { class: "table errors-table", testid: "report-errors" },
                  h("thead", null, h("tr", null,
                    h("th", { class: "num" }, t("import.errors.line")),
                    h("th", null, t("import.errors.field")),
                    h("th", null, t("import.errors.reason")))),
                  h("tbody", null, errors.slice(0, MAX_ERRORS_SHOWN).map((er) =>
                    h("tr", { testid: "report-error-row" },
                      h("td", { class: "num mono" }, Number(er.line)),
                      h("td", null, fieldLabel(er.field)),
                      h("td", null, maskIdsIn(worded(er.msg, er.message)))))),
                ),
              ),
              errors.length > MAX_ERRORS_SHOWN
                ? h("p", { class: "muted" }, t("import.errors.more", { n: errors.length - MAX_ERRORS_SHOWN }))
                : null,
            )
          : null,
      ),
    );
    toRoster.focus();
  };

  const form = h("form", {
    class: "card path-card",
    onsubmit: (e: SubmitEvent) => { e.preventDefault(); if (!busy) void doPreview(); },
  },
    h("h2", { class: "card-title" }, t("import.title")),
    h("p", { class: "muted intro" }, t("import.intro")),
    h("div", { class: "path-row" }, pathInput, browse, previewBtn),
  );

  root.appendChild(
    h("div", { class: "page", testid: "import-page" },
      eventHeader(ev, ctx),
      form,
      errorSlot,
      body,
    ),
  );
  pathInput.focus();
}
