// Merge packets from several interfaces into one timeline. Each tcpdump
// delivers its own packets in time order, but the streams arrive with
// different delays; a packet is held for `holdMs` after it arrives, so the
// ones from a slower stream can be slotted in before it. The release
// watermark is the newest timestamp among packets held long enough: no clock
// is compared with the packets' (a Docker Desktop VM's clock may differ).

export interface Timed {
  sec: number;
  nsec: number;
}

export const byTime = (a: Timed, b: Timed): number => a.sec - b.sec || a.nsec - b.nsec;

export class Interleaver<T extends Timed> {
  private held: { p: T; at: number }[] = [];

  constructor(private readonly holdMs: number) {}

  add(p: T, now: number): void {
    this.held.push({ p, at: now });
  }

  get size(): number {
    return this.held.length;
  }

  /** The packets ready to go, oldest first; `all` releases everything (the capture is ending). */
  take(now: number, all = false): T[] {
    if (!this.held.length) return [];
    if (all || this.holdMs <= 0) {
      const out = this.held.map((h) => h.p).sort(byTime);
      this.held = [];
      return out;
    }
    let mark: T | undefined;
    for (const h of this.held) if (now - h.at >= this.holdMs && (!mark || byTime(h.p, mark) > 0)) mark = h.p;
    if (!mark) return [];
    const out: T[] = [];
    const stay: { p: T; at: number }[] = [];
    for (const h of this.held) {
      if (byTime(h.p, mark) <= 0) out.push(h.p);
      else stay.push(h);
    }
    this.held = stay;
    return out.sort(byTime);
  }
}
