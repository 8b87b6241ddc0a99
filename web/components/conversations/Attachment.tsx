"use client";
// The file an agent attaches to a reply: uploaded at once (POST /api/media) with its progress,
// then sent as the message type the server recognised it as.
import { useRef, useState } from "react";
import { ApiError, errorText } from "@/lib/api/client";
import { uploadMedia, type MediaUpload } from "@/lib/api/messages";
import { formatBytes } from "@/lib/format";
import { mediaName } from "@/lib/messages";
import { FileIcon, PaperclipIcon } from "@/components/messages/Icons";

/** Images and documents WhatsApp takes (docs/messages.md); the server checks the bytes. */
const ACCEPT = "image/jpeg,image/png,.pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.txt";

export interface Attached {
  name: string;
  progress: number;
  media: MediaUpload | null;
  error: string | null;
}

export function useAttachment() {
  const [attached, setAttached] = useState<Attached | null>(null);
  // A newer choice (or removing it) wins over an upload still on its way.
  const generation = useRef(0);

  function attach(file: File) {
    const g = ++generation.current;
    const update = (patch: Partial<Attached>) => {
      if (g === generation.current) setAttached((a) => (a ? { ...a, ...patch } : a));
    };
    setAttached({ name: file.name, progress: 0, media: null, error: null });
    uploadMedia(file, (progress) => update({ progress }))
      .then((media) => update({ media, progress: 1 }))
      .catch((e: unknown) => update({ error: uploadError(e) }));
  }

  function clear() {
    generation.current += 1;
    setAttached(null);
  }

  return { attached, attach, clear };
}

function uploadError(e: unknown): string {
  const fields = e instanceof ApiError ? Object.values(e.fields) : [];
  return [errorText(e), ...fields].filter(Boolean).join(" ");
}

export function AttachButton({ disabled, onFile }: { disabled: boolean; onFile: (file: File) => void }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button
        type="button"
        className="btn-secondary px-2.5"
        disabled={disabled}
        aria-label="Attach an image or a document"
        title="Attach an image or a document"
        onClick={() => input.current?.click()}
      >
        <PaperclipIcon />
      </button>
      <input
        ref={input}
        type="file"
        accept={ACCEPT}
        className="sr-only"
        tabIndex={-1}
        aria-label="Image or document to attach"
        data-testid="attach-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = "";
          if (file) onFile(file);
        }}
      />
    </>
  );
}

export function AttachmentChip({ a, error, onRemove }: { a: Attached; error?: string; onRemove: () => void }) {
  const percent = Math.round(a.progress * 100);
  const problem = a.error ?? error;
  return (
    <div className="mb-2 rounded-lg border border-zinc-200 px-3 py-2 text-sm dark:border-zinc-700" data-testid="attachment">
      <div className="flex items-center gap-2">
        <FileIcon />
        <span className="min-w-0 flex-1 truncate">{a.media?.filename ?? a.name}</span>
        <span className="shrink-0 text-xs text-zinc-500 dark:text-zinc-400" data-testid="attachment-state">
          {a.error ? "Not uploaded" : a.media ? `${mediaName(a.media.kind)} · ${formatBytes(a.media.size)}` : `${percent}%`}
        </span>
        <button type="button" className="btn-secondary px-2 py-0.5 text-xs" onClick={onRemove} aria-label={`Remove ${a.name}`}>
          ✕
        </button>
      </div>
      {!a.media && !a.error && (
        <div
          role="progressbar"
          aria-label={`Uploading ${a.name}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          className="mt-1 h-1.5 overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800"
        >
          <div className="h-full bg-brand-500 transition-all" style={{ width: `${percent}%` }} />
        </div>
      )}
      {problem && (
        <p role="alert" className="mt-1 text-xs text-red-700 dark:text-red-400">
          {problem}
        </p>
      )}
    </div>
  );
}
