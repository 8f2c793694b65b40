// Screen (b): one event — its roster with search-as-you-type, and its
// sessions.

import { api } from "../api";
import type { Event } from "../bindings/Event";
import type { Session } from "../bindings/Session";
import type { Trainee } from "../bindings/Trainee";
import { clear, debounce, h, on, untilAbort } from "../dom";
import { dateField, dateTimeField } from "../dates";
import { dateRange, formatDateTime, formatPhone, genderLabel, maskId, type UiError } from "../format";
import { t, type Key } from "../i18n";
import { confirmDialog, errorShower, errorBox, field, openModal, spinner, type Ctx } from "../ui";
import { can, visibleTabs } from "../access";
import { role } from "../session";
import { hoursText, needsText, pct } from "../certs";

/** Search waits this long after the last keystroke. */
export const SEARCH_DEBOUNCE_MS = 80;

/** The event, or undefined when it does not exist (any other error throws). */
export async function findEvent(id: string): Promise<Event | undefined> {
  try {
    return await api.getEvent(id);
  } catch (e) {
    if ((e as UiError).code === "not_found") return undefined;
    throw e;
  }
}

export function eventHeader(ev: Event, ctx: Ctx, actions: HTMLElement[] = []): HTMLElement {
  const days = ev.days === 1 ? t("events.day") : t("events.days", { n: ev.days });
  return h("header", { class: "page-head" },
    h("div", null,
      h("button", { class: "back-link", type: "button", testid: "back-events", onclick: () => ctx.go({ name: "events" }) },
        "← ", t("event.back")),
      h("h1", { class: "page-title", testid: "event-title" }, ev.name),
      h("p", { class: "page-sub" }, [ev.venue, `${dateRange(ev.starts_on, ev.days)} · ${days}`].filter(Boolean).join(" · ")),
    ),
    h("div", { class: "page-actions" }, actions),
  );
}

export type EventTab = "roster" | "checkin" | "dashboard" | "report" | "duplicates" | "certificates" | "forms";

const TABS: { tab: EventTab; key: Key }[] = [
  { tab: "roster", key: "tab.roster" },
  { tab: "checkin", key: "tab.checkin" },
  { tab: "dashboard", key: "tab.dashboard" },
  { tab: "report", key: "tab.report" },
  { tab: "duplicates", key: "tab.duplicates" },
  { tab: "certificates", key: "tab.certificates" },
  { tab: "forms", key: "tab.forms" },
];

/** The event's screens as tabs under its header (those the role may use). */
export function eventTabs(ev: Event, ctx: Ctx, active: EventTab): HTMLElement {
  const shown = visibleTabs(role());
  return h("nav", { class: "event-tabs", "aria-label": ev.name },
    TABS.filter(({ tab }) => shown.includes(tab)).map(({ tab, key }) =>
      h("button", {
        class: `event-tab${tab === active ? " on" : ""}`, type: "button", testid: `tab-${tab}`,
        "aria-current": tab === active ? "page" : null,
        onclick: () => ctx.go(tab === "roster" ? { name: "event", id: ev.id } : { name: tab, id: ev.id }),
      }, t(key)),
    ),
  );
}

function rosterRow(tr: Trainee, i: number, open: ((t: Trainee) => void) | null): HTMLElement {
  return h("tr", {
    testid: "roster-row", "data-trainee-id": tr.id, class: open ? "row-open" : null,
    tabindex: open ? "0" : null, title: open ? t("trainee.edit") : null,
    onclick: open ? () => open(tr) : null,
    onkeydown: open ? (e: KeyboardEvent) => { if (e.key === "Enter") open(tr); } : null,
  },
    h("td", { class: "num muted" }, i + 1),
    h("td", { class: "name", testid: "trainee-name" }, tr.name,
      tr.walk_in ? h("span", { class: "chip chip-muted chip-inline" }, t("door.walkin.badge")) : null),
    h("td", { class: "mono code-cell", testid: "trainee-code" }, tr.code ?? ""),
    h("td", null, genderLabel(tr.gender)),
    h("td", { class: "mono" }, formatPhone(tr.phone)),
    h("td", { class: "mono", title: "", testid: "trainee-idnum" }, maskId(tr.id_number)),
    h("td", { class: "num" }, tr.age ?? ""),
    h("td", { class: "wrap" }, tr.organization ?? ""),
    h("td", { class: "wrap" }, tr.occupation ?? ""),
  );
}

