// Starts what the browser tests run against: the fake Graph API and LLM (tests/fakes), and a
// real botflow on a fresh database of the PostgreSQL and Redis that ./dev test started.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

const root = path.resolve(__dirname, "../..");
const artifacts = path.join(__dirname, "artifacts");

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the browser tests through ./dev test`);
  return v;
}

function startFake(script: string, token: string, log: string): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", [path.join(root, "tests/fakes", script), "--port", "0", "--token", token], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out = createWriteStream(path.join(artifacts, log));
    let buffer = "";
    const timer = setTimeout(() => reject(new Error(`${script} did not start`)), 10_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      out.write(chunk);
      buffer += chunk.toString();
      const m = /^listening (\d+)/m.exec(buffer);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.stderr!.pipe(out);
    child.on("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function waitForHealth(url: string, child: ChildProcess, logFile: string) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) break;
    try {
      const r = await fetch(`${url}/api/health`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`botflow did not start:\n${readFileSync(logFile, "utf8").slice(-3000)}`);
}

export default async function globalSetup() {
  mkdirSync(artifacts, { recursive: true });
  rmSync(path.join(artifacts, "owner-session.json"), { force: true });
  const databaseUrl = need("BOTFLOW_TEST_DATABASE_URL");
  const redisUrl = need("BOTFLOW_TEST_REDIS_URL");
  const bin = process.env.BOTFLOW_BIN ?? path.join(root, "build/debug/botflow");
  const port = Number(process.env.E2E_PORT);
  const url = `http://127.0.0.1:${port}`;

  // A database of its own, so the first-run screens see an empty server.
  const db = `e2e_${process.pid}_${Date.now()}`;
  const created = spawnSync("psql", [databaseUrl, "-v", "ON_ERROR_STOP=1", "-qc", `CREATE DATABASE ${db}`], {
    encoding: "utf8",
  });
  if (created.status !== 0) throw new Error(`creating ${db} failed: ${created.stderr}`);
  const e2eUrl = new URL(databaseUrl);
  e2eUrl.pathname = `/${db}`;
  const e2eDatabaseUrl = e2eUrl.toString();

  const graph = await startFake("graph_api.py", "e2e-access-token", "graph_api.log");
  const llm = await startFake("llm_api.py", "e2e-llm-key", "llm_api.log");
  // The business number, as Meta's API describes it to the connection check.
  const number = await fetch(`http://127.0.0.1:${graph.port}/_fake/phone_numbers`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ id: "106540352242922", display_phone_number: "+1 555-0100", verified_name: "Sunny Bakery" }),
  });
  if (!number.ok) throw new Error(`the fake Graph API refused the phone number: ${number.status}`);

  const logFile = path.join(artifacts, "botflow.log");
  const log = createWriteStream(logFile);
  const env = {
    ...process.env,
    DATABASE_URL: e2eDatabaseUrl,
    REDIS_URL: redisUrl,
    HOST: "127.0.0.1",
    PORT: String(port),
    PUBLIC_URL: url,
    WEB_DIR: path.join(root, "web/out"),
    JWT_SECRET: "e2e-jwt-secret-e2e-jwt-secret-e2e-jwt",
    WHATSAPP_PHONE_NUMBER_ID: "106540352242922",
    WHATSAPP_ACCESS_TOKEN: "e2e-access-token",
    WHATSAPP_APP_SECRET: "e2e-app-secret",
    WHATSAPP_VERIFY_TOKEN: "e2e-verify-token",
    GRAPH_API_BASE: `http://127.0.0.1:${graph.port}`,
    LLM_BASE_URL: `http://127.0.0.1:${llm.port}/api/v1`,
    LLM_MODEL: "openai/gpt-4o-mini",
    AI_DEBOUNCE_MS: "0",
    LOG_LEVEL: "info",
  };
  const server = spawn(bin, ["serve"], { env, stdio: ["ignore", "pipe", "pipe"] });
  server.stdout!.pipe(log);
  server.stderr!.pipe(log);
  await waitForHealth(url, server, logFile);

  // The setup link the server logs at its first start, as an owner would find it.
  let setupToken = "";
  for (let i = 0; i < 50 && !setupToken; i++) {
    setupToken = /setup_token=(\S+)/.exec(readFileSync(logFile, "utf8"))?.[1] ?? "";
    if (!setupToken) await new Promise((r) => setTimeout(r, 100));
  }
  if (!setupToken) throw new Error("botflow logged no setup token");

  process.env.E2E_SETUP_TOKEN = setupToken;
  process.env.E2E_GRAPH_URL = `http://127.0.0.1:${graph.port}`;
  process.env.E2E_LLM_URL = `http://127.0.0.1:${llm.port}`;
  process.env.E2E_APP_SECRET = env.WHATSAPP_APP_SECRET;
  process.env.E2E_PHONE_NUMBER_ID = env.WHATSAPP_PHONE_NUMBER_ID;

  return async () => {
    for (const child of [server, graph.child, llm.child]) child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    spawnSync("psql", [databaseUrl, "-qc", `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`]);
  };
}
