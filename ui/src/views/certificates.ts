// Screen: an event's certificates — who is eligible and who is not, and why
// (hours against the rule, or a recorded override); an override with a
// required reason; "Issue certificates" into one PDF (save dialog, or a
// typed path where the dialog cannot open) with a progress bar; reprints
// with a reason; and a Verify box a QR scanner types into.

import { api, pickSavePath } from "../api";
import type { Eligibility } from "../bindings/Eligibility";
import type { EligibilityReport } from "../bindings/EligibilityReport";
import type { Verification } from "../bindings/Verification";
import { eligibilityReason, hoursText, needsText, pct } from "../certs";
import { clear, h, listenUntil, untilAbort } from "../dom";
import { cleanPath, type UiError } from "../format";
import { t, worded } from "../i18n";
import { errorShower, loadInto, errorBox, field, openModal, spinner, type Ctx } from "../ui";
import { eventHeader, eventTabs, findEvent } from "./event";

const PDF = { name: "PDF", extensions: ["pdf"] };

function safeName(s: string): string {
  return s.replace(/[\\/:*?"<>|]/g, "_");
}

function verificationBox(v: Verification): HTMLElement {
  if (!v.valid) {
    return h("div", { class: "alert alert-error", role: "status", testid: "verify-result", "data-valid": "false" },
      h("div", { class: "alert-body" },
        // The core's reason (English, technical) is the tooltip; the reader gets the gist in their language.
        h("strong", { class: "alert-title", testid: "verify-title", title: v.reason ?? "" },
          v.revoked ? t("cert.verify.revoked", { at: v.revoked.at, reason: v.revoked.reason }) : t("cert.verify.not_genuine"))));
  }
  return h("div", { class: "alert alert-ok", role: "status", testid: "verify-result", "data-valid": "true" },
    h("div", { class: "alert-body" },
      h("strong", { class: "alert-title", testid: "verify-title" }, `✓ ${t("cert.verify.valid")}`),
      h("div", { class: "alert-message", testid: "verify-details" },
        t("cert.verify.details", { name: v.name ?? "", event: v.event ?? "", hours: hoursText(v.hours ?? 0) })),
      h("div", { class: "alert-where mono" }, v.id ?? ""),
      h("div", { class: "alert-where" }, v.known_here ? t("cert.verify.known") : t("cert.verify.unknown"))));
}

export async function renderCertificates(root: HTMLElement, ctx: Ctx, id: string, signal: AbortSignal): Promise<void> {
  const ev = await loadInto(root, () => findEvent(id), id, signal);
  if (!ev) return;
  const event = ev;
  const errorSlot = h("div", { class: "error-slot" });
  const showError = errorShower(errorSlot);
  const summary = h("div", { class: "cert-summary", testid: "cert-summary" });
  const tableSlot = h("div", null, spinner());
  const resultSlot = h("div", { class: "error-slot" });
  let report: EligibilityReport | null = null;

  // ---- eligibility ------------------------------------------------------------
  const row = (e: Eligibility, min: number) => h("tr", { testid: "cert-row", "data-eligible": String(e.eligible) },
    h("td", { class: "strong", testid: "cert-name" }, e.name),
    h("td", { class: "mono code-cell" }, e.code ?? ""),
    h("td", { class: "num" }, `${hoursText(e.hours)} / ${hoursText(e.scheduled_hours)} h`, h("div", { class: "th-sub" }, pct(e.attendance))),
    h("td", null, h("span", { class: `chip ${e.eligible ? "chip-accent" : "chip-muted"}`, testid: "cert-status" },
      e.eligible ? t("cert.eligible") : t("cert.ineligible"))),
    h("td", { class: "wrap cert-why", testid: "cert-why" }, eligibilityReason(e, min),
      e.needs ? h("div", { class: `cert-needs${e.needs.reachable ? "" : " out-of-reach"}`, testid: "cert-needs" },
        needsText(e.needs)) : null),
    h("td", null, e.certificate_id ? h("span", { class: "chip", testid: "cert-issued" }, `✓ ${t("cert.issued")}`) : null),
    h("td", { class: "cert-actions" },
      h("button", { class: "btn btn-ghost btn-sm", type: "button", testid: "cert-override", onclick: () => overrideDialog(e) }, t("cert.override")),
      e.certificate_id
        ? h("button", { class: "btn btn-ghost btn-sm", type: "button", testid: "cert-reprint", onclick: () => reprintDialog(e) }, t("cert.reprint"))
        : null),
  );

  const load = async () => {
    try {
      report = await untilAbort(api.certificateEligibility(id), signal);
    } catch (e) {
      clear(tableSlot);
      showError(e as UiError);
      return;
    }
    const r = report;
    clear(summary);
    summary.append(
      h("span", { class: "muted" }, t("cert.rule", { min: pct(r.min_attendance), hours: hoursText(r.scheduled_hours) })),
      h("span", { class: "chip chip-accent", testid: "cert-counts" }, t("cert.counts", { eligible: r.eligible, ineligible: r.ineligible })),
    );
    clear(tableSlot);
    if (r.trainees.length === 0) {
      tableSlot.appendChild(h("div", { class: "empty-line muted" }, t("cert.empty")));
      return;
    }
    tableSlot.appendChild(h("div", { class: "table-wrap" },
      h("table", { class: "table cert-table", testid: "cert-table" },
        h("thead", null, h("tr", null,
          h("th", null, t("cert.name")), h("th", null, t("cert.code")), h("th", { class: "num" }, t("cert.attendance")),
          h("th", null, t("cert.status")), h("th", null, t("cert.why")), h("th", null, t("cert.certificate")), h("th", null, ""))),
        h("tbody", null, r.trainees.map((e) => row(e, r.min_attendance))))));
  };

  const overrideDialog = (e: Eligibility) => {
    const choice = h("select", { class: "select", testid: "override-eligible" },
      h("option", { value: "true", selected: !e.eligible }, t("cert.override.eligible")),
      h("option", { value: "false", selected: e.eligible }, t("cert.override.ineligible")));
    const reason = h("input", { type: "text", maxlength: 200, testid: "override-reason", placeholder: t("cert.override.reason.placeholder") });
    const slot = h("div", { class: "error-slot" });
    const save = h("button", { class: "btn btn-primary", type: "submit", testid: "override-save" }, t("cert.override.save"));
    const form = h("form", {
      novalidate: true,
      onsubmit: async (ev: SubmitEvent) => {
        ev.preventDefault();
        clear(slot);
        if (!reason.value.trim()) {
          slot.appendChild(errorBox({ code: "invalid_input", message: t("cert.override.need_reason"), field: "reason" }));
          reason.focus();
          return;
        }
        save.disabled = true;
        try {
          await untilAbort(api.overrideEligibility(id, e.trainee_id, choice.value === "true", reason.value.trim()), signal);
          modal.close();
          ctx.toast(t("cert.override.saved"));
          await load();
        } catch (err) {
          slot.appendChild(errorBox(err as UiError));
        } finally {
          save.disabled = false;
        }
      },
    },
      h("p", { class: "modal-text" }, h("strong", null, e.name), h("br"), h("span", { class: "muted" }, eligibilityReason(e, report?.min_attendance ?? 0.8))),
      h("p", { class: "modal-detail muted" }, t("cert.override.intro")),
      slot,
      field(t("cert.override.make"), choice),
      field(t("cert.override.reason"), reason),
      h("div", { class: "modal-actions" }, save),
    );
    const modal = openModal({ title: t("cert.override.title"), testid: "override-dialog", body: [form], autofocus: reason, signal });
  };

  /** Asks for a path (typed; "…" opens the save dialog) and a reason. */
  const reasonAndPath = (opts: { title: string; intro: string; testid: string; defaultName: string; needPath: boolean; run: (reason: string, path: string) => Promise<void> }) => {
    const reason = h("input", { type: "text", maxlength: 200, testid: "reprint-reason", placeholder: t("cert.reprint.reason.placeholder") });
    const path = h("input", { type: "text", class: "path-input", testid: "reprint-path", value: "" });
    const slot = h("div", { class: "error-slot" });
    const save = h("button", { class: "btn btn-primary", type: "submit", testid: "reprint-save" }, t("cert.reprint.save"));
    const pick = h("button", { class: "btn btn-secondary", type: "button", onclick: async () => {
      try {
        const p = await untilAbort(pickSavePath(opts.defaultName, PDF), signal);
        if (p) path.value = p;
      } catch {
        path.focus();
      }
    } }, "…");
    const form = h("form", {
      novalidate: true,
      onsubmit: async (ev: SubmitEvent) => {
        ev.preventDefault();
        clear(slot);
        if (!reason.value.trim()) {
          slot.appendChild(errorBox({ code: "invalid_input", message: t("cert.override.need_reason"), field: "reason" }));
          reason.focus();
          return;
        }
        if (opts.needPath && !cleanPath(path.value)) { path.focus(); return; }
        save.disabled = true;
        try {
          await opts.run(reason.value.trim(), cleanPath(path.value));
          modal.close();
        } catch (err) {
          slot.appendChild(errorBox(err as UiError));
        } finally {
          save.disabled = false;
        }
      },
    },
      h("p", { class: "modal-detail muted" }, opts.intro),
      slot,
      field(t("cert.reprint.reason"), reason),
      opts.needPath ? field(t("cert.reprint.path"), h("div", { class: "path-row" }, path, pick)) : null,
      h("div", { class: "modal-actions" }, save),
    );
    const modal = openModal({ title: opts.title, testid: opts.testid, body: [form], autofocus: reason, signal });
  };

  const reprintDialog = (e: Eligibility) => {
    const name = safeName(`${e.name}-${t("cert.file_name")}.pdf`);
    reasonAndPath({
      title: t("cert.reprint.title"), intro: t("cert.reprint.intro"), testid: "reprint-dialog", defaultName: name, needPath: true,
      run: async (reason, path) => {
        const log = await untilAbort(api.reprintCertificate(e.certificate_id!, reason, path), signal);
        say(t("cert.reprint.done", { file: log.file ?? path }));
        await load();
      },
    });
  };

  // ---- issue ------------------------------------------------------------------
  const progressSlot = h("div", { class: "progress-slot" });
  const say = (text: string, warnings: string[] = []) => {
    clear(resultSlot);
    clear(errorSlot);
    resultSlot.appendChild(h("div", { class: "alert alert-ok", role: "status", testid: "cert-result" },
      h("div", { class: "alert-body" }, h("strong", { class: "alert-title" }, text),
        warnings.map((w) => h("div", { class: "alert-where" }, w)))));
  };
  const issueTo = async (path: string, reason: string | null = null): Promise<void> => {
    if (!path) { issuePath.focus(); return; }
    if (report && report.eligible === 0) {
      showError({ code: "invalid_input", message: t("cert.issue.none") });
      return;
    }
    const bar = h("div", { class: "progress-bar", style: "width: 0%" });
    const label = h("div", { class: "progress-label" }, t("cert.issue.running", { done: 0, total: report?.eligible ?? 0 }));
    clear(progressSlot);
    progressSlot.appendChild(h("div", { class: "progress", testid: "cert-progress" }, h("div", { class: "progress-track" }, bar), label));
    // Stops listening when the issue ends, or when the screen is left.
    const off = await listenUntil(api.onCertificateProgress((p) => {
      bar.style.width = `${p.total ? Math.round((p.done / p.total) * 100) : 100}%`;
      label.textContent = t("cert.issue.running", { done: p.done, total: p.total });
    }), signal);
    if (signal.aborted) return;
    issueBtn.disabled = true;
    try {
      const r = await untilAbort(api.issueCertificates(id, path, reason), signal);
      say(t("cert.issue.done", { issued: r.issued, new: r.new, pages: r.pages, file: r.file ?? path }), r.warnings.map((w, i) => worded(r.worded_warnings[i], w)));
      await load();
    } catch (e) {
      const err = e as UiError;
      if (err.kind === "reason_required" && reason === null) {
        // Printed before: printing again is a reprint and needs a reason.
        reasonAndPath({
          title: t("cert.reissue.title"), intro: t("cert.reissue.body"), testid: "reissue-dialog", defaultName: "", needPath: false,
          run: (why) => issueTo(path, why),
        });
      } else {
        showError(err);
      }
    } finally {
      off();
      issueBtn.disabled = false;
      clear(progressSlot);
    }
  };
  const issuePath = h("input", { type: "text", class: "path-input", testid: "issue-path", placeholder: t("cert.issue.path.placeholder") });
  const typed = h("details", { class: "export-typed", testid: "issue-typed" },
    h("summary", null, t("cert.issue.path")),
    h("div", { class: "path-row" }, issuePath,
      h("button", { class: "btn btn-secondary", type: "button", testid: "issue-save", onclick: async () => { if (await latinConfirmed()) await issueTo(cleanPath(issuePath.value)); } }, t("cert.issue.save"))),
  );
  const issueBtn = h("button", { class: "btn btn-primary", type: "button", testid: "cert-issue" }, t("cert.issue"));
  // ---- the Latin forms of the names, confirmed before printing --------------
  // Pinyin is made by Muster and can misread a character (长 in 萧长青 is
  // chang); a Khmer or Lao name has no Latin form unless someone types it.
  // Resolves true to go on printing, false when the coordinator closed it.
  const confirmLatin = async (): Promise<boolean> => {
    const names = await untilAbort(api.latinNames(id), signal);
    const ask = names.filter((n) => n.source !== "roster");
    if (!ask.length) return true;
    return new Promise<boolean>((resolve) => {
      let done = false;
      const slot = h("div", { class: "error-slot" });
      const rows = ask.map((n) => {
        const input = h("input", {
          type: "text", value: n.latin ?? "", maxlength: 100, spellcheck: "false", autocomplete: "off",
          placeholder: t("cert.latin.none"), testid: "latin-input", "data-trainee": n.trainee_id, "aria-label": n.name,
        });
        const tag = h("span", { class: `count-badge ${n.source === "none" ? "count-bad" : ""}`.trim() },
          t(n.source === "none" ? "cert.latin.source.none" : "cert.latin.source.transliterated"));
        return { n, input, row: h("tr", { testid: "latin-row" }, h("td", { class: "latin-name" }, n.name), h("td", null, input), h("td", null, tag)) };
      });
      const save = h("button", { class: "btn btn-primary", type: "submit", testid: "latin-confirm" }, t("cert.latin.confirm"));
      const form = h("form", {
        novalidate: true,
        onsubmit: async (ev: SubmitEvent) => {
          ev.preventDefault();
          clear(slot);
          save.disabled = true;
          try {
            await untilAbort(api.confirmLatinNames(id, rows.map((r) => ({ trainee_id: r.n.trainee_id, latin: r.input.value.trim() }))), signal);
            done = true;
            modal.close();
            resolve(true);
          } catch (err) {
            slot.appendChild(errorBox(err as UiError));
          } finally {
            save.disabled = false;
          }
        },
      },
        h("p", { class: "modal-detail muted" }, t("cert.latin.intro", { n: ask.length })),
        slot,
        h("div", { class: "latin-table-wrap" },
          h("table", { class: "table latin-table" },
            h("thead", null, h("tr", null, h("th", null, t("cert.latin.name")), h("th", null, t("cert.latin.latin")), h("th", null, ""))),
            h("tbody", null, rows.map((r) => r.row)))),
        h("div", { class: "modal-actions" }, save),
      );
      const modal = openModal({ title: t("cert.latin.title"), testid: "latin-dialog", body: [form], autofocus: rows[0]?.input, signal, onClose: () => { if (!done) resolve(false); } });
    });
  };

  const latinConfirmed = async (): Promise<boolean> => {
    try {
      return await confirmLatin();
    } catch (e) {
      showError(e as UiError);
      return false;
    }
  };

  issueBtn.addEventListener("click", async () => {
    if (!(await latinConfirmed())) return;
    const name = safeName(`${event.name.slice(0, 40)}-${t("cert.file_name")}.pdf`);
    let dest: string | null;
    try {
      dest = await untilAbort(pickSavePath(name, PDF), signal);
    } catch {
      typed.open = true;
      if (!issuePath.value) issuePath.value = name;
      issuePath.focus();
      return;
    }
    if (dest) await issueTo(dest);
  });

  // ---- verify -----------------------------------------------------------------
  const verifyIn = h("input", {
    type: "text", class: "search cert-verify-input", testid: "verify-input", placeholder: t("cert.verify.placeholder"),
    autocomplete: "off", spellcheck: "false",
  });
  const verifySlot = h("div", { testid: "verify-slot" });
  const verify = async () => {
    const code = verifyIn.value.trim();
    if (!code) return;
    try {
      const v = await untilAbort(api.verifyCertificate(code), signal);
      clear(verifySlot);
      verifySlot.appendChild(verificationBox(v));
      verifyIn.select();
    } catch (e) {
      clear(verifySlot);
      verifySlot.appendChild(errorBox(e as UiError));
    }
  };
  verifyIn.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); void verify(); }
  });

  root.appendChild(
    h("div", { class: "page", testid: "certificates-page" },
      eventHeader(event, ctx, [issueBtn]),
      eventTabs(event, ctx, "certificates"),
      errorSlot,
      resultSlot,
      typed,
      progressSlot,
      h("div", { class: "cert-layout" },
        h("section", { class: "card roster-card" },
          h("div", { class: "roster-toolbar" }, h("h2", { class: "card-title" }, t("cert.table")), summary),
          tableSlot),
        h("section", { class: "card cert-verify", testid: "verify-card" },
          h("h2", { class: "card-title" }, t("cert.verify")),
          h("p", { class: "muted" }, t("cert.verify.hint")),
          h("div", { class: "path-row" }, verifyIn,
            h("button", { class: "btn btn-secondary", type: "button", testid: "verify-go", onclick: () => void verify() }, t("cert.verify.go"))),
          verifySlot),
      ),
    ),
  );
  await load();
}
