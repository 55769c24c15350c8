import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Set by bin/sdetkit: the NODE_EXTRA_CA_CERTS file that Node.js was started
 * without. Node.js 20 reads and parses every certificate in that file before
 * it runs any JavaScript (70-90 ms for a system CA bundle), on every start;
 * sdetkit needs those certificates only for outgoing HTTPS (model providers,
 * chat replies), so it loads them then.
 */
export const DEFERRED_CA_ENV = 'SDETKIT_EXTRA_CA_CERTS';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g;

export interface DeferredCaHooks {
  /** Makes later fetches trust these PEM certificates (default: an undici Agent from dist/extra-ca.cjs). */
  trust?: (ca: string[]) => void;
  /** Where a certificate file that cannot be used is reported (default: a process warning, as Node.js does). */
  warn?: (message: string) => void;
}

/**
 * Takes over a NODE_EXTRA_CA_CERTS file handed over by bin/sdetkit:
 * NODE_EXTRA_CA_CERTS is put back into `env` (child processes see what the
 * user set), and the first `fetch` of this process loads the file so that
 * HTTPS trusts the bundled root certificates plus those, as Node.js would
 * have. A file that cannot be read or holds no certificate is reported once
 * and ignored, again as Node.js does. Returns whether there was a file.
 */
export function adoptDeferredCaCertificates(env: NodeJS.ProcessEnv, hooks: DeferredCaHooks = {}): boolean {
  const file = env[DEFERRED_CA_ENV];
  delete env[DEFERRED_CA_ENV];
  if (file === undefined || file === '') return false;
  env.NODE_EXTRA_CA_CERTS = file;
  const original = globalThis.fetch;
  let loaded = false;
  globalThis.fetch = function fetchTrustingExtraCertificates(input, init) {
    if (!loaded) {
      loaded = true;
      globalThis.fetch = original;
      trustExtraCertificates(file, hooks);
    }
    return original(input, init);
  };
  return true;
}

/** The PEM certificates in `text`, in order. */
export function pemCertificates(text: string): string[] {
  return text.match(PEM_CERTIFICATE) ?? [];
}

function trustExtraCertificates(file: string, hooks: DeferredCaHooks): void {
  const warn = hooks.warn ?? ((message: string) => process.emitWarning(message));
  let extra: string[];
  try {
    extra = pemCertificates(readFileSync(file, 'utf8'));
  } catch (error) {
    warn(`Ignoring extra certs from \`${file}\`, load failed: ${(error as Error).message}`);
    return;
  }
  if (extra.length === 0) {
    warn(`Ignoring extra certs from \`${file}\`, load failed: no PEM certificate in it`);
    return;
  }
  const trust = hooks.trust ?? defaultTrust;
  // node:tls is loaded here, not at start-up.
  trust([...process.getBuiltinModule('node:tls').rootCertificates, ...extra]);
}

function defaultTrust(ca: string[]): void {
  // A separate bundle next to this one, so undici is loaded only here.
  const { trustCertificates } = createRequire(import.meta.url)('./extra-ca.cjs') as {
    trustCertificates: (ca: string[]) => void;
  };
  trustCertificates(ca);
}
