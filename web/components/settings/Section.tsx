// The frame of one Settings section: its title (marked when only owners see it) and what it is
// for.

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
