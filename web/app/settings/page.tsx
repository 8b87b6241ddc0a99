"use client";
// Settings: the business, WhatsApp, the AI, the team, the audit log (owners) and my account
// (everyone). One section at a time, chosen with ?tab= so that a section can be linked to.
import { Suspense } from "react";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { SignedIn, useMe } from "@/lib/session";
import { Shell } from "@/components/Shell";
import { BusinessSection } from "@/components/settings/Business";
import { WhatsAppSection } from "@/components/settings/WhatsApp";
import { AiSection } from "@/components/settings/Ai";
import { TeamSection } from "@/components/settings/Team";
import { AuditSection } from "@/components/settings/Audit";
import { AccountSection } from "@/components/settings/Account";

type Tab = "business" | "whatsapp" | "ai" | "team" | "audit" | "account";

const TABS: { id: Tab; label: string; ownerOnly: boolean; agentReadOnly?: boolean }[] = [
  { id: "business", label: "Business", ownerOnly: false, agentReadOnly: true },
  { id: "whatsapp", label: "WhatsApp", ownerOnly: false, agentReadOnly: true },
  { id: "ai", label: "AI", ownerOnly: true },
  { id: "team", label: "Team", ownerOnly: true },
  { id: "audit", label: "Audit log", ownerOnly: true },
  { id: "account", label: "My account", ownerOnly: false },
];

function Settings() {
  const me = useMe();
  const owner = me.role === "owner";
  const params = useSearchParams();
  const tabs = TABS.filter((t) => owner || !t.ownerOnly);
  const asked = params.get("tab");
  const tab: Tab = tabs.find((t) => t.id === asked)?.id ?? (owner ? "business" : "account");

  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-5xl p-4 sm:p-6">
        <h1 className="text-xl font-semibold">Settings</h1>
        {!owner && (
          <p className="mt-1 text-sm text-zinc-500 dark:text-zinc-400">
            You are an agent: an owner manages the business, the AI and the team.
          </p>
        )}
        <div className="mt-4 flex flex-col gap-6 lg:flex-row">
          <nav aria-label="Settings sections" className="shrink-0 lg:w-48">
            <ul className="flex flex-wrap gap-1 lg:flex-col">
              {tabs.map((t) => {
                const active = t.id === tab;
                return (
                  <li key={t.id}>
                    <Link
                      href={`/settings/?tab=${t.id}`}
                      aria-current={active ? "page" : undefined}
                      className={`flex items-center justify-between gap-2 whitespace-nowrap rounded-md px-3 py-1.5 text-sm ${
                        active
                          ? "bg-brand-50 font-medium text-brand-700 dark:bg-brand-700/20 dark:text-brand-100"
                          : "text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
                      }`}
                    >
                      {t.label}
                      {t.ownerOnly && (
                        <>
                          <span
                            aria-hidden
                            title="Owner only"
                            className="rounded bg-amber-100 px-1 text-[10px] font-medium text-amber-800 dark:bg-amber-900/40 dark:text-amber-300"
                          >
                            owner
                          </span>
                          <span className="sr-only">(owner only)</span>
                        </>
                      )}
                      {!owner && t.agentReadOnly && (
                        <span className="rounded bg-zinc-200 px-1 text-[10px] font-medium text-zinc-600 dark:bg-zinc-700 dark:text-zinc-300">
                          <span className="sr-only">(</span>read-only<span className="sr-only">)</span>
                        </span>
                      )}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </nav>
          <div className="min-w-0 flex-1 pb-8">
            {tab === "business" && <BusinessSection owner={owner} />}
            {tab === "whatsapp" && <WhatsAppSection owner={owner} />}
            {tab === "ai" && owner && <AiSection />}
            {tab === "team" && owner && <TeamSection />}
            {tab === "audit" && owner && <AuditSection />}
            {tab === "account" && <AccountSection />}
          </div>
        </div>
      </div>
    </div>
  );
}

export default function SettingsPage() {
  return (
    <Suspense>
      <SignedIn>
        <Shell>
          <Settings />
        </Shell>
      </SignedIn>
    </Suspense>
  );
}
