"use client";
// The figures of a period: the cards, and the charts per day.
import {
  compactCount,
  count,
  dayLabel,
  duration,
  percent,
  usd,
  usdAxis,
} from "@/lib/analytics";
import type { MessagesReport, Overview, PerformanceReport } from "@/lib/api/analytics";
import { ChartFrame, DayChart } from "./Charts";

const COLORS = {
  inbound: { className: "fill-sky-500 dark:fill-sky-400", swatch: "bg-sky-500 dark:bg-sky-400" },
  ai: { className: "fill-brand-500", swatch: "bg-brand-500" },
  agent: { className: "fill-amber-500 dark:fill-amber-400", swatch: "bg-amber-500 dark:bg-amber-400" },
  system: { className: "fill-zinc-400 dark:fill-zinc-500", swatch: "bg-zinc-400 dark:bg-zinc-500" },
  prompt: { className: "fill-violet-400 dark:fill-violet-500", swatch: "bg-violet-400 dark:bg-violet-500" },
  completion: { className: "fill-violet-700 dark:fill-violet-300", swatch: "bg-violet-700 dark:bg-violet-300" },
  cost: { className: "stroke-rose-600 dark:stroke-rose-400", swatch: "bg-rose-600 dark:bg-rose-400" },
  median: { className: "stroke-brand-600 dark:stroke-brand-500", swatch: "bg-brand-600 dark:bg-brand-500" },
  p90: { className: "stroke-amber-500 dark:stroke-amber-400", swatch: "bg-amber-500 dark:bg-amber-400" },
};

