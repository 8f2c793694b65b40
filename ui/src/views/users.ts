// Screen (admin): the people who share this laptop — add a user (name,
// role, PIN twice), change a role, set a new PIN, disable; and the idle-lock
// minutes. With no users yet it explains that adding the first admin turns
// PINs on.

import { api } from "../api";
import type { Role } from "../bindings/Role";
import type { User } from "../bindings/User";
import { clear, h, untilAbort } from "../dom";
import { formatDateTime, type UiError } from "../format";
import { t, type Key } from "../i18n";
import { pinComplete, pinInput } from "../pin";
import { session } from "../session";
import { errorShower, confirmDialog, errorBox, field, openModal, spinner, type Ctx } from "../ui";

const ROLES: Role[] = ["admin", "coordinator", "keyer"];

function pinField(testid: string): HTMLInputElement {
  const input = h("input", { type: "password", class: "pin-field", inputmode: "numeric", autocomplete: "new-password", maxlength: 16, testid });
  input.addEventListener("input", () => {
    const clean = pinInput(input.value);
    if (clean !== input.value) input.value = clean;
  });
  return input;
}

/** The two PINs, checked: the PIN, or the message to show. */
function twoPins(a: HTMLInputElement, b: HTMLInputElement): { pin: string } | { problem: string; focus: HTMLInputElement } {
  const pin = pinInput(a.value);
  if (!pinComplete(pin)) return { problem: t("pin.digits"), focus: a };
  if (pin !== pinInput(b.value)) return { problem: t("users.pin.mismatch"), focus: b };
  return { pin };
}

function invalid(message: string, fieldName: string): UiError {
  return { code: "invalid_input", message, file: null, line: null, field: fieldName } as UiError;
}

function roleSelect(value: Role, testid: string, disabled: boolean, help: boolean): HTMLSelectElement {
  const label = (r: Role) => help ? `${t(`role.${r}` as Key)} — ${t(`role.${r}.help` as Key)}` : t(`role.${r}` as Key);
  const select = h("select", { testid, disabled }, ROLES.map((r) => h("option", { value: r, selected: r === value }, label(r))));
  select.value = value;
  return select;
}

