// The one module that talks to the API: the desktop session's token, the error envelope turned
// into what the operator reads, a session that ended elsewhere reported once, and the endpoints a
// server may not have yet (404 on the route) remembered as unavailable so their controls hide.

import { t } from "./i18n.js";

const TOKEN_KEY = "batterycrm.console.session";
const SESSION_ENDED = {
  session_replaced: "replaced",
  session_revoked: "revoked",
  session_expired: "expired",
  session_invalid: "invalid",
  missing_token: "invalid",
  account_disabled: "disabled",
};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let sessionEndedListener = () => {};
// feature -> whether the server has it. Features not listed are assumed present until a 404;
// the lifecycle is hidden until probeFeatures() has asked (so no control shows, then vanishes).
const features = { lifecycle: false };
const listeners = new Set();

/** Called with "replaced" | "revoked" | "expired" | "disabled" | "invalid" when any call finds the session gone. */
export function onSessionEnded(listener) {
  sessionEndedListener = listener;
}

export function savedSession() {
  try {
    return JSON.parse(localStorage.getItem(TOKEN_KEY) || "null");
  } catch {
    return null;
  }
}

function saveSession(session) {
  colleaguesAsked = null; // another operator may sign in next, maybe of another shop
  if (session) localStorage.setItem(TOKEN_KEY, JSON.stringify(session));
  else localStorage.removeItem(TOKEN_KEY);
}

/** Whether the server has this feature (false once its endpoint answered 404). */
export function has(feature) {
  return features[feature] !== false;
}

/** Re-render when a feature turns out to be missing. */
export function onFeaturesChanged(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function mark(feature, present) {
  if (features[feature] !== present) {
    features[feature] = present;
    listeners.forEach((listener) => listener());
  }
}

/** What the operator reads for an error. */
export function describe(error) {
  if (error instanceof ApiError) {
    const text = t(`err_${error.code}`);
    return text === `err_${error.code}` ? error.message || t("err_unknown") : text;
  }
  return t("err_unknown");
}

async function call(method, path, { body, query, etag, feature, auth = true } = {}) {
  const headers = { accept: "application/json" };
  const session = savedSession();
  if (auth && session) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  if (etag) headers["if-none-match"] = etag;
  const search = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v != null && v !== "")) : null;
  let response;
  try {
    response = await fetch(search && search.size ? `${path}?${search}` : path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "network", t("err_network"));
  }
  if (response.status === 304) return { notModified: true, etag };
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.ok) {
    if (data && typeof data === "object") Object.defineProperty(data, "etag", { value: response.headers.get("etag") });
    return data;
  }
  const error = (data && data.error) || {};
  const code = error.code || (response.status === 404 ? "not_found" : response.status === 405 ? "not_found" : "unknown");
  if (feature && ((response.status === 404 && code === "not_found") || response.status === 405)) mark(feature, false);
  if (auth && SESSION_ENDED[code]) {
    saveSession(null);
    sessionEndedListener(SESSION_ENDED[code]);
  }
  throw new ApiError(response.status, code, error.message || "");
}

const A = "/webhook/api/operator";

export async function signIn(login, password) {
  const data = await call("POST", "/webhook/desktop/auth/login", {
    auth: false,
    body: { login, password, device_info: { device_model: browserName(), app_version: "console" } },
  });
  const session = { token: data.session_token, operator: data.operator, expires_at: data.expires_at };
  saveSession(session);
  return session;
}

export async function signOut() {
  try {
    await call("POST", "/webhook/android/logout", { body: {} });
  } finally {
    saveSession(null);
  }
}

function browserName() {
  const ua = navigator.userAgent;
  const browser = /Firefox\//.test(ua) ? "Firefox" : /Edg\//.test(ua) ? "Edge" : /Chrome\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : "Browser";
  const os = /Windows/.test(ua) ? "Windows" : /Mac OS X/.test(ua) ? "macOS" : /Linux/.test(ua) ? "Linux" : "";
  return os ? `${browser} on ${os}` : browser;
}