function rosterTable(rows: Trainee[], open: ((t: Trainee) => void) | null): HTMLElement {
  return h("div", { class: "table-wrap" },
    h("table", { class: "table roster-table", testid: "roster-table" },
      h("thead", null,
        h("tr", null,
          h("th", { class: "num" }, "#"),
          h("th", null, t("col.name")),
          h("th", null, t("col.code")),
          h("th", null, t("col.gender")),
          h("th", null, t("col.phone")),
          h("th", null, t("col.id_number")),
          h("th", { class: "num" }, t("col.age")),
          h("th", null, t("col.organization")),
          h("th", null, t("col.occupation")),
        ),
      ),
      h("tbody", null, rows.map((r, i) => rosterRow(r, i, open))),
    ),
  );
}

/**
 * Asks, then runs `remove(false)`; when the core answers
 * `needs_confirmation` (it holds check-ins or trainees) asks again with the
 * core's reason and runs `remove(true)`. Resolves whether it was removed.
 */
async function removeWithConfirmation(title: string, body: string, remove: (force: boolean) => Promise<unknown>, signal: AbortSignal): Promise<boolean> {
  if (!(await untilAbort(confirmDialog({ title, body, yes: t("common.delete"), testid: "remove-dialog", signal }), signal))) return false;
  try {
    await remove(false);
    return true;
  } catch (e) {
    const err = e as UiError;
    if (err.code !== "needs_confirmation") throw err;
    const again = await untilAbort(confirmDialog({
      title, body: t("remove.holds"), detail: err.message, yes: t("remove.anyway"), testid: "remove-force-dialog", signal,
    }), signal);
    if (!again) return false;
    await remove(true);
    return true;
  }
}

/**
 * A dialog form's save: `save` disabled while `act` runs; then the dialog
 * closes and `onSaved` runs, or the refusal shows in `errorSlot`.
 */
async function saveDialog(save: HTMLButtonElement, errorSlot: HTMLElement, close: () => void, onSaved: () => void, act: () => Promise<unknown>): Promise<void> {
  save.disabled = true;
  try {
    await act();
    close();
    onSaved();
  } catch (err) {
    errorSlot.appendChild(errorBox(err as UiError));
  } finally {
    save.disabled = false;
  }
}

/** The session dialog: a new session (`s` undefined) or an edit of `s`. */
function sessionDialog(ev: Event, s: Session | undefined, onSaved: () => void, signal: AbortSignal): void {
  const title = h("input", { type: "text", required: true, maxlength: 120, value: s?.title ?? "", testid: "session-edit-title" });
  const starts = dateTimeField(s?.starts_at ?? `${ev.starts_on}T09:00`, "session-edit-starts");
  const ends = dateTimeField(s?.ends_at ?? `${ev.starts_on}T12:00`, "session-edit-ends");
  const errorSlot = h("div", { class: "error-slot" });
  const save = h("button", { class: "btn btn-primary", type: "submit", testid: "session-edit-save" }, t("common.save"));
  const form = h("form", {
    onsubmit: async (e: SubmitEvent) => {
      e.preventDefault();
      clear(errorSlot);
      if (!title.value.trim()) return title.focus();
      const [from, to] = [starts.value(), ends.value()];
      if (!from || !to) {
        errorSlot.appendChild(errorBox({ code: "invalid_input", message: t("date.time_invalid"), file: null, line: null, field: from ? "ends_at" : "starts_at" } as UiError));
        return (from ? ends : starts).input.focus();
      }
      const session = { title: title.value.trim(), starts_at: from, ends_at: to };
      await saveDialog(save, errorSlot, () => modal.close(), onSaved,
        () => untilAbort(s ? api.editSession(s.id, session) : api.addSession(ev.id, session), signal));
    },
  },
    errorSlot,
    field(t("event.sessions.title"), title),
    field(t("event.sessions.starts"), starts.el),
    field(t("event.sessions.ends"), ends.el),
    h("div", { class: "modal-actions" }, save),
  );
  const modal = openModal({ title: t(s ? "event.sessions.edit" : "event.sessions.add"), testid: "session-dialog", body: [form], autofocus: title, signal });
}

