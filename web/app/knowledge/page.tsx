"use client";
// What the AI knows: uploads with progress, the library, typed-in snippets, the extracted
// text, and a search box that shows exactly what the AI would be given.
import { useCallback, useEffect, useRef, useState } from "react";
import { errorText } from "@/lib/api/client";
import {
  deleteDocument,
  documentDownloadUrl,
  getDocument,
  listDocuments,
  replaceDocument,
  searchKnowledge,
  uploadDocument,
  type KnowledgeDocument,
  type SearchHit,
} from "@/lib/api/knowledge";
import { useAction } from "@/lib/action";
import { useFeedEvents } from "@/lib/feed";
import { SignedIn } from "@/lib/session";
import { dateTime, formatBytes } from "@/lib/format";
import { Shell } from "@/components/Shell";
import { SnippetForm } from "@/components/SnippetForm";
import { FormError } from "@/components/Form";

const ACCEPT = ".pdf,.docx,.txt,.md,.markdown,.csv,.html,.htm";

interface Upload {
  key: string;
  name: string;
  progress: number;
  error: string | null;
  done: boolean;
}

const STATUS_TEXT: Record<KnowledgeDocument["status"], string> = {
  processing: "Reading…",
  ready: "Ready",
  error: "Could not be read",
};

function StatusBadge({ d }: { d: KnowledgeDocument }) {
  const tone =
    d.status === "ready"
      ? "bg-brand-50 text-brand-700 dark:bg-brand-700/20 dark:text-brand-100"
      : d.status === "error"
        ? "bg-red-50 text-red-800 dark:bg-red-950 dark:text-red-300"
        : "bg-amber-50 text-amber-800 dark:bg-amber-900/40 dark:text-amber-300";
  return (
    <span className={`rounded px-1.5 py-0.5 text-xs ${tone}`} data-testid="doc-status">
      {STATUS_TEXT[d.status]}
    </span>
  );
}

