"use client";
// The flows: every conversation the business designed in advance, with what starts it, where it
// stands between draft and published, and how its runs went this week.
import { SignedIn } from "@/lib/session";
import { Shell } from "@/components/Shell";
import { FlowList } from "@/components/flows/FlowList";

export default function FlowsPage() {
  return (
    <SignedIn>
      <Shell>
        <FlowList />
      </Shell>
    </SignedIn>
  );
}
