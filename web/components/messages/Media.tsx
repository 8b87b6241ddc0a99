"use client";
// An image, document, audio or video message: the file itself when the server holds it (the
// message's media.url), its caption and file name.
import { mediaName, type MessageView } from "@/lib/messages";
import { FileIcon } from "./Icons";

type MediaView = Extract<MessageView, { kind: "media" }>;

function Player({ v, url }: { v: MediaView; url: string }) {
  const label = v.caption || v.filename || mediaName(v.type);
  if (v.type === "image" || v.type === "sticker") {
    // eslint-disable-next-line @next/next/no-img-element
    return <img src={url} alt={v.caption || `${mediaName(v.type)} in the conversation`} className="max-h-64 rounded-lg" />;
  }
  if (v.type === "video") return <video controls preload="metadata" src={url} aria-label={label} className="max-h-64 max-w-full rounded-lg" />;
  if (v.type === "audio") return <audio controls preload="metadata" src={url} aria-label={label} className="w-64 max-w-full" />;
  return (
    <a className="text-sm text-brand-700 underline dark:text-brand-100" href={url} download={v.filename ?? undefined}>
      Download {v.filename ?? v.type}
    </a>
  );
}

function FileCard({ v }: { v: MediaView }) {
  return (
    <span className="flex items-center gap-2 rounded-lg bg-black/5 px-2 py-1.5 text-sm dark:bg-white/10" data-testid="media-file">
      <FileIcon />
      <span className="min-w-0 truncate">{v.filename ?? mediaName(v.type)}</span>
      {v.filename && <span className="shrink-0 text-xs text-zinc-500 dark:text-zinc-400">{mediaName(v.type)}</span>}
      {v.link && (
        <a className="shrink-0 text-brand-700 underline dark:text-brand-100" href={v.link} target="_blank" rel="noopener noreferrer">
          Open
        </a>
      )}
    </span>
  );
}

function File({ v }: { v: MediaView }) {
  if (v.url) return <Player v={v} url={v.url} />;
  if (v.pending) return <span className="text-xs text-zinc-500">{v.type} (downloading…)</span>;
  return <FileCard v={v} />;
}

export function Media({ v }: { v: MediaView }) {
  return (
    <div className="space-y-1" data-testid="media" data-media-type={v.type}>
      <File v={v} />
      {v.caption && (
        <p className="whitespace-pre-wrap break-words text-sm" data-testid="message-text">
          {v.caption}
        </p>
      )}
    </div>
  );
}
