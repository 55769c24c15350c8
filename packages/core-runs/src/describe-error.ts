/**
 * A one-line error message safe for records: no absolute paths of this
 * machine (records must be identical across workspaces and hosts).
 */
export function describeError(error: unknown, workspaceRoots: readonly string[]): string {
  const err = error as NodeJS.ErrnoException;
  let message: string;
  if (typeof err?.code === 'string' && typeof err.syscall === 'string') {
    message = `${err.code}: ${err.syscall} failed`;
    if (typeof err.path === 'string') message += ` for ${err.path}`;
  } else {
    message = error instanceof Error ? error.message : String(error);
  }
  for (const root of [...workspaceRoots].sort((a, b) => b.length - a.length)) {
    if (root) message = message.split(`${root}/`).join('').split(root).join('.');
  }
  return message.split('\n')[0]!;
}
