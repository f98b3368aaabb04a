// The client address the client limit (GATEWAY_CLIENT_RATE_LIMIT) counts by: the socket's, or, when
// the socket is a trusted proxy (GATEWAY_TRUSTED_PROXIES), the right-most X-Forwarded-For hop that is
// not one. Without trusted proxies X-Forwarded-For is ignored: anyone can write it.
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** Parses GATEWAY_TRUSTED_PROXIES (comma-separated IPs or CIDRs); throws a message naming the bad entry. */
export function parseTrustedProxies(raw: string): BlockList {
  const list = new BlockList();
  for (const [i, entry] of raw.split(',').entries()) {
    const item = entry.trim();
    if (!item) continue;
    const slash = item.indexOf('/');
    const address = slash < 0 ? item : item.slice(0, slash);
    const family = isIP(address);
    const bits = slash < 0 ? undefined : item.slice(slash + 1);
    const max = family === 6 ? 128 : 32;
    if (!family || (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > max)))
      throw new Error(
        `entry ${i + 1} ("${item.slice(0, 50)}") is not an IP address or CIDR (e.g. 10.0.0.0/8, 127.0.0.1, ::1).`,
      );
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) is 1.2.3.4. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function trusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** The address to count a request by ('local' for an in-process request without a socket). */
export function clientAddress(req: IncomingMessage | undefined, proxies: BlockList | undefined): string {
  const socket = req?.socket?.remoteAddress;
  if (!socket) return 'local';
  const peer = plain(socket);
  if (!proxies || !trusted(proxies, peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
  // From the right: each hop a trusted proxy added; the first one not trusted is the client.
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = plain((hops[i] as string).trim());
    if (!isIP(hop)) break; // garbage: stop at the last address a trusted proxy vouched for
    client = hop;
    if (!trusted(proxies, hop)) break;
  }
  return client;
}
