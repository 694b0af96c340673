/**
 * Writes to stdout and resolves once the text is handed to the OS, so output is never cut short
 * by an exit and a closed pipe (`| head`) ends the command quietly instead of crashing it.
 */
export function writeOut(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once('drain', resolve);
  });
}

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
