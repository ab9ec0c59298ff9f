// The /v1 API with the signed-in person's own party token (kept in sessionStorage).
import { lang } from "./i18n.js";

const KEY = "complaints.token";

export function token() { return sessionStorage.getItem(KEY); }
export function signIn(value) { sessionStorage.setItem(KEY, value); }
export function signOut() { sessionStorage.removeItem(KEY); }

// Who the token names (read, not verified: the gateway verifies every request).
export function me() {
  const t = token();
  if (!t) return null;
  try {
    const part = t.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(decodeURIComponent(escape(atob(part))));
    if (claims.exp * 1000 < Date.now()) return null;
    return { role: claims.role, sub: claims.sub, grants: claims.grants || [] };
  } catch { return null; }
}

export class Problem extends Error {
  constructor(status, body) {
    super((body && (body.detail || body.title)) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export async function api(method, path, body) {
  const headers = { "Accept-Language": lang() };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (res.status === 401 && token()) {  // expired or revoked: sign in again
    signOut();
    location.hash = "#/signin";
  }
  if (!res.ok) throw new Problem(res.status, data);
  return data;
}

async function sha256Hex(file) {
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// Uploads one file straight to S3 through a presigned PUT; returns the evidence item.
export async function upload(file, kind, onProgress) {
  const sha256 = await sha256Hex(file);
  const contentType = file.type || "application/octet-stream";
  const put = await api("POST", "/v1/evidence/uploads",
    { filename: file.name, kind, content_type: contentType, size: file.size, sha256 });
  await new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", put.url);
    for (const [name, value] of Object.entries(put.headers)) {
      if (name.toLowerCase() !== "content-length") xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => (xhr.status < 300 ? resolve() : reject(new Problem(xhr.status, { detail: `upload: HTTP ${xhr.status}` })));
    xhr.onerror = () => reject(new Problem(0, { detail: "upload failed (network or CORS)" }));
    xhr.send(file);
  });
  onProgress(1);
  return { key: put.key, kind, content_type: contentType, size: file.size, sha256 };
}
