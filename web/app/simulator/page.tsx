"use client";
// Talk to the bot as a customer would: each message or tap is a genuine, signed WhatsApp
// delivery through the real pipeline; replies never leave the server.
import { useEffect, useState } from "react";
import Link from "next/link";
import { SignedIn } from "@/lib/session";
import { Shell } from "@/components/Shell";
import { Field } from "@/components/Form";
import { Phone } from "@/components/simulator/Phone";
import { randomPhone, useSimulation } from "@/components/simulator/useSimulation";

const KEY = "botflow-simulator";

function Simulator() {
  const [phone, setPhone] = useState("");
  const [name, setName] = useState("Test customer");
  const sim = useSimulation({ phone, name });

  useEffect(() => {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? "{}") as { phone?: string; name?: string };
    setPhone(saved.phone ?? randomPhone());
    if (saved.name) setName(saved.name);
  }, []);

  function write(text: string) {
    localStorage.setItem(KEY, JSON.stringify({ phone, name }));
    return sim.write(text);
  }

  function restart() {
    const p = randomPhone();
    setPhone(p);
    sim.restart();
    localStorage.setItem(KEY, JSON.stringify({ phone: p, name }));
  }

  return (
    <div className="flex h-full min-h-0 flex-col items-center gap-4 overflow-y-auto p-4 lg:flex-row lg:items-start lg:justify-center">
      <div className="w-full max-w-sm space-y-3 lg:order-2">
        <h1 className="text-xl font-semibold">Simulator</h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Write as a customer, and tap the buttons and lists the business sends. Each message goes through the same pipeline
          as a real WhatsApp message: it is stored, shown in the inbox and answered by the AI from your knowledge. Replies
          here are never sent to WhatsApp.
        </p>
        <div className="grid grid-cols-2 gap-2">
          <Field compact label="Customer phone" value={phone} onChange={(e) => setPhone(e.target.value)} />
          <Field compact label="Customer name" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="flex gap-2">
          <button type="button" className="btn-secondary" onClick={restart}>
            New customer
          </button>
          {sim.conversationId && (
            <Link className="btn-secondary" href={`/conversations/?id=${sim.conversationId}`}>
              Open in the inbox
            </Link>
          )}
        </div>
      </div>
      <Phone
        messages={sim.messages}
        streaming={sim.streaming}
        error={sim.error}
        sending={sim.sending}
        canWrite={phone !== ""}
        onWrite={write}
        onChoose={sim.tap}
      />
    </div>
  );
}

export default function SimulatorPage() {
  return (
    <SignedIn>
      <Shell>
        <Simulator />
      </Shell>
    </SignedIn>
  );
}
