// Screen (f): the attendance report of an event — counts per session, a
// status per trainee per session with the attended hours, export to Excel or
// CSV (save dialog, or a typed path where the dialog cannot open), and a
// coordinator's correction (status + reason), recorded and never overwriting
// the check-ins.

import { api, pickSavePath, type ExportFormat } from "../api";
import type { AttendanceReport } from "../bindings/AttendanceReport";
import type { SessionSummary } from "../bindings/SessionSummary";
import type { Status } from "../bindings/Status";
import type { TraineeAttendance } from "../bindings/TraineeAttendance";
import { clear, debounce, h, untilAbort } from "../dom";
import { clockTime } from "../door";
import { exportedMessage, plainChoice } from "../exports";
import { cleanPath, formatDateTime, type UiError } from "../format";
import { systemReason } from "../auditlog";
import { t, type Key } from "../i18n";
import { errorShower, loadInto, errorBox, field, openModal, spinner, type Ctx } from "../ui";
import { eventHeader, eventTabs, findEvent } from "./event";

const STATUSES: Status[] = ["present", "late", "left_early", "absent", "excused"];
const STATUS_KEYS: Record<Status, Key> = {
  present: "status.present",
  late: "status.late",
  left_early: "status.left_early",
  absent: "status.absent",
  excused: "status.excused",
  not_registered: "status.not_registered",
};

function hours(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0$/, "");
}

function summaryTable(r: AttendanceReport): HTMLElement {
  return h("div", { class: "table-wrap table-wrap-short" },
    h("table", { class: "table summary-table", testid: "report-sessions" },
      h("thead", null, h("tr", null,
        h("th", null, t("report.session")),
        h("th", { class: "num" }, t("dash.expected")),
        h("th", { class: "num" }, t("dash.arrived")),
        h("th", { class: "num" }, t("dash.present")),
        h("th", { class: "num" }, t("dash.late")),
        h("th", { class: "num" }, t("dash.left_early")),
        h("th", { class: "num" }, t("dash.absent")),
        h("th", { class: "num" }, t("status.excused")),
        h("th", { class: "num" }, t("report.hours")),
      )),
      h("tbody", null, r.sessions.map((s) => h("tr", { testid: "report-session-row" },
        h("td", { class: "wrap" }, h("div", { class: "session-time" }, `${formatDateTime(s.starts_at)}–${clockTime(s.ends_at)}`), s.title),
        h("td", { class: "num" }, s.expected),
        h("td", { class: "num strong", testid: "report-arrived" }, s.arrived),
        h("td", { class: "num" }, s.present),
        h("td", { class: "num" }, s.late),
        h("td", { class: "num" }, s.left_early),
        h("td", { class: "num" }, s.absent),
        h("td", { class: "num", testid: "report-excused" }, s.excused),
        h("td", { class: "num" }, hours(s.hours)),
      ))),
    ),
  );
}

/** Short column heads: "Day 1" style from the session's date and time. */
function sessionHead(s: SessionSummary, i: number): HTMLElement {
  return h("th", { class: "status-col", title: s.title },
    h("div", null, `${i + 1}. ${formatDateTime(s.starts_at)}`),
    h("div", { class: "th-sub" }, s.title.length > 14 ? `${s.title.slice(0, 14)}…` : s.title));
}