function Uploader({ onUploaded }: { onUploaded: () => void }) {
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  const send = useCallback(
    (files: FileList | File[]) => {
      for (const file of Array.from(files)) {
        const key = `${file.name}-${file.size}-${Math.random()}`;
        setUploads((u) => [...u, { key, name: file.name, progress: 0, error: null, done: false }]);
        const update = (patch: Partial<Upload>) =>
          setUploads((u) => u.map((x) => (x.key === key ? { ...x, ...patch } : x)));
        uploadDocument(file, (p) => update({ progress: p }))
          .then(() => {
            update({ done: true, progress: 1 });
            onUploaded();
          })
          .catch((e: unknown) => update({ error: errorText(e) }));
      }
    },
    [onUploaded],
  );

  return (
    <div className="space-y-2">
      <div
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          send(e.dataTransfer.files);
        }}
        className={`flex flex-col items-center gap-2 rounded-xl border-2 border-dashed p-6 text-center text-sm ${
          dragging ? "border-brand-500 bg-brand-50 dark:bg-brand-700/10" : "border-zinc-300 dark:border-zinc-700"
        }`}
      >
        <p>Drop files here: PDF (with text), Word (.docx), HTML, Markdown, CSV or plain text.</p>
        <button type="button" className="btn-primary" onClick={() => input.current?.click()}>
          Choose files
        </button>
        <input
          ref={input}
          type="file"
          multiple
          accept={ACCEPT}
          className="sr-only"
          tabIndex={-1}
          aria-label="Files to upload"
          onChange={(e) => {
            if (e.target.files) send(e.target.files);
            e.target.value = "";
          }}
        />
      </div>
      {uploads.length > 0 && (
        <ul className="space-y-2" aria-label="Uploads">
          {uploads.map((u) => (
            <li key={u.key} className="text-sm" data-testid="upload">
              <div className="flex items-center justify-between gap-2">
                <span className="truncate">{u.name}</span>
                <span className="shrink-0 text-xs text-zinc-500 dark:text-zinc-400">
                  {u.error ? "Failed" : u.done ? "Uploaded" : `${Math.round(u.progress * 100)}%`}
                </span>
              </div>
              <div
                role="progressbar"
                aria-label={`Uploading ${u.name}`}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={Math.round(u.progress * 100)}
                className="mt-1 h-1.5 overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800"
              >
                <div
                  className={`h-full ${u.error ? "bg-red-500" : "bg-brand-500"} transition-all`}
                  style={{ width: `${Math.round(u.progress * 100)}%` }}
                />
              </div>
              {u.error && (
                <p role="alert" className="mt-1 text-xs text-red-700 dark:text-red-400">
                  {u.error}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function SearchBox() {
  const [query, setQuery] = useState("");
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const { busy, error, run } = useAction();
  return (
    <section className="card space-y-3 p-4" aria-labelledby="kb-search-title">
      <div>
        <h2 id="kb-search-title" className="font-medium">
          What would the AI find?
        </h2>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">
          Type a customer&apos;s question: these are the passages the AI would be given, best first.
        </p>
      </div>
      <form
        className="flex gap-2"
        onSubmit={async (e) => {
          e.preventDefault();
          await run(async () => {
            setHits(await searchKnowledge(query, 5));
          });
        }}
      >
        <label htmlFor="kb-query" className="sr-only">
          Customer question
        </label>
        <input id="kb-query" className="input" maxLength={500} value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Do you deliver on Sundays?" />
        <button className="btn-primary" disabled={busy || !query.trim()}>
          Search
        </button>
      </form>
      <FormError message={error} />
      {hits && hits.length === 0 && (
        <p className="text-sm text-zinc-600 dark:text-zinc-300" role="status">
          Nothing in the knowledge matches: the AI would hand this question to a person. Add a snippet that answers it.
        </p>
      )}
      {hits && hits.length > 0 && (
        <ol className="space-y-2" data-testid="search-results">
          {hits.map((h, i) => (
            <li key={h.chunk_id} className="rounded-lg border border-zinc-200 p-3 text-sm dark:border-zinc-800">
              <p className="text-xs text-zinc-500 dark:text-zinc-400">
                {i + 1}. {h.document.title}
                {h.heading ? ` — ${h.heading}` : ""} · score {h.score.toFixed(3)}
              </p>
              <p className="mt-1 whitespace-pre-wrap">{h.content}</p>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function DocumentView({
  id,
  onClose,
  onChanged,
}: {
  id: string;
  onClose: () => void;
  onChanged: () => void;
}) {
  const [doc, setDoc] = useState<KnowledgeDocument | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const { error, run, setError } = useAction();
  const replaceInput = useRef<HTMLInputElement>(null);

  const load = useCallback(() => {
    getDocument(id)
      .then(setDoc)
      .catch((e: unknown) => setError(errorText(e)));
  }, [id, setError]);
  useEffect(load, [load]);
  useFeedEvents((e) => {
    if (e.type === "document.updated" && e.data.document_id === id && e.data.status !== "deleted") load();
  });

  if (!doc) {
    return (
      <div className="p-4 text-sm" aria-busy="true">
        {error ?? "Loading…"}
      </div>
    );
  }
  return (
    <section aria-label={`Document ${doc.title}`} className="flex h-full min-h-0 flex-col">
      <header className="flex flex-wrap items-center gap-2 border-b border-zinc-200 p-3 dark:border-zinc-800">
        <h2 className="min-w-0 flex-1 truncate font-semibold" data-testid="doc-title">
          {doc.title}
        </h2>
        <StatusBadge d={doc} />
        <a className="btn-secondary py-1 text-xs" href={documentDownloadUrl(doc.id)}>
          Download
        </a>
        {doc.type !== "text" && (
          <>
            <button type="button" className="btn-secondary py-1 text-xs" onClick={() => replaceInput.current?.click()}>
              Replace file
            </button>
            <input
              ref={replaceInput}
              type="file"
              accept={ACCEPT}
              className="sr-only"
              tabIndex={-1}
              aria-label="Replacement file"
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = "";
                if (!file) return;
                void run(async () => {
                  setProgress(0);
                  try {
                    await replaceDocument(doc.id, file, setProgress);
                  } finally {
                    setProgress(null);
                  }
                  load();
                  onChanged();
                });
              }}
            />
          </>
        )}
        <button
          type="button"
          className="btn py-1 text-xs text-red-700 hover:bg-red-50 dark:text-red-400 dark:hover:bg-red-950"
          onClick={() => {
            if (!confirm(`Delete "${doc.title}"? The AI stops using it at once.`)) return;
            void run(async () => {
              await deleteDocument(doc.id);
              onChanged();
              onClose();
            });
          }}
        >
          Delete
        </button>
        <button type="button" className="btn-secondary py-1 text-xs" onClick={onClose}>
          Close
        </button>
      </header>
      <div className="min-h-0 flex-1 space-y-3 overflow-y-auto p-4 text-sm">
        <FormError message={error} />
        {progress !== null && (
          <div role="progressbar" aria-label="Replacing the file" aria-valuenow={Math.round(progress * 100)} className="h-1.5 rounded bg-zinc-200 dark:bg-zinc-800">
            <div className="h-full rounded bg-brand-500" style={{ width: `${Math.round(progress * 100)}%` }} />
          </div>
        )}
        {doc.status === "error" && doc.error && (
          <p role="note" className="rounded-lg bg-red-50 p-3 text-red-800 dark:bg-red-950/50 dark:text-red-300">
            {doc.error}
          </p>
        )}
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          {doc.filename ?? "Typed in"} · {doc.type.toUpperCase()} · {formatBytes(doc.size)} · {doc.chunk_count} passages · updated{" "}
          {dateTime(doc.updated_at)}
        </p>
        <h3 className="font-medium">Text the AI reads</h3>
        <pre className="whitespace-pre-wrap break-words rounded-lg bg-zinc-100 p-3 font-sans text-sm dark:bg-zinc-800" data-testid="doc-text">
          {doc.text || (doc.status === "processing" ? "Reading the file…" : "No text.")}
        </pre>
      </div>
    </section>
  );
}

function Knowledge() {
  const [docs, setDocs] = useState<KnowledgeDocument[] | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    listDocuments()
      .then((items) => {
        setDocs(items);
        setError(null);
      })
      .catch((e: unknown) => setError(errorText(e)));
  }, []);
  useEffect(load, [load]);
  useFeedEvents((e) => {
    if (e.type === "document.updated" || e.type === "resync") load();
  });

  return (
    <div className="flex h-full min-h-0">
      <div className={`${open ? "hidden lg:block" : "block"} min-w-0 flex-1 space-y-4 overflow-y-auto p-4 sm:p-6`}>
        <div>
          <h1 className="text-xl font-semibold">Knowledge</h1>
          <p className="text-sm text-zinc-500 dark:text-zinc-400">
            The AI answers only from what is here. Upload your menus, price lists, policies and FAQs.
          </p>
        </div>
        <div className="grid gap-4 xl:grid-cols-2">
          <section className="card space-y-3 p-4" aria-labelledby="kb-upload-title">
            <h2 id="kb-upload-title" className="font-medium">
              Upload files
            </h2>
            <Uploader onUploaded={load} />
          </section>
          <section className="card space-y-3 p-4" aria-labelledby="kb-snippet-title">
            <h2 id="kb-snippet-title" className="font-medium">
              Or type it in
            </h2>
            <SnippetForm onSaved={load} />
          </section>
        </div>
        <SearchBox />
        <section className="card overflow-hidden" aria-labelledby="kb-library-title">
          <h2 id="kb-library-title" className="border-b border-zinc-200 p-4 font-medium dark:border-zinc-800">
            Library {docs ? `(${docs.length})` : ""}
          </h2>
          {error && (
            <p role="alert" className="p-4 text-sm text-red-700 dark:text-red-400">
              {error}
            </p>
          )}
          {docs && docs.length === 0 && <p className="p-4 text-sm text-zinc-500">Nothing yet.</p>}
          <ul className="divide-y divide-zinc-100 dark:divide-zinc-800" data-testid="library">
            {docs?.map((d) => (
              <li key={d.id}>
                <button
                  type="button"
                  className={`flex w-full flex-wrap items-center gap-x-3 gap-y-1 px-4 py-3 text-left hover:bg-zinc-50 dark:hover:bg-zinc-800/50 ${
                    open === d.id ? "bg-brand-50 dark:bg-brand-700/15" : ""
                  }`}
                  onClick={() => setOpen(d.id)}
                  data-testid="library-row"
                >
                  <span className="min-w-0 flex-1 truncate font-medium">{d.title}</span>
                  <StatusBadge d={d} />
                  <span className="w-full text-xs text-zinc-500 sm:w-auto dark:text-zinc-400">
                    {d.type.toUpperCase()} · {formatBytes(d.size)} · {d.chunk_count} passages
                  </span>
                  {d.status === "error" && d.error && (
                    <span className="w-full text-xs text-red-700 dark:text-red-400">{d.error}</span>
                  )}
                </button>
              </li>
            ))}
          </ul>
        </section>
      </div>
      {open && (
        <div className="w-full shrink-0 border-l border-zinc-200 bg-white lg:w-[28rem] dark:border-zinc-800 dark:bg-zinc-900">
          <DocumentView id={open} onClose={() => setOpen(null)} onChanged={load} />
        </div>
      )}
    </div>
  );
}

export default function KnowledgePage() {
  return (
    <SignedIn>
      <Shell>
        <Knowledge />
      </Shell>
    </SignedIn>
  );
}
