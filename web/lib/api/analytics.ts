// Analytics (/api/analytics): the period's totals, the series per day, first responses, the
// knowledge report, and the CSV export.
import { download, request, type Download } from "./client";

export type PeriodName = "today" | "7d" | "30d" | "90d";

export interface Period {
  name: PeriodName;
  /** Calendar days in the business time zone, inclusive: "2026-11-16". */
  from: string;
  to: string;
  time_zone: string;
}

export interface FirstResponse {
  median_ms: number | null;
  p90_ms: number | null;
  samples: number;
}

export interface Overview {
  period: Period;
  messages: { inbound: number; outbound: number; ai: number; agent: number; system: number };
  conversations: { total: number; ai_resolved: number; handed_off: number };
  rates: { ai_resolution: number | null; handoff: number | null };
  first_response: FirstResponse;
  llm: { prompt_tokens: number; completion_tokens: number; cost_usd: number };
}

export interface MessageDay {
  day: string;
  inbound: number;
  ai: number;
  agent: number;
  system: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
}

export interface MessagesReport {
  period: Period;
  days: MessageDay[];
  /** hours[weekday][hour]: customer messages, Monday first, in the business time zone. */
  hours: number[][];
}

export interface PerformanceDay {
  day: string;
  conversations: number;
  ai_resolved: number;
  handed_off: number;
  first_response_median_ms: number | null;
  first_response_p90_ms: number | null;
}

export interface TopDocument {
  document_id: string;
  title: string;
  citations: number;
}

export interface KnowledgeGap {
  question: string;
  count: number;
  last_asked_at: string;
  conversation_id: string | null;
  reason: "handoff" | "no_answer" | "not_helpful";
}

export interface PerformanceReport {
  period: Period;
  days: PerformanceDay[];
  first_response: FirstResponse;
  top_documents: TopDocument[];
  knowledge_gaps: KnowledgeGap[];
}

const query = (period: PeriodName) => `?period=${encodeURIComponent(period)}`;

export function getOverview(period: PeriodName, signal?: AbortSignal): Promise<Overview> {
  return request<Overview>(`/api/analytics/overview${query(period)}`, { signal });
}

export function getMessagesReport(period: PeriodName, signal?: AbortSignal): Promise<MessagesReport> {
  return request<MessagesReport>(`/api/analytics/messages${query(period)}`, { signal });
}

export function getPerformance(period: PeriodName, signal?: AbortSignal): Promise<PerformanceReport> {
  return request<PerformanceReport>(`/api/analytics/performance${query(period)}`, { signal });
}

/** Every message of the period as CSV; a refusal (too many messages) is an ApiError. */
export function exportMessages(period: PeriodName): Promise<Download> {
  return download(`/api/analytics/export${query(period)}`);
}

export function exportUrl(period: PeriodName): string {
  return `/api/analytics/export${query(period)}`;
}
