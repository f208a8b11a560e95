import type { LookupAddress } from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isAllowedAddress } from '../src/integrations/http/address-policy.js';
import type { Resolver } from '../src/integrations/http/guarded-callback-sender.js';
import { CallbackAddressError, GuardedCallbackSender } from '../src/integrations/http/guarded-callback-sender.js';
import { CallbackReceiver } from './helpers/receiver.js';

/** Builds a resolver with fixed results per host name that records every lookup. Unknown names fail like NXDOMAIN. */
function fixedResolver(answers: Record<string, string[] | string[][]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const callCounts = new Map<string, number>();
  const resolver = async (hostname: string): Promise<LookupAddress[]> => {
    calls.push(hostname);
    const answer = answers[hostname];
    if (answer === undefined) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    }
    // A list of lists gives one result per lookup, to model a DNS answer that changes.
    const count = callCounts.get(hostname) ?? 0;
    callCounts.set(hostname, count + 1);
    const addresses = Array.isArray(answer[0]) ? ((answer[Math.min(count, answer.length - 1)] ?? []) as string[]) : (answer as string[]);
    return addresses.map((address) => ({ address, family: net.isIP(address) }));
  };
  return Object.assign(resolver, { calls });
}

describe('isAllowedAddress', () => {
  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8'])('allows public %s', (address) => {
    expect(isAllowedAddress(address, 'public')).toBe(true);
    expect(isAllowedAddress(address, 'public-or-loopback')).toBe(true);
  });

  it.each([
    ['10.0.0.1', 'private 10/8'],
    ['10.255.255.255', 'private 10/8'],
    ['172.16.0.1', 'private 172.16/12'],
    ['172.31.255.254', 'private 172.16/12'],
    ['192.168.1.1', 'private 192.168/16'],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.0.1', 'link-local'],
    ['100.64.0.1', 'shared 100.64/10'],
    ['100.127.255.254', 'shared 100.64/10'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.10', 'documentation'],
    ['fc00::1', 'unique local fc00::/7'],
    ['fd12:3456::1', 'unique local fc00::/7'],
    ['fe80::1', 'link-local fe80::/10'],
    ['febf::1', 'link-local fe80::/10'],
    ['ff02::1', 'multicast'],
    ['::', 'unspecified'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:a00:1', 'IPv4-mapped private, hex'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata'],
    ['0:0:0:0:0:ffff:a9fe:a9fe', 'IPv4-mapped metadata, long form'],
    ['::10.0.0.1', 'IPv4-compatible private'],
    ['::ffff:0:a00:1', 'IPv4-translated private'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 metadata'],
    ['2002:a9fe:a9fe::1', '6to4 metadata'],
    ['not-an-address', 'not an IP'],
  ])('rejects %s (%s) in both policies', (address) => {
    expect(isAllowedAddress(address, 'public')).toBe(false);
    expect(isAllowedAddress(address, 'public-or-loopback')).toBe(false);
  });

  it.each(['127.0.0.1', '127.10.20.30', '::1', '::ffff:127.0.0.1'])('rejects loopback %s in production', (address) => {
    expect(isAllowedAddress(address, 'public')).toBe(false);
  });

  it.each(['127.0.0.1', '127.10.20.30', '::1', '::ffff:127.0.0.1'])('allows loopback %s in the sandbox', (address) => {
    expect(isAllowedAddress(address, 'public-or-loopback')).toBe(true);
  });
});

