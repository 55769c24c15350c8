import type { Provider } from './provider.js';

/** Provider `none`: deterministic, offline, never touches the network. */
export function createNoneProvider(): Provider {
  return {
    id: 'none',
    deterministic: true,
    async complete() {
      return { text: '', plan: null };
    },
  };
}
