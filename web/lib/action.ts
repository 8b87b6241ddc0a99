"use client";
import { useCallback, useState } from "react";
import { ApiError, errorText } from "./api/client";

/**
 * A form's submit: `busy` while it runs, and the server's explanation (with per-field messages)
 * when it fails. `run` returns whether it succeeded.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const run = useCallback(async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    setFields({});
    try {
      await work();
      return true;
    } catch (e) {
      if (e instanceof ApiError) setFields(e.fields);
      setError(errorText(e));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, fields, run, setError };
}
