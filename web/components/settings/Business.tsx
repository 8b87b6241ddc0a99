"use client";
// The business profile: name, default language, and opening hours per weekday in a time zone.
import { useEffect, useMemo, useState } from "react";
import { errorText } from "@/lib/api/client";
import { getBusiness, saveBusiness, type BusinessProfile as Profile, type Interval, type Weekday } from "@/lib/api/settings";
import { useAction } from "@/lib/action";
import { useUpdateMe } from "@/lib/session";
import { Checkbox, Field, FormError, Saved } from "@/components/Form";
import { Section } from "./Section";

const DAYS = [
  ["mon", "Monday"],
  ["tue", "Tuesday"],
  ["wed", "Wednesday"],
  ["thu", "Thursday"],
  ["fri", "Friday"],
  ["sat", "Saturday"],
  ["sun", "Sunday"],
] as const satisfies readonly (readonly [Weekday, string])[];
type Day = Weekday;

interface Form {
  name: string;
  language: string;
  hoursOn: boolean;
  timeZone: string;
  days: Record<Day, Interval[]>;
}

const MAX_INTERVALS = 4;

function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

function toForm(p: Profile): Form {
  const days = {} as Record<Day, Interval[]>;
  for (const [d] of DAYS) {
    const given = p.hours?.days[d];
    days[d] = p.hours ? (given ?? []) : d === "sat" || d === "sun" ? [] : [{ open: "09:00", close: "18:00" }];
  }
  return {
    name: p.name,
    language: p.language || "en",
    hoursOn: p.hours !== null,
    timeZone: p.hours?.time_zone ?? browserTimeZone(),
    days,
  };
}

function toBody(f: Form): Profile {
  return {
    name: f.name,
    language: f.language,
    hours: f.hoursOn ? { time_zone: f.timeZone, days: f.days } : null,
  };
}

function DayRow({
  day,
  label,
  intervals,
  error,
  readOnly,
  onChange,
}: {
  day: Day;
  label: string;
  intervals: Interval[];
  error?: string;
  readOnly: boolean;
  onChange: (next: Interval[]) => void;
}) {
  const open = intervals.length > 0;
  const errorId = `hours-${day}-error`;
  return (
    <fieldset
      data-testid={`day-${day}`}
      className="grid gap-2 border-t border-zinc-200 py-3 first:border-t-0 sm:grid-cols-[9rem_1fr] dark:border-zinc-800"
      aria-describedby={error ? errorId : undefined}
    >
      <legend className="sr-only">{label}</legend>
      <Checkbox
        label={label}
        checked={open}
        disabled={readOnly}
        onChange={(e) => onChange(e.target.checked ? [{ open: "09:00", close: "18:00" }] : [])}
      />
      <div className="space-y-2">
        {!open && <p className="py-1 text-sm text-zinc-500 dark:text-zinc-400">Closed</p>}
        {intervals.map((iv, i) => (
          <div key={i} className="flex flex-wrap items-center gap-2">
            <label className="sr-only" htmlFor={`${day}-${i}-open`}>
              {label} {i > 0 ? `interval ${i + 1} ` : ""}opens at
            </label>
            <input
              id={`${day}-${i}-open`}
              type="time"
              className="input w-32"
              required
              readOnly={readOnly}
              value={iv.open}
              aria-invalid={error ? true : undefined}
              onChange={(e) => onChange(intervals.map((x, j) => (j === i ? { ...x, open: e.target.value } : x)))}
            />
            <span aria-hidden className="text-sm text-zinc-500">
              to
            </span>
            <label className="sr-only" htmlFor={`${day}-${i}-close`}>
              {label} {i > 0 ? `interval ${i + 1} ` : ""}closes at
            </label>
            <input
              id={`${day}-${i}-close`}
              type="time"
              className="input w-32"
              required
              readOnly={readOnly}
              value={iv.close}
              aria-invalid={error ? true : undefined}
              onChange={(e) => onChange(intervals.map((x, j) => (j === i ? { ...x, close: e.target.value } : x)))}
            />
            {!readOnly && intervals.length > 1 && (
              <button
                type="button"
                className="btn-secondary py-1 text-xs"
                aria-label={`Remove ${label} interval ${i + 1}`}
                onClick={() => onChange(intervals.filter((_, j) => j !== i))}
              >
                Remove
              </button>
            )}
          </div>
        ))}
        {!readOnly && open && intervals.length < MAX_INTERVALS && (
          <button
            type="button"
            className="text-xs font-medium text-brand-700 underline-offset-2 hover:underline dark:text-brand-100"
            aria-label={`Add an interval on ${label}`}
            onClick={() => {
              const last = intervals[intervals.length - 1];
              onChange([...intervals, { open: last?.close ?? "09:00", close: "23:00" }]);
            }}
          >
            + Add a break / second interval
          </button>
        )}
        {error && (
          <p id={errorId} className="text-xs text-red-700 dark:text-red-400">
            {label}: {error}
          </p>
        )}
      </div>
    </fieldset>
  );
}

