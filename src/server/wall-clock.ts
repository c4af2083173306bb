// Wall-clock milliseconds (as Date.now()) for a performance.now() reading the
// caller already has, so a request needs one clock read instead of two. The
// offset between the clocks is read again once a second: a stepped system
// clock shows in the access log within a second.

let offset = Date.now() - performance.now();
let refresher: ReturnType<typeof setInterval> | null = null;

function refresh(): void {
  offset = Date.now() - performance.now();
}

/** Date.now() as it was at `hr` (a performance.now() reading): whole milliseconds. */
export function wallMs(hr: number): number {
  if (refresher === null) {
    refresher = setInterval(refresh, 1000);
    refresher.unref?.();
  }
  return Math.floor(hr + offset);
}
