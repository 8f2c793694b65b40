// Date and time fields that read the same in every language. The browser's
// own <input type="date"> follows the system's locale, not the app's: a
// Chinese coordinator on an English-locale laptop saw 11/20/2026, and could
// not tell 03/10 from 10/03. These fields hold the unambiguous ISO form
// (2026-11-20, 09:00 on a 24-hour clock), accept what people type
// (2026/11/20, 2026.11.20, 2026年11月20日, 20261120; 9:00, 9点, 0900) and
// say beside them, in the app's language, which day that is
// (2026年11月20日 星期五 / Fri 20 Nov 2026), or that it is no date.
// The parsing is pure and unit-tested (dates.test.ts).

import { h } from "./dom";
import { fullDay } from "./format";
import { t, getLang } from "./i18n";

const pad = (n: number) => String(n).padStart(2, "0");

/** A real calendar day typed in one of the usual ways → `YYYY-MM-DD`, else null. */
export function parseDate(text: string): string | null {
  const s = text.trim().replace(/\s+/g, "");
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (!m) return null;
  const [y, mo, d] = [+m[1], +m[2], +m[3]];
  if (y < 1900 || y > 2200 || mo < 1 || mo > 12 || d < 1) return null;
  const last = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d > last) return null;
  return `${y}-${pad(mo)}-${pad(d)}`;
}

/** A time of day on a 24-hour clock → `HH:MM`, else null. */
export function parseTime(text: string): string | null {
  const s = text.trim().replace(/\s+/g, "").replace(/[：.点时]/g, ":").replace(/[分]$/, "");
  const m = /^(\d{1,2})(?::(\d{1,2})?)?$/.exec(s) ?? /^(\d{2})(\d{2})$/.exec(s);
  if (!m) return null;
  const [hh, mm] = [+m[1], m[2] === undefined || m[2] === "" ? 0 : +m[2]];
  if (hh > 23 || mm > 59) return null;
  return `${pad(hh)}:${pad(mm)}`;
}

/** A date field: its box (for a label) and its value (`YYYY-MM-DD`, null when not a date). */
export interface DateField {
  /** The box and its line saying which day it is. */
  el: HTMLElement;
  input: HTMLInputElement;
  value(): string | null;
}

/** A text box for a day, `value` (`YYYY-MM-DD`) in it; `testid` on the box. */
export function dateField(value: string, testid: string): DateField {
  const input = h("input", {
    type: "text", value, inputmode: "numeric", autocomplete: "off", spellcheck: "false",
    maxlength: 16, placeholder: t("date.placeholder"), testid, class: "date-input",
  });
  const says = h("span", { class: "date-says muted", testid: `${testid}-says`, "aria-live": "polite" });
  const paint = () => {
    const iso = parseDate(input.value);
    input.setAttribute("aria-invalid", String(!iso && input.value.trim() !== ""));
    says.textContent = iso ? fullDay(iso, getLang()) : input.value.trim() ? t("date.invalid") : "";
    says.classList.toggle("date-bad", !iso && input.value.trim() !== "");
  };
  input.addEventListener("input", paint);
  // Leaving the box writes the day in its one form.
  input.addEventListener("blur", () => {
    const iso = parseDate(input.value);
    if (iso && iso !== input.value) input.value = iso;
    paint();
  });
  paint();
  return { el: h("span", { class: "date-field" }, input, says), input, value: () => parseDate(input.value) };
}

/** A day and a time (`YYYY-MM-DDTHH:MM`), as two boxes: `${testid}` (the day) and `${testid}-time`. */
export function dateTimeField(value: string, testid: string): DateField {
  const [day = "", time = ""] = value.split("T");
  const date = dateField(day, testid);
  const clock = h("input", {
    type: "text", value: time.slice(0, 5), inputmode: "numeric", autocomplete: "off", spellcheck: "false",
    maxlength: 8, placeholder: "09:00", testid: `${testid}-time`, class: "time-input",
    "aria-label": t("date.time"),
  });
  clock.addEventListener("blur", () => {
    const hm = parseTime(clock.value);
    if (hm && hm !== clock.value) clock.value = hm;
    clock.setAttribute("aria-invalid", String(!hm));
  });
  const value_ = () => {
    const d = date.value();
    const hm = parseTime(clock.value);
    return d && hm ? `${d}T${hm}` : null;
  };
  return { el: h("span", { class: "datetime-field" }, date.el, clock), input: date.input, value: value_ };
}
