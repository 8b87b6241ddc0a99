"use client";
// Analytics: how many messages, who answered them and how fast, what the AI cost, which
// knowledge it used and which questions it could not answer, for today or the last 7, 30 or 90
// days (?period=), in the business's time zone.
import { Suspense, useCallback, useEffect, useState } from "react";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { ApiError, errorText } from "@/lib/api/client";
import {
  exportMessages,
  exportUrl,
  getMessagesReport,
  getOverview,
  getPerformance,
  type MessagesReport,
  type Overview,
  type PeriodName,
  type PerformanceReport,
} from "@/lib/api/analytics";
import { SignedIn } from "@/lib/session";
import { save } from "@/lib/download";
import { DEFAULT_PERIOD, isPeriod, periodRange, PERIODS } from "@/lib/analytics";
import { Shell } from "@/components/Shell";
import { HeatMap } from "@/components/analytics/Charts";
import { Cards, FirstResponseChart, LlmChart, MessagesChart } from "@/components/analytics/Reports";
import { KnowledgeGaps, TopDocuments } from "@/components/analytics/Knowledge";

type Result<T> = { ok: true; data: T } | { ok: false; error: string };

interface Loaded {
  key: string;
  period: PeriodName;
  overview: Result<Overview>;
  messages: Result<MessagesReport>;
  performance: Result<PerformanceReport>;
}

async function get<T>(report: Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, data: await report };
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    if (e instanceof ApiError && e.fields.period) return { ok: false, error: `Period: ${e.fields.period}` };
    return { ok: false, error: errorText(e) };
  }
}

function Alert({ children }: { children: React.ReactNode }) {
  return (
    <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950/50 dark:text-red-300">
      {children}
    </p>
  );
}

