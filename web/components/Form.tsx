"use client";
// Every form control of the dashboard, written once: the labelled frame (a label, the control,
// a hint and the server's error, tied together for screen readers) around an input, a text
// area, a select or a checkbox; a form's own error; and the "Saved." notice.
import { useEffect, useId, useState } from "react";

/** What every framed control takes besides its element's own attributes. */
interface Framing {
  label: string;
  hint?: string;
  error?: string;
  /** The hint goes between the label and the control (above a tall text area). */
  hintAbove?: boolean;
  /** A smaller label, for narrow side panels. */
  compact?: boolean;
  /** The error is announced the moment it appears: for a form whose only message it is. */
  announceError?: boolean;
  errorTestId?: string;
}

type Omitted = "id" | "aria-invalid" | "aria-describedby";

function Hint({ id, hint }: { id: string; hint?: string }) {
  if (!hint) return null;
  return (
    <p id={`${id}-hint`} className="text-xs text-zinc-500 dark:text-zinc-400">
      {hint}
    </p>
  );
}

function ErrorText({ id, error, announce, testId }: { id: string; error?: string; announce?: boolean; testId?: string }) {
  if (!error) return null;
  return (
    <p
      id={`${id}-error`}
      role={announce ? "alert" : undefined}
      data-testid={testId}
      className={`text-xs text-red-700 dark:text-red-400 ${announce ? "font-medium" : ""}`}
    >
      {error}
    </p>
  );
}

/** The id, aria-invalid and aria-describedby (the error first) that tie a control to its frame. */
function useFramed({ hint, error }: Framing) {
  const id = useId();
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ");
  return { id, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy || undefined } as const;
}

function Frame({ framing, id, children }: { framing: Framing; id: string; children: React.ReactNode }) {
  const { label, hint, error, hintAbove, compact, announceError, errorTestId } = framing;
  return (
    <div className="space-y-1">
      <label htmlFor={id} className={`block font-medium ${compact ? "text-xs" : "text-sm"}`}>
        {label}
      </label>
      {hintAbove && <Hint id={id} hint={hint} />}
      {children}
      {!hintAbove && <Hint id={id} hint={hint} />}
      <ErrorText id={id} error={error} announce={announceError} testId={errorTestId} />
    </div>
  );
}

function split<T extends Framing>(props: T) {
  const { label, hint, error, hintAbove, compact, announceError, errorTestId, ...rest } = props;
  return [{ label, hint, error, hintAbove, compact, announceError, errorTestId }, rest] as const;
}

/** A labelled input. */
export function Field(props: Framing & Omit<React.ComponentProps<"input">, Omitted>) {
  const [framing, { className, ...input }] = split(props);
  const tie = useFramed(framing);
  return (
    <Frame framing={framing} id={tie.id}>
      <input className={`input ${className ?? ""}`} {...tie} {...input} />
    </Frame>
  );
}

/** A labelled text area; `className` adds to the look (its height, a font). */
export function TextArea(props: Framing & Omit<React.ComponentProps<"textarea">, Omitted>) {
  const [framing, { className, ...area }] = split(props);
  const tie = useFramed(framing);
  return (
    <Frame framing={framing} id={tie.id}>
      <textarea className={`input ${className ?? "min-h-20"}`} {...tie} {...area} />
    </Frame>
  );
}

/** A labelled select; its options are the children. */
export function Select(props: Framing & Omit<React.ComponentProps<"select">, Omitted>) {
  const [framing, { className, children, ...select }] = split(props);
  const tie = useFramed(framing);
  return (
    <Frame framing={framing} id={tie.id}>
      <select className={`input ${className ?? ""}`} {...tie} {...select}>
        {children}
      </select>
    </Frame>
  );
}

/** A checkbox with its label beside it, and the hint and error under the label. */
export function Checkbox(props: Framing & Omit<React.ComponentProps<"input">, Omitted | "type">) {
  const [framing, input] = split(props);
  const tie = useFramed(framing);
  return (
    <div className="space-y-1">
      <div className="flex items-start gap-2">
        <input type="checkbox" className="mt-0.5 h-4 w-4 shrink-0 accent-brand-600" {...tie} {...input} />
        <label htmlFor={tie.id} className={`font-medium ${framing.compact ? "text-xs" : "text-sm"}`}>
          {framing.label}
        </label>
      </div>
      <div className="pl-6">
        <Hint id={tie.id} hint={framing.hint} />
        <ErrorText id={tie.id} error={framing.error} announce={framing.announceError} testId={framing.errorTestId} />
      </div>
    </div>
  );
}

/** What went wrong with the form as a whole, announced. */
export function FormError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950/50 dark:text-red-300">
      {message}
    </p>
  );
}

/** "Saved." for a moment after a successful save, announced politely. */
export function Saved({ at }: { at: number }) {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (!at) return;
    setShown(true);
    const t = setTimeout(() => setShown(false), 4000);
    return () => clearTimeout(t);
  }, [at]);
  return (
    <span role="status" className="text-sm text-brand-700 dark:text-brand-100">
      {shown ? "Saved." : ""}
    </span>
  );
}