export function BusinessSection({ owner }: { owner: boolean }) {
  const updateMe = useUpdateMe();
  const [form, setForm] = useState<Form | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [savedAt, setSavedAt] = useState(0);
  const { busy, error, fields, run } = useAction();
  const zones = useMemo(() => {
    try {
      return Intl.supportedValuesOf("timeZone");
    } catch {
      return [];
    }
  }, []);

  useEffect(() => {
    getBusiness()
      .then((p) => setForm(toForm(p)))
      .catch((e: unknown) => setLoadError(errorText(e)));
  }, []);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!form || !owner) return;
    let stored: Profile | null = null;
    const ok = await run(async () => {
      stored = await saveBusiness(toBody(form));
    });
    if (ok && stored) {
      setForm(toForm(stored));
      setSavedAt(Date.now());
      // The header shows the business's name too.
      updateMe({ business_name: (stored as Profile).name });
    }
  }

  const set = (patch: Partial<Form>) => setForm((f) => (f ? { ...f, ...patch } : f));
  const readOnly = !owner;

  return (
    <Section
      id="business"
      title="Business"
      ownerOnly={false}
      description={
        owner
          ? "What the AI says about your business: its name, the language it answers in when the customer's is unclear, and when you are open (outside these hours customers get the away message)."
          : "Your business's profile, as the AI uses it. Only an owner can change it."
      }
    >
      <FormError message={loadError} />
      {form && (
        <form onSubmit={submit} className="card space-y-4 p-4 sm:p-6" aria-label="Business profile" noValidate>
          <FormError message={error} />
          <div className="grid gap-4 sm:grid-cols-2">
            <Field
              label="Business name"
              required
              maxLength={200}
              readOnly={readOnly}
              value={form.name}
              onChange={(e) => set({ name: e.target.value })}
              error={fields.name}
            />
            <Field
              label="Default language"
              required
              readOnly={readOnly}
              value={form.language}
              onChange={(e) => set({ language: e.target.value })}
              hint="A language code such as en, es or pt-BR: used when the customer's language is unclear."
              error={fields.language}
            />
          </div>
          <Checkbox
            label="Publish opening hours"
            checked={form.hoursOn}
            disabled={readOnly}
            onChange={(e) => set({ hoursOn: e.target.checked })}
            hint="Without them the AI says nothing about when you are open, and no away message is sent."
            error={fields.hours}
          />
          {form.hoursOn && (
            <div className="space-y-2">
              <div className="max-w-sm">
                <Field
                  label="Time zone"
                  required
                  list="settings-time-zones"
                  autoComplete="off"
                  readOnly={readOnly}
                  value={form.timeZone}
                  onChange={(e) => set({ timeZone: e.target.value })}
                  hint="An IANA name, e.g. Europe/Madrid or America/New_York."
                  error={fields["hours.time_zone"]}
                />
                <datalist id="settings-time-zones">
                  {zones.map((z) => (
                    <option key={z} value={z} />
                  ))}
                </datalist>
              </div>
              <div role="group" aria-label="Opening hours" className="rounded-lg border border-zinc-200 px-3 dark:border-zinc-800">
                {DAYS.map(([d, label]) => (
                  <DayRow
                    key={d}
                    day={d}
                    label={label}
                    intervals={form.days[d]}
                    readOnly={readOnly}
                    error={fields[`hours.days.${d}`]}
                    onChange={(next) => setForm((f) => (f ? { ...f, days: { ...f.days, [d]: next } } : f))}
                  />
                ))}
              </div>
              {fields["hours.days"] && <p className="text-xs text-red-700 dark:text-red-400">{fields["hours.days"]}</p>}
            </div>
          )}
          {owner && (
            <div className="flex items-center gap-3">
              <button type="submit" className="btn-primary" disabled={busy}>
                {busy ? "Saving…" : "Save business profile"}
              </button>
              <Saved at={savedAt} />
            </div>
          )}
        </form>
      )}
    </Section>
  );
}
