/** What the ingest answered, or that it did not answer. */
export type HookAnswer =
  | { kind: 'accepted'; duplicate: boolean }
  /** 400, 413, 422: this body will never be accepted; skip it. */
  | { kind: 'refused'; status: number; message: string }
  /** No answer, 401/403 (fix the token), 404 (fix the URL), 429, 5xx: try again later. */
  | { kind: 'retry'; status: number; message: string; retryAfterMs?: number };

/** POSTs one JSON body to an ingest hook with the bearer token; never throws. */
export async function postToHook(
  url: string,
  token: string,
  body: unknown,
  timeoutMs = 10_000,
): Promise<HookAnswer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return {
      kind: 'retry',
      status: 0,
      message: `no answer from ${url}: ${cause ?? (error as Error).message}`,
    };
  }
  const text = await res.text().catch(() => '');
  let answer: { duplicate?: boolean; message?: string; reasons?: string[] } = {};
  try {
    answer = JSON.parse(text);
  } catch {
    answer = {};
  }
  if (res.status >= 200 && res.status < 300)
    return { kind: 'accepted', duplicate: answer.duplicate === true };
  const message = [answer.message ?? text.slice(0, 200), ...(answer.reasons ?? [])]
    .filter(Boolean)
    .join('; ');
  if ([400, 409, 410, 413, 415, 422].includes(res.status))
    return { kind: 'refused', status: res.status, message };
  const retryAfter = Number(res.headers.get('retry-after'));
  return {
    kind: 'retry',
    status: res.status,
    message:
      res.status === 401
        ? `the ingest refused the token (HTTP 401): check --token / LVS_CHATOPS_TOKEN against INGEST_TOKEN or the cluster's ingest.tokens`
        : res.status === 403
          ? `the token may not say this (HTTP 403): ${message}; check --token / LVS_CHATOPS_TOKEN is this host's own, and the hostname and cluster it sends`
          : res.status === 404
            ? `no ${url} (HTTP 404): check --url / LVS_CHATOPS_URL`
            : `HTTP ${res.status}: ${message}`,
    ...(Number.isFinite(retryAfter) && retryAfter > 0 && { retryAfterMs: retryAfter * 1000 }),
  };
}
