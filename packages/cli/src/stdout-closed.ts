/**
 * `callrelay dlq list ... | head` closes the pipe while the command still writes: Node then emits
 * EPIPE on stdout, which crashed the command with a stack trace. The reader has what it wanted, so
 * the command exits quietly, as Unix tools do. Commands that change the store (`dlq purge`,
 * `dlq replay`) finish their changes before they print, so exiting here never interrupts one.
 */
export function exitQuietlyWhenStdoutCloses(stream: NodeJS.WriteStream = process.stdout, exit: (code: number) => void = (code) => process.exit(code)): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
      exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      return;
    }
    throw err;
  });
}
