"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useFeedState } from "@/lib/feed";
import { signOut, useMe } from "@/lib/session";
import { useTheme, type ThemeChoice } from "@/lib/theme";

const NAV = [
  { href: "/conversations/", label: "Conversations" },
  { href: "/flows/", label: "Flows" },
  { href: "/analytics/", label: "Analytics" },
  { href: "/knowledge/", label: "Knowledge" },
  { href: "/prompts/", label: "Prompts" },
  { href: "/simulator/", label: "Simulator" },
  { href: "/settings/", label: "Settings" },
  { href: "/setup/", label: "Setup" },
];

function ThemeSwitch() {
  const [theme, setTheme] = useTheme();
  return (
    <label className="flex items-center gap-1 text-xs text-zinc-500 dark:text-zinc-400">
      <span className="sr-only">Theme</span>
      <select
        aria-label="Theme"
        className="rounded-md border border-zinc-300 bg-transparent px-1.5 py-1 text-xs dark:border-zinc-700"
        value={theme}
        onChange={(e) => setTheme(e.target.value as ThemeChoice)}
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}

function ConnectionBadge() {
  const state = useFeedState();
  if (state === "open") return null;
  return (
    <span
      role="status"
      data-testid="feed-state"
      className="rounded-full bg-amber-100 px-2 py-0.5 text-xs text-amber-800 dark:bg-amber-900/40 dark:text-amber-300"
    >
      {state === "connecting" ? "Connecting…" : "Reconnecting…"}
    </span>
  );
}

export function Shell({ children }: { children: React.ReactNode }) {
  const me = useMe();
  const pathname = usePathname();
  return (
    <div className="flex h-dvh flex-col">
      <header className="flex flex-wrap items-center gap-x-4 gap-y-2 border-b border-zinc-200 bg-white px-3 py-2 dark:border-zinc-800 dark:bg-zinc-900 sm:px-4">
        <Link href="/conversations/" className="flex items-center gap-2 font-semibold">
          <span aria-hidden className="grid h-7 w-7 place-items-center rounded-lg bg-brand-600 text-sm text-white">
            B
          </span>
          <span className="truncate">{me.business_name || "BotFlow"}</span>
        </Link>
        <nav aria-label="Main" className="order-last flex w-full gap-1 overflow-x-auto sm:order-none sm:w-auto">
          {NAV.map((n) => {
            const active = pathname.startsWith(n.href.replace(/\/$/, ""));
            return (
              <Link
                key={n.href}
                href={n.href}
                aria-current={active ? "page" : undefined}
                className={`whitespace-nowrap rounded-md px-3 py-1.5 text-sm ${
                  active
                    ? "bg-brand-50 font-medium text-brand-700 dark:bg-brand-700/20 dark:text-brand-100"
                    : "text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
                }`}
              >
                {n.label}
              </Link>
            );
          })}
        </nav>
        <div className="ml-auto flex items-center gap-3">
          <ConnectionBadge />
          <ThemeSwitch />
          <span className="hidden text-sm text-zinc-500 md:inline dark:text-zinc-400" data-testid="whoami">
            {me.user.name || me.user.email}
          </span>
          <button type="button" className="btn-secondary py-1" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main className="min-h-0 flex-1">{children}</main>
    </div>
  );
}
