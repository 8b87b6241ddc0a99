"use client";
// The flow builder for /flows/edit/?id=<flow id> (a static export takes ids from the query).
import { Suspense } from "react";
import { useSearchParams } from "next/navigation";
import { SignedIn } from "@/lib/session";
import { Shell } from "@/components/Shell";
import { Builder } from "@/components/flows/Builder";

function Edit() {
  const id = useSearchParams().get("id") ?? "";
  if (!id) return <p className="p-6 text-sm">No flow chosen: open one from the list of flows.</p>;
  return <Builder key={id} id={id} />;
}

export default function FlowEditPage() {
  return (
    <SignedIn>
      <Shell>
        <Suspense>
          <Edit />
        </Suspense>
      </Shell>
    </SignedIn>
  );
}
