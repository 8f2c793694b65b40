// Screen (b): one event — its roster with search-as-you-type, and its
// sessions.

import { api } from "../api";
import type { Event } from "../bindings/Event";
import type { Session } from "../bindings/Session";
import type { Trainee } from "../bindings/Trainee";
import { clear, debounce, h, on, untilAbort } from "../dom";
import { dateRange, formatDateTime, formatPhone, genderLabel, maskId, type UiError } from "../format";
import { t, type Key } from "../i18n";
import { errorShower, errorBox, field, spinner, type Ctx } from "../ui";
import { can, visibleTabs } from "../access";
import { role } from "../session";

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

function rosterRow(tr: Trainee, i: number): HTMLElement {
  return h("tr", { testid: "roster-row", "data-trainee-id": tr.id },
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

function rosterTable(rows: Trainee[]): HTMLElement {
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
      h("tbody", null, rows.map(rosterRow)),
    ),
  );
}

function sessionItem(s: Session): HTMLElement {
  const end = s.ends_at.slice(11, 16);
  return h("li", { class: "session", testid: "session-item" },
    h("div", { class: "session-time" }, formatDateTime(s.starts_at), end ? `–${end}` : ""),
    h("div", { class: "session-title" }, s.title),
  );
}

function sessionsCard(ev: Event, initial: Session[], onError: (e: UiError) => void, signal: AbortSignal): HTMLElement {
  const list = h("ul", { class: "session-list", testid: "session-list" });
  const render = (sessions: Session[]) => {
    clear(list);
    if (sessions.length === 0) list.appendChild(h("li", { class: "muted empty-line" }, t("event.sessions.empty")));
    const sorted = [...sessions].sort((a, b) => a.starts_at.localeCompare(b.starts_at));
    for (const s of sorted) list.appendChild(sessionItem(s));
  };
  render(initial);

  const day = `${ev.starts_on}T09:00`;
  const title = h("input", { type: "text", required: true, maxlength: 120, testid: "session-title" });
  const starts = h("input", { type: "datetime-local", value: day, testid: "session-starts" });
  const ends = h("input", { type: "datetime-local", value: `${ev.starts_on}T12:00`, testid: "session-ends" });
  const form = h("form", {
    class: "session-form",
    onsubmit: async (e: SubmitEvent) => {
      e.preventDefault();
      if (!title.value.trim()) return title.focus();
      try {
        await untilAbort(api.addSession(ev.id, { title: title.value.trim(), starts_at: starts.value, ends_at: ends.value }), signal);
        title.value = "";
        render(await untilAbort(api.listSessions(ev.id), signal));
      } catch (err) {
        onError(err as UiError);
      }
    },
  },
    field(t("event.sessions.title"), title),
    h("div", { class: "field-row" }, field(t("event.sessions.starts"), starts, "grow"), field(t("event.sessions.ends"), ends, "grow")),
    h("div", { class: "form-actions" }, h("button", { class: "btn btn-secondary btn-sm", type: "submit" }, t("event.sessions.add"))),
  );

  return h("section", { class: "card sessions-card", testid: "sessions" },
    h("h2", { class: "card-title" }, t("event.sessions"), h("span", { class: "count-badge" }, initial.length)),
    list,
    can(role(), "events.create") ? h("details", { class: "add-session" }, h("summary", null, "+ ", t("event.sessions.add")), form) : null,
  );
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

  const tableSlot = h("div", { class: "table-slot" });
  const count = h("span", { class: "roster-count", testid: "roster-count" });
  const search = h("input", {
    type: "search", class: "search", placeholder: t("event.search"), autocomplete: "off",
    spellcheck: "false", testid: "roster-search", "aria-label": t("event.search"),
  });

  const show = (rows: Trainee[], query: string) => {
    clear(tableSlot);
    count.textContent = query ? t("event.count.filtered", { n: rows.length }) : t("event.count", { n: total });
    if (rows.length > 0) tableSlot.appendChild(rosterTable(rows));
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
      eventHeader(event, ctx, can(role(), "roster.import") ? [importBtn] : []),
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
