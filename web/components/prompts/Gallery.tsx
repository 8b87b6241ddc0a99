"use client";
// Every template, the owner's own first, then the built-in industry templates; the active one
// is marked wherever it is.
import Link from "next/link";
import type { PromptTemplate } from "@/lib/api/prompts";

export function ActiveBadge() {
  return (
    <span
      data-testid="active-badge"
      className="inline-flex items-center gap-1 rounded-full bg-brand-600 px-2 py-0.5 text-xs font-medium text-white"
    >
      <span aria-hidden>●</span> Active
    </span>
  );
}

export function Badge({ children }: { children: React.ReactNode }) {
  return (
    <span className="rounded-full bg-zinc-100 px-2 py-0.5 text-xs text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300">
      {children}
    </span>
  );
}

function Card({ t, selected }: { t: PromptTemplate; selected: boolean }) {
  return (
    <li>
      <Link
        href={`/prompts/?id=${t.id}`}
        aria-current={selected ? "true" : undefined}
        data-testid="template-card"
        data-active={t.active}
        data-builtin={t.builtin}
        className={`block rounded-xl border p-3 transition-colors ${
          selected
            ? "border-brand-500 bg-brand-50 dark:border-brand-500 dark:bg-brand-700/20"
            : t.active
              ? "border-brand-500/60 bg-white hover:bg-zinc-50 dark:bg-zinc-900 dark:hover:bg-zinc-800"
              : "border-zinc-200 bg-white hover:bg-zinc-50 dark:border-zinc-800 dark:bg-zinc-900 dark:hover:bg-zinc-800"
        }`}
      >
        <div className="flex flex-wrap items-center gap-2">
          <span className="min-w-0 flex-1 truncate font-medium" data-testid="template-name">
            {t.name}
          </span>
          {t.active && <ActiveBadge />}
        </div>
        <div className="mt-1 flex flex-wrap gap-1">
          {t.category && <Badge>{t.category}</Badge>}
          <Badge>{t.builtin ? "Built-in" : "Yours"}</Badge>
        </div>
        {t.description && (
          <p className="mt-1.5 line-clamp-2 text-xs text-zinc-600 dark:text-zinc-400">{t.description}</p>
        )}
      </Link>
    </li>
  );
}

export function Gallery({ items, selected }: { items: PromptTemplate[]; selected: string | null }) {
  const own = items.filter((t) => !t.builtin);
  const builtin = items.filter((t) => t.builtin);
  return (
    <nav aria-label="Templates" className="space-y-5" data-testid="gallery">
      <section aria-labelledby="own-templates" className="space-y-2">
        <h2 id="own-templates" className="text-sm font-semibold text-zinc-700 dark:text-zinc-300">
          Your templates
        </h2>
        {own.length === 0 ? (
          <p className="text-sm text-zinc-500 dark:text-zinc-400">
            None yet. Open a built-in template below and make a copy to adapt it.
          </p>
        ) : (
          <ul className="space-y-2">
            {own.map((t) => (
              <Card key={t.id} t={t} selected={t.id === selected} />
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="builtin-templates" className="space-y-2">
        <h2 id="builtin-templates" className="text-sm font-semibold text-zinc-700 dark:text-zinc-300">
          Built-in templates
        </h2>
        <ul className="space-y-2">
          {builtin.map((t) => (
            <Card key={t.id} t={t} selected={t.id === selected} />
          ))}
        </ul>
      </section>
    </nav>
  );
}
