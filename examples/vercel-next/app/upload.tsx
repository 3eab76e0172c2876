"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

async function sha256Hex(file: File): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function post<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(json.error ?? response.statusText);
  return json;
}

/** Sends the file with progress; resolves when the server has stored it. */
function put(url: string, file: File, headers: Record<string, string>, onProgress: (sent: number) => void) {
  return new Promise<void>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () =>
      xhr.status < 300
        ? resolve()
        : reject(new Error(JSON.parse(xhr.responseText || "{}").error ?? xhr.statusText));
    xhr.onerror = () => reject(new Error("The upload was cut off."));
    xhr.send(file);
  });
}

type UploadPlan =
  | { readonly mode: "local"; readonly stored: boolean; readonly url: string }
  | { readonly mode: "supabase"; readonly stored: true }
  | {
      readonly mode: "supabase";
      readonly stored: false;
      readonly resumable: boolean;
      readonly signedUrl: string;
      readonly token: string;
      readonly endpoint: string;
      readonly anonKey: string;
      readonly bucket: string;
      readonly path: string;
    };

/**
 * A resumable upload (TUS) to a signed upload URL, in 6 MB chunks as Supabase asks: a dropped
 * connection resumes from the last chunk, and so does the same file chosen again after a reload.
 */
async function resumable(
  plan: Extract<UploadPlan, { resumable: boolean }>,
  file: File,
  onProgress: (n: number) => void,
) {
  const { Upload } = await import("tus-js-client");
  await new Promise<void>((resolve, reject) => {
    const upload = new Upload(file, {
      endpoint: plan.endpoint,
      chunkSize: 6 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000],
      headers: { "x-signature": plan.token, apikey: plan.anonKey, "x-upsert": "true" },
      uploadDataDuringCreation: true,
      removeFingerprintOnSuccess: true,
      metadata: { bucketName: plan.bucket, objectName: plan.path, contentType: "application/octet-stream" },
      onProgress: (sent) => onProgress(sent),
      onError: (error) => reject(new Error(`The upload failed: ${error.message.split("\n")[0]}`)),
      onSuccess: () => resolve(),
    });
    void upload.findPreviousUploads().then((previous) => {
      if (previous[0]) upload.resumeFromPreviousUpload(previous[0]);
      upload.start();
    });
  });
}

/** Stores the file as the server's plan says: nothing, a local PUT, or straight to Supabase Storage. */
async function store(file: File, hash: string, onProgress: (n: number) => void): Promise<void> {
  const plan = await post<UploadPlan>("/api/uploads", { hash, size: file.size });
  if (plan.stored) return;
  if (plan.mode === "local") return put(plan.url, file, {}, onProgress);
  if (plan.resumable) return resumable(plan, file, onProgress);
  return put(
    plan.signedUrl,
    file,
    { "content-type": "application/octet-stream", "x-upsert": "true" },
    onProgress,
  );
}

interface Estimate {
  readonly conversations: number;
  readonly requests: number;
  readonly usd: number;
  /** The most one request may cost, which it reserves before it is sent. */
  readonly reserveUsd: number;
}

const dollars = (usd: number) => `$${usd < 1 ? usd.toFixed(4) : usd.toFixed(2)}`;

/**
 * Hashes the export, uploads it unless it is already stored, then creates the import and opens its
 * page; with facts, it first shows what they would cost and starts only once the budget is confirmed.
 */
export function Upload() {
  const router = useRouter();
  const [state, setState] = useState<string | null>(null);
  const [sent, setSent] = useState(0);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [facts, setFacts] = useState(false);
  const [pending, setPending] = useState<{ hash: string; estimate: Estimate } | null>(null);
  const [budget, setBudget] = useState("");

  async function begin(hash: string, budgetUsd?: number) {
    setState("Starting the import");
    const { jobId } = await post<{ jobId: string }>("/api/imports", {
      hash,
      ...(budgetUsd ? { budgetUsd } : {}),
    });
    router.push(`/imports/${jobId}`);
  }

  async function start(file: File) {
    setError(null);
    try {
      setState("Reading the file");
      const hash = await sha256Hex(file);
      setTotal(file.size);
      setState("Uploading");
      await store(file, hash, setSent);
      setSent(file.size);
      if (!facts) return await begin(hash);
      setState("Estimating the cost of facts");
      const estimate = await post<Estimate>("/api/estimates", { hash });
      // The estimate plus one request's worst case, rounded up to the cent; the user can change it.
      setBudget(String(Math.max(0.01, Math.ceil((estimate.usd + estimate.reserveUsd) * 100) / 100)));
      setPending({ hash, estimate });
      setState(null);
    } catch (caught) {
      setState(null);
      setError((caught as Error).message);
    }
  }

  async function confirm() {
    if (!pending) return;
    const budgetUsd = Number(budget);
    if (!(budgetUsd > 0)) return setError("The budget must be a number of dollars above 0.");
    try {
      await begin(pending.hash, budgetUsd);
    } catch (caught) {
      setState(null);
      setError((caught as Error).message);
    }
  }

  return (
    <section>
      <p>
        <label>
          <input type="checkbox" checked={facts} onChange={(e) => setFacts(e.target.checked)} /> Also extract
          facts about me (sends my messages to Anthropic, within a budget I confirm)
        </label>
      </p>
      <input
        type="file"
        accept=".zip,.json,application/zip,application/json"
        aria-label="export file"
        disabled={state !== null || pending !== null}
        onChange={(event) => {
          const file = event.target.files?.[0];
          if (file) void start(file);
        }}
      />
      {state && (
        <div data-testid="upload-state">
          <p className="state">{state}</p>
          {total > 0 && (
            <div className="bar" role="progressbar" aria-valuenow={Math.round((100 * sent) / total)}>
              <div style={{ width: `${(100 * sent) / total}%` }} />
            </div>
          )}
        </div>
      )}
      {pending && (
        <div data-testid="estimate">
          <p>
            Facts from {pending.estimate.conversations.toLocaleString()} conversations take{" "}
            {pending.estimate.requests.toLocaleString()} requests, about{" "}
            <strong data-testid="estimate-usd">{dollars(pending.estimate.usd)}</strong>. The budget below
            leaves room for one request's worst case ({dollars(pending.estimate.reserveUsd)}), which each
            request sets aside before it is sent; nothing is ever spent past it.
          </p>
          <label>
            Stop at a budget of $
            <input aria-label="budget" value={budget} onChange={(e) => setBudget(e.target.value)} size={8} />
          </label>{" "}
          <button type="button" onClick={() => void confirm()}>
            Import and extract facts
          </button>
        </div>
      )}
      {error && <p className="error">{error}</p>}
    </section>
  );
}
