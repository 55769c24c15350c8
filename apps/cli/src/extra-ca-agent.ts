// dist/extra-ca.cjs, loaded only when an HTTPS request needs certificates
// from NODE_EXTRA_CA_CERTS that Node.js was started without (deferred-ca.ts).
import { Agent, setGlobalDispatcher } from 'undici';

/** Makes every later `fetch` in this process trust `ca` (PEM certificates). */
export function trustCertificates(ca: string[]): void {
  setGlobalDispatcher(new Agent({ connect: { ca } }));
}
