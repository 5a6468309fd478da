import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

/**
 * The client's address: the socket's, or with `trustProxy` proxies in front,
 * the X-Forwarded-For entry the outermost trusted proxy wrote (counted from
 * the right: entries further left come from the client and prove nothing).
 * An entry that is not an address falls back to the socket's, so a bad
 * header can only share the proxy's budget, never escape it.
 */
export function clientAddress(req: IncomingMessage, trustProxy: number): string | undefined {
  const socket = req.socket.remoteAddress;
  if (trustProxy === 0 || !socket) return socket;
  const header = req.headers["x-forwarded-for"];
  const hops = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((h) => h.trim())
    .filter(Boolean);
  const chain = [...hops, socket];
  const entry = chain[Math.max(0, chain.length - 1 - trustProxy)] as string;
  return isIP(entry) ? entry : socket;
}

/**
 * The key a client is counted under: its address, IPv4-mapped IPv6
 * unwrapped, and an IPv6 address cut to its /64 (one host commonly holds a
 * whole /64, so counting single addresses would be no limit at all).
 */
export function clientKey(address: string | undefined | null): string | null {
  if (!address) return null;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1] as string;
  if (!address.includes(":")) return address;
  const bare = address.split("%")[0] as string;
  const [head = "", tail] = bare.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(":")}::/64`;
}
