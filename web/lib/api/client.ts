// The dashboard's only way to the server: same-origin /api with the session cookie. Answers
// other than 2xx become an ApiError with the server's problem+json explanation. The modules
// beside this one give each domain its calls; pages and components use those, never fetch.

/** A page of a list, with the cursors the API gives for the next or older pages. */
export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
  older_cursor?: string | null;
  newer_cursor?: string | null;
}

/** An answer other than 2xx, with the server's problem+json explanation. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    /** Per-field messages of a 422 (`errors[]`), by field name such as `buttons[2].title`. */
    readonly fields: Record<string, string> = {},
    /** A flow's publishing check: every problem with its node and field (docs/flows.md). */
    readonly problems: { node: string; field: string; message: string }[] = [],
  ) {
    super(detail || title || `HTTP ${status}`);
  }
}

interface Problem {
  title?: string;
  detail?: string;
  errors?: { field: string; message: string }[];
  problems?: { node: string; field: string; message: string }[];
}

function parse(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function problem(status: number, statusText: string, body: unknown, fallbackDetail = ""): ApiError {
  const p = (body ?? {}) as Problem;
  const fields: Record<string, string> = {};
  for (const f of p.errors ?? []) fields[f.field] = f.message;
  const problems = Array.isArray(p.problems) ? p.problems : [];
  return new ApiError(status, p.title ?? statusText, p.detail || fallbackDetail, fields, problems);
}

function unreachable(e: unknown): never {
  if (e instanceof DOMException && e.name === "AbortError") throw e;
  throw new ApiError(0, "Network error", "The server could not be reached. Check your connection.");
}

async function send(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, { ...init, credentials: "same-origin" });
  } catch (e) {
    return unreachable(e);
  }
}

/** A JSON request: the body (when given) as JSON, POST by default when there is one. */
export async function request<T>(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  let body: BodyInit | undefined;
  if (init.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(init.body);
  }
  const res = await send(path, { method: init.method ?? (body ? "POST" : "GET"), headers, body, signal: init.signal });
  if (res.status === 204) return undefined as T;
  const json = parse(await res.text());
  if (!res.ok) throw problem(res.status, res.statusText, json);
  return json as T;
}

/**
 * Sends a file as multipart/form-data (field `file`) with upload progress (fetch cannot report
 * it), and answers like request(): the JSON body, or an ApiError with the server's explanation.
 */
export function upload<T>(
  method: "POST" | "PUT",
  path: string,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError(0, "Network error", "The upload did not reach the server."));
    xhr.onload = () => {
      const body = parse(xhr.responseText);
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(body as T);
        return;
      }
      const tooLarge = xhr.status === 413 ? "The file is larger than this server accepts." : "";
      reject(problem(xhr.status, xhr.statusText, body, tooLarge));
    };
    const form = new FormData();
    form.append("file", file);
    xhr.send(form);
  });
}

/** A file the server makes (an export), fetched whole so that a refusal can be explained. */
export interface Download {
  blob: Blob;
  /** The name from Content-Disposition, if the server gave one. */
  filename: string | null;
}

function filenameOf(disposition: string): string | null {
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
  if (encoded) return decodeURIComponent(encoded);
  return /filename="?([^";]+)"?/i.exec(disposition)?.[1] ?? null;
}

export async function download(path: string): Promise<Download> {
  const res = await send(path, { method: "GET" });
  if (!res.ok) throw problem(res.status, "", parse(await res.text()));
  const blob = await res.blob();
  return { blob, filename: filenameOf(res.headers.get("Content-Disposition") ?? "") };
}

/** What to tell the user about a failure. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.detail || e.title;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** A path with its query string, leaving out parameters that are not set. */
export function withQuery(path: string, params: Record<string, string | number | boolean | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
