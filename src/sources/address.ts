/**
 * `HOST:PORT` addresses of `--connect` and `--listen`. IPv6 hosts are written
 * in brackets, as in URLs (RFC 3986): `[::1]:9000`.
 */
import { ConfigError } from '../core/errors.js';

/** A TCP address. */
export interface HostPort {
  host: string;
  /** 0–65535; 0 (listen only) asks the OS for a free port. */
  port: number;
}

/** Default host of `--listen PORT`: loopback only, never all interfaces by accident. */
export const DEFAULT_LISTEN_HOST = '127.0.0.1';

/**
 * Parses `HOST:PORT`, `[IPV6]:PORT`, or (when `defaultHost` is given) a bare `PORT`.
 * @param text the flag value.
 * @param flag the flag, for messages (`--connect`).
 * @param options `defaultHost` for a bare port; `allowZero` for port 0 (ephemeral, listen only).
 * @throws ConfigError naming the flag, the value and the expected form.
 */
export function parseHostPort(text: string, flag: string, options: { defaultHost?: string; allowZero?: boolean } = {}): HostPort {
  const form = options.defaultHost ? '[HOST:]PORT' : 'HOST:PORT';
  let host: string | undefined;
  let portText: string;
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(text);
  if (v6) {
    host = v6[1]!;
    portText = v6[2]!;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon === -1) {
      portText = text;
    } else {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
      if (host.includes(':')) throw new ConfigError(`${flag}: '${text}': write an IPv6 host in brackets, e.g. [::1]:9000`);
    }
  }
  if (host === undefined) {
    if (!options.defaultHost) throw new ConfigError(`${flag}: '${text}' is not ${form}, e.g. 127.0.0.1:9000`);
    host = options.defaultHost;
  }
  if (host === '') throw new ConfigError(`${flag}: '${text}' has an empty host; use ${form}, e.g. 127.0.0.1:9000`);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  const min = options.allowZero ? 0 : 1;
  if (!(port >= min && port <= 65535)) {
    throw new ConfigError(`${flag}: '${portText}' in '${text}' is not a port (${min}–65535)`);
  }
  return { host, port };
}

/** `host:port`, with brackets around an IPv6 host. */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
