// Screen (a): the list of events, the create form, and the demo offer on
// an empty store.

import { api } from "../api";
import type { Event } from "../bindings/Event";
import type { Programme } from "../bindings/Programme";
import { clear, h, untilAbort } from "../dom";
import { dateField } from "../dates";
import { dateRange, type UiError } from "../format";
import { t } from "../i18n";
import { errorShower, field, spinner, type Ctx } from "../ui";
import { can } from "../access";
import { role } from "../session";

function today(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function eventCard(ev: Event, ctx: Ctx): HTMLElement {
  const days = ev.days === 1 ? t("events.day") : t("events.days", { n: ev.days });
  return h(
    "button",
    {
      class: "card event-card",
      type: "button",
      testid: "event-card",
      "data-event-id": ev.id,
      onclick: () => ctx.go({ name: "event", id: ev.id }),
    },
    h("div", { class: "event-card-name", testid: "event-name" }, ev.name),
    h("div", { class: "event-card-meta" }, ev.venue),
    h("div", { class: "event-card-meta" }, `${dateRange(ev.starts_on, ev.days)} · ${days}`),
    h("div", { class: "chips" },
      h("span", { class: "chip chip-accent" }, t("events.trainees", { n: ev.trainee_count })),
      h("span", { class: "chip" }, t("events.sessions", { n: ev.session_count })),
      ev.purged_at ? h("span", { class: "chip chip-muted", testid: "event-purged" }, t("events.purged"))
        : ev.closed_at ? h("span", { class: "chip chip-muted", testid: "event-closed" }, t("events.closed")) : null,
    ),
  );
}

/** Events grouped by programme (stops in date order), then the events of no programme. */
export function groupByProgramme(events: Event[], programmes: Programme[]): { programme: Programme | null; events: Event[] }[] {
  const known = new Map(programmes.map((p) => [p.id, p]));
  const groups = programmes.map((p) => ({ programme: p as Programme | null, events: [] as Event[] }));
  const rest: Event[] = [];
  for (const ev of events) {
    const g = ev.programme_id && known.has(ev.programme_id) ? groups.find((x) => x.programme?.id === ev.programme_id) : undefined;
    (g ? g.events : rest).push(ev);
  }
  for (const g of groups) g.events.sort((a, b) => a.starts_on.localeCompare(b.starts_on) || a.id.localeCompare(b.id));
  const out = groups.filter((g) => g.events.length > 0);
  if (rest.length > 0) out.push({ programme: null, events: rest });
  return out;
}

function createForm(ctx: Ctx, onError: (e: UiError) => void, signal: AbortSignal, programmes: Programme[]): HTMLElement {
  const NEW = "\u0000new";
  const programme = h("select", { name: "programme", testid: "create-programme" },
    h("option", { value: "" }, t("create.programme.none")),
    programmes.map((p) => h("option", { value: p.id }, p.name)),
    h("option", { value: NEW }, t("create.programme.new")),
  );
  const programmeName = h("input", {
    type: "text", maxlength: 200, autocomplete: "off", placeholder: t("create.programme.name"),
    testid: "create-programme-name", hidden: true,
  });
  programme.addEventListener("change", () => {
    programmeName.hidden = programme.value !== NEW;
    if (!programmeName.hidden) programmeName.focus();
  });
  const name = h("input", {
    type: "text", name: "name", required: true, maxlength: 120, autocomplete: "off",
    placeholder: t("create.name.placeholder"), testid: "create-name",
  });
  const venue = h("input", {
    type: "text", name: "venue", maxlength: 120, autocomplete: "off",
    placeholder: t("create.venue.placeholder"), testid: "create-venue",
  });
  const starts = dateField(today(), "create-starts");
  const days = h("input", { type: "number", name: "days", min: 1, max: 60, value: 1, required: true, testid: "create-days" });
  const halfDays = h("input", { type: "checkbox", checked: true, testid: "create-half-days" });
  const submit = h("button", { class: "btn btn-primary", type: "submit", testid: "create-submit" }, t("create.submit"));

  const form = h(
    "form",
    {
      class: "card form-card",
      testid: "create-form",
      novalidate: true,
      onsubmit: async (e: SubmitEvent) => {
        e.preventDefault();
        if (!name.value.trim()) {
          name.focus();
          onError({ code: "invalid_input", message: t("create.required"), file: null, line: null, field: "name" } as UiError);
          return;
        }
        if (!starts.value()) {
          starts.input.focus();
          onError({ code: "invalid_input", message: t("date.invalid"), file: null, line: null, field: "starts_on" } as UiError);
          return;
        }
        if (programme.value === NEW && !programmeName.value.trim()) {
          programmeName.focus();
          onError({ code: "invalid_input", message: t("create.programme.required"), file: null, line: null, field: "programme" } as UiError);
          return;
        }
        submit.disabled = true;
        try {
          let programmeId: string | null = programme.value || null;
          if (programme.value === NEW) programmeId = (await untilAbort(api.createProgramme(programmeName.value.trim()), signal)).id;
          const ev = await untilAbort(api.createEventIn({
            name: name.value.trim(),
            venue: venue.value.trim(),
            starts_on: starts.value() ?? today(),
            days: Math.max(1, Number.parseInt(days.value, 10) || 1),
          }, programmeId), signal);
          // The event exists now: a failure here shows on its page, where sessions can be added.
          if (halfDays.checked) await untilAbort(api.addHalfDaySessions(ev.id), signal).catch(onError);
          ctx.go({ name: "event", id: ev.id });
        } catch (err) {
          onError(err as UiError);
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("h2", { class: "card-title" }, t("create.title")),
    field(t("create.name"), name),
    field(t("create.venue"), venue),
    h("div", { class: "field-row" }, field(t("create.starts"), starts.el, "grow"), field(t("create.days"), days, "narrow")),
    field(t("create.programme"), h("div", { class: "stack" }, programme, programmeName)),
    h("label", { class: "check-line" }, halfDays, " ", t("create.half_days")),
    h("div", { class: "form-actions" }, submit),
  );
  return form;
}

function emptyArt(): HTMLElement {
  const art = h("div", { class: "empty-art", "aria-hidden": "true" });
  art.innerHTML =
    '<svg viewBox="0 0 64 64" width="64" height="64" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round">' +
    '<rect x="14" y="10" width="36" height="46" rx="5"/><path d="M25 10v-2a3 3 0 0 1 3-3h8a3 3 0 0 1 3 3v2"/>' +
    '<path d="M22 24h20M22 32h20M22 40h12"/></svg>';
  return art;
}

export async function renderEvents(root: HTMLElement, ctx: Ctx, signal: AbortSignal): Promise<void> {
  clear(root);
  const errorSlot = h("div", { class: "error-slot" });
  const showError = errorShower(errorSlot);
  const listSlot = h("section", { class: "events-main" }, spinner());
  // Without programmes (or an older shell) the list is ungrouped.
  const programmes = await untilAbort(api.listProgrammes(), signal).then((p) => (Array.isArray(p) ? p : []), () => [] as Programme[]);
  root.appendChild(
    h("div", { class: "page", testid: "events-page" },
      h("header", { class: "page-head" },
        h("div", null,
          h("h1", { class: "page-title" }, t("events.title")),
          h("p", { class: "page-sub" }, t("events.subtitle")),
        ),
      ),
      errorSlot,
      can(role(), "events.create")
        ? h("div", { class: "events-layout" }, listSlot, h("aside", { class: "events-side" }, createForm(ctx, showError, signal, programmes)))
        : h("div", { class: "events-layout events-layout-wide" }, listSlot),
    ),
  );

  let events: Event[];
  try {
    events = await untilAbort(api.listEvents(), signal);
  } catch (e) {
    clear(listSlot);
    showError(e as UiError);
    return;
  }
  clear(listSlot);
  if (events.length === 0) {
    const demo = h("button", { class: "btn btn-primary btn-lg", type: "button", testid: "demo-button" }, t("events.demo"));
    demo.addEventListener("click", async () => {
      demo.disabled = true;
      try {
        const ev = await untilAbort(api.createDemoEvent(), signal);
        ctx.go({ name: "event", id: ev.id });
      } catch (e) {
        showError(e as UiError);
        demo.disabled = false;
      }
    });
    listSlot.appendChild(
      h("div", { class: "empty card", testid: "empty-events" },
        emptyArt(),
        h("h2", { class: "empty-title" }, t("events.empty.title")),
        can(role(), "events.create") ? h("p", { class: "empty-body" }, t("events.empty.body")) : null,
        can(role(), "events.create") ? demo : null,
      ),
    );
    return;
  }
  const groups = groupByProgramme(events, programmes);
  if (groups.length === 1 && groups[0].programme === null) {
    listSlot.appendChild(h("div", { class: "event-grid", testid: "event-list" }, events.map((ev) => eventCard(ev, ctx))));
    return;
  }
  listSlot.appendChild(
    h("div", { testid: "event-list" },
      groups.map((g) =>
        h("section", { class: "programme-group", testid: "programme-group", "data-programme-id": g.programme?.id ?? "" },
          h("h2", { class: "programme-title", testid: "programme-title" },
            g.programme ? g.programme.name : t("events.no_programme"),
            g.programme ? h("span", { class: "chip" }, t("events.stops", { n: g.events.length })) : null,
          ),
          h("div", { class: "event-grid" }, g.events.map((ev) => eventCard(ev, ctx))),
        ),
      ),
    ),
  );
}
