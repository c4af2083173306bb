// Traefik's renew window and check interval, both derived from
// certificatesDuration (hours): the lifetime the CA gives certificates.
const H = 3600_000;
const DAY = 24 * H;

export interface RenewDurations {
  /** Renew when fewer than this many ms of validity remain. */
  windowMs: number;
  /** How often to look for certificates inside the window. */
  intervalMs: number;
}

export function renewDurations(certificatesDurationHours: number): RenewDurations {
  const h = certificatesDurationHours;
  if (h >= 365 * 24) return { windowMs: 4 * 30 * DAY, intervalMs: 7 * DAY };
  if (h >= 3 * 30 * 24) return { windowMs: 30 * DAY, intervalMs: DAY };
  if (h >= 30 * 24) return { windowMs: 10 * DAY, intervalMs: 12 * H };
  if (h >= 6 * 24) return { windowMs: 2 * DAY, intervalMs: 2 * H };
  if (h >= 24) return { windowMs: 6 * H, intervalMs: 10 * 60_000 };
  return { windowMs: 20 * 60_000, intervalMs: 60_000 };
}

export function needsRenewal(notAfter: Date, nowMs: number, windowMs: number): boolean {
  return notAfter.getTime() < nowMs + windowMs;
}
