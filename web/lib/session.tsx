"use client";
// Who is signed in. Pages inside <SignedIn> get the user; everyone else is sent to sign in.
import { createContext, useContext, useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import { ApiError } from "./api/client";
import { getMe, logout, type Me } from "./api/auth";
import { getFeed } from "./feed";

const SessionContext = createContext<Me | null>(null);
const UpdateContext = createContext<(patch: Partial<Me>) => void>(() => undefined);

/** Changes what the page shows of the signed-in user (e.g. the business name after a rename). */
export function useUpdateMe() {
  return useContext(UpdateContext);
}

export function useMe(): Me {
  const me = useContext(SessionContext);
  if (!me) throw new Error("useMe outside <SignedIn>");
  return me;
}

export function SignedIn({ children }: { children: React.ReactNode }) {
  const router = useRouter();
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    getMe()
      .then((m) => {
        if (cancelled) return;
        setMe(m);
        getFeed().start();
      })
      .catch((e: unknown) => {
        if (cancelled) return;
        if (e instanceof ApiError && e.status === 401) {
          const next = location.pathname + location.search;
          router.replace(`/login/?next=${encodeURIComponent(next)}`);
        } else {
          setError(e instanceof Error ? e.message : String(e));
        }
      });
    return () => {
      cancelled = true;
    };
  }, [router]);

  if (error) {
    return (
      <div role="alert" className="p-8 text-center text-red-700 dark:text-red-400">
        {error}
      </div>
    );
  }
  if (!me) {
    return (
      <div className="flex min-h-dvh items-center justify-center text-sm text-zinc-500" aria-busy="true">
        Loading…
      </div>
    );
  }
  return (
    <UpdateContext.Provider value={(patch) => setMe((m) => (m ? { ...m, ...patch } : m))}>
      <SessionContext.Provider value={me}>{children}</SessionContext.Provider>
    </UpdateContext.Provider>
  );
}

export async function signOut() {
  try {
    await logout();
  } finally {
    getFeed().stop();
    location.assign("/login/");
  }
}
