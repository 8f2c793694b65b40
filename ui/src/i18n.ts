// The UI's languages: one file each in ./locales (en.ts holds every key;
// zh.ts every key too; a new language — Khmer, Lao, Azerbaijani, Turkmen,
// Russian — is one more file there, found by itself: see locales/README.md).
/// <reference types="vite/client" />

import { words as EN, type Words } from "./locales/en";

/** A language's code: the file name in ./locales (`zh`, `en`, `km` …). */
export type Lang = string;

type Locale = { name: string; html: string; words: Partial<Words> };

const FOUND = import.meta.glob<Locale>("./locales/*.ts", { eager: true });

/** Every language of the UI by code, from its file in ./locales. */
export const LOCALES: Record<Lang, Locale> = Object.fromEntries(
  Object.entries(FOUND)
    .map(([path, m]) => [/([\w-]+)\.ts$/.exec(path)?.[1] ?? path, m] as const)
    .filter(([, m]) => m && typeof m.words === "object"),
);

/** The languages offered: Chinese and English first, then the others by code. */
export const LANGS: readonly Lang[] = Object.keys(LOCALES).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

function rank(l: Lang): number {
  return l === "zh" ? 0 : l === "en" ? 1 : 2;
}

const STORAGE_KEY = "muster.lang";

/** Every key, with its English text (also: which keys exist). */
export const MESSAGES: Words = EN;

export type Key = keyof Words;

let current: Lang = "en";

/** The stored choice when it is a language here; else the system's language when the UI has it; else en. */
export function detectLang(navigatorLanguage: string | undefined, stored: string | null): Lang {
  if (stored && stored in LOCALES) return stored;
  const system = (navigatorLanguage ?? "").toLowerCase().split(/[-_]/)[0];
  return system && system in LOCALES ? system : "en";
}

/** The `lang` attribute of the page for a language (zh-CN, en, km …). */
export function htmlLang(lang: Lang): string {
  return LOCALES[lang]?.html ?? lang;
}

/** The language's own name, for the switch (中文, EN, ខ្មែរ …). */
export function langName(lang: Lang): string {
  return LOCALES[lang]?.name ?? lang;
}

export function initLang(): Lang {
  let stored: string | null = null;
  try {
    stored = globalThis.localStorage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    stored = null;
  }
  current = detectLang(globalThis.navigator?.language, stored);
  return current;
}

export function getLang(): Lang {
  return current;
}

export function setLang(lang: Lang): void {
  current = lang;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  } catch {
    // private mode etc.: the choice lasts for this run only
  }
}

/**
 * The words for `${prefix}.${name}` when the messages have them, else null:
 * a name from the core (an action, an entity, a kind) this UI may not know
 * yet.
 */
export function tName(prefix: string, name: string, lang: Lang = current): string | null {
  const key = `${prefix}.${name}`;
  return Object.prototype.hasOwnProperty.call(MESSAGES, key) ? t(key as Key, {}, lang) : null;
}

/**
 * A sentence from the core in the reader's language: the text of
 * `msg.<key>` with its parameters, or — for a key this UI does not know
 * yet — the English message as sent.
 */
export function worded(msg: { key: string; params: Record<string, string> } | null | undefined, fallback: string, lang: Lang = current): string {
  if (!msg) return fallback;
  const key = `msg.${msg.key}`;
  if (!Object.prototype.hasOwnProperty.call(MESSAGES, key)) return fallback;
  // A roster field named in a parameter reads as the column's name (`phone` → 手机号).
  const params = { ...msg.params };
  if (params.field) params.field = tName("col", params.field, lang) ?? params.field;
  // A list parameter (`name[]` its items, `name+` how many more) is worded
  // in this language, not with the core's English "and N more".
  for (const [p, items] of Object.entries(msg.params)) {
    if (!p.endsWith("[]")) continue;
    const name = p.slice(0, -2);
    params[name] = wordList(items === "" ? [] : items.split(LIST_SEPARATOR), Number(msg.params[`${name}+`] ?? 0), lang);
  }
  // A sentence inside the sentence (`detail` with `detail.key`, `detail.at`, …)
  // is worded too; its English stays when this UI does not know its key.
  for (const name of Object.keys(params)) {
    const inner = params[`${name}.key`];
    if (name.includes(".") || inner === undefined) continue;
    const sub: Record<string, string> = {};
    for (const [k, v] of Object.entries(msg.params)) {
      if (k.startsWith(`${name}.`) && k !== `${name}.key`) sub[k.slice(name.length + 1)] = v;
    }
    params[name] = worded({ key: inner, params: sub }, params[name], lang);
  }
  return t(key as Key, params, lang);
}

/** Joins a list parameter's items (the core's `LIST_SEPARATOR`). */
export const LIST_SEPARATOR = "\u001f";

/** Items of a list in `lang`, and how many more were left out. */
export function wordList(items: string[], more: number, lang: Lang = current): string {
  const list = items.join(t("list.sep", {}, lang));
  return more > 0 ? t("list.more", { list, n: more }, lang) : list;
}

/** The text for `key` in the current (or given) language, `{name}` filled from `params`. */
export function t(key: Key, params: Record<string, string | number> = {}, lang: Lang = current): string {
  // A language file without this key yet: the English.
  const text = LOCALES[lang]?.words[key] ?? EN[key];
  return text.replace(/\{(\w+)\}/g, (m, name: string) =>
    name in params ? String(params[name]) : m,
  );
}