describe('GuardedCallbackSender checks', () => {
  const senders: GuardedCallbackSender[] = [];

  function sender(policy: 'public' | 'public-or-loopback', resolver: Resolver, isHttpsRequired = policy === 'public'): GuardedCallbackSender {
    const created = new GuardedCallbackSender({ policy, isHttpsRequired, resolve: resolver });
    senders.push(created);
    return created;
  }

  beforeAll(() => {
    // Every test here must fail before a socket exists; these spies turn any attempt into a failure.
    vi.spyOn(net, 'connect').mockImplementation(() => {
      throw new Error('The guard test tried to open a TCP connection.');
    });
    vi.spyOn(tls, 'connect').mockImplementation(() => {
      throw new Error('The guard test tried to open a TLS connection.');
    });
  });

  afterEach(() => {
    expect(net.connect).not.toHaveBeenCalled();
    expect(tls.connect).not.toHaveBeenCalled();
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    for (const created of senders) {
      await created.close();
    }
  });

  it('passes a host whose every address is public', async () => {
    const resolver = fixedResolver({ 'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] });
    const addresses = await sender('public', resolver).checkedAddresses('hooks.example.com');
    expect(addresses.map((entry) => entry.address)).toEqual(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']);
    expect(resolver.calls).toEqual(['hooks.example.com']);
  });

  it('passes a public literal without a lookup', async () => {
    const resolver = fixedResolver({});
    expect(await sender('public', resolver).checkedAddresses('93.184.216.34')).toEqual([{ address: '93.184.216.34', family: 4 }]);
    expect(await sender('public', resolver).checkedAddresses('[2606:4700:4700::1111]')).toEqual([{ address: '2606:4700:4700::1111', family: 6 }]);
    expect(resolver.calls).toEqual([]);
  });

  it('passes a loopback host in the sandbox only', async () => {
    const resolver = fixedResolver({ 'receiver.test': ['127.0.0.1', '::1'] });
    expect((await sender('public-or-loopback', resolver).checkedAddresses('receiver.test')).map((entry) => entry.address)).toEqual(['127.0.0.1', '::1']);
    await expect(sender('public', resolver).checkedAddresses('receiver.test')).rejects.toBeInstanceOf(CallbackAddressError);
  });

  it.each([
    ['metadata.example.com', ['169.254.169.254']],
    ['intranet.example.com', ['10.0.0.5']],
    ['mixed.example.com', ['93.184.216.34', '10.0.0.5']],
    ['mixed-v6.example.com', ['2606:4700:4700::1111', 'fd00::5']],
    ['mapped.example.com', ['::ffff:a9fe:a9fe']],
  ])('rejects %s resolving to %j before connecting', async (hostname, addresses) => {
    const resolver = fixedResolver({ [hostname]: addresses });
    const guarded = sender('public-or-loopback', resolver, false);
    await expect(guarded.checkedAddresses(hostname)).rejects.toBeInstanceOf(CallbackAddressError);
    await expect(guarded.post(`http://${hostname}/callbacks`, '{}', {}, 1000)).rejects.toBeInstanceOf(CallbackAddressError);
    await expect(guarded.post(`http://${hostname}/callbacks`, '{}', {}, 1000)).rejects.toThrow(/may not reach/);
  });

  it('names the rejected address in the error', async () => {
    const resolver = fixedResolver({ 'mixed.example.com': ['93.184.216.34', '10.0.0.5'] });
    await expect(sender('public', resolver).post('https://mixed.example.com/callbacks', '{}', {}, 1000)).rejects.toThrow(
      'mixed.example.com resolves to 10.0.0.5, which callbacks may not reach (only public addresses are allowed).',
    );
  });

  it('rejects a host with no address', async () => {
    const resolver = fixedResolver({ 'empty.example.com': [] });
    await expect(sender('public', resolver).checkedAddresses('empty.example.com')).rejects.toThrow('empty.example.com has no address.');
  });

  it.each([
    'http://10.0.0.5/callbacks',
    'http://169.254.169.254/latest/meta-data/',
    'http://172.16.4.4:8080/callbacks',
    'http://192.168.0.10/callbacks',
    'http://100.64.0.1/callbacks',
    'http://[fd00::5]/callbacks',
    'http://[fe80::1]/callbacks',
    'http://[::ffff:10.0.0.1]/callbacks',
    'http://[::ffff:a9fe:a9fe]/callbacks',
    'http://0xa.0.0.5/callbacks',
    'http://0/callbacks',
  ])('rejects the literal %s without a lookup', async (url) => {
    const resolver = fixedResolver({});
    await expect(sender('public-or-loopback', resolver, false).post(url, '{}', {}, 1000)).rejects.toBeInstanceOf(CallbackAddressError);
    expect(resolver.calls).toEqual([]);
  });

  it.each(['http://127.0.0.1/callbacks', 'http://[::1]/callbacks', 'http://2130706433/callbacks'])('rejects loopback literal %s in production', async (url) => {
    const resolver = fixedResolver({});
    await expect(sender('public', resolver, false).post(url, '{}', {}, 1000)).rejects.toBeInstanceOf(CallbackAddressError);
  });

  it('rejects http when https is required', async () => {
    const resolver = fixedResolver({ 'hooks.example.com': ['93.184.216.34'] });
    await expect(sender('public', resolver, true).post('http://hooks.example.com/callbacks', '{}', {}, 1000)).rejects.toThrow(
      'http: callback URLs are not allowed in this mode.',
    );
    expect(resolver.calls).toEqual([]);
  });

  it.each(['ftp://hooks.example.com/callbacks', 'file:///etc/passwd', 'gopher://hooks.example.com/'])('rejects the scheme of %s', async (url) => {
    const resolver = fixedResolver({ 'hooks.example.com': ['93.184.216.34'] });
    await expect(sender('public-or-loopback', resolver, false).post(url, '{}', {}, 1000)).rejects.toBeInstanceOf(CallbackAddressError);
    expect(resolver.calls).toEqual([]);
  });
});

describe('GuardedCallbackSender over loopback', () => {
  const receiver = new CallbackReceiver();
  let port: number;
  const senders: GuardedCallbackSender[] = [];

  function sender(policy: 'public' | 'public-or-loopback', resolver: Resolver): GuardedCallbackSender {
    const created = new GuardedCallbackSender({ policy, isHttpsRequired: false, resolve: resolver });
    senders.push(created);
    return created;
  }

  beforeAll(async () => {
    port = Number(new URL(await receiver.start()).port);
  });

  afterAll(async () => {
    for (const created of senders) {
      await created.close();
    }
    await receiver.stop();
  });

  it('connects to the checked address, not a fresh lookup', async () => {
    const resolver = fixedResolver({ 'receiver.test': ['127.0.0.1'] });
    const response = await sender('public-or-loopback', resolver).post(`http://receiver.test:${port}/callbacks`, '{"a":"é"}', { 'content-type': 'application/json' }, 2000);
    expect(response.statusCode).toBe(200);
    expect(receiver.received.at(-1)?.rawBody.toString('utf8')).toBe('{"a":"é"}');
    expect(receiver.received.at(-1)?.headers.host).toBe(`receiver.test:${port}`);
    expect(resolver.calls.every((hostname) => hostname === 'receiver.test')).toBe(true);
  });

  it('rejects a lookup that turns private at connect time', async () => {
    // The first lookup passes the check; the lookup made for the socket returns a private address.
    const resolver = fixedResolver({ 'rebind.test': [['127.0.0.1'], ['10.0.0.5']] });
    const before = receiver.received.length;
    await expect(sender('public-or-loopback', resolver).post(`http://rebind.test:${port}/callbacks`, '{}', {}, 2000)).rejects.toThrow(/10\.0\.0\.5/);
    expect(resolver.calls.length).toBeGreaterThanOrEqual(2);
    expect(receiver.received.length).toBe(before);
  });

  it('rejects a loopback host under the production policy', async () => {
    const resolver = fixedResolver({ 'receiver.test': ['127.0.0.1'] });
    const before = receiver.received.length;
    await expect(sender('public', resolver).post(`http://receiver.test:${port}/callbacks`, '{}', {}, 2000)).rejects.toBeInstanceOf(CallbackAddressError);
    expect(receiver.received.length).toBe(before);
  });
});
