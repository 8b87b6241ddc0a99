// What the analytics page shares: the periods it offers and how it writes figures, days and
// durations. The API's answers are in lib/api/analytics.
import type { PeriodName, Period } from "./api/analytics";

export const PERIODS: readonly { id: PeriodName; label: string; long: string }[] = [
  { id: "today", label: "Today", long: "Today" },
  { id: "7d", label: "7 days", long: "Last 7 days" },
  { id: "30d", label: "30 days", long: "Last 30 days" },
  { id: "90d", label: "90 days", long: "Last 90 days" },
];

export const DEFAULT_PERIOD: PeriodName = "7d";

export function isPeriod(v: string | null): v is PeriodName {
  return PERIODS.some((p) => p.id === v);
}

export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

const integer = new Intl.NumberFormat();
const compact = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });

export function count(n: number): string {
  return integer.format(n);
}

/** 14,690 → "14.7K": for tight places; the exact number goes in a tooltip. */
export function compactCount(n: number): string {
  return n < 10_000 ? integer.format(n) : compact.format(n);
}

/** A share as a whole percentage ("75%"), or an em dash when there is nothing to divide. */
export function percent(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return "—";
  const p = rate * 100;
  return `${p > 0 && p < 1 ? p.toFixed(1) : Math.round(p)}%`;
}

/** A duration as a person says it: "850 ms", "2.3 s", "42 s", "4 min", "1.5 h". */
export function duration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 10) return `${trim(s.toFixed(1))} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const min = s / 60;
  if (min < 10) return `${trim(min.toFixed(1))} min`;
  if (min < 60) return `${Math.round(min)} min`;
  const h = min / 60;
  if (h < 24) return `${trim(h.toFixed(1))} h`;
  return `${trim((h / 24).toFixed(1))} d`;
}

function trim(fixed: string): string {
  return fixed.replace(/\.0$/, "");
}

/** US dollars with enough digits for the fractions of a cent that LLM calls cost. */
export function usd(n: number): string {
  if (n === 0) return "$0.00";
  if (n < 0.01) return `$${n.toFixed(4)}`;
  if (n < 1) return `$${n.toFixed(3)}`;
  return `$${n.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** An axis label in dollars: two significant digits, so that half of $0.0005 is not "$0.0003". */
export function usdAxis(n: number): string {
  if (n === 0) return "$0";
  if (n >= 1) return `$${n.toLocaleString(undefined, { maximumFractionDigits: 2 })}`;
  return `$${Number(n.toPrecision(2))}`;
}

/** "2026-11-16", a calendar day (no time zone to shift it), as a Date at UTC midnight. */
function calendarDay(day: string): Date {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1));
}

/** "Mon 16 Nov" (in the viewer's language). */
export function dayLabel(day: string, opts: { weekday?: boolean; year?: boolean } = {}): string {
  return calendarDay(day).toLocaleDateString(undefined, {
    timeZone: "UTC",
    weekday: opts.weekday ? "short" : undefined,
    day: "numeric",
    month: "short",
    year: opts.year ? "numeric" : undefined,
  });
}

/** The axis label under a day's bar: the day of the month, with the month on the 1st. */
export function axisDay(day: string, first: boolean): string {
  const d = calendarDay(day);
  if (first || d.getUTCDate() === 1) return d.toLocaleDateString(undefined, { timeZone: "UTC", day: "numeric", month: "short" });
  return String(d.getUTCDate());
}

/** "16 Nov – 22 Nov 2026", or one day. */
export function periodRange(p: Period): string {
  if (p.from === p.to) return dayLabel(p.to, { weekday: true, year: true });
  return `${dayLabel(p.from, { year: p.from.slice(0, 4) !== p.to.slice(0, 4) })} – ${dayLabel(p.to, { year: true })}`;
}

/** A round upper bound for an axis: 1, 2, 5, 10, 20, 50, … at least `max`. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const base = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * base >= max) return step * base;
  return 10 * base;
}
