"use client";
// Charts in plain SVG: bars and lines per day, and a weekday × hour heat map. Each has a title,
// a sentence that says what it shows, a table for screen readers and tooltips (<title>) on
// hover. Colours come from Tailwind classes, so they follow the light or dark theme.
import { useLayoutEffect, useRef, useState } from "react";
import { axisDay, count, niceMax, WEEKDAYS } from "@/lib/analytics";

/** The width of an element, following resizes (0 before the first layout). */
function useWidth<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}

export interface Series {
  label: string;
  /** SVG fill (bars) or stroke (lines) classes, light and dark. */
  className: string;
  /** The legend's swatch classes. */
  swatch: string;
  values: (number | null)[];
}

/** Bars drawn side by side in each day; each bar stacks its series. */
export interface BarGroup {
  label: string;
  series: Series[];
}

export interface ChartFrameProps {
  id: string;
  title: string;
  summary: React.ReactNode;
  legend?: { label: string; swatch: string; line?: boolean }[];
  empty?: string | null;
  table: { head: string[]; rows: (string | number)[][] };
  children: React.ReactNode;
  testId?: string;
}

/** A chart's title, legend, the drawing (scrolling sideways when it is wider than the card),
 * its summary and its data as a table for screen readers. */
export function ChartFrame({ id, title, summary, legend, empty, table, children, testId }: ChartFrameProps) {
  return (
    <figure className="card min-w-0 space-y-3 p-4" aria-labelledby={`${id}-title`} data-testid={testId}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id={`${id}-title`} className="font-medium">
          {title}
        </h2>
        {legend && !empty && (
          <ul className="flex flex-wrap gap-x-3 gap-y-1 text-xs text-zinc-600 dark:text-zinc-300" aria-hidden>
            {legend.map((l) => (
              <li key={l.label} className="flex items-center gap-1.5">
                <span className={`inline-block ${l.line ? "h-0.5 w-3" : "h-2.5 w-2.5 rounded-sm"} ${l.swatch}`} />
                {l.label}
              </li>
            ))}
          </ul>
        )}
      </div>
      {empty ? (
        <p className="rounded-lg bg-zinc-50 p-6 text-center text-sm text-zinc-500 dark:bg-zinc-800/50 dark:text-zinc-400" data-testid="chart-empty">
          {empty}
        </p>
      ) : (
        <>
          {children}
          <figcaption className="text-sm text-zinc-600 dark:text-zinc-300" data-testid="chart-summary">
            {summary}
          </figcaption>
          {/* In a box: a table is never narrower than its cells, whatever its own width says. */}
          <div className="sr-only">
          <table>
            <caption>{title}</caption>
            <thead>
              <tr>
                {table.head.map((h) => (
                  <th key={h} scope="col">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.map((r, i) => (
                <tr key={i}>
                  {r.map((c, j) =>
                    j === 0 ? (
                      <th key={j} scope="row">
                        {c}
                      </th>
                    ) : (
                      <td key={j}>{c}</td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          </div>
        </>
      )}
    </figure>
  );
}

const HEIGHT = 190;
const TOP = 10;
const BOTTOM = 22;
const LEFT = 48;

/**
 * Bars (grouped, stacked) and lines per day. Lines with `right` use their own axis on the right.
 * Days get at least `minSlot` pixels; below that the drawing scrolls sideways in its card.
 */
export function DayChart({
  days,
  bars = [],
  lines = [],
  rightLines = [],
  leftFormat = count,
  rightFormat = count,
  tooltip,
  dayData,
  integer = true,
}: {
  days: string[];
  bars?: BarGroup[];
  lines?: Series[];
  rightLines?: Series[];
  leftFormat?: (n: number) => string;
  rightFormat?: (n: number) => string;
  tooltip: (i: number) => string;
  dayData?: (i: number) => Record<string, string | number>;
  /** Counts: no gridline at 2.5 messages. */
  integer?: boolean;
}) {
  const [box, width] = useWidth<HTMLDivElement>();
  const n = days.length;
  const right = rightLines.length > 0 ? 68 : 10;
  const minSlot = bars.length > 1 ? 16 : 10;
  const plotW = Math.max((width || 320) - LEFT - right, n * minSlot);
  const svgW = plotW + LEFT + right;
  const plotH = HEIGHT - TOP - BOTTOM;
  const slot = plotW / Math.max(n, 1);

  const stackTotal = (g: BarGroup, i: number) => g.series.reduce((s, x) => s + (x.values[i] ?? 0), 0);
  let leftMax = 0;
  for (let i = 0; i < n; i++) {
    for (const g of bars) leftMax = Math.max(leftMax, stackTotal(g, i));
    for (const l of lines) leftMax = Math.max(leftMax, l.values[i] ?? 0);
  }
  const yMax = niceMax(leftMax);
  let rightMaxRaw = 0;
  for (const l of rightLines) for (const v of l.values) rightMaxRaw = Math.max(rightMaxRaw, v ?? 0);
  const rMax = niceMax(rightMaxRaw);
  const y = (v: number, max: number) => TOP + plotH - (v / max) * plotH;

  const groupW = Math.min(slot * 0.72, 28 * Math.max(bars.length, 1));
  const barW = groupW / Math.max(bars.length, 1);
  const labelEvery = Math.max(1, Math.ceil(34 / slot));
  const ticks = integer && !Number.isInteger(yMax / 2) ? [0, 1] : [0, 0.5, 1];

  const path = (l: Series, max: number) => {
    let d = "";
    let pen = false;
    l.values.forEach((v, i) => {
      if (v === null) {
        pen = false;
        return;
      }
      const x = LEFT + slot * (i + 0.5);
      d += `${pen ? "L" : "M"}${x.toFixed(1)},${y(v, max).toFixed(1)}`;
      pen = true;
    });
    return d;
  };

  return (
    <div ref={box} className="overflow-x-auto" tabIndex={svgW > (width || svgW) ? 0 : undefined} role={svgW > (width || svgW) ? "region" : undefined} aria-label={svgW > (width || svgW) ? "Chart, scrolls sideways" : undefined}>
      <svg width={svgW} height={HEIGHT} className="block text-[11px]" aria-hidden data-testid="day-chart">
        {ticks.map((t) => (
          <g key={t}>
            <line
              x1={LEFT}
              x2={LEFT + plotW}
              y1={y(t * yMax, yMax)}
              y2={y(t * yMax, yMax)}
              className={t === 0 ? "stroke-zinc-300 dark:stroke-zinc-600" : "stroke-zinc-200 dark:stroke-zinc-800"}
              strokeDasharray={t === 0 ? undefined : "3 3"}
            />
            {(bars.length > 0 || lines.length > 0) && (
              <text x={LEFT - 6} y={y(t * yMax, yMax)} dy="0.32em" textAnchor="end" className="fill-zinc-500 dark:fill-zinc-400">
                {leftFormat(t * yMax)}
              </text>
            )}
            {rightLines.length > 0 && (
              <text x={LEFT + plotW + 6} y={y(t * rMax, rMax)} dy="0.32em" className="fill-zinc-500 dark:fill-zinc-400">
                {rightFormat(t * rMax)}
              </text>
            )}
          </g>
        ))}
        {days.map((day, i) => {
          const x0 = LEFT + slot * i;
          const gx = x0 + (slot - groupW) / 2;
          return (
            <g key={day} data-testid="chart-day" data-day={day} {...prefixData(dayData?.(i))}>
              <title>{tooltip(i)}</title>
              <rect x={x0} y={TOP} width={slot} height={plotH} className="fill-transparent hover:fill-zinc-500/10" />
              {bars.map((g, b) => {
                let acc = 0;
                return g.series.map((s) => {
                  const v = s.values[i] ?? 0;
                  if (v <= 0) return null;
                  const top = y(acc + v, yMax);
                  const h = y(acc, yMax) - top;
                  acc += v;
                  return (
                    <rect
                      key={`${b}-${s.label}`}
                      x={gx + b * barW + (bars.length > 1 ? 0.5 : 0)}
                      y={top}
                      width={Math.max(1, barW - (bars.length > 1 ? 1 : 0))}
                      height={Math.max(h, 1)}
                      className={`pointer-events-none ${s.className}`}
                      data-series={s.label}
                      data-value={v}
                    />
                  );
                });
              })}
              {i % labelEvery === 0 && (
                <text x={x0 + slot / 2} y={HEIGHT - 6} textAnchor="middle" className="fill-zinc-500 dark:fill-zinc-400">
                  {axisDay(day, i === 0)}
                </text>
              )}
            </g>
          );
        })}
        {[...lines.map((l) => [l, yMax] as const), ...rightLines.map((l) => [l, rMax] as const)].map(([l, max]) => (
          <g key={l.label} className="pointer-events-none">
            <path d={path(l, max)} fill="none" strokeWidth={2} strokeLinejoin="round" className={l.className} />
            {n <= 31 &&
              l.values.map((v, i) =>
                v === null ? null : (
                  <circle key={i} cx={LEFT + slot * (i + 0.5)} cy={y(v, max)} r={2.5} className={`${l.className} fill-white dark:fill-zinc-900`} strokeWidth={1.5} />
                ),
              )}
          </g>
        ))}
      </svg>
    </div>
  );
}

function prefixData(d: Record<string, string | number> | undefined) {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(d ?? {})) out[`data-${k}`] = v;
  return out;
}

function hourRange(h: number) {
  const pad = (x: number) => String(x).padStart(2, "0");
  return `${pad(h)}:00–${pad((h + 1) % 24)}:00`;
}

/** Customer messages by weekday (Monday first) and hour, darker where there are more. */
export function HeatMap({ hours, timeZone }: { hours: number[][]; timeZone: string }) {
  const [box, width] = useWidth<HTMLDivElement>();
  const rowLabel = 30;
  // The whole day fits a phone (11 px cells); narrower than that, it scrolls sideways.
  const cell = Math.max(11, Math.min(34, Math.floor(((width || 600) - rowLabel) / 24)));
  const top = 18;
  const w = rowLabel + cell * 24;
  const h = top + cell * 7;
  const max = Math.max(0, ...hours.flat());
  const total = hours.flat().reduce((a, b) => a + b, 0);
  const busiest: { d: number; h: number; v: number }[] = [];
  hours.forEach((row, d) => row.forEach((v, hr) => v > 0 && busiest.push({ d, h: hr, v })));
  busiest.sort((a, b) => b.v - a.v);
  const labelEvery = cell >= 24 ? 1 : cell >= 18 ? 2 : 3;

  return (
    <ChartFrame
      id="heat"
      title="Busiest hours"
      testId="heat-map"
      empty={total === 0 ? "No customer messages in this period." : null}
      summary={
        <>
          {count(total)} customer messages by weekday and hour ({timeZone}).{" "}
          {busiest.length > 0 && (
            <>
              Busiest:{" "}
              {busiest
                .slice(0, 3)
                .map((b) => `${WEEKDAYS[b.d]} ${hourRange(b.h)} (${count(b.v)})`)
                .join(", ")}
              .
            </>
          )}
        </>
      }
      table={{
        head: ["Weekday", ...Array.from({ length: 24 }, (_, i) => hourRange(i))],
        rows: hours.map((row, d) => [WEEKDAYS[d] ?? "", ...row]),
      }}
    >
      <div ref={box} className="overflow-x-auto" tabIndex={w > (width || w) ? 0 : undefined} role={w > (width || w) ? "region" : undefined} aria-label={w > (width || w) ? "Heat map, scrolls sideways" : undefined}>
        <svg width={w} height={h} className="block text-[10px]" aria-hidden>
          {Array.from({ length: 24 }, (_, hr) =>
            hr % labelEvery === 0 ? (
              <text key={hr} x={rowLabel + cell * hr + cell / 2} y={11} textAnchor="middle" className="fill-zinc-500 dark:fill-zinc-400">
                {hr}
              </text>
            ) : null,
          )}
          {hours.map((row, d) => (
            <g key={d}>
              <text x={rowLabel - 6} y={top + cell * d + cell / 2} dy="0.32em" textAnchor="end" className="fill-zinc-500 dark:fill-zinc-400">
                {(WEEKDAYS[d] ?? "").slice(0, 3)}
              </text>
              {row.map((v, hr) => (
                <rect
                  key={hr}
                  x={rowLabel + cell * hr + 1}
                  y={top + cell * d + 1}
                  width={cell - 2}
                  height={cell - 2}
                  rx={cell >= 16 ? 3 : 2}
                  className={v > 0 ? "fill-brand-600 dark:fill-brand-500" : "fill-zinc-100 dark:fill-zinc-800"}
                  fillOpacity={v > 0 ? 0.15 + 0.85 * (v / max) : 1}
                  data-testid="heat-cell"
                  data-weekday={d}
                  data-hour={hr}
                  data-count={v}
                >
                  <title>{`${WEEKDAYS[d]} ${hourRange(hr)}: ${count(v)} customer message${v === 1 ? "" : "s"}`}</title>
                </rect>
              ))}
            </g>
          ))}
        </svg>
      </div>
      <div className="flex items-center gap-1 text-xs text-zinc-500 dark:text-zinc-400" aria-hidden>
        Fewer
        {[0.15, 0.35, 0.6, 0.8, 1].map((o) => (
          <span key={o} className="inline-block h-3 w-3 rounded-sm bg-brand-600 dark:bg-brand-500" style={{ opacity: o }} />
        ))}
        More
      </div>
    </ChartFrame>
  );
}

