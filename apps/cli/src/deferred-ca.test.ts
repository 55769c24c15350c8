import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { adoptDeferredCaCertificates, DEFERRED_CA_ENV, pemCertificates } from './deferred-ca.js';

const CERT = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;

let dir: string;
const realFetch = globalThis.fetch;
let fakeFetch: ReturnType<typeof vi.fn>;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sdetkit-ca-'));
  fakeFetch = vi.fn(async () => new Response('ok'));
  globalThis.fetch = fakeFetch as unknown as typeof fetch;
});
afterEach(async () => {
  globalThis.fetch = realFetch;
  await rm(dir, { recursive: true, force: true });
});

describe('adoptDeferredCaCertificates', () => {
  it('does nothing without a handed-over file', () => {
    const env: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: '/etc/x.pem' };
    expect(adoptDeferredCaCertificates(env)).toBe(false);
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: '/etc/x.pem' });
    expect(globalThis.fetch).toBe(fakeFetch);
  });

  it('restores NODE_EXTRA_CA_CERTS for children and trusts roots plus the file on the first fetch only', async () => {
    const file = path.join(dir, 'ca.pem');
    await writeFile(file, `junk\n${CERT('QUJD')}\ntext between\n${CERT('REVG\nR0hJ')}\n`);
    const env: NodeJS.ProcessEnv = { [DEFERRED_CA_ENV]: file, PATH: '/bin' };
    const trust = vi.fn();
    expect(adoptDeferredCaCertificates(env, { trust })).toBe(true);
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: file, PATH: '/bin' });
    expect(trust).not.toHaveBeenCalled();

    await fetch('https://example.invalid/a', { method: 'POST' });
    await fetch('https://example.invalid/b');
    expect(trust).toHaveBeenCalledTimes(1);
    const ca = trust.mock.calls[0]![0] as string[];
    expect(ca.slice(0, rootCertificates.length)).toEqual([...rootCertificates]);
    expect(ca.slice(rootCertificates.length)).toEqual([CERT('QUJD'), CERT('REVG\nR0hJ')]);
    expect(fakeFetch.mock.calls.map((call) => call[0])).toEqual([
      'https://example.invalid/a',
      'https://example.invalid/b',
    ]);
    expect(fakeFetch.mock.calls[0]![1]).toEqual({ method: 'POST' });
    // The wrapper steps aside after the first call.
    expect(globalThis.fetch).toBe(fakeFetch);
  });

  it('reports a missing file or one without certificates once, as Node.js does, and still fetches', async () => {
    for (const [file, reason] of [
      [path.join(dir, 'missing.pem'), /load failed: ENOENT/],
      [path.join(dir, 'empty.pem'), /no PEM certificate/],
    ] as const) {
      await writeFile(path.join(dir, 'empty.pem'), 'not a certificate\n');
      const warn = vi.fn();
      const trust = vi.fn();
      adoptDeferredCaCertificates({ [DEFERRED_CA_ENV]: file }, { trust, warn });
      const response = await fetch('https://example.invalid/');
      await fetch('https://example.invalid/');
      expect(await response.text()).toBe('ok');
      expect(trust).not.toHaveBeenCalled();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]![0]).toContain(`Ignoring extra certs from \`${file}\``);
      expect(warn.mock.calls[0]![0]).toMatch(reason);
    }
  });

  it('an empty hand-over is dropped', () => {
    const env: NodeJS.ProcessEnv = { [DEFERRED_CA_ENV]: '' };
    expect(adoptDeferredCaCertificates(env)).toBe(false);
    expect(env).toEqual({});
  });
});

describe('pemCertificates', () => {
  it('finds every certificate block and nothing else', () => {
    expect(
      pemCertificates(
        `a ${CERT('QQ==')} b -----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY----- ${CERT('Qg==')}`,
      ),
    ).toEqual([CERT('QQ=='), CERT('Qg==')]);
    expect(pemCertificates('')).toEqual([]);
  });
});