function sessionsCard(ev: Event, initial: Session[], onError: (e: UiError) => void, signal: AbortSignal): HTMLElement {
  const list = h("ul", { class: "session-list", testid: "session-list" });
  const badge = h("span", { class: "count-badge", testid: "sessions-count" });
  const manage = can(role(), "events.create");
  const reload = async () => {
    try {
      render(await untilAbort(api.listSessions(ev.id), signal));
    } catch (err) {
      onError(err as UiError);
    }
  };
  const halfDays = h("button", {
    class: "btn btn-secondary btn-sm", type: "button", testid: "sessions-half-days",
    onclick: async () => {
      try {
        await untilAbort(api.addHalfDaySessions(ev.id), signal);
        await reload();
      } catch (err) {
        onError(err as UiError);
      }
    },
  }, t("event.sessions.half_days", { n: ev.days * 2 }));
  const item = (s: Session): HTMLElement => {
    const end = s.ends_at.slice(11, 16);
    return h("li", { class: "session", testid: "session-item", "data-session-id": s.id },
      h("div", { class: "session-time" }, formatDateTime(s.starts_at), end ? `–${end}` : ""),
      h("div", { class: "session-title" }, s.title),
      manage
        ? h("div", { class: "session-actions" },
          h("button", {
            class: "btn btn-ghost btn-sm", type: "button", testid: "session-edit", title: t("event.sessions.edit"),
            "aria-label": t("event.sessions.edit"), onclick: () => sessionDialog(ev, s, () => void reload(), signal),
          }, "✎"),
          h("button", {
            class: "btn btn-ghost btn-sm", type: "button", testid: "session-delete", title: t("common.delete"),
            "aria-label": t("common.delete"),
            onclick: async () => {
              try {
                const removed = await removeWithConfirmation(t("event.sessions.delete.title", { title: s.title }), t("event.sessions.delete.body"),
                  (force) => untilAbort(api.deleteSession(s.id, force), signal), signal);
                if (removed) await reload();
              } catch (err) {
                onError(err as UiError);
              }
            },
          }, "✕"))
        : null,
    );
  };
  const render = (sessions: Session[]) => {
    clear(list);
    badge.textContent = String(sessions.length);
    if (sessions.length === 0) {
      list.appendChild(h("li", { class: "muted empty-line", testid: "sessions-empty" },
        t(manage ? "event.sessions.empty.offer" : "event.sessions.empty"), manage ? h("div", { class: "sessions-offer" }, halfDays) : null));
    }
    const sorted = [...sessions].sort((a, b) => a.starts_at.localeCompare(b.starts_at));
    for (const s of sorted) list.appendChild(item(s));
  };
  render(initial);

  return h("section", { class: "card sessions-card", testid: "sessions" },
    h("h2", { class: "card-title" }, t("event.sessions"), badge),
    list,
    manage
      ? h("div", { class: "form-actions" },
        h("button", {
          class: "btn btn-secondary btn-sm", type: "button", testid: "session-add",
          onclick: () => sessionDialog(ev, undefined, () => void reload(), signal),
        }, "+ ", t("event.sessions.add")))
      : null,
  );
}

const NOTE_COLUMNS = ["备注", "note", "notes", "remark", "remarks", "说明", "door note"];
const LATIN_COLUMNS = ["english name", "english_name", "name_en", "latin name", "latin_name", "name (latin)", "name_latin", "name (english)", "拉丁名", "英文名", "英文姓名", "拼音", "pinyin", "passport name"];

