/** Time as the pure cores see it: injected, so tests fix it and travel through it. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** A clock that stands still until moved; for tests. */
export function fixedClock(
  start: Date | string,
): Clock & { advance(seconds: number): void; set(d: Date | string): void } {
  let now = new Date(start).getTime();
  const clock = (() => new Date(now)) as Clock & {
    advance(seconds: number): void;
    set(d: Date | string): void;
  };
  clock.advance = (s) => {
    now += s * 1000;
  };
  clock.set = (d) => {
    now = new Date(d).getTime();
  };
  return clock;
}
