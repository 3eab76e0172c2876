import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local stand-in for the Supabase Storage HTTP endpoints the app uses, with CORS for the browser:
 * signing an upload (`POST /object/upload/sign/:bucket/:path`) and uploading to it (`PUT` with the
 * token), resumable uploads to a signed URL (TUS 1.0.0 creation, creation-with-upload, `HEAD`,
 * `PATCH` at `/upload/resumable/sign`, authorised by `x-signature`), and signing and reading a
 * download (`POST /object/sign/:bucket/:path`, then `GET` with `Range`), as the worker does.
 */
export interface StorageStandIn {
  readonly url: string;
  readonly objects: Map<string, Buffer>;
  /** Method and path of every request, in order. */
  readonly seen: { method: string; path: string }[];
  close(): Promise<void>;
}

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, HEAD, POST, PUT, PATCH, OPTIONS",
  "access-control-allow-headers":
    "authorization, apikey, content-type, x-upsert, x-signature, tus-resumable, upload-length, upload-metadata, upload-offset, x-client-info, cache-control, range",
  "access-control-expose-headers": "location, upload-offset, upload-length, tus-resumable",
};

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

function json(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { ...CORS, "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

const refuse = (res: ServerResponse, status: number, error: string, message: string) =>
  json(res, 400, { statusCode: String(status), error, message });

function metadataOf(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (header ?? "").split(",")) {
    const [key, value] = pair.trim().split(" ");
    if (key) out[key] = Buffer.from(value ?? "", "base64").toString("utf8");
  }
  return out;
}

export async function startStorageStandIn(serviceRoleKey: string): Promise<StorageStandIn> {
  const objects = new Map<string, Buffer>();
  const uploadTokens = new Map<string, string>(); // token -> bucket/path it may write
  const downloadTokens = new Map<string, string>();
  const resumables = new Map<string, { key: string; length: number; parts: Buffer[]; offset: number }>();
  const seen: { method: string; path: string }[] = [];
  let base = "";

  const server = createServer(async (req, res) => {
    const url = new URL(req.url!, "http://x");
    const path = url.pathname;
    seen.push({ method: req.method!, path });
    if (req.method === "OPTIONS") return res.writeHead(204, CORS).end();
    const service = req.headers.authorization === `Bearer ${serviceRoleKey}`;

    let m = /^\/storage\/v1\/object\/upload\/sign\/([^/]+)\/(.+)$/.exec(path);
    if (m) {
      const key = `${m[1]}/${decodeURIComponent(m[2]!)}`;
      if (req.method === "POST") {
        if (!service) return refuse(res, 403, "Unauthorized", "service role required");
        const token = randomBytes(12).toString("hex");
        uploadTokens.set(token, key);
        return json(res, 200, { url: `/object/upload/sign/${m[1]}/${m[2]}?token=${token}`, token });
      }
      if (req.method === "PUT") {
        if (uploadTokens.get(url.searchParams.get("token") ?? "") !== key) {
          return refuse(res, 403, "InvalidSignature", "bad token");
        }
        objects.set(key, await bodyOf(req));
        return json(res, 200, { Key: key });
      }
    }

    if (path === "/storage/v1/upload/resumable/sign" && req.method === "POST") {
      const key = uploadTokens.get(String(req.headers["x-signature"] ?? ""));
      const meta = metadataOf(req.headers["upload-metadata"] as string | undefined);
      if (!key || key !== `${meta.bucketName}/${meta.objectName}`) {
        return refuse(res, 403, "InvalidSignature", "bad signature");
      }
      const id = randomBytes(8).toString("hex");
      const first = await bodyOf(req);
      const upload = {
        key,
        length: Number(req.headers["upload-length"]),
        parts: [first],
        offset: first.length,
      };
      resumables.set(id, upload);
      if (upload.offset === upload.length) objects.set(key, Buffer.concat(upload.parts));
      res.writeHead(201, {
        ...CORS,
        location: `${base}/storage/v1/upload/resumable/sign/${id}`,
        "upload-offset": String(upload.offset),
        "tus-resumable": "1.0.0",
      });
      return res.end();
    }
    m = /^\/storage\/v1\/upload\/resumable\/sign\/([0-9a-f]+)$/.exec(path);
    if (m) {
      const upload = resumables.get(m[1]!);
      if (!upload) return res.writeHead(404, CORS).end();
      if (req.method === "HEAD") {
        res.writeHead(200, {
          ...CORS,
          "upload-offset": String(upload.offset),
          "upload-length": String(upload.length),
          "tus-resumable": "1.0.0",
          "cache-control": "no-store",
        });
        return res.end();
      }
      if (req.method === "PATCH") {
        if (Number(req.headers["upload-offset"]) !== upload.offset) return res.writeHead(409, CORS).end();
        const part = await bodyOf(req);
        upload.parts.push(part);
        upload.offset += part.length;
        if (upload.offset === upload.length) objects.set(upload.key, Buffer.concat(upload.parts));
        res.writeHead(204, { ...CORS, "upload-offset": String(upload.offset), "tus-resumable": "1.0.0" });
        return res.end();
      }
    }

    m = /^\/storage\/v1\/object\/sign\/([^/]+)\/(.+)$/.exec(path);
    if (m) {
      const key = `${m[1]}/${decodeURIComponent(m[2]!)}`;
      if (req.method === "POST") {
        if (!service) return refuse(res, 403, "Unauthorized", "service role required");
        if (!objects.has(key)) return refuse(res, 404, "not_found", "Object not found");
        const token = randomBytes(12).toString("hex");
        downloadTokens.set(token, key);
        return json(res, 200, { signedURL: `/object/sign/${m[1]}/${m[2]}?token=${token}` });
      }
      if (req.method === "GET") {
        const object = objects.get(key);
        if (!object || downloadTokens.get(url.searchParams.get("token") ?? "") !== key) {
          return refuse(res, 403, "InvalidJWT", "jwt expired");
        }
        const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
        const start = range ? Number(range[1]) : 0;
        if (start >= object.length && object.length > 0) {
          res.writeHead(416, { ...CORS, "content-range": `bytes */${object.length}` });
          return res.end();
        }
        res.writeHead(range ? 206 : 200, {
          ...CORS,
          "content-length": String(object.length - start),
          ...(range ? { "content-range": `bytes ${start}-${object.length - 1}/${object.length}` } : {}),
        });
        return res.end(object.subarray(start));
      }
    }
    res.writeHead(404, CORS).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    objects,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
