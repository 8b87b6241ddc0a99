"use client";
// Small pieces the Settings sections share: labelled selects and checkboxes tied to their
// errors (and the text area, from components/Field), a section frame and a saved notice.
import { useEffect, useId, useState } from "react";
import { Describe, describedBy } from "@/components/Field";

export { TextArea } from "@/components/Field";

export function Select({
  label,
  error,
  hint,
  children,
  ...select
}: { label: string; error?: string; hint?: string } & React.SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <select
        id={id}
        className="input"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
        {...select}
      >
        {children}
      </select>
      <Describe id={id} hint={hint} error={error} />
    </div>
  );
}

export function Checkbox({
  label,
  hint,
  error,
  ...input
}: { label: string; hint?: string; error?: string } & Omit<React.InputHTMLAttributes<HTMLInputElement>, "type">) {
  const id = useId();
  return (
    <div className="space-y-1">
      <div className="flex items-start gap-2">
        <input
          id={id}
          type="checkbox"
          className="mt-0.5 h-4 w-4 shrink-0 accent-brand-600"
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy(id, hint, error)}
          {...input}
        />
        <label htmlFor={id} className="text-sm font-medium">
          {label}
        </label>
      </div>
      <div className="pl-6">
        <Describe id={id} hint={hint} error={error} />
      </div>
    </div>
  );
}

export function Section({
  id,
  title,
  description,
  ownerOnly,
  children,
}: {
  id: string;
  title: string;
  description?: React.ReactNode;
  ownerOnly?: boolean;
  children: React.ReactNode;
}) {
  return (
    <section aria-labelledby={`${id}-title`} data-testid={`section-${id}`} className="space-y-4">
      <div>
        <h2 id={`${id}-title`} className="flex flex-wrap items-center gap-2 text-lg font-semibold">
          {title}
          {ownerOnly && <OwnerBadge />}
        </h2>
        {description && <div className="mt-1 text-sm text-zinc-500 dark:text-zinc-400">{description}</div>}
      </div>
      {children}
    </section>
  );
}

export function OwnerBadge() {
  return (
    <span className="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-800 dark:bg-amber-900/40 dark:text-amber-300">
      Owner only
    </span>
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
