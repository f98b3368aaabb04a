// Requests signed by Huawei's official signer (@huaweicloud/huaweicloud-sdk-core's AKSKSigner), so the
// emulator's verification is checked against the real thing rather than against a copy of itself.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner') as {
  AKSKSigner: {
    sign(
      req: { endpoint: string; method: string; headers: Record<string, string>; queryParams: Record<string, string> },
      cred: { getAk(): string; getSk(): string },
    ): Record<string, string>;
  };
};

export interface SigningKey {
  ak: string;
  sk: string;
  /** Sent as X-Security-Token (and signed) for temporary credentials. */
  securityToken?: string;
}

/** Headers for `method url` signed with `key`; `extra` headers are signed too. */
export function signedHeaders(
  url: string,
  key: SigningKey,
  extra: Record<string, string> = {},
  method = 'GET',
): Record<string, string> {
  const u = new URL(url);
  const headers: Record<string, string> = { ...extra };
  if (key.securityToken !== undefined) headers['X-Security-Token'] = key.securityToken;
  const signed = AKSKSigner.sign(
    {
      endpoint: `${u.origin}${u.pathname}`,
      method,
      headers,
      queryParams: Object.fromEntries(u.searchParams),
    },
    { getAk: () => key.ak, getSk: () => key.sk },
  );
  // fetch sets Host itself (to the same value).
  const { host: _host, ...rest } = signed;
  return rest;
}

export function signedFetch(
  url: string,
  key: SigningKey,
  extra: Record<string, string> = {},
  init: RequestInit = {},
): Promise<Response> {
  return fetch(url, { ...init, headers: signedHeaders(url, key, extra, init.method ?? 'GET') });
}
