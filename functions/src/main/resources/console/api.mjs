// The API, called from the page's own origin. The key lives in sessionStorage only (this tab, until it
// closes or signs out): it goes in the Authorization header, never in a URL, and is never logged.
import { errorText } from './logic.mjs';

const KEY = 'reelay.apiKey';

export function apiKey() {
  return sessionStorage.getItem(KEY);
}

export function signIn(key) {
  sessionStorage.setItem(KEY, key);
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}

/** A refusal of the API: its HTTP status, its error envelope's code and param, and a message to show. */
export class ApiError extends Error {
  constructor(status, body) {
    super(errorText(status, body));
    this.status = status;
    this.code = body?.error?.code ?? null;
    this.param = body?.error?.param ?? null;
  }
}

/** Calls the API with the signed-in key (or `key`); answers the parsed JSON, or throws an ApiError. */
export async function call(method, path, { body, key, headers } = {}) {
  const response = await fetch(path, {
    method,
    headers: {
      Authorization: `Bearer ${key ?? apiKey() ?? ''}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(headers ?? {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
    credentials: 'omit',
    referrerPolicy: 'no-referrer',
  });
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { message: text.slice(0, 200) };
  }
  if (!response.ok) {
    throw new ApiError(response.status, parsed);
  }
  return parsed;
}

/**
 * Uploads an image as docs/uploads.md says: POST /v1/uploads for a presigned PUT, then the PUT of the file's
 * bytes to S3 with the headers given. Answers the `upload://` reference.
 */
export async function upload(file) {
  const type = file.type === 'image/jpg' ? 'image/jpeg' : file.type;
  const slot = await call('POST', '/v1/uploads', { body: { content_type: type, size: file.size } });
  const put = await fetch(slot.upload_url, {
    method: 'PUT', headers: slot.headers, body: file, credentials: 'omit', referrerPolicy: 'no-referrer',
  });
  if (!put.ok) {
    throw new ApiError(put.status, { error: { message: `The upload's PUT was refused (HTTP ${put.status}).`, param: 'image_start' } });
  }
  return slot.reference;
}
