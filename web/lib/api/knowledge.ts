// The knowledge base (/api/documents): files and typed-in snippets, and the search the AI uses.
import { request, upload } from "./client";

export interface KnowledgeDocument {
  id: string;
  title: string;
  filename: string | null;
  type: "pdf" | "docx" | "txt" | "markdown" | "csv" | "html" | "text";
  mime_type: string;
  size: number;
  status: "processing" | "ready" | "error";
  error: string | null;
  chunk_count: number;
  category: string;
  tags: string[];
  text?: string;
  created_at: string;
  updated_at: string;
}

export interface SearchHit {
  chunk_id: number;
  document: { id: string; title: string };
  heading: string;
  content: string;
  snippet: string;
  score: number;
}

export async function listDocuments(): Promise<KnowledgeDocument[]> {
  return (await request<{ items: KnowledgeDocument[] }>("/api/documents")).items;
}

export function getDocument(id: string): Promise<KnowledgeDocument> {
  return request<KnowledgeDocument>(`/api/documents/${id}`);
}

export function uploadDocument(file: File, onProgress: (fraction: number) => void): Promise<KnowledgeDocument> {
  return upload<KnowledgeDocument>("POST", "/api/documents", file, onProgress);
}

/** A new file for the same document (same id): its text is extracted again. */
export function replaceDocument(id: string, file: File, onProgress: (fraction: number) => void): Promise<KnowledgeDocument> {
  return upload<KnowledgeDocument>("PUT", `/api/documents/${id}`, file, onProgress);
}

export function deleteDocument(id: string): Promise<unknown> {
  return request(`/api/documents/${id}`, { method: "DELETE" });
}

export function documentDownloadUrl(id: string): string {
  return `/api/documents/${id}/download`;
}

/** Knowledge typed in directly. */
export function addSnippet(title: string, content: string): Promise<KnowledgeDocument> {
  return request<KnowledgeDocument>("/api/documents/text", { body: { title, content } });
}

/** The passages the AI would be given for a customer's question, best first. */
export async function searchKnowledge(query: string, limit: number): Promise<SearchHit[]> {
  return (await request<{ items: SearchHit[] }>("/api/documents/search", { body: { query, limit } })).items;
}
