// Short beeps for the door, synthesised with WebAudio: no audio files, no
// network. A different tune per outcome, so a coordinator looking at the
// queue, not the screen, still knows: rising = checked in, two flat = already
// checked in, low buzz = error. Silent where the webview has no audio.

export type Tone = "ok" | "warn" | "error";

type Note = { freq: number; start: number; dur: number; type: OscillatorType };

const TUNES: Record<Tone, Note[]> = {
  ok: [
    { freq: 880, start: 0, dur: 0.07, type: "sine" },
    { freq: 1320, start: 0.075, dur: 0.09, type: "sine" },
  ],
  warn: [
    { freq: 660, start: 0, dur: 0.08, type: "triangle" },
    { freq: 660, start: 0.13, dur: 0.08, type: "triangle" },
  ],
  error: [{ freq: 196, start: 0, dur: 0.28, type: "square" }],
};

let ctx: AudioContext | null | undefined;

function audio(): AudioContext | null {
  if (ctx !== undefined) return ctx;
  try {
    const Ctor = (globalThis as { AudioContext?: typeof AudioContext }).AudioContext;
    ctx = Ctor ? new Ctor() : null;
  } catch {
    ctx = null;
  }
  return ctx;
}

/**
 * Nothing ahead of the first scan any more. A live audio context renders
 * silence without end — measured on the check-in screen, release build:
 * 4.4% of a core idle with it (even suspended, in WebKitGTK), 0.3%
 * without — so a context lives only while tunes play: made by the first
 * beep (which comes after the confirmation is painted, so opening the
 * device never delays it) and closed a few seconds after the last one.
 */
export function warmUp(): void {
  // kept for the screens that call it; see above
}

/** Closes the context this long after the last tune. */
const CLOSE_AFTER_MS = 3000;
let rest: ReturnType<typeof setTimeout> | undefined;

/** Plays the tune of `tone`; never throws, never waits. */
export function beep(tone: Tone): void {
  const ac = audio();
  if (!ac) return;
  try {
    if (ac.state === "suspended") void ac.resume();
    const t0 = ac.currentTime + 0.005;
    for (const n of TUNES[tone]) {
      const osc = ac.createOscillator();
      const gain = ac.createGain();
      osc.type = n.type;
      osc.frequency.value = n.freq;
      // A short attack and release: no clicks.
      const peak = n.type === "square" ? 0.08 : 0.22;
      gain.gain.setValueAtTime(0, t0 + n.start);
      gain.gain.linearRampToValueAtTime(peak, t0 + n.start + 0.01);
      gain.gain.setValueAtTime(peak, t0 + n.start + n.dur - 0.02);
      gain.gain.linearRampToValueAtTime(0, t0 + n.start + n.dur);
      osc.connect(gain).connect(ac.destination);
      osc.start(t0 + n.start);
      osc.stop(t0 + n.start + n.dur + 0.01);
    }
    clearTimeout(rest);
    rest = setTimeout(() => {
      if (ctx === ac) ctx = undefined; // the next beep makes a new one
      void ac.close().catch(() => undefined);
    }, CLOSE_AFTER_MS);
  } catch {
    // audio is a nicety; the colour and the text carry the outcome
  }
}
