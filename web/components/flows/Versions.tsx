"use client";
// The published versions, newest first: the one that runs is marked; any can be looked at on
// the canvas (read-only) and restored as the draft.
import { useEffect, useState } from "react";
import { errorText } from "@/lib/api/client";
import { listVersions, type Version } from "@/lib/api/flowDocs";
import { dateTime } from "@/lib/format";

export function Versions({
  flowId,
  live,
  viewing,
  onView,
  onClose,
}: {
  flowId: string;
  /** The version that runs now. */
  live: number | null;
  viewing: number | null;
  onView: (version: number | null) => void;
  onClose: () => void;
}) {
  const [versions, setVersions] = useState<Version[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    listVersions(flowId)
      .then(setVersions)
      .catch((e) => setError(errorText(e)));
  }, [flowId, live]);

  return (
    <section aria-label="Version history" className="flex h-full flex-col gap-2 overflow-y-auto p-3" data-testid="versions">
      <div className="flex items-center gap-2">
        <h2 className="text-sm font-semibold">Version history</h2>
        <button type="button" className="btn-secondary ml-auto py-1" onClick={onClose}>
          Close
        </button>
      </div>
      {error && (
        <p role="alert" className="text-xs text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
      {versions?.length === 0 && <p className="text-sm text-zinc-600 dark:text-zinc-400">Nothing published yet. Each time you publish, the version is kept here.</p>}
      <ol className="space-y-1">
        {versions?.map((v) => (
          <li key={v.version} className={`flex items-center gap-2 rounded-lg border p-2 text-sm ${viewing === v.version ? "border-brand-500" : "border-zinc-200 dark:border-zinc-800"}`}>
            <div className="min-w-0 flex-1">
              <p className="font-medium">
                Version {v.version}
                {live === v.version && <span className="ml-2 rounded-full bg-brand-50 px-1.5 text-xs text-brand-700 dark:bg-brand-700/20 dark:text-brand-100">running</span>}
              </p>
              <p className="text-xs text-zinc-500 dark:text-zinc-400">
                <time dateTime={v.published_at}>{dateTime(v.published_at)}</time>
              </p>
            </div>
            <button
              type="button"
              className="btn-secondary py-1"
              aria-pressed={viewing === v.version}
              onClick={() => onView(viewing === v.version ? null : v.version)}
            >
              {viewing === v.version ? "Back to draft" : `View v${v.version}`}
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
