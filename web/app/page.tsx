"use client";
// "/": the registration form on a new server, the inbox for a signed-in user, else sign in.
import { useEffect } from "react";
import { useRouter } from "next/navigation";
import { getMe } from "@/lib/api/auth";
import { getSetupStatus } from "@/lib/api/setup";

export default function Home() {
  const router = useRouter();
  useEffect(() => {
    getSetupStatus()
      .then(async (s) => {
        if (s.needs_owner) return router.replace(`/setup/${location.search}`);
        try {
          await getMe();
          router.replace("/conversations/");
        } catch {
          router.replace("/login/");
        }
      })
      .catch(() => router.replace("/login/"));
  }, [router]);
  return (
    <div className="flex min-h-dvh items-center justify-center text-sm text-zinc-500" aria-busy="true">
      Loading…
    </div>
  );
}
