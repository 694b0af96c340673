import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts the CLI from source (so tests see the code as it is), without waiting for it. With
 * `fileSizeLimitKiB`, under that limit on the files it writes (`ulimit -f`), writes past it
 * failing with EFBIG as on a full disk.
 */
export function spawnCli(args: string[], env: Record<string, string> = {}, fileSizeLimitKiB?: number): ChildProcess {
  const command = [process.execPath, '--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), ...args];
  const [file, argv] = fileSizeLimitKiB === undefined ? [command[0]!, command.slice(1)] : ['bash', ['-c', `trap '' XFSZ; ulimit -f ${fileSizeLimitKiB}; exec "$@"`, 'bash', ...command]];
  return spawn(file, argv, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
}

export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

export function runCli(args: string[]): Promise<CliResult> {
  return collect(spawnCli(args));
}