/** A trainee's details, to correct (a wrong phone number, a misspelt name). */
function traineeDialog(tr: Trainee, onSaved: () => void, signal: AbortSignal): void {
  const input = (testid: string, value: string | number | null, attrs: Record<string, string | number> = {}) =>
    h("input", { type: "text", value: value ?? "", testid, autocomplete: "off", ...attrs });
  const name = input("trainee-edit-name", tr.name, { maxlength: 60 });
  const gender = h("select", { class: "select", testid: "trainee-edit-gender" },
    h("option", { value: "", selected: !tr.gender }, "—"),
    h("option", { value: "female", selected: tr.gender === "female" }, genderLabel("female")),
    h("option", { value: "male", selected: tr.gender === "male" }, genderLabel("male")));
  const phone = input("trainee-edit-phone", tr.phone, { inputmode: "numeric", maxlength: 20 });
  const idNumber = input("trainee-edit-id", tr.id_number, { maxlength: 30 });
  const age = input("trainee-edit-age", tr.age, { inputmode: "numeric", maxlength: 3 });
  const org = input("trainee-edit-organization", tr.organization, { maxlength: 120 });
  const occupation = input("trainee-edit-occupation", tr.occupation, { maxlength: 60 });
  // The note shown large at the door (core keeps it in the roster's note
  // column: muster_core::model::NOTE_KEYS).
  const noteNow = Object.entries(tr.extra).find(([k, v]) => NOTE_COLUMNS.includes(k.trim().toLowerCase()) && v.trim())?.[1] ?? "";
  const note = input("trainee-edit-note", noteNow, { maxlength: 500 });
  // The Latin form for certificates, as the roster or a coordinator gave
  // it (core's certificates::LATIN_KEYS); empty when Muster would make it.
  const latinNow = Object.entries(tr.extra).find(([k, v]) => LATIN_COLUMNS.includes(k.trim().toLowerCase()) && v.trim())?.[1] ?? "";
  const latin = input("trainee-edit-latin", latinNow, { maxlength: 100, spellcheck: "false" });
  const errorSlot = h("div", { class: "error-slot" });
  const save = h("button", { class: "btn btn-primary", type: "submit", testid: "trainee-edit-save" }, t("common.save"));
  const form = h("form", {
    novalidate: true,
    onsubmit: async (e: SubmitEvent) => {
      e.preventDefault();
      clear(errorSlot);
      await saveDialog(save, errorSlot, () => modal.close(), onSaved, () => untilAbort(api.editTrainee(tr.id, {
        name: name.value, gender: gender.value, phone: phone.value, id_number: idNumber.value, age: age.value,
        birth_date: null, organization: org.value, occupation: occupation.value,
        note: note.value === noteNow ? null : note.value,
        name_latin: latin.value.trim() === latinNow.trim() ? null : latin.value,
      }), signal));
    },
  },
    errorSlot,
    h("div", { class: "field-row" }, field(t("col.name"), name, "grow"), field(t("col.gender"), gender, "narrow")),
    h("div", { class: "field-row" }, field(t("col.phone"), phone, "grow"), field(t("col.age"), age, "narrow")),
    field(t("col.id_number"), idNumber),
    field(t("col.organization"), org),
    field(t("col.occupation"), occupation),
    field(t("door.note"), note),
    field(t("trainee.edit.latin"), latin),
    h("p", { class: "muted modal-detail" }, t("trainee.edit.code", { code: tr.code ?? "" })),
    h("div", { class: "modal-actions" }, save),
  );
  // Where the trainee stands for the certificate (for those who may see it).
  const standing = h("div", { class: "trainee-standing", testid: "trainee-eligibility" });
  const modal = openModal({ title: t("trainee.edit.title", { name: tr.name }), testid: "trainee-dialog", body: [standing, form], autofocus: name, signal });
  if (visibleTabs(role()).includes("certificates")) {
    void untilAbort(api.certificateEligibility(tr.event_id), signal).then((r) => {
      const e = r.trainees.find((x) => x.trainee_id === tr.id);
      if (!e) return;
      standing.append(
        h("span", { class: `chip ${e.eligible ? "chip-accent" : "chip-muted"}` }, e.eligible ? t("cert.eligible") : t("cert.ineligible")),
        " ", `${hoursText(e.hours)} / ${hoursText(e.scheduled_hours)} h (${pct(e.attendance)})`,
        e.needs ? h("div", { class: `cert-needs${e.needs.reachable ? "" : " out-of-reach"}`, testid: "trainee-needs" }, needsText(e.needs)) : "");
    }, () => undefined);
  }
  // The same person at the programme's other stops (linked, never merged).
  const history = h("div", { class: "trainee-history", testid: "trainee-history" });
  standing.after(history);
  void untilAbort(api.traineeHistory(tr.id), signal).then((hist) => {
    if (hist.stops.length < 2) return;
    history.append(
      h("div", { class: "muted" }, t("trainee.history", { n: hist.stops.length })),
      h("ul", { class: "history-list" }, hist.stops.map((s) =>
        h("li", { class: s.trainee_id === tr.id ? "here" : "", testid: "trainee-history-stop" },
          `${s.starts} · ${s.name} · ${hoursText(s.hours)} h`,
          s.certificate ? ` · ${t("trainee.history.certificate", { number: s.certificate })}` : ""))),
    );
  }, () => undefined);
}

