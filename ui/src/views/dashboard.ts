// Screen (e): the live dashboard of an event — per session expected vs
// arrived with a bar, present / late / left early / absent, arrivals per five
// minutes as a small inline-SVG bar chart, the late list. Refreshes itself
// every few seconds while it is on screen.

import { api } from "../api";
import type { ArrivalBucket } from "../bindings/ArrivalBucket";
import type { SessionDashboard } from "../bindings/SessionDashboard";
import { clear, every, h, untilAbort } from "../dom";
import { clockTime, fillSlots, localMinute } from "../door";
import { formatDateTime, type UiError } from "../format";
import { t } from "../i18n";
import { confirmDialog, loadInto, errorBox, spinner, type Ctx } from "../ui";
import { eventHeader, eventTabs, findEvent } from "./event";

/** Seconds between refreshes. */
export const DASHBOARD_REFRESH_S = 4;

const SVG = "http://www.w3.org/2000/svg";

function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Arrivals per five minutes as bars; the time of every few bars under them. */
function arrivalsChart(buckets: ArrivalBucket[]): Element {
  const slots = fillSlots(buckets, 36);
  if (slots.length === 0) return h("div", { class: "muted chart-empty" }, t("dash.arrivals.none"));
  const W = 560, H = 150, top = 16, bottom = 22, gap = 3;
  const max = Math.max(...slots.map((s) => s.count), 1);
  const bw = Math.min(36, (W - gap * (slots.length - 1)) / slots.length);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": t("dash.arrivals") });
  root.appendChild(svg("line", { x1: 0, x2: W, y1: H - bottom + 0.5, y2: H - bottom + 0.5, class: "chart-axis" }));
  const every = Math.max(1, Math.ceil(slots.length / 8));
  slots.forEach((s, i) => {
    const x = i * (bw + gap);
    const bh = ((H - top - bottom) * s.count) / max;
    const y = H - bottom - bh;
    const bar = svg("rect", { x, y, width: bw, height: Math.max(bh, s.count ? 2 : 0), rx: 2, class: "chart-bar" });
    bar.appendChild(svg("title", {}, `${clockTime(s.from)} · ${s.count}`));
    root.appendChild(bar);
    if (s.count > 0) root.appendChild(svg("text", { x: x + bw / 2, y: y - 4, class: "chart-count", "text-anchor": "middle" }, String(s.count)));
    if (i % every === 0) root.appendChild(svg("text", { x: x + bw / 2, y: H - 6, class: "chart-label", "text-anchor": "middle" }, clockTime(s.from)));
  });
  return root;
}

function stat(label: string, value: number, cls: string, testid: string): HTMLElement {
  return h("div", { class: `mini-stat ${cls}` },
    h("div", { class: "mini-stat-value", testid }, String(value)),
    h("div", { class: "mini-stat-label" }, label));
}

