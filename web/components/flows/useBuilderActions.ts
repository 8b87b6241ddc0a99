"use client";
// What the builder's bar does to the flow as a whole: publishing (refused with the problems
// marked on their steps), unpublishing, and restoring a version as the draft; with the news of
// each, good or bad, for the strip above the canvas.
import { useEffect, useState } from "react";
import { errorText } from "@/lib/api/client";
import { restoreVersion, unpublishFlow } from "@/lib/api/flowDocs";
import type { useDraft } from "./useDraft";

export function useBuilderActions(id: string, draft: ReturnType<typeof useDraft>, view: (version: number | null) => Promise<void>) {
  const [publishing, setPublishing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function publish() {
    setPublishing(true);
    setNotice(null);
    setError(null);
    try {
      const found = await draft.publish();
      if (found === null) {
        setError("Nothing was published: the draft could not be saved (see above).");
      } else if (found.length) {
        setError(`The flow has ${found.length} problem${found.length === 1 ? "" : "s"} to fix before it can be published: they are marked on the steps.`);
      } else {
        setNotice("Published: new conversations run this version now.");
      }
    } catch (e) {
      setError(errorText(e));
    } finally {
      setPublishing(false);
    }
  }

  async function unpublish() {
    if (!confirm("Unpublish this flow? It stops starting for customers; runs in progress finish.")) return;
    setError(null);
    setNotice(null);
    try {
      draft.setFlow(await unpublishFlow(id));
      setNotice("Unpublished: the flow no longer starts.");
    } catch (e) {
      setError(errorText(e));
    }
  }

  async function restore(version: number) {
    setError(null);
    try {
      draft.replaced(await restoreVersion(id, version));
      await view(null);
      setNotice(`Version ${version} is the draft now. Publish it to run it again.`);
    } catch (e) {
      setError(errorText(e));
    }
  }

  // Good news goes after a while; a problem stays until it is dealt with.
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(null), 8000);
    return () => clearTimeout(timer);
  }, [notice]);

  return { publishing, publish, unpublish, restore, notice, error };
}
