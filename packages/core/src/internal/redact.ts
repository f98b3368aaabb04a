// Secrets are removed from every string before it is attached to an error, a log line or toJSON.

const REDACTED = '[REDACTED]';

/** Patterns that look like credentials whatever their source: signatures, IAM tokens, bearer values. */
const GENERIC: readonly RegExp[] = [
  /(Signature=)[0-9a-fA-F]{16,}/g,
  /(Access=)[^,\s]+/g,
  /(Bearer\s+)[^\s"',]+/gi,
  /()\bMII[A-Za-z0-9+/=_-]{20,}/g, // Huawei IAM tokens (PKI) begin with MII
];

export type Redactor = (text: string) => string;

/** A redactor that removes the given secret values and anything that looks like a credential. */
export function createRedactor(secrets: readonly (string | undefined)[] = []): Redactor {
  const known = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  return (text) => {
    let out = text;
    for (const secret of known) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    for (const re of GENERIC) out = out.replace(re, `$1${REDACTED}`);
    return out;
  };
}

export const redactGeneric: Redactor = createRedactor();