function sessionCard(d: SessionDashboard, now: string, onClose: (d: SessionDashboard) => void): HTMLElement {
  const s = d.session;
  const pct = s.expected > 0 ? Math.min(100, Math.round((100 * s.arrived) / s.expected)) : 0;
  const live = s.starts_at.slice(0, 16) <= now && now <= s.ends_at.slice(0, 16);
  return h("section", { class: `card dash-card${live ? " live" : ""}`, testid: "dash-session", "data-session-id": s.id },
    h("header", { class: "dash-head" },
      h("div", null,
        h("div", { class: "session-time" }, `${formatDateTime(s.starts_at)}–${clockTime(s.ends_at)}`),
        h("h2", { class: "dash-title" }, s.title),
      ),
      h("div", { class: "dash-big" },
        h("span", { class: "dash-arrived", testid: "dash-arrived" }, String(s.arrived)),
        h("span", { class: "dash-expected" }, "/ ", h("span", { testid: "dash-expected" }, String(s.expected))),
        h("div", { class: "dash-big-label" }, `${t("dash.arrived")} / ${t("dash.expected")}`),
      ),
    ),
    h("div", { class: "progress-track dash-track", role: "progressbar", "aria-valuenow": pct, "aria-valuemin": 0, "aria-valuemax": 100 },
      h("div", { class: "progress-bar", style: `width:${pct}%` })),
    h("div", { class: "mini-stats" },
      stat(t("dash.present"), s.present, "ok", "dash-present"),
      stat(t("dash.late"), s.late, "warn", "dash-late"),
      stat(t("dash.left_early"), s.left_early, "warn", "dash-left-early"),
      stat(t("dash.absent"), s.absent, "muted", "dash-absent"),
      stat(t("status.excused"), s.excused, "muted", "dash-excused"),
    ),
    // Offered once the session has ended: who is still in is signed out at
    // its end, who never came is marked absent (once; again adds nothing).
    now > s.ends_at.slice(0, 16)
      ? h("div", { class: "form-actions" },
        h("button", { class: "btn btn-secondary", type: "button", testid: "close-session", onclick: () => onClose(d) }, t("dash.close")))
      : null,
    h("div", { class: "dash-body" },
      h("div", { class: "dash-chart" }, h("h3", { class: "dash-sub" }, t("dash.arrivals")), arrivalsChart(d.arrivals)),
      h("div", { class: "dash-late" },
        h("h3", { class: "dash-sub" }, t("dash.late_list"), " ", h("span", { class: "count-badge" }, d.late.length)),
        d.late.length === 0
          ? h("div", { class: "muted" }, t("dash.late_list.none"))
          : h("ol", { class: "late-list", testid: "dash-late-list" },
            d.late.map((l) => h("li", null,
              h("span", { class: "late-name" }, l.name),
              h("span", { class: "mono muted" }, clockTime(l.at)),
              h("span", { class: "chip chip-late" }, t("dash.minutes_late", { n: l.minutes_late }))))),
      ),
    ),
  );
}

export async function renderDashboard(root: HTMLElement, ctx: Ctx, id: string, signal: AbortSignal): Promise<void> {
  const ev = await loadInto(root, () => findEvent(id), id, signal);
  if (!ev) return;
  const body = h("div", { class: "dash-list", testid: "dashboard" }, spinner());
  const updated = h("p", { class: "page-sub muted dash-updated", testid: "dash-updated" });
  const page = h("div", { class: "page", testid: "dashboard-page" },
    eventHeader(ev, ctx),
    eventTabs(ev, ctx, "dashboard"),
    updated,
    body,
  );
  root.appendChild(page);

  // A refresh that brings nothing new paints nothing (an idle screen must
  // not keep the web process awake: every repaint is work on a laptop).
  let shownKey = "";
  const closeSession = async (d: SessionDashboard) => {
    const ok = await confirmDialog({ title: t("dash.close.title", { title: d.session.title }), body: t("dash.close.body"), yes: t("dash.close"), testid: "close-session-dialog", signal });
    if (!ok) return;
    try {
      const c = await untilAbort(api.closeSession(id, d.session.id), signal);
      ctx.toast(t("dash.closed", { out: c.signed_out, absent: c.absent }));
      shownKey = "";
      await load();
    } catch (e) {
      clear(body);
      body.appendChild(errorBox(e as UiError));
    }
  };
  const load = async () => {
    if (document.hidden) return;
    try {
      const board = await untilAbort(api.dashboard(id), signal);
      const now = localMinute(new Date());
      const key = `${now}\n${JSON.stringify(board)}`;
      if (key === shownKey) return;
      shownKey = key;
      clear(body);
      if (board.length === 0) body.appendChild(h("div", { class: "card muted empty-line" }, t("dash.no_sessions")));
      for (const d of board) body.appendChild(sessionCard(d, now, closeSession));
      updated.textContent = t("dash.refresh", { n: DASHBOARD_REFRESH_S, time: new Date().toTimeString().slice(0, 8) });
    } catch (e) {
      shownKey = "";
      clear(body);
      body.appendChild(errorBox(e as UiError));
    }
  };
  await load();
  every(DASHBOARD_REFRESH_S * 1000, () => void load(), signal);
}
