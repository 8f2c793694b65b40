// Screen (g): possible duplicates — trainees sharing a mobile or ID number,
// typically one person registered as a walk-in on two laptops. The
// coordinator picks the record to keep and confirms; nothing is merged
// without that.

import { api } from "../api";
import type { DuplicateGroup } from "../bindings/DuplicateGroup";
import type { Trainee } from "../bindings/Trainee";
import { clear, h, untilAbort } from "../dom";
import { formatDateTime, formatPhone, maskId, type UiError } from "../format";
import { t } from "../i18n";
import { loadInto, confirmDialog, errorBox, spinner, type Ctx } from "../ui";
import { eventHeader, eventTabs, findEvent } from "./event";

let groupSeq = 0;

function groupCard(g: DuplicateGroup, onMerge: (keep: Trainee, others: Trainee[]) => void): HTMLElement {
  const name = `dup-${++groupSeq}`;
  // Keep the roster record (not a walk-in) by default, else the oldest.
  const byDefault = g.trainees.find((x) => !x.walk_in) ?? g.trainees[0];
  let keep = byDefault;
  const value = g.by === "phone" ? formatPhone(g.value) : maskId(g.value);
  const rows = g.trainees.map((tr) => {
    const radio = h("input", { type: "radio", name, value: tr.id, checked: tr.id === keep.id, testid: "dup-keep" });
    radio.addEventListener("change", () => { keep = tr; });
    return h("label", { class: "dup-row", testid: "dup-row" },
      radio,
      h("span", { class: "dup-name" }, tr.name),
      h("span", { class: "mono" }, tr.code ?? ""),
      tr.walk_in ? h("span", { class: "chip chip-muted" }, t("door.walkin.badge")) : h("span", null),
      h("span", { class: "mono muted" }, formatPhone(tr.phone)),
      h("span", { class: "mono muted" }, maskId(tr.id_number)),
      h("span", { class: "muted" }, tr.created_at ? t("dup.added", { at: formatDateTime(tr.created_at) }) : ""),
    );
  });
  return h("section", { class: "card dup-card", testid: "dup-group" },
    h("h2", { class: "card-title" }, t(g.by === "phone" ? "dup.by.phone" : "dup.by.id_number", { value })),
    h("div", { class: "dup-head muted" }, h("span", null, t("dup.keep"))),
    rows,
    h("div", { class: "form-actions" },
      h("button", {
        class: "btn btn-primary", type: "button", testid: "dup-merge",
        onclick: () => onMerge(keep, g.trainees.filter((x) => x.id !== keep.id)),
      }, t("dup.merge"))),
  );
}

export async function renderDuplicates(root: HTMLElement, ctx: Ctx, id: string, signal: AbortSignal): Promise<void> {
  const ev = await loadInto(root, () => findEvent(id), id, signal);
  if (!ev) return;
  const errorSlot = h("div", { class: "error-slot" });
  const list = h("div", { class: "dup-list-cards", testid: "duplicates" }, spinner());

  const load = async () => {
    try {
      const groups = await untilAbort(api.possibleDuplicates(id), signal);
      clear(list);
      if (groups.length === 0) list.appendChild(h("div", { class: "card empty-line muted", testid: "dup-none" }, t("dup.none")));
      for (const g of groups) list.appendChild(groupCard(g, merge));
    } catch (e) {
      clear(list);
      errorSlot.appendChild(errorBox(e as UiError));
    }
  };

  const merge = async (keep: Trainee, others: Trainee[]) => {
    const ok = await untilAbort(confirmDialog({
      title: t("dup.confirm.title"),
      body: t("dup.confirm.body", { keep: keep.name, code: keep.code ?? "", others: others.map((o) => `${o.name}（${o.code ?? ""}）`).join("、") }),
      yes: t("dup.confirm.yes"),
      testid: "merge-dialog",
      signal,
    }), signal);
    if (!ok) return;
    try {
      for (const o of others) await untilAbort(api.mergeTrainees(keep.id, o.id), signal);
      ctx.toast(t("dup.merged", { name: keep.name }));
    } catch (e) {
      clear(errorSlot);
      errorSlot.appendChild(errorBox(e as UiError, () => clear(errorSlot)));
    }
    await load();
  };

  root.appendChild(
    h("div", { class: "page", testid: "duplicates-page" },
      eventHeader(ev, ctx),
      eventTabs(ev, ctx, "duplicates"),
      h("p", { class: "page-sub" }, t("dup.intro")),
      errorSlot,
      list,
    ),
  );
  await load();
}
