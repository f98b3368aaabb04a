// The client address the client limit counts by, and GATEWAY_TRUSTED_PROXIES parsing.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress, parseTrustedProxies } from '../../src/client-address.js';

const req = (remoteAddress: string, xff?: string) =>
  ({
    socket: { remoteAddress },
    headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  }) as unknown as IncomingMessage;

describe('clientAddress', () => {
  it('without trusted proxies, X-Forwarded-For is ignored: anyone can write it', () => {
    expect(clientAddress(req('203.0.113.9', '198.51.100.1'), undefined)).toBe('203.0.113.9');
    expect(clientAddress(req('::ffff:203.0.113.9'), undefined)).toBe('203.0.113.9');
  });

  it('behind trusted proxies: the right-most hop that is not one', () => {
    const proxies = parseTrustedProxies('10.0.0.0/8, 127.0.0.1, ::1');
    expect(clientAddress(req('10.1.2.3', '198.51.100.1'), proxies)).toBe('198.51.100.1');
    // A spoofed left part does not matter: the client's own hop is the right-most untrusted one.
    expect(clientAddress(req('10.1.2.3', 'spoofed, 198.51.100.1, 203.0.113.5, 10.9.9.9'), proxies)).toBe('203.0.113.5');
    expect(clientAddress(req('::1', '2001:db8::7'), proxies)).toBe('2001:db8::7');
    // A socket that is not a trusted proxy: its own address, whatever the header says.
    expect(clientAddress(req('203.0.113.9', '198.51.100.1'), proxies)).toBe('203.0.113.9');
    // Every hop trusted: the left-most one.
    expect(clientAddress(req('127.0.0.1', '10.0.0.2, 10.0.0.1'), proxies)).toBe('10.0.0.2');
    expect(clientAddress(undefined, proxies)).toBe('local');
  });

  it.each(['10.0.0.0/33', 'not-an-ip', '::1/129', '1.2.3.4/x'])('"%s" is refused', (raw) => {
    expect(() => parseTrustedProxies(raw)).toThrow(/entry 1/);
  });
});
