/**
 * When the reader of a pipe goes away (`sdetkit agent history export | head`),
 * further writes fail with EPIPE. Like other command-line tools, the CLI then
 * stops quietly with its exit code so far instead of printing a stack trace.
 */
export function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  // Once per stream: main() runs more than once when the code cache is built.
  if (stream.listenerCount('error') > 0) return;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    else throw error;
  });
}