function Card({
  label,
  value,
  detail,
  testId,
  raw,
  title,
}: {
  label: string;
  value: string;
  detail?: React.ReactNode;
  testId: string;
  raw: number | null;
  title?: string;
}) {
  return (
    <div className="card min-w-0 p-4" data-testid={testId} data-value={raw ?? ""}>
      <dt className="text-xs font-medium uppercase tracking-wide text-zinc-500 dark:text-zinc-400">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold tabular-nums" title={title}>
        {value}
      </dd>
      {detail && <dd className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">{detail}</dd>}
    </div>
  );
}

export function Cards({ o }: { o: Overview }) {
  const replies = o.messages.ai + o.messages.agent;
  const share = (n: number) => (replies > 0 ? ` · ${percent(n / replies)} of replies` : "");
  const tokens = o.llm.prompt_tokens + o.llm.completion_tokens;
  const days = o.conversations.total;
  return (
    <dl className="grid grid-cols-2 gap-3 md:grid-cols-4" aria-label="Figures for the period">
      <Card label="Messages in" testId="card-inbound" raw={o.messages.inbound} value={count(o.messages.inbound)} detail="from customers" />
      <Card
        label="Messages out"
        testId="card-outbound"
        raw={o.messages.outbound}
        value={count(o.messages.outbound)}
        detail={o.messages.system > 0 ? `incl. ${count(o.messages.system)} automatic` : "to customers"}
      />
      <Card label="AI replies" testId="card-ai" raw={o.messages.ai} value={count(o.messages.ai)} detail={`answered by the AI${share(o.messages.ai)}`} />
      <Card
        label="Agent replies"
        testId="card-agent"
        raw={o.messages.agent}
        value={count(o.messages.agent)}
        detail={`written by your team${share(o.messages.agent)}`}
      />
      <Card
        label="AI resolution"
        testId="card-ai-resolution"
        raw={o.rates.ai_resolution}
        value={percent(o.rates.ai_resolution)}
        detail={days > 0 ? `${count(o.conversations.ai_resolved)} of ${count(days)} conversation-days` : "no conversations yet"}
      />
      <Card
        label="Handoff rate"
        testId="card-handoff"
        raw={o.rates.handoff}
        value={percent(o.rates.handoff)}
        detail={days > 0 ? `${count(o.conversations.handed_off)} of ${count(days)} went to a person` : "no conversations yet"}
      />
      <Card
        label="First response"
        testId="card-first-response"
        raw={o.first_response.median_ms}
        value={duration(o.first_response.median_ms)}
        detail={
          o.first_response.samples > 0 ? (
            <>
              median · <span data-testid="first-response-p90">90% within {duration(o.first_response.p90_ms)}</span>
            </>
          ) : (
            "no replies to time yet"
          )
        }
      />
      <Card
        label="LLM cost"
        testId="card-llm"
        raw={o.llm.cost_usd}
        value={usd(o.llm.cost_usd)}
        title={`$${o.llm.cost_usd}`}
        detail={
          <span title={`${count(o.llm.prompt_tokens)} prompt + ${count(o.llm.completion_tokens)} completion tokens`}>
            {compactCount(tokens)} tokens ({compactCount(o.llm.prompt_tokens)} in, {compactCount(o.llm.completion_tokens)} out)
          </span>
        }
      />
    </dl>
  );
}

function busiest<T>(items: T[], value: (t: T) => number): T | null {
  let best: T | null = null;
  for (const t of items) if (value(t) > 0 && (best === null || value(t) > value(best))) best = t;
  return best;
}

export function MessagesChart({ r }: { r: MessagesReport }) {
  const days = r.days;
  const inbound = days.reduce((s, d) => s + d.inbound, 0);
  const ai = days.reduce((s, d) => s + d.ai, 0);
  const agent = days.reduce((s, d) => s + d.agent, 0);
  const system = days.reduce((s, d) => s + d.system, 0);
  const top = busiest(days, (d) => d.inbound);
  const showSystem = system > 0;
  return (
    <ChartFrame
      id="messages-chart"
      testId="messages-chart"
      title="Messages per day"
      empty={inbound + ai + agent + system === 0 ? "No messages in this period." : null}
      legend={[
        { label: "Customers", swatch: COLORS.inbound.swatch },
        { label: "AI", swatch: COLORS.ai.swatch },
        { label: "Agents", swatch: COLORS.agent.swatch },
        ...(showSystem ? [{ label: "Automatic", swatch: COLORS.system.swatch }] : []),
      ]}
      summary={
        <>
          {count(inbound)} customer messages; {count(ai)} AI and {count(agent)} agent replies
          {showSystem ? ` and ${count(system)} automatic messages` : ""}.
          {top && ` Busiest day: ${dayLabel(top.day, { weekday: true })} with ${count(top.inbound)} customer messages.`}
        </>
      }
      table={{
        head: ["Day", "Customer messages", "AI replies", "Agent replies", "Automatic"],
        rows: days.map((d) => [dayLabel(d.day, { weekday: true }), d.inbound, d.ai, d.agent, d.system]),
      }}
    >
      <DayChart
        days={days.map((d) => d.day)}
        bars={[
          { label: "In", series: [{ label: "Customers", ...COLORS.inbound, values: days.map((d) => d.inbound) }] },
          {
            label: "Out",
            series: [
              { label: "AI", ...COLORS.ai, values: days.map((d) => d.ai) },
              { label: "Agents", ...COLORS.agent, values: days.map((d) => d.agent) },
              { label: "Automatic", ...COLORS.system, values: days.map((d) => d.system) },
            ],
          },
        ]}
        tooltip={(i) => {
          const d = days[i]!;
          return `${dayLabel(d.day, { weekday: true })}\nCustomers: ${count(d.inbound)}\nAI: ${count(d.ai)}\nAgents: ${count(d.agent)}${
            d.system ? `\nAutomatic: ${count(d.system)}` : ""
          }`;
        }}
        dayData={(i) => {
          const d = days[i]!;
          return { inbound: d.inbound, ai: d.ai, agent: d.agent, system: d.system };
        }}
      />
    </ChartFrame>
  );
}

export function LlmChart({ r }: { r: MessagesReport }) {
  const days = r.days;
  const prompt = days.reduce((s, d) => s + d.prompt_tokens, 0);
  const completion = days.reduce((s, d) => s + d.completion_tokens, 0);
  const cost = days.reduce((s, d) => s + d.cost_usd, 0);
  const top = busiest(days, (d) => d.cost_usd);
  return (
    <ChartFrame
      id="llm-chart"
      testId="llm-chart"
      title="LLM tokens and cost per day"
      empty={prompt + completion === 0 && cost === 0 ? "The AI used no tokens in this period." : null}
      legend={[
        { label: "Prompt tokens", swatch: COLORS.prompt.swatch },
        { label: "Completion tokens", swatch: COLORS.completion.swatch },
        { label: "Cost (right axis)", swatch: COLORS.cost.swatch, line: true },
      ]}
      summary={
        <>
          {count(prompt + completion)} tokens ({count(prompt)} prompt, {count(completion)} completion) costing {usd(cost)}.
          {top && ` Most expensive day: ${dayLabel(top.day, { weekday: true })} (${usd(top.cost_usd)}).`}
        </>
      }
      table={{
        head: ["Day", "Prompt tokens", "Completion tokens", "Cost (USD)"],
        rows: days.map((d) => [dayLabel(d.day, { weekday: true }), d.prompt_tokens, d.completion_tokens, usd(d.cost_usd)]),
      }}
    >
      <DayChart
        days={days.map((d) => d.day)}
        bars={[
          {
            label: "Tokens",
            series: [
              { label: "Prompt", ...COLORS.prompt, values: days.map((d) => d.prompt_tokens) },
              { label: "Completion", ...COLORS.completion, values: days.map((d) => d.completion_tokens) },
            ],
          },
        ]}
        rightLines={[{ label: "Cost", ...COLORS.cost, values: days.map((d) => d.cost_usd) }]}
        leftFormat={compactCount}
        rightFormat={usdAxis}
        tooltip={(i) => {
          const d = days[i]!;
          return `${dayLabel(d.day, { weekday: true })}\nPrompt tokens: ${count(d.prompt_tokens)}\nCompletion tokens: ${count(
            d.completion_tokens,
          )}\nCost: ${usd(d.cost_usd)}`;
        }}
      />
    </ChartFrame>
  );
}

export function FirstResponseChart({ r }: { r: PerformanceReport }) {
  const days = r.days;
  const timed = days.filter((d) => d.first_response_median_ms !== null);
  const slowest = busiest(timed, (d) => d.first_response_p90_ms ?? 0);
  return (
    <ChartFrame
      id="first-response-chart"
      testId="first-response-chart"
      title="First response time per day"
      empty={timed.length === 0 ? "No replies to time in this period." : null}
      legend={[
        { label: "Median", swatch: COLORS.median.swatch, line: true },
        { label: "90th percentile", swatch: COLORS.p90.swatch, line: true },
      ]}
      summary={
        <>
          Half of the customers got a first reply within {duration(r.first_response.median_ms)}, and 90% within{" "}
          {duration(r.first_response.p90_ms)} ({count(r.first_response.samples)} conversation-days timed; estimates within about
          12%).
          {slowest && ` Slowest day: ${dayLabel(slowest.day, { weekday: true })} (90% within ${duration(slowest.first_response_p90_ms)}).`}
        </>
      }
      table={{
        head: ["Day", "Conversation-days", "Median", "90th percentile"],
        rows: days.map((d) => [
          dayLabel(d.day, { weekday: true }),
          d.conversations,
          duration(d.first_response_median_ms),
          duration(d.first_response_p90_ms),
        ]),
      }}
    >
      <DayChart
        days={days.map((d) => d.day)}
        lines={[
          { label: "Median", ...COLORS.median, values: days.map((d) => d.first_response_median_ms) },
          { label: "p90", ...COLORS.p90, values: days.map((d) => d.first_response_p90_ms) },
        ]}
        leftFormat={duration}
        integer={false}
        tooltip={(i) => {
          const d = days[i]!;
          return d.first_response_median_ms === null
            ? `${dayLabel(d.day, { weekday: true })}: no replies to time`
            : `${dayLabel(d.day, { weekday: true })}\nMedian: ${duration(d.first_response_median_ms)}\n90th percentile: ${duration(
                d.first_response_p90_ms,
              )}\nConversation-days: ${count(d.conversations)}`;
        }}
      />
    </ChartFrame>
  );
}