export async function renderUsers(root: HTMLElement, ctx: Ctx, signal: AbortSignal): Promise<void> {
  clear(root);
  root.appendChild(spinner());
  let users: User[];
  try {
    users = await untilAbort(api.listUsers(), signal);
  } catch (e) {
    clear(root);
    root.appendChild(errorBox(e as UiError));
    return;
  }
  const info = session();
  const me = info?.actor?.user_id ?? null;
  const first = users.filter((u) => !u.disabled_at).length === 0;
  clear(root);
  const errorSlot = h("div", { class: "error-slot" });
  const showError = errorShower(errorSlot);
  const reload = async () => {
    await untilAbort(ctx.sessionChanged(), signal);
    await renderUsers(root, ctx, signal);
  };

  // ---- add --------------------------------------------------------------------
  const name = h("input", { type: "text", maxlength: 60, autocomplete: "off", testid: "user-name" });
  const role = roleSelect(first ? "admin" : "keyer", "user-role", first, true);
  const pin1 = pinField("user-pin");
  const pin2 = pinField("user-pin2");
  const add = h("button", { class: "btn btn-primary", type: "submit", testid: "user-add" }, first ? t("users.add.first") : t("users.add.submit"));
  const addForm = h("form", {
    class: "card form-card", testid: "user-add-form",
    onsubmit: async (e: SubmitEvent) => {
      e.preventDefault();
      if (!name.value.trim()) { name.focus(); return showError(invalid(t("users.name.required"), "name")); }
      const pins = twoPins(pin1, pin2);
      if ("problem" in pins) { pins.focus.focus(); return showError(invalid(pins.problem, "pin")); }
      add.disabled = true;
      try {
        const u = await untilAbort(api.addUser(name.value.trim(), role.value as Role, pins.pin), signal);
        ctx.toast(t("users.added", { name: u.name }));
        await reload();
      } catch (err) {
        showError(err as UiError);
        add.disabled = false;
      }
    },
  },
    h("h2", { class: "card-title" }, first ? t("users.add.first") : t("users.add")),
    field(t("users.name"), name),
    field(t("users.role"), role),
    first ? h("p", { class: "muted small" }, t("users.first_admin")) : null,
    h("div", { class: "field-row" }, field(t("users.pin"), pin1, "grow"), field(t("users.pin2"), pin2, "grow")),
    h("div", { class: "form-actions" }, add),
  );

  // ---- the list ---------------------------------------------------------------
  const setPin = (u: User) => {
    const a = pinField("new-pin");
    const b = pinField("new-pin2");
    const problem = h("p", { class: "pin-message", role: "alert", testid: "new-pin-message" });
    const save = h("button", { class: "btn btn-primary", type: "submit", testid: "new-pin-save" }, t("users.save"));
    const form = h("form", { class: "pin-dialog" },
      field(t("users.pin"), a), field(t("users.pin2"), b), problem, h("div", { class: "modal-actions" }, save));
    const modal = openModal({ title: t("users.set_pin.title", { name: u.name }), testid: "new-pin-dialog", body: [form], autofocus: a, signal });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const pins = twoPins(a, b);
      if ("problem" in pins) { problem.textContent = pins.problem; pins.focus.focus(); return; }
      try {
        await untilAbort(api.setUserPin(u.id, pins.pin), signal);
        modal.close();
        ctx.toast(t("users.pin.saved", { name: u.name }));
      } catch (err) {
        problem.textContent = (err as UiError).message;
      }
    });
  };
  const row = (u: User) => {
    const active = !u.disabled_at;
    const select = roleSelect(u.role, "user-row-role", !active, false);
    select.setAttribute("aria-label", t("users.role"));
    select.addEventListener("change", async () => {
      try {
        const changed = await untilAbort(api.setUserRole(u.id, select.value as Role), signal);
        ctx.toast(t("users.role.saved", { name: changed.name, role: t(`role.${changed.role}` as Key) }));
        await reload();
      } catch (err) {
        select.value = u.role;
        showError(err as UiError);
      }
    });
    return h("tr", { testid: "user-row", "data-name": u.name, "data-role": u.role, "data-active": active ? "true" : "false", class: active ? "" : "row-disabled" },
      h("td", { class: "name" }, u.name, u.id === me ? h("span", { class: "muted" }, " ", t("users.you")) : null),
      h("td", { class: "role-cell" }, select),
      h("td", { class: "muted" }, formatDateTime(localTime(u.created_at))),
      h("td", null, active ? h("span", { class: "chip chip-accent" }, t("users.active")) : h("span", { class: "chip" }, t("users.disabled"))),
      h("td", { class: "actions-cell" }, active
        ? [
          h("button", { class: "btn btn-secondary btn-sm", type: "button", testid: "user-set-pin", onclick: () => setPin(u) }, t("users.set_pin")),
          " ",
          h("button", {
            class: "btn btn-ghost btn-sm", type: "button", testid: "user-disable",
            onclick: async () => {
              const yes = await untilAbort(confirmDialog({ title: t("users.disable.title", { name: u.name }), body: t("users.disable.body"), yes: t("users.disable"), signal }), signal);
              if (!yes) return;
              try {
                await untilAbort(api.disableUser(u.id), signal);
                ctx.toast(t("users.disabled.done", { name: u.name }));
                await reload();
              } catch (err) {
                showError(err as UiError);
              }
            },
          }, t("users.disable")),
        ]
        : null),
    );
  };
  const list = h("section", { class: "card", testid: "users-list" },
    h("h2", { class: "card-title" }, t("users.list")),
    h("div", { class: "table-wrap" },
      h("table", { class: "table users-table" },
        h("thead", null, h("tr", null,
          h("th", null, t("users.name")), h("th", null, t("users.role")), h("th", null, t("users.col.created")),
          h("th", null, t("users.col.status")), h("th", null, ""))),
        h("tbody", null, users.map(row)))));

  // ---- idle lock --------------------------------------------------------------
  const minutes = h("input", { type: "number", min: 0, max: 1440, step: 1, value: info?.idle_lock_minutes ?? 5, testid: "idle-minutes", class: "input-narrow" });
  const idleForm = h("form", {
    class: "card form-card", testid: "idle-form",
    onsubmit: async (e: SubmitEvent) => {
      e.preventDefault();
      const n = Number.parseInt(minutes.value, 10);
      if (!Number.isFinite(n) || n < 0) { minutes.focus(); return; }
      try {
        const saved = await untilAbort(api.setIdleLockMinutes(n), signal);
        ctx.toast(saved === 0 ? t("users.idle.never") : t("users.idle.saved", { n: saved }));
        await ctx.sessionChanged();
      } catch (err) {
        showError(err as UiError);
      }
    },
  },
    h("h2", { class: "card-title" }, t("users.idle")),
    field(t("users.idle.label"), minutes),
    first ? h("p", { class: "muted small" }, t("users.idle.off")) : null,
    h("div", { class: "form-actions" }, h("button", { class: "btn btn-secondary", type: "submit", testid: "idle-save" }, t("users.save"))),
  );

  root.appendChild(h("div", { class: "page", testid: "users-page" },
    h("header", { class: "page-head" },
      h("div", null,
        h("h1", { class: "page-title" }, t("users.title")),
        h("p", { class: "page-sub" }, t("users.subtitle")))),
    errorSlot,
    first
      ? h("div", { class: "alert alert-warn users-none", testid: "users-none" },
        h("div", { class: "alert-body" },
          h("strong", { class: "alert-title" }, t("users.none.title")),
          h("div", { class: "alert-message" }, t("users.none.body"))))
      : null,
    h("div", { class: "users-layout" },
      h("div", { class: "users-main" }, users.length ? list : null),
      h("aside", { class: "users-side" }, addForm, idleForm)),
  ));
  if (first) name.focus();
}

/** An RFC 3339 UTC time as local `YYYY-MM-DDTHH:MM`. */
function localTime(rfc3339: string): string {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return rfc3339;
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