function PeriodPicker({ current }: { current: PeriodName | null }) {
  return (
    <nav aria-label="Period">
      <ul className="flex rounded-lg border border-zinc-300 bg-white p-0.5 dark:border-zinc-700 dark:bg-zinc-900">
        {PERIODS.map((p) => {
          const active = p.id === current;
          return (
            <li key={p.id}>
              <Link
                href={`/analytics/?period=${p.id}`}
                aria-current={active ? "true" : undefined}
                className={`block whitespace-nowrap rounded-md px-2.5 py-1.5 text-sm ${
                  active
                    ? "bg-brand-600 font-medium text-white"
                    : "text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
                }`}
              >
                {p.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

function exportFailure(e: unknown): string {
  if (e instanceof ApiError && e.status === 0) return "The export failed: the server could not be reached. Check your connection.";
  const status = e instanceof ApiError ? e.status : 0;
  return `The export failed: ${errorText(e) || `the server answered ${status}.`}`;
}

/** The CSV of every message of the period. Fetched first, so that a refusal (too many messages)
 * is explained on the page instead of downloading an error. */
function ExportLink({ period, onError }: { period: PeriodName; onError: (message: string | null) => void }) {
  const [busy, setBusy] = useState(false);
  return (
    <a
      href={exportUrl(period)}
      download
      className="btn-secondary"
      aria-disabled={busy || undefined}
      data-testid="export-csv"
      onClick={async (e) => {
        e.preventDefault();
        if (busy) return;
        setBusy(true);
        onError(null);
        try {
          const file = await exportMessages(period);
          save(file.blob, file.filename ?? `botflow-messages-${period}.csv`);
        } catch (err) {
          onError(exportFailure(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      {busy ? "Exporting…" : "Export CSV"}
    </a>
  );
}

function Analytics() {
  const params = useSearchParams();
  const asked = params.get("period");
  const valid = asked === null || isPeriod(asked);
  const period: PeriodName = isPeriod(asked) ? asked : DEFAULT_PERIOD;
  const [reloads, setReloads] = useState(0);
  const key = `${period}#${reloads}`;
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);

  useEffect(() => {
    if (!valid) return;
    const ctrl = new AbortController();
    Promise.all([
      get<Overview>(getOverview(period, ctrl.signal)),
      get<MessagesReport>(getMessagesReport(period, ctrl.signal)),
      get<PerformanceReport>(getPerformance(period, ctrl.signal)),
    ])
      .then(([overview, messages, performance]) => setLoaded({ key, period, overview, messages, performance }))
      .catch(() => undefined); // aborted: a newer period is on its way
    return () => ctrl.abort();
  }, [key, period, valid]);

  useEffect(() => setExportError(null), [period]);
  const refresh = useCallback(() => setReloads((n) => n + 1), []);

  const loading = valid && loaded?.key !== key;
  // While another period loads, the previous figures stay, dimmed (no jump in the layout).
  const shown = valid ? loaded : null;
  const overview = shown?.overview.ok ? shown.overview.data : null;
  const messages = shown?.messages.ok ? shown.messages.data : null;
  const performance = shown?.performance.ok ? shown.performance.data : null;
  const errors = shown ? [shown.overview, shown.messages, shown.performance].flatMap((r) => (r.ok ? [] : [r.error])) : [];
  const info = overview?.period ?? messages?.period ?? performance?.period ?? null;
  const meta = PERIODS.find((p) => p.id === (shown?.period ?? period))!;
  const quiet = overview !== null && overview.messages.inbound + overview.messages.outbound === 0;

  return (
    <div className="h-full overflow-y-auto" data-testid="analytics-scroll">
      <div className="mx-auto max-w-6xl space-y-4 p-4 sm:p-6">
        <div className="flex flex-wrap items-end justify-between gap-3">
          <div className="min-w-0">
            <h1 className="text-xl font-semibold">Analytics</h1>
            <p
              className="text-sm text-zinc-500 dark:text-zinc-400"
              data-testid="period-label"
              data-period={valid ? (info?.name ?? "") : ""}
              data-from={valid ? (info?.from ?? "") : ""}
              data-to={valid ? (info?.to ?? "") : ""}
              aria-live="polite"
            >
              {!valid
                ? "No period chosen"
                : info
                  ? `${meta.long}: ${periodRange(info)} · ${info.time_zone}`
                  : `${meta.long}…`}
            </p>
          </div>
          <div className="flex flex-wrap items-center gap-2">
            <PeriodPicker current={valid ? period : null} />
            <button type="button" className="btn-secondary" onClick={refresh} disabled={loading}>
              {loading ? "Loading…" : "Refresh"}
            </button>
            {valid && <ExportLink period={period} onError={setExportError} />}
          </div>
        </div>

        {exportError && <Alert>{exportError}</Alert>}

        {!valid && (
          <div className="card space-y-2 p-6 text-sm" data-testid="invalid-period">
            <Alert>
              “{asked}” is not a period this page can show. Choose Today, 7 days, 30 days or 90 days above.
            </Alert>
            <p>
              <Link href="/analytics/?period=7d" className="text-brand-700 underline dark:text-brand-100">
                Show the last 7 days
              </Link>
            </p>
          </div>
        )}

        {valid && !shown && (
          <p className="py-12 text-center text-sm text-zinc-500" aria-busy="true">
            Loading…
          </p>
        )}

        {shown && (
          <div
            className={`space-y-4 transition-opacity ${loading ? "opacity-60" : ""}`}
            aria-busy={loading || undefined}
            data-testid="analytics"
            data-loaded={loading ? undefined : shown.period}
          >
            {errors.length === 3 && errors.every((e) => e === errors[0]) ? (
              <Alert>The figures could not be loaded: {errors[0]}</Alert>
            ) : (
              <>
                {!shown.overview.ok && <Alert>The totals could not be loaded: {shown.overview.error}</Alert>}
                {overview && <Cards o={overview} />}
                {quiet && (
                  <p className="card p-4 text-sm text-zinc-600 dark:text-zinc-300" role="status">
                    No messages in this period yet. When customers write (or you try the{" "}
                    <Link href="/simulator/" className="text-brand-700 underline dark:text-brand-100">
                      simulator
                    </Link>
                    ), their figures appear here.
                  </p>
                )}
                {overview && !quiet && (
                  <p className="text-xs text-zinc-500 dark:text-zinc-400">
                    A conversation-day is one conversation on one day a customer wrote. Resolved by the AI: the AI answered, did not
                    hand off and nobody took over that day. First-response times run from the customer&apos;s first message of the day
                    to the first reply, and are estimates within about 12%.
                  </p>
                )}

                {!shown.messages.ok && <Alert>The messages per day could not be loaded: {shown.messages.error}</Alert>}
                {messages && (
                  <div className="grid gap-4 xl:grid-cols-2">
                    <MessagesChart r={messages} />
                    <LlmChart r={messages} />
                  </div>
                )}
                {!shown.performance.ok && <Alert>The response times and knowledge report could not be loaded: {shown.performance.error}</Alert>}
                {(messages || performance) && (
                  <div className="grid gap-4 xl:grid-cols-2">
                    {messages && <HeatMap hours={messages.hours} timeZone={messages.period.time_zone} />}
                    {performance && <FirstResponseChart r={performance} />}
                  </div>
                )}
                {performance && (
                  <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_minmax(0,2fr)]">
                    <TopDocuments docs={performance.top_documents} />
                    {/* Keyed by period: an answer form open for one period does not follow to another. */}
                    <KnowledgeGaps key={shown.period} gaps={performance.knowledge_gaps} />
                  </div>
                )}
              </>
            )}
          </div>
        )}
      </div>
    </div>
  );
}

export default function AnalyticsPage() {
  return (
    <Suspense>
      <SignedIn>
        <Shell>
          <Analytics />
        </Shell>
      </SignedIn>
    </Suspense>
  );
}