/** The event dialog: name, venue, first day, days, its programme; close, reopen, remove from this laptop. */
function eventDialog(ev: Event, onSaved: () => void, signal: AbortSignal): void {
  const programme = h("select", { class: "select", testid: "event-edit-programme" },
    h("option", { value: "" }, t("create.programme.none")));
  void untilAbort(api.listProgrammes(), signal).then((list) => {
    for (const p of list) programme.append(h("option", { value: p.id, selected: p.id === ev.programme_id }, p.name));
  }, () => undefined);
  const closing = h("button", {
    class: "btn btn-secondary", type: "button", testid: ev.closed_at ? "event-reopen" : "event-close",
    onclick: async () => {
      clear(errorSlot);
      try {
        if (ev.closed_at) await untilAbort(api.reopenEvent(ev.id), signal);
        else {
          const yes = await confirmDialog({ title: t("event.close.title"), body: t("event.close.body"), yes: t("event.close"), testid: "event-close-confirm", signal });
          if (!yes) return;
          await untilAbort(api.closeEvent(ev.id), signal);
        }
        modal.close();
        onSaved();
      } catch (err) {
        errorSlot.append(errorBox(err as UiError));
      }
    },
  }, ev.closed_at ? t("event.reopen") : t("event.close"));
  const purge = ev.closed_at && !ev.purged_at && can(role(), "events.create") ? h("button", {
    class: "btn btn-danger", type: "button", testid: "event-purge",
    onclick: async () => {
      clear(errorSlot);
      const yes = await confirmDialog({ title: t("event.purge.title"), body: t("event.purge.body", { name: ev.name }), yes: t("event.purge"), testid: "event-purge-confirm", signal });
      if (!yes) return;
      try {
        const r = await untilAbort(api.purgeEvent(ev.id), signal);
        errorSlot.append(h("p", { class: "ok-line", testid: "event-purged-done" }, t("event.purge.done", { n: r.trainees })));
        onSaved();
      } catch (err) {
        errorSlot.append(errorBox(err as UiError));
      }
    },
  }, t("event.purge")) : null;
  const name = h("input", { type: "text", required: true, maxlength: 200, value: ev.name, testid: "event-edit-name" });
  const venue = h("input", { type: "text", maxlength: 200, value: ev.venue, testid: "event-edit-venue" });
  const starts = dateField(ev.starts_on, "event-edit-starts");
  const days = h("input", { type: "number", min: 1, max: 366, value: ev.days, testid: "event-edit-days" });
  const errorSlot = h("div", { class: "error-slot" });
  const save = h("button", { class: "btn btn-primary", type: "submit", testid: "event-edit-save" }, t("common.save"));
  const form = h("form", {
    onsubmit: async (e: SubmitEvent) => {
      e.preventDefault();
      clear(errorSlot);
      const startsOn = starts.value();
      if (!startsOn) {
        errorSlot.appendChild(errorBox({ code: "invalid_input", message: t("date.invalid"), file: null, line: null, field: "starts_on" } as UiError));
        return starts.input.focus();
      }
      await saveDialog(save, errorSlot, () => modal.close(), onSaved, () => untilAbort(api.editEvent(ev.id, {
        name: name.value.trim(), venue: venue.value.trim(), starts_on: startsOn, days: Math.max(1, Number.parseInt(days.value, 10) || 1),
        programme_id: programme.value === (ev.programme_id ?? "") ? undefined : programme.value,
      }), signal));
    },
  },
    errorSlot,
    field(t("create.name"), name),
    field(t("create.venue"), venue),
    h("div", { class: "field-row" }, field(t("create.starts"), starts.el, "grow"), field(t("create.days"), days, "narrow")),
    field(t("create.programme"), programme),
    h("div", { class: "modal-actions" }, closing, purge, save),
  );
  const modal = openModal({ title: t("event.edit"), testid: "event-dialog", body: [form], autofocus: name, signal });
}

