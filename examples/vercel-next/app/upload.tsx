"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

async function sha256Hex(file: File): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Sends the file with progress; resolves when the server has stored it. */
function put(url: string, file: File, onProgress: (sent: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () =>
      xhr.status < 300
        ? resolve()
        : reject(new Error(JSON.parse(xhr.responseText || "{}").error ?? xhr.statusText));
    xhr.onerror = () => reject(new Error("The upload was cut off."));
    xhr.send(file);
  });
}

/** Hashes the export, uploads it unless it is already stored, creates the import, opens its page. */
export function Upload() {
  const router = useRouter();
  const [state, setState] = useState<string | null>(null);
  const [sent, setSent] = useState(0);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | null>(null);

  async function start(file: File) {
    setError(null);
    try {
      setState("Reading the file");
      const hash = await sha256Hex(file);
      setTotal(file.size);
      const stored = await fetch(`/api/uploads/${hash}`, { method: "HEAD" });
      if (!stored.ok) {
        setState("Uploading");
        await put(`/api/uploads/${hash}`, file, setSent);
      }
      setSent(file.size);
      setState("Starting the import");
      const response = await fetch("/api/imports", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ hash }),
      });
      const body = (await response.json()) as { jobId?: string; error?: string };
      if (!response.ok || !body.jobId) throw new Error(body.error ?? response.statusText);
      router.push(`/imports/${body.jobId}`);
    } catch (caught) {
      setState(null);
      setError((caught as Error).message);
    }
  }

  return (
    <section>
      <input
        type="file"
        accept=".zip,.json,application/zip,application/json"
        aria-label="export file"
        disabled={state !== null}
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
      {error && <p className="error">{error}</p>}
    </section>
  );
}
