// The console's one way to the server: JSON over /v1 with the session token. Every failure
// becomes an ApiError carrying the RFC 9457 problem (status 0 and code UNREACHABLE when the
// server cannot be reached), so pages render each in the viewer's language:
//   - 401 ends the session (the app shows the sign-in page with a reason);
//   - 429 waits for Retry-After, plus a random spread, and retries, for up to two minutes in all;
//   - 412 and field errors are left to the page, which keeps what the person typed.
import { endSession, sessionToken } from './session.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || problem.code || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.code = problem.code || (status === 0 ? 'UNREACHABLE' : `HTTP_${status}`);
  }

  // Field errors by JSON pointer: {"/data/summary": [{pointer, code, params, message}]}; the
  // field controls word each from its code and params (components/fields.js).
  fieldErrors() {
    const byPointer = {};
    for (const error of this.problem.errors || []) {
      (byPointer[error.pointer] ||= []).push(error);
    }
    return byPointer;
  }
}

const rateLimitListeners = new Set();
export function onRateLimited(listener) {
  rateLimitListeners.add(listener);
  return () => rateLimitListeners.delete(listener);
}

// A page sends several requests at once (the case, its journal, its transitions). Refused
// together, they must not come back together, or only the bucket's refill gets through each
// round and the rest run out of retries: each waits Retry-After plus up to a second more, at
// random, and keeps retrying for as long as the page says it is waiting, up to two minutes.
const kMaxRateWaitMs = 120 * 1000;
const kRateSpreadMs = 1000;
let sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let random = Math.random;

// For tests: a virtual clock and a fixed spread.
export function setRetryTiming(timing) {
  sleep = timing.sleep ?? sleep;
  random = timing.random ?? random;
}

// Options: body (JSON), token (instead of the session's), ifMatch (a version number), ifNoneMatch,
// idempotencyKey. Resolves to {status, data, etag}.
export async function request(method, path, options = {}) {
  let waitedMs = 0;
  for (;;) {
    const headers = { Accept: options.accept || 'application/json' };
    const token = options.token ?? sessionToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.ifMatch != null) headers['If-Match'] = `"${options.ifMatch}"`;
    if (options.ifNoneMatch != null) headers['If-None-Match'] = `"${options.ifNoneMatch}"`;
    if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch {
      throw new ApiError(0, { code: 'UNREACHABLE', detail: 'the server cannot be reached' });
    }
    if (response.status === 304) return { status: 304, data: null, etag: response.headers.get('ETag') };
    // A file (a CSV export): the body as a Blob, for a blob: URL the page offers to save.
    if (options.raw && response.ok) return { status: response.status, blob: await response.blob() };
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = { detail: text.slice(0, 200) };
      }
    }
    if (response.ok) return { status: response.status, data, etag: response.headers.get('ETag') };
    const problem = data && typeof data === 'object' ? data : {};
    if (response.status === 429) {
      const seconds = Math.min(30, Math.max(1, Number(response.headers.get('Retry-After')) || 1));
      const waitMs = seconds * 1000 + Math.floor(random() * kRateSpreadMs);
      if (waitedMs + waitMs <= kMaxRateWaitMs) {
        for (const listener of rateLimitListeners) listener(seconds);
        waitedMs += waitMs;
        await sleep(waitMs);
        continue;
      }
    }
    if (response.status === 401 && !options.token && sessionToken()) endSession('expired');
    throw new ApiError(response.status, problem);
  }
}

// Sends `file` as the raw request body (evidence, an import file) with the session token;
// XMLHttpRequest, for the upload's progress events (0-100 to `onProgress`). Answers
// {status, body} (body the parsed JSON answer, {} when there is none); never throws.
export function uploadBody(path, file, contentType, onProgress) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    const token = sessionToken();
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Content-Type', contentType);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(Math.floor((event.loaded / event.total) * 100));
    };
    xhr.onload = () => {
      let body = {};
      try {
        body = JSON.parse(xhr.responseText || '{}');
      } catch {
        body = {};
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => resolve({ status: 0, body: { code: 'UNREACHABLE' } });
    xhr.send(file);
  });
}

export const get = (path, options) => request('GET', path, options);
export const post = (path, body, options = {}) => request('POST', path, { ...options, body });
export const patch = (path, body, options = {}) => request('PATCH', path, { ...options, body });
export const del = (path, options) => request('DELETE', path, options);

// A query string from an object, leaving out empty values.
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '' && value !== false) {
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export function newIdempotencyKey() {
  return crypto.randomUUID();
}
