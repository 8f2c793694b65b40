// @vitest-environment happy-dom
//
// dom.ts's lifetime helpers: what a screen hangs on the document, its
// timers and its loads end with its route's AbortSignal.

import { afterEach, describe, expect, it, vi } from "vitest";
import { alarm, debounce, every, later, listenUntil, on, onAbort, untilAbort } from "./dom";

const settle = () => new Promise<void>((r) => setTimeout(r, 0));

afterEach(() => { vi.useRealTimers(); });

describe("on", () => {
  it("listens until the signal aborts", () => {
    const ctl = new AbortController();
    const fn = vi.fn();
    on(document, "keydown", fn, ctl.signal);
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "a" }));
    ctl.abort();
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "b" }));
    expect(fn).toHaveBeenCalledTimes(1);
  });
  it("adds nothing for a signal already aborted", () => {
    const fn = vi.fn();
    on(window, "resize", fn, AbortSignal.abort());
    window.dispatchEvent(new Event("resize"));
    expect(fn).not.toHaveBeenCalled();
  });
});

describe("timers", () => {
  it("every and later stop when the signal aborts", () => {
    vi.useFakeTimers();
    const ctl = new AbortController();
    const tick = vi.fn();
    const once = vi.fn();
    every(100, tick, ctl.signal);
    later(250, once, ctl.signal);
    vi.advanceTimersByTime(200);
    expect(tick).toHaveBeenCalledTimes(2);
    ctl.abort();
    vi.advanceTimersByTime(1000);
    expect(tick).toHaveBeenCalledTimes(2);
    expect(once).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
  it("a debounced call waiting when the signal aborts never runs", () => {
    vi.useFakeTimers();
    const ctl = new AbortController();
    const fn = vi.fn();
    const d = debounce(fn, 50, ctl.signal);
    d("a");
    ctl.abort();
    d("b");
    vi.advanceTimersByTime(100);
    expect(fn).not.toHaveBeenCalled();
  });
  it("onAbort runs at once for a signal already aborted, else once on abort", () => {
    const now = vi.fn();
    onAbort(AbortSignal.abort(), now);
    expect(now).toHaveBeenCalledTimes(1);
    const ctl = new AbortController();
    const then = vi.fn();
    onAbort(ctl.signal, then);
    ctl.abort();
    ctl.abort();
    expect(then).toHaveBeenCalledTimes(1);
  });
});

describe("untilAbort", () => {
  it("passes a result or an error on while the signal is live", async () => {
    const signal = new AbortController().signal;
    await expect(untilAbort(Promise.resolve(3), signal)).resolves.toBe(3);
    await expect(untilAbort(Promise.reject(new Error("no")), signal)).rejects.toThrow("no");
  });
  it("drops both once the signal aborted", async () => {
    const ctl = new AbortController();
    const seen = vi.fn();
    let ok!: (v: number) => void;
    let fail!: (e: unknown) => void;
    untilAbort(new Promise<number>((r) => { ok = r; }), ctl.signal).then(seen, seen);
    untilAbort(new Promise<number>((_, r) => { fail = r; }), ctl.signal).then(seen, seen);
    ctl.abort();
    ok(1);
    fail(new Error("late"));
    await settle();
    expect(seen).not.toHaveBeenCalled();
  });
});

describe("listenUntil", () => {
  it("unlistens on abort, once, also when called by hand first", async () => {
    const ctl = new AbortController();
    const unlisten = vi.fn();
    const off = await listenUntil(Promise.resolve(unlisten), ctl.signal);
    off();
    ctl.abort();
    expect(unlisten).toHaveBeenCalledTimes(1);
  });
  it("unlistens at once a listener that came up after the abort", async () => {
    const ctl = new AbortController();
    const unlisten = vi.fn();
    let up!: (f: () => void) => void;
    const p = listenUntil(new Promise<() => void>((r) => { up = r; }), ctl.signal);
    ctl.abort();
    up(unlisten);
    await p;
    expect(unlisten).toHaveBeenCalledTimes(1);
  });
});

describe("alarm", () => {
  it("keeps one timer: set replaces, clear and abort cancel", () => {
    vi.useFakeTimers();
    const ctl = new AbortController();
    const a = alarm(ctl.signal);
    const first = vi.fn();
    const second = vi.fn();
    a.set(1000, first);
    a.set(2000, second);
    vi.advanceTimersByTime(1500);
    expect(first).not.toHaveBeenCalled();
    vi.advanceTimersByTime(600);
    expect(second).toHaveBeenCalledTimes(1);
    a.set(100, first);
    a.clear();
    vi.advanceTimersByTime(200);
    expect(first).not.toHaveBeenCalled();
    a.set(100, first);
    ctl.abort();
    vi.advanceTimersByTime(200);
    expect(first).not.toHaveBeenCalled();
    a.set(100, first);
    vi.advanceTimersByTime(200);
    expect(first).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("can set itself again from its own callback (a moving deadline)", () => {
    vi.useFakeTimers();
    const a = alarm();
    let runs = 0;
    const tick = () => { runs += 1; if (runs < 3) a.set(10, tick); };
    a.set(10, tick);
    vi.advanceTimersByTime(100);
    expect(runs).toBe(3);
    expect(vi.getTimerCount()).toBe(0);
  });
});
