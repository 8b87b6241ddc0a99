"use client";
// The strip above the canvas: what went wrong (a save, a publish), what went right, the
// problems of the flow as a whole (those of a step are on the step), and, while an older
// version is on the canvas, that it is read-only and can be restored.
import type { Problem } from "@/lib/api/flowDocs";

interface Props {
  saveError: string | null;
  error: string | null;
  notice: string | null;
  problems: Problem[];
  viewing: number | null;
  onRestore: ((version: number) => void) | null;
  onBack: () => void;
}

export function Problems({ saveError, error, notice, problems, viewing, onRestore, onBack }: Props) {
  const bad = "border-b border-red-200 bg-red-50 px-3 py-1.5 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-300";
  return (
    <>
      {saveError && (
        <p role="alert" className={bad} data-testid="save-error">
          The draft could not be saved: {saveError}
        </p>
      )}
      {error && (
        <p role="alert" className={bad} data-testid="builder-error">
          {error}
        </p>
      )}
      {problems.length > 0 && (
        <ul className={bad} data-testid="flow-problems" aria-label="Problems of the flow">
          {problems.map((p, i) => (
            <li key={i}>{p.message}</li>
          ))}
        </ul>
      )}
      {notice && !error && (
        <p role="status" className="border-b border-brand-100 bg-brand-50 px-3 py-1.5 text-sm text-brand-700 dark:border-brand-700/40 dark:bg-brand-700/20 dark:text-brand-100" data-testid="builder-notice">
          {notice}
        </p>
      )}
      {viewing !== null && (
        <div className="flex flex-wrap items-center gap-2 border-b border-amber-200 bg-amber-50 px-3 py-1.5 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200" data-testid="viewing">
          <span>You are looking at version {viewing}, read-only.</span>
          {onRestore && (
            <button type="button" className="btn-secondary py-0.5" onClick={() => onRestore(viewing)}>
              Restore as draft
            </button>
          )}
          <button type="button" className="btn-secondary py-0.5" onClick={onBack}>
            Back to the draft
          </button>
        </div>
      )}
    </>
  );
}
