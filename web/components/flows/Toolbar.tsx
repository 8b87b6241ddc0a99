"use client";
// The builder's bar: the flow's name and status, whether the draft is saved, undo and redo,
// the tidy-up layout, the drop-off counts' period, and the panels (test, versions); publishing.
import Link from "next/link";
import { useEffect, useState } from "react";
import { errorText } from "@/lib/api/client";
import { updateFlow, type Flow } from "@/lib/api/flowDocs";
import { statusLabel } from "@/lib/flowdoc/summary";
import type { SaveState } from "./useDraft";

const SAVE_TEXT: Record<SaveState, string> = {
  saved: "All changes saved",
  unsaved: "Unsaved changes…",
  saving: "Saving…",
  error: "Not saved",
};

export const PERIODS = [7, 30, 90];

function Name({ flow, canEdit, onRenamed }: { flow: Flow; canEdit: boolean; onRenamed: (f: Flow) => void }) {
  const [text, setText] = useState(flow.name);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setText(flow.name), [flow.name]);
  async function rename() {
    const name = text.trim();
    if (!name || name === flow.name) return setText(flow.name);
    try {
      onRenamed(await updateFlow(flow.id, { name }));
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }
  return (
    <div className="min-w-0">
      <label htmlFor="flow-name" className="sr-only">
        Flow name
      </label>
      <input
        id="flow-name"
        className="w-48 rounded-md border border-transparent bg-transparent px-1.5 py-1 text-sm font-semibold hover:border-zinc-300 focus:border-zinc-300 sm:w-64 dark:hover:border-zinc-700"
        value={text}
        maxLength={100}
        readOnly={!canEdit}
        aria-invalid={error ? true : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => void rename()}
        onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()}
      />
      {error && (
        <p role="alert" className="px-1.5 text-xs text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
    </div>
  );
}

function StatusBadge({ flow }: { flow: Flow }) {
  const text = statusLabel(flow);
  const tone =
    flow.status === "published"
      ? "bg-brand-50 text-brand-700 dark:bg-brand-700/20 dark:text-brand-100"
      : "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300";
  return (
    <span className={`whitespace-nowrap rounded-full px-2 py-0.5 text-xs ${tone}`} data-testid="flow-status">
      {text}
    </span>
  );
}

export interface ToolbarProps {
  flow: Flow;
  canEdit: boolean;
  save: SaveState;
  canUndo: boolean;
  canRedo: boolean;
  onUndo: () => void;
  onRedo: () => void;
  onTidy: () => void;
  days: number | null;
  onDays: (d: number | null) => void;
  panel: string;
  onPanel: (p: "test" | "versions") => void;
  publishing: boolean;
  onPublish: () => void;
  onUnpublish: () => void;
  onRenamed: (f: Flow) => void;
}

export function Toolbar(p: ToolbarProps) {
  const { flow, canEdit } = p;
  return (
    <div className="flex flex-wrap items-center gap-2 border-b border-zinc-200 bg-white px-3 py-2 dark:border-zinc-800 dark:bg-zinc-900" role="toolbar" aria-label="Flow">
      <Link href="/flows/" className="text-sm text-zinc-600 hover:underline dark:text-zinc-300">
        ← Flows
      </Link>
      <Name flow={flow} canEdit={canEdit} onRenamed={p.onRenamed} />
      <StatusBadge flow={flow} />
      <span role="status" className={`text-xs ${p.save === "error" ? "text-red-700 dark:text-red-400" : "text-zinc-500 dark:text-zinc-400"}`} data-testid="save-state">
        {SAVE_TEXT[p.save]}
      </span>
      <div className="ml-auto flex flex-wrap items-center gap-1.5">
        {canEdit && (
          <>
            <button type="button" className="btn-secondary px-2 py-1" onClick={p.onUndo} disabled={!p.canUndo} aria-label="Undo" title="Undo (Ctrl+Z)">
              ↶
            </button>
            <button type="button" className="btn-secondary px-2 py-1" onClick={p.onRedo} disabled={!p.canRedo} aria-label="Redo" title="Redo (Ctrl+Shift+Z)">
              ↷
            </button>
            <button type="button" className="btn-secondary py-1" onClick={p.onTidy} title="Lay the steps out in the order they run">
              Tidy up
            </button>
          </>
        )}
        <label className="flex items-center gap-1 text-xs text-zinc-600 dark:text-zinc-300">
          Drop-off
          <select
            className="rounded-md border border-zinc-300 bg-transparent px-1.5 py-1 text-xs dark:border-zinc-700"
            value={p.days ?? ""}
            disabled={flow.latest_version === 0}
            title={flow.latest_version === 0 ? "Publish the flow to count where customers go" : undefined}
            onChange={(e) => p.onDays(e.target.value ? Number(e.target.value) : null)}
          >
            <option value="">off</option>
            {PERIODS.map((d) => (
              <option key={d} value={d}>
                last {d} days
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="btn-secondary py-1" aria-pressed={p.panel === "versions"} onClick={() => p.onPanel("versions")}>
          Versions
        </button>
        {canEdit && (
          <button type="button" className="btn-secondary py-1" aria-pressed={p.panel === "test"} onClick={() => p.onPanel("test")}>
            Test
          </button>
        )}
        {canEdit && flow.published_version !== null && (
          <button type="button" className="btn-secondary py-1" onClick={p.onUnpublish}>
            Unpublish
          </button>
        )}
        {canEdit && (
          <button type="button" className="btn-primary py-1" onClick={p.onPublish} disabled={p.publishing}>
            {p.publishing ? "Publishing…" : "Publish"}
          </button>
        )}
      </div>
    </div>
  );
}