export const api = {
  appeals: (query) => call("GET", `${A}/appeals`, { query }),
  appeal: (id) => call("GET", `${A}/appeals/${id}`),
  changes: (since, etag) => call("GET", `${A}/changes`, { query: { since }, etag, feature: "changes" }),
  take: (id) => call("POST", `${A}/appeals/${id}/take`, { body: {} }),
  reject: (id, reason) => call("POST", `${A}/appeals/${id}/reject`, { body: reason ? { reason } : {} }),
  close: (id, resolution) =>
    call("POST", `${A}/appeals/${id}/close`, { body: resolution ? { resolution } : {}, feature: "lifecycle" }),
  release: (id) => call("POST", `${A}/appeals/${id}/release`, { body: {}, feature: "lifecycle" }),
  transfer: (id, operatorId) =>
    call("POST", `${A}/appeals/${id}/transfer`, { body: { operator_id: operatorId }, feature: "lifecycle" }),
  note: (id, text) => call("POST", `${A}/appeals/${id}/notes`, { body: { text }, feature: "lifecycle" }),
  read: (id) => call("POST", `${A}/appeals/${id}/read`, { body: {}, feature: "lifecycle" }),
  normalize: (id, fields) => call("POST", `${A}/appeals/${id}/normalize`, { body: fields }),
  respond: (id, body) => call("POST", `${A}/appeals/${id}/response`, { body, feature: body.attachment_ids ? "uploads" : undefined }),
  promo: (id, promoId) =>
    call("POST", `${A}/appeals/${id}/promo`, { body: { promo_id: promoId, client_message_id: crypto.randomUUID() } }),
  promos: () => call("GET", `${A}/promos`, { feature: "promos" }),
  colleagues: () => colleaguesOnce(),
  quickReplies: () => call("GET", `${A}/quick-replies`, { feature: "quick_replies" }),
  upload: (file) =>
    call("POST", `${A}/uploads`, {
      body: { file_name: file.name, mime_type: file.type || "application/octet-stream", size: file.size },
      feature: "uploads",
    }),
  sessions: () => call("GET", `${A}/sessions`),
  revoke: (id) => call("DELETE", `${A}/sessions/${id}`),
  revokeOthers: () => call("POST", `${A}/sessions/revoke-others`, { body: {} }),
  changePassword: (current, next) =>
    call("POST", `${A}/password`, { body: { current_password: current, new_password: next } }),
};

let colleaguesAsked = null;
let colleaguesAt = 0;

/** The colleagues list (every operator's name, who is online), asked again after a minute. */
function colleaguesOnce() {
  if (!colleaguesAsked || Date.now() - colleaguesAt > 60_000) {
    colleaguesAt = Date.now();
    colleaguesAsked = call("GET", `${A}/colleagues`, { feature: "lifecycle" });
    colleaguesAsked.catch(() => {
      colleaguesAsked = null; // asked again next time
    });
  }
  return colleaguesAsked;
}

let probed = false;

/** Asks once whether the server has the appeal lifecycle (close, release, transfer, notes, read
 * marks): its colleagues list answers. Uploads are assumed present and hidden after a 404, rather
 * than probed with a request the server must refuse. */
export async function probeFeatures() {
  if (probed) return;
  probed = true;
  try {
    await colleaguesOnce();
    mark("lifecycle", true);
  } catch (err) {
    mark("lifecycle", !(err instanceof ApiError && (err.status === 404 || err.status === 405)) && err.code !== "network");
  }
}

/** PUT a file's bytes where an upload answer says (S3 presigned, or the local store). */
export async function putFile(upload, file) {
  let response;
  try {
    response = await fetch(upload.url, { method: upload.method || "PUT", headers: upload.headers || {}, body: file });
  } catch {
    throw new ApiError(0, "network", t("err_network"));
  }
  if (!response.ok) throw new ApiError(response.status, "unknown", "");
}
