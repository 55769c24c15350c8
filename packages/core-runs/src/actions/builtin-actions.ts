import { ActionRegistry } from '../action-registry.js';
import { fsReadAction } from './fs-read.js';
import { fsWriteAction } from './fs-write.js';
import { shellRunAction } from './shell-run.js';

export { fsReadAction, fsWriteAction, shellRunAction };

/** A registry holding the built-in actions (`fs.read`, `fs.write`, `shell.run`). */
export function createBuiltinRegistry(): ActionRegistry {
  return new ActionRegistry().register(fsReadAction).register(fsWriteAction).register(shellRunAction);
}
