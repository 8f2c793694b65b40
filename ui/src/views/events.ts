// Screen (a): the list of events, the create form, and the demo offer on
// an empty store.

import { api } from "../api";
import type { Event } from "../bindings/Event";
import { clear, h, untilAbort } from "../dom";
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
    ),
  );
}

function createForm(ctx: Ctx, onError: (e: UiError) => void, signal: AbortSignal): HTMLElement {
  const name = h("input", {
    type: "text", name: "name", required: true, maxlength: 120, autocomplete: "off",
    placeholder: t("create.name.placeholder"), testid: "create-name",
  });
  const venue = h("input", {
    type: "text", name: "venue", maxlength: 120, autocomplete: "off",
    placeholder: t("create.venue.placeholder"), testid: "create-venue",
  });
  const starts = h("input", { type: "date", name: "starts_on", required: true, value: today(), testid: "create-starts" });
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
        submit.disabled = true;
        try {
          const ev = await untilAbort(api.createEvent({
            name: name.value.trim(),
            venue: venue.value.trim(),
            starts_on: starts.value || today(),
            days: Math.max(1, Number.parseInt(days.value, 10) || 1),
          }), signal);
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
    h("div", { class: "field-row" }, field(t("create.starts"), starts, "grow"), field(t("create.days"), days, "narrow")),
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
        ? h("div", { class: "events-layout" }, listSlot, h("aside", { class: "events-side" }, createForm(ctx, showError, signal)))
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
  listSlot.appendChild(h("div", { class: "event-grid", testid: "event-list" }, events.map((ev) => eventCard(ev, ctx))));
}
