// A tiny element builder: h("button", {class: "btn", onclick}, "Text"),
// and the helpers that tie a screen's listeners, timers and loads to the
// AbortSignal of its route (on, every, later, untilAbort, listenUntil).

type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, unknown>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k.startsWith("on") && typeof v === "function") {
        el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
      } else if (k === "class") {
        el.className = String(v);
      } else if (k === "testid") {
        el.dataset.testid = String(v);
      } else if (k === "value" && "value" in el) {
        (el as HTMLInputElement).value = String(v);
      } else if (v === true) {
        el.setAttribute(k, "");
      } else {
        el.setAttribute(k, String(v));
      }
    }
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** Calls `fn` once input has paused for `ms` (never once `signal` aborted). */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number, signal?: AbortSignal): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  signal?.addEventListener("abort", () => clearTimeout(timer), { once: true });
  return (...args: A) => {
    if (timer !== undefined) clearTimeout(timer);
    if (signal?.aborted) return;
    timer = setTimeout(() => fn(...args), ms);
  };
}

// ---- a route's lifetime ---------------------------------------------------------
//
// The router gives each screen an AbortSignal when it mounts and aborts it
// when the screen is left (another screen, the lock, a re-render). What the
// screen hangs on the document or the window, its timers, its event
// listeners from Rust, and its pending loads go with it.

type EventMapOf<T> = T extends Window ? WindowEventMap : T extends Document ? DocumentEventMap : T extends HTMLElement ? HTMLElementEventMap : Record<string, Event>;

/** `addEventListener` for as long as `signal` is not aborted. */
export function on<T extends EventTarget, K extends keyof EventMapOf<T> & string>(
  target: T, type: K, fn: (e: EventMapOf<T>[K]) => void, signal: AbortSignal, opts: AddEventListenerOptions = {},
): void {
  if (signal.aborted) return; // (browsers add nothing then; not every DOM does)
  target.addEventListener(type, fn as unknown as EventListener, { ...opts, signal });
}

/** Calls `fn` when `signal` aborts (at once when it already has). */
export function onAbort(signal: AbortSignal, fn: () => void): void {
  if (signal.aborted) fn();
  else signal.addEventListener("abort", fn, { once: true });
}

/** `setInterval` until `signal` aborts. */
export function every(ms: number, fn: () => void, signal: AbortSignal): void {
  if (signal.aborted) return;
  const timer = setInterval(fn, ms);
  onAbort(signal, () => clearInterval(timer));
}

/**
 * One timer, set again and again: `set` replaces what was set before, and
 * `signal` cancels it. For a deadline that moves with input (the idle
 * lock, the scan box's rest) without waking the page every second.
 */
export interface Alarm {
  set(ms: number, fn: () => void): void;
  clear(): void;
}

export function alarm(signal?: AbortSignal): Alarm {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const clear = () => { if (timer !== undefined) clearTimeout(timer); timer = undefined; };
  if (signal) onAbort(signal, clear);
  return {
    set(ms, fn) {
      clear();
      if (signal?.aborted) return;
      timer = setTimeout(() => { timer = undefined; fn(); }, Math.max(0, ms));
    },
    clear,
  };
}

/** `setTimeout`, cancelled when `signal` aborts first. */
export function later(ms: number, fn: () => void, signal: AbortSignal): void {
  if (signal.aborted) return;
  const timer = setTimeout(fn, ms);
  onAbort(signal, () => clearTimeout(timer));
}

/**
 * Settles as `p` does, unless `signal` was aborted by then: then never, so
 * a load that comes back after its screen was left paints nothing (neither
 * its result nor its error).
 */
export function untilAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    p.then(
      (v) => { if (!signal.aborted) resolve(v); },
      (e) => { if (!signal.aborted) reject(e); },
    );
  });
}

/**
 * A listener from Rust (Tauri `listen`, which resolves to its unlisten
 * function) that stops when `signal` aborts, even when it aborted before
 * the listener was in place. Resolves to the unlisten function.
 */
export async function listenUntil(listening: Promise<() => void>, signal: AbortSignal): Promise<() => void> {
  const unlisten = await listening;
  let done = false;
  const off = () => { if (!done) { done = true; unlisten(); } };
  onAbort(signal, off);
  return off;
}