export async function renderEvent(root: HTMLElement, ctx: Ctx, id: string, signal: AbortSignal): Promise<void> {
  clear(root);
  root.appendChild(spinner());
  let ev: Event | undefined;
  let roster: Trainee[] = [];
  let sessions: Session[] = [];
  const errorSlot = h("div", { class: "error-slot" });
  const showError = errorShower(errorSlot);
  try {
    ev = await untilAbort(findEvent(id), signal);
    if (ev) [roster, sessions] = await untilAbort(Promise.all([api.roster(id), api.listSessions(id)]), signal);
  } catch (e) {
    clear(root);
    root.appendChild(errorBox(e as UiError));
    return;
  }
  clear(root);
  if (!ev) {
    root.appendChild(errorBox({ code: "not_found", message: id, file: null, line: null, field: null } as UiError));
    return;
  }
  const event = ev;
  const total = roster.length;

  const importBtn = h("button", {
    class: "btn btn-primary", type: "button", testid: "open-import",
    onclick: () => ctx.go({ name: "import", id }),
  }, t("event.import"));
  const editBtn = h("button", {
    class: "btn btn-secondary", type: "button", testid: "event-edit",
    onclick: () => eventDialog(event, () => ctx.go({ name: "event", id }), signal),
  }, t("event.edit"));
  const deleteBtn = h("button", {
    class: "btn btn-ghost", type: "button", testid: "event-delete",
    onclick: async () => {
      try {
        const removed = await removeWithConfirmation(t("event.delete.title", { name: event.name }), t("event.delete.body"),
          (force) => untilAbort(api.deleteEvent(event.id, force), signal), signal);
        if (removed) ctx.go({ name: "events" });
      } catch (err) {
        showError(err as UiError);
      }
    },
  }, t("common.delete"));
  const actions = [
    ...(can(role(), "events.create") ? [deleteBtn, editBtn] : []),
    ...(can(role(), "roster.import") ? [importBtn] : []),
  ];

  const tableSlot = h("div", { class: "table-slot" });
  const count = h("span", { class: "roster-count", testid: "roster-count" });
  const search = h("input", {
    type: "search", class: "search", placeholder: t("event.search"), autocomplete: "off",
    spellcheck: "false", testid: "roster-search", "aria-label": t("event.search"),
  });

  const openTrainee = (tr: Trainee) => traineeDialog(tr, () => ctx.go({ name: "event", id }), signal);
  const show = (rows: Trainee[], query: string) => {
    clear(tableSlot);
    count.textContent = query ? t("event.count.filtered", { n: rows.length }) : t("event.count", { n: total });
    if (rows.length > 0) tableSlot.appendChild(rosterTable(rows, can(role(), "roster.edit") ? openTrainee : null));
    else if (query) tableSlot.appendChild(h("div", { class: "empty-line muted", testid: "roster-nomatch" }, t("event.roster.nomatch", { q: query })));
    else tableSlot.appendChild(h("div", { class: "empty-line muted", testid: "roster-empty" }, t("event.roster.empty")));
  };
  show(roster, "");

  // Answers can arrive out of order: only the newest query's answer shows.
  let seq = 0;
  const runSearch = debounce(async (query: string) => {
    const mine = ++seq;
    try {
      const rows = query ? await untilAbort(api.searchRoster(id, query), signal) : roster;
      if (mine === seq) show(rows, query);
    } catch (e) {
      if (mine === seq) showError(e as UiError);
    }
  }, SEARCH_DEBOUNCE_MS, signal);
  search.addEventListener("input", () => runSearch(search.value.trim()));
  search.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && search.value) {
      search.value = "";
      runSearch("");
      e.stopPropagation();
    }
  });

  root.appendChild(
    h("div", { class: "page", testid: "event-page" },
      eventHeader(event, ctx, actions),
      eventTabs(event, ctx, "roster"),
      errorSlot,
      h("div", { class: "event-layout" },
        h("section", { class: "card roster-card", testid: "roster" },
          h("div", { class: "roster-toolbar" },
            h("h2", { class: "card-title" }, t("event.roster")),
            h("div", { class: "search-box" }, search, h("kbd", { class: "kbd-hint", title: t("event.search.hint") }, "/")),
            count,
          ),
          tableSlot,
        ),
        sessionsCard(event, sessions, showError, signal),
      ),
    ),
  );
  installSearchShortcut(signal);
}

/** "/" anywhere but a text field focuses the roster search (while the roster's screen is on show). */
export function installSearchShortcut(signal: AbortSignal): void {
  on(document, "keydown", (e) => {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target as HTMLElement | null;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable)) return;
    const search = document.querySelector<HTMLInputElement>('[data-testid="roster-search"]');
    if (search) {
      e.preventDefault();
      search.focus();
      search.select();
    }
  }, signal);
}
