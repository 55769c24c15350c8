// Stands in for zod's locales index in the CLI bundles (see tsup.config.ts):
// only the English messages zod uses by default.
export { default as en } from 'zod/v4/locales/en.js';