export async function renderReport(root: HTMLElement, ctx: Ctx, id: string, signal: AbortSignal): Promise<void> {
  const ev = await loadInto(root, () => findEvent(id), id, signal);
  if (!ev) return;
  const event = ev;
  const errorSlot = h("div", { class: "error-slot" });
  const showError = errorShower(errorSlot);
  const summarySlot = h("div", null, spinner());
  const traineeSlot = h("div", null);
  const filter = h("input", { type: "search", class: "search", placeholder: t("report.filter"), testid: "report-filter", autocomplete: "off" });
  let report: AttendanceReport | null = null;

  // ---- export ---------------------------------------------------------------
  const pathInput = h("input", { type: "text", class: "path-input", testid: "export-path", placeholder: t("report.export.path.placeholder") });
  const typed = h("details", { class: "export-typed", testid: "export-typed" },
    h("summary", null, t("report.export.path")),
    h("div", { class: "path-row" }, pathInput,
      h("button", { class: "btn btn-secondary", type: "button", testid: "export-save", onclick: () => exportTo(cleanPath(pathInput.value)) }, t("report.export.save"))),
  );
  const plain = plainChoice("export-plain");
  const formatOf = (path: string): ExportFormat => (/\.csv(\.zip)?$/i.test(path) ? "csv" : "xlsx");
  const exportTo = async (path: string, format: ExportFormat = formatOf(path)) => {
    if (!path) { pathInput.focus(); return; }
    try {
      const sealed = plain.sealed();
      const written = await untilAbort(api.exportAttendance(id, path, format, plain.plain()), signal);
      clear(errorSlot);
      ctx.toast(exportedMessage("report.exported", { path: written }, sealed));
    } catch (e) {
      showError(e as UiError);
    }
  };
  const exportBtn = (format: ExportFormat) => h("button", {
    class: format === "xlsx" ? "btn btn-primary" : "btn btn-secondary", type: "button", testid: `export-${format}`,
    onclick: async () => {
      const name = `${event.name.slice(0, 40)}-${t("report.file_name")}.${format}`.replace(/[\\/:*?"<>|]/g, "_");
      let dest: string | null;
      try {
        dest = await untilAbort(pickSavePath(name, { name: format.toUpperCase(), extensions: [format] }), signal);
      } catch {
        // No dialog here (e.g. a driven test window): the typed path.
        typed.open = true;
        if (!pathInput.value) pathInput.value = name;
        pathInput.focus();
        return;
      }
      if (dest) await exportTo(dest, format);
    },
  }, t(format === "xlsx" ? "report.export.xlsx" : "report.export.csv"));

  // ---- per-trainee table and corrections ----------------------------------
  const statusCell = (tr: TraineeAttendance, s: SessionSummary) => {
    const a = tr.sessions[s.id];
    if (!a) return h("td", null);
    const title = [
      a.checked_in ? `↓ ${clockTime(a.checked_in)}` : "",
      a.checked_out ? `↑ ${clockTime(a.checked_out)}` : "",
      a.corrected ? t("report.corrected", { reason: systemReason(a.corrected) }) : "",
    ].filter(Boolean).join("  ");
    return h("td", { class: "status-col" },
      h("button", {
        type: "button", class: `status-chip st-${a.status}${a.corrected ? " corrected" : ""}`, testid: "status-cell",
        "data-status": a.status, "data-session-id": s.id, title: title || t("report.correct.hint"),
        onclick: () => openCorrection(tr, s),
      }, t(STATUS_KEYS[a.status]), a.corrected ? " ✎" : "",
      ),
      a.checked_in ? h("span", { class: "status-time mono muted" }, clockTime(a.checked_in)) : null,
    );
  };

  const renderTrainees = () => {
    clear(traineeSlot);
    if (!report) return;
    const q = filter.value.trim().toLowerCase();
    const rows = report.trainees.filter((tr) => !q || tr.name.toLowerCase().includes(q) || (tr.code ?? "").toLowerCase().includes(q));
    if (report.trainees.length === 0) {
      traineeSlot.appendChild(h("div", { class: "empty-line muted" }, t("report.empty")));
      return;
    }
    const sessions = report.sessions;
    traineeSlot.appendChild(h("div", { class: "table-wrap report-wrap" },
      h("table", { class: "table report-table", testid: "report-trainees" },
        h("thead", null, h("tr", null,
          h("th", null, t("col.name")),
          h("th", null, t("col.code")),
          sessions.map(sessionHead),
          h("th", { class: "num" }, t("report.hours")),
        )),
        h("tbody", null, rows.map((tr) => h("tr", { testid: "report-row", "data-trainee-id": tr.id },
          h("td", { class: "name" }, tr.name, tr.walk_in ? h("span", { class: "chip chip-muted chip-inline" }, t("door.walkin.badge")) : null),
          h("td", { class: "mono" }, tr.code ?? ""),
          sessions.map((s) => statusCell(tr, s)),
          h("td", { class: "num" }, h("strong", null, hours(tr.hours)), h("span", { class: "muted" }, ` / ${hours(tr.scheduled_hours)}`)),
        ))),
      )));
  };

  const load = async () => {
    try {
      report = await untilAbort(api.attendanceReport(id), signal);
      clear(summarySlot);
      summarySlot.appendChild(summaryTable(report));
      renderTrainees();
    } catch (e) {
      clear(summarySlot);
      showError(e as UiError);
    }
  };

  const openCorrection = (tr: TraineeAttendance, s: SessionSummary) => {
    const a = tr.sessions[s.id];
    const status = h("select", { class: "select", testid: "correct-status" },
      STATUSES.map((st) => h("option", { value: st, selected: st === a?.status }, t(STATUS_KEYS[st]))));
    const hoursIn = h("input", { type: "number", min: 0, max: s.hours, step: 0.25, testid: "correct-hours", placeholder: hours(a?.hours ?? 0) });
    const reason = h("input", { type: "text", maxlength: 200, testid: "correct-reason", placeholder: t("correct.reason.placeholder") });
    const slot = h("div", { class: "error-slot" });
    const save = h("button", { class: "btn btn-primary", type: "submit", testid: "correct-save" }, t("correct.save"));
    const form = h("form", {
      novalidate: true,
      onsubmit: async (e: SubmitEvent) => {
        e.preventDefault();
        clear(slot);
        if (!reason.value.trim()) {
          slot.appendChild(errorBox({ code: "invalid_input", message: t("correct.need_reason"), field: "reason" }));
          reason.focus();
          return;
        }
        const h_ = hoursIn.value.trim() === "" ? null : Number(hoursIn.value);
        save.disabled = true;
        try {
          await untilAbort(api.correctAttendance(id, s.id, tr.id, status.value as Status, h_, reason.value.trim()), signal);
          modal.close();
          ctx.toast(t("correct.saved"));
          await load();
        } catch (err) {
          slot.appendChild(errorBox(err as UiError));
        } finally {
          save.disabled = false;
        }
      },
    },
      h("p", { class: "modal-text" }, h("strong", { class: "correct-name" }, tr.name), h("br"), h("span", { class: "muted" }, s.title)),
      h("p", { class: "modal-detail muted" }, t("correct.intro")),
      slot,
      h("div", { class: "field-row" },
        field(t("correct.status"), status, "grow"),
        field(t("correct.hours", { max: hours(s.hours) }), hoursIn, "grow")),
      field(t("correct.reason"), reason),
      h("div", { class: "modal-actions" }, save),
    );
    const modal = openModal({ title: t("correct.title"), testid: "correct-dialog", body: [form], autofocus: status, signal });
  };

  filter.addEventListener("input", debounce(renderTrainees, 80, signal));

  root.appendChild(
    h("div", { class: "page", testid: "report-page" },
      eventHeader(event, ctx, [exportBtn("xlsx"), exportBtn("csv")]),
      eventTabs(event, ctx, "report"),
      errorSlot,
      plain.el,
      typed,
      h("section", { class: "card" }, h("h2", { class: "card-title" }, t("report.sessions")), summarySlot),
      h("section", { class: "card roster-card" },
        h("div", { class: "roster-toolbar" },
          h("h2", { class: "card-title" }, t("report.trainees")),
          h("div", { class: "search-box" }, filter),
          h("span", { class: "roster-count" }, t("report.correct.hint")),
        ),
        traineeSlot),
    ),
  );
  await load();
}
