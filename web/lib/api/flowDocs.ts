// The flows themselves (/api/flows, docs/flows.md): the list with its counters, one flow with
// its draft, saving, the publishing check, versions, import and export, the drop-off counts,
// a test of the draft in a simulator conversation, and the pre-built bots an owner starts from.
import { download, request, withQuery, type Download } from "./client";

export type NodeType =
  | "trigger"
  | "message"
  | "question"
  | "condition"
  | "set_variable"
  | "wait"
  | "jump"
  | "end"
  | "ai_response"
  | "api_call"
  | "handoff"
  | "save";

export type Config = Record<string, unknown>;

export interface FlowNode {
  id: string;
  type: NodeType;
  config: Config;
  position?: { x: number; y: number };
}

export interface FlowEdge {
  id: string;
  source: string;
  target: string;
  /** The outcome of `source` that takes this edge: "default", "valid", "button:cut"… */
  when: string;
}

export interface FlowDocument {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

export type FlowStatus = "draft" | "published" | "changed";

export interface Flow {
  id: string;
  name: string;
  description: string;
  priority: number;
  published_version: number | null;
  latest_version: number;
  status: FlowStatus;
  draft_updated_at: string;
  created_at: string;
  updated_at: string;
  /** In the list only. */
  runs_this_week?: number;
  completion_rate?: number | null;
  /** In the list only: the draft's trigger steps' configs. */
  triggers?: Config[];
  /** In the answers of one flow. */
  document?: FlowDocument;
}

/** One thing publishing refuses: its node ("" for the flow as a whole), field and message. */
export interface Problem {
  node: string;
  field: string;
  message: string;
}

export interface Version {
  version: number;
  published_at: string;
  published_by: string | null;
  document?: FlowDocument;
}

export interface NodeStats {
  entered: number;
  outcomes: Record<string, number>;
}

export interface FlowStats {
  days: number;
  version: number | null;
  runs: { started: number; completed: number; handed_off: number; active: number };
  nodes: Record<string, NodeStats>;
}

/** What an export writes and an import (create) takes. */
export interface FlowFile extends FlowDocument {
  format?: string;
  name: string;
  description?: string;
  priority?: number;
}

/** A pre-built bot: a flow the server ships, which an owner copies into a draft of their own. */
export interface FlowTemplate {
  key: string;
  name: string;
  description: string;
  document: FlowDocument;
}

export async function listFlows(): Promise<Flow[]> {
  return (await request<{ items: Flow[] }>("/api/flows")).items;
}

export function getFlow(id: string): Promise<Flow> {
  return request<Flow>(`/api/flows/${id}`);
}

export function createFlow(body: FlowFile | { name: string; description?: string; document?: FlowDocument }): Promise<Flow> {
  return request<Flow>("/api/flows", { method: "POST", body });
}

export function updateFlow(
  id: string,
  change: { name?: string; description?: string; priority?: number; document?: FlowDocument },
): Promise<Flow> {
  return request<Flow>(`/api/flows/${id}`, { method: "PUT", body: change });
}

export function deleteFlow(id: string): Promise<void> {
  return request<void>(`/api/flows/${id}`, { method: "DELETE" });
}

export function validateFlow(id: string): Promise<{ valid: boolean; problems: Problem[] }> {
  return request(`/api/flows/${id}/validate`, { method: "POST" });
}

export function publishFlow(id: string): Promise<Flow> {
  return request<Flow>(`/api/flows/${id}/publish`, { method: "POST" });
}

export function unpublishFlow(id: string): Promise<Flow> {
  return request<Flow>(`/api/flows/${id}/unpublish`, { method: "POST" });
}

export async function listVersions(id: string): Promise<Version[]> {
  return (await request<{ items: Version[] }>(`/api/flows/${id}/versions`)).items;
}

export function getVersion(id: string, version: number): Promise<Version> {
  return request<Version>(`/api/flows/${id}/versions/${version}`);
}

export function restoreVersion(id: string, version: number): Promise<Flow> {
  return request<Flow>(`/api/flows/${id}/versions/${version}/restore`, { method: "POST" });
}

export function exportFlow(id: string): Promise<Download> {
  return download(`/api/flows/${id}/export`);
}

export function flowStats(id: string, days: number): Promise<FlowStats> {
  return request<FlowStats>(withQuery(`/api/flows/${id}/stats`, { days }));
}

/** Starts a run of the draft in the simulator conversation; answers the run's id. */
export async function testFlow(id: string, conversationId: string): Promise<string> {
  return (await request<{ run_id: string }>(`/api/flows/${id}/test`, { body: { conversation_id: conversationId } })).run_id;
}

export async function listFlowTemplates(): Promise<FlowTemplate[]> {
  return (await request<{ items: FlowTemplate[] }>("/api/flow-templates")).items;
}

/** Copies a pre-built bot into a new draft flow; a name already taken gets " 2", " 3"… */
export function copyFlowTemplate(key: string, name?: string): Promise<Flow> {
  return request<Flow>(`/api/flow-templates/${encodeURIComponent(key)}/copy`, { method: "POST", body: name ? { name } : {} });
}
