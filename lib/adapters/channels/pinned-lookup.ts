import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { ResolvedAddress } from './outbound-url-guard.js';

/**
 * A `lookup` for node:http(s) that answers only the addresses the outbound URL guard checked, whatever name it is
 * asked for: the connection goes where the check said, with no second DNS query a rebinding server could answer
 * with an internal address. The request keeps its host name, so the Host header, TLS SNI and certificate check are
 * those of the URL.
 */
export function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname: string, options: LookupOptions, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
    const usable = addresses.filter((a) => wanted === undefined || a.family === wanted);
    const first = usable[0];
    if (!first) {
      const error = Object.assign(new Error('no checked address of the requested family'), { code: 'ENOTFOUND' });
      callback(error, '', 0);
      return;
    }
    if (options.all) {
      const all: LookupAddress[] = usable.map(({ address, family }) => ({ address, family }));
      (callback as (error: null, addresses: LookupAddress[]) => void)(null, all);
    } else {
      callback(null, first.address, first.family);
    }
  };
}
