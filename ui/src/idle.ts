// The idle lock's clocks (pure, unit-tested; main.ts wires them to the
// window). Any key, mouse or scanner input restarts the idle time; after
// the configured time without input the app locks and shows the PIN
// screen. The backend enforces the same lock on the next command; input
// that sends no command is reported to it with `touch`, throttled.

/** The idle time: input restarts it; `due` once `limitMs` passed without input (0 = never). */
export class IdleClock {
  private last: number;

  constructor(private limitMs: number, now: number) {
    this.last = now;
  }

  /** A new limit (the admin changed the setting); the idle time goes on. */
  setLimit(limitMs: number): void {
    this.limitMs = limitMs;
  }

  /** Key, mouse or scanner input at `now`. */
  input(now: number): void {
    this.last = now;
  }

  /** Whether the laptop sat idle long enough to lock. */
  due(now: number): boolean {
    return this.limitMs > 0 && now - this.last >= this.limitMs;
  }

  /** Milliseconds until it locks (Infinity: never). */
  remaining(now: number): number {
    return this.limitMs > 0 ? Math.max(0, this.limitMs - (now - this.last)) : Infinity;
  }
}

/** How often input is reported to the backend: a tenth of the idle time, between 1 and 30 s. */
export function touchInterval(limitMs: number): number {
  return Math.min(30_000, Math.max(1_000, Math.floor(limitMs / 10)));
}

/**
 * Reports input at most every `everyMs`, and the last input of a burst too
 * (trailing), so the backend's idle time never ends before the UI's.
 */
export class TouchThrottle {
  private lastSent = Number.NEGATIVE_INFINITY;
  private pending = false;

  constructor(private everyMs: number) {}

  /** Input at `now`: send a touch now, schedule one for `dueAt()`, or wait for the one scheduled. */
  input(now: number): "send" | "schedule" | "wait" {
    if (this.pending) return "wait";
    if (now - this.lastSent >= this.everyMs) {
      this.lastSent = now;
      return "send";
    }
    this.pending = true;
    return "schedule";
  }

  /** When the scheduled touch should go. */
  dueAt(): number {
    return this.lastSent + this.everyMs;
  }

  /** The scheduled touch went at `now`. */
  sent(now: number): void {
    this.pending = false;
    this.lastSent = now;
  }
}
