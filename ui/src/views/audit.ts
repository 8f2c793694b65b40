// Screen (admin): the audit log — one event's lines or all, by action and
// by user; each line with time, user and role, laptop (short device id),
// action, what, before → after. Export to CSV (sealed for an encrypted
// store unless "plain file" is ticked; save dialog or a typed path).

import { api, pickSavePath, type AuditQuery } from "../api";
import type { AuditEntry } from "../bindings/AuditEntry";
import type { Event } from "../bindings/Event";
import type { User } from "../bindings/User";
import { clear, h, untilAbort } from "../dom";
import { actionLabel, auditChange, auditTime, auditWhat, AUDIT_ACTIONS, shortId } from "../auditlog";
import { exportedMessage, plainChoice } from "../exports";
import { cleanPath, whoName, type UiError } from "../format";
import { t, type Key } from "../i18n";
import { session } from "../session";
import { errorShower, errorBox, field, spinner, type Ctx } from "../ui";

/** The newest lines shown at once. */
const LIMIT = 500;

export async function renderAudit(root: HTMLElement, ctx: Ctx, signal: AbortSignal): Promise<void> {
  clear(root);
  const errorSlot = h("div", { class: "error-slot" });
  const showError = errorShower(errorSlot);
  let events: Event[] = [];
  let users: User[] = [];
  try {
    [events, users] = await untilAbort(Promise.all([api.listEvents(), api.listUsers()]), signal);
  } catch (e) {
    root.appendChild(errorBox(e as UiError));
    return;
  }
  const eventSel = h("select", { testid: "audit-event" },
    h("option", { value: "" }, t("audit.event.all")),
    events.map((ev) => h("option", { value: ev.id }, ev.name)));
  const actionSel = h("select", { testid: "audit-action" },
    h("option", { value: "" }, t("audit.action.all")),
    AUDIT_ACTIONS.map((a) => h("option", { value: a }, actionLabel(a))));
  const userSel = h("select", { testid: "audit-user" });
  const paintUsers = (seen: string[]) => {
    const keep = userSel.value;
    const all = [...new Set([...users.map((u) => u.name), ...seen])].sort((a, b) => a.localeCompare(b));
    userSel.replaceChildren(h("option", { value: "" }, t("audit.user.all")), ...all.map((n) => h("option", { value: n }, n)));
    userSel.value = all.includes(keep) ? keep : "";
  };
  paintUsers([]);
  const query = (): AuditQuery => ({ eventId: eventSel.value || null, action: actionSel.value || null, user: userSel.value || null });

  const count = h("span", { class: "muted", testid: "audit-count" });
  const body = h("div", { class: "audit-body" }, spinner());
  const device = session()?.device_id ?? "";
  const line = (e: AuditEntry) =>
    h("tr", { testid: "audit-row", "data-action": e.action, "data-user": e.user },
      h("td", { class: "mono muted" }, auditTime(e.at)),
      h("td", null, h("span", { class: "strong" }, whoName(e.user)), " ", h("span", { class: "muted small" }, t(`role.${e.role}` as Key))),
      h("td", { class: "mono", title: e.device_id }, shortId(e.device_id), e.device_id === device ? h("span", { class: "muted small" }, " · ", t("audit.this_laptop")) : null),
      h("td", null, h("span", { class: `chip audit-act act-${e.action}` }, actionLabel(e.action))),
      h("td", { class: "wrap", testid: "audit-what" }, auditWhat(e, undefined, (id) => users.find((u) => u.id === id)?.name)),
      h("td", { class: "wrap audit-change", testid: "audit-change" }, auditChange(e)),
    );
  const load = async () => {
    let lines: AuditEntry[];
    try {
      lines = await untilAbort(api.auditLog({ ...query(), limit: LIMIT }), signal);
    } catch (e) {
      clear(body);
      showError(e as UiError);
      return;
    }
    clear(errorSlot);
    paintUsers(lines.map((l) => l.user));
    count.textContent = lines.length >= LIMIT ? t("audit.limited", { n: LIMIT }) : t("audit.count", { n: lines.length });
    clear(body);
    if (lines.length === 0) {
      body.appendChild(h("div", { class: "empty-line muted", testid: "audit-empty" }, t("audit.empty")));
      return;
    }
    // Newest first: what just happened is what people look for.
    body.appendChild(h("div", { class: "table-wrap" },
      h("table", { class: "table audit-table", testid: "audit-table" },
        h("thead", null, h("tr", null,
          h("th", null, t("audit.col.time")), h("th", null, t("audit.col.user")), h("th", null, t("audit.col.laptop")),
          h("th", null, t("audit.col.action")), h("th", null, t("audit.col.what")), h("th", null, t("audit.col.change")))),
        h("tbody", null, [...lines].reverse().map(line)))));
  };
  for (const sel of [eventSel, actionSel, userSel]) sel.addEventListener("change", () => void load());

  // ---- export -----------------------------------------------------------------
  const plain = plainChoice("audit-plain");
  const pathInput = h("input", { type: "text", class: "path-input", testid: "audit-export-path", placeholder: t("audit.export.path.placeholder") });
  const exportTo = async (path: string) => {
    if (!path) { typed.open = true; pathInput.focus(); return; }
    try {
      const sealed = plain.sealed();
      const f = await untilAbort(api.exportAudit(path, plain.plain(), query()), signal);
      ctx.toast(exportedMessage("audit.exported", { path: f.file }, sealed && f.encrypted));
      clear(errorSlot);
      await load();
    } catch (e) {
      showError(e as UiError);
    }
  };
  const typed = h("details", { class: "export-typed", testid: "audit-export-typed" },
    h("summary", null, t("audit.export.path")),
    h("div", { class: "path-row" }, pathInput,
      h("button", { class: "btn btn-secondary", type: "button", testid: "audit-export-save", onclick: () => exportTo(cleanPath(pathInput.value)) }, t("audit.export.save"))));
  const exportBtn = h("button", { class: "btn btn-secondary", type: "button", testid: "audit-export" }, t("audit.export"));
  exportBtn.addEventListener("click", async () => {
    const name = `${t("audit.file_name")}-${new Date().toISOString().slice(0, 10)}.csv`;
    let dest: string | null;
    try {
      dest = await untilAbort(pickSavePath(name, { name: "CSV", extensions: ["csv"] }), signal);
    } catch {
      // No dialog here (e.g. a driven test window): the typed path.
      typed.open = true;
      if (!pathInput.value) pathInput.value = name;
      pathInput.focus();
      return;
    }
    if (dest) await exportTo(dest);
  });

  root.appendChild(h("div", { class: "page", testid: "audit-page" },
    h("header", { class: "page-head" },
      h("div", null,
        h("h1", { class: "page-title" }, t("audit.title")),
        h("p", { class: "page-sub" }, t("audit.subtitle")))),
    errorSlot,
    h("section", { class: "card audit-filters" },
      h("div", { class: "audit-filter-row" },
        field(t("audit.event"), eventSel, "grow"),
        field(t("audit.action"), actionSel),
        field(t("audit.user"), userSel),
        h("div", { class: "audit-export" }, exportBtn)),
      plain.el,
      typed),
    h("section", { class: "card audit-card" },
      h("div", { class: "card-title" }, t("nav.audit"), count),
      body),
  ));
  await load();
}
