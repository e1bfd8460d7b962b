// The pager's sound: a short chime made with the Web Audio API (oscillators, no audio file).
// It is off until the user turns it on; the choice is kept in localStorage. Browsers start
// audio only after a user gesture: turning it on is one, and when the choice was remembered
// from an earlier visit the first click or key on the page unlocks it.

const SOUND_KEY = "gameday.console.pagerSound";
// [frequency Hz, start s, length s]: high, low, high, about 0.6 s in all
const NOTES = [[880, 0, 0.16], [660, 0.2, 0.16], [880, 0.4, 0.22]];
const VOLUME = 0.2;

export class Chime {
  constructor() {
    this.context = null;
    this.played = 0;  // chimes actually sent to a running audio output
    this.enabled = localStorage.getItem(SOUND_KEY) === "on";
    if (this.enabled) {
      const unlock = () => this.unlock();
      document.addEventListener("pointerdown", unlock, { once: true });
      document.addEventListener("keydown", unlock, { once: true });
    }
  }

  /** "off", "on", "blocked" (on, but the browser waits for a click) or "unsupported". */
  get state() {
    if (!this.enabled) return "off";
    if (!(window.AudioContext || window.webkitAudioContext)) return "unsupported";
    return this.context && this.context.state === "running" ? "on" : "blocked";
  }

  /** Turn the sound on (from a user gesture: it unlocks the audio too) or off. */
  async set(on) {
    this.enabled = on;
    localStorage.setItem(SOUND_KEY, on ? "on" : "off");
    if (on) await this.unlock();
  }

  async unlock() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    if (!this.context) this.context = new Context();
    if (this.context.state === "suspended") await this.context.resume().catch(() => {});
  }

  /** Play the chime if the sound is on and the browser lets it; true when it played. */
  play() {
    if (this.state !== "on") return false;
    const ctx = this.context;
    const t0 = ctx.currentTime + 0.02;
    for (const [frequency, at, length] of NOTES) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "triangle";
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, t0 + at);
      gain.gain.exponentialRampToValueAtTime(VOLUME, t0 + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + at + length);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0 + at);
      osc.stop(t0 + at + length + 0.02);
    }
    this.played += 1;
    return true;
  }
}
