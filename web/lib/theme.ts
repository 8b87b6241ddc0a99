"use client";
import { useCallback, useEffect, useState } from "react";

export type ThemeChoice = "system" | "light" | "dark";
const KEY = "botflow-theme";

function apply(choice: ThemeChoice) {
  const dark =
    choice === "dark" ||
    (choice === "system" && window.matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.classList.toggle("dark", dark);
}

/** The saved theme (or the system's), and a setter that remembers the choice. */
export function useTheme(): [ThemeChoice, (t: ThemeChoice) => void] {
  const [choice, setChoice] = useState<ThemeChoice>("system");
  useEffect(() => {
    const saved = localStorage.getItem(KEY);
    const c: ThemeChoice = saved === "light" || saved === "dark" ? saved : "system";
    setChoice(c);
    const media = window.matchMedia("(prefers-color-scheme: dark)");
    const follow = () => {
      if ((localStorage.getItem(KEY) ?? "system") === "system") apply("system");
    };
    media.addEventListener("change", follow);
    return () => media.removeEventListener("change", follow);
  }, []);
  const set = useCallback((t: ThemeChoice) => {
    if (t === "system") localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, t);
    setChoice(t);
    apply(t);
  }, []);
  return [choice, set];
}
