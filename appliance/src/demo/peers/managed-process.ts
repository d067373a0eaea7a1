/**
 * A child process owned by a test: spawned without a shell, its output kept (bounded) for
 * debugging failed tests, stopped with SIGTERM then SIGKILL, and always waited for.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

const MAX_LOG_CHARS = 2_000_000;

/**
 * Safety net: if the test process exits without stop() having run (a crash, an unhandled
 * error), signal every child still running so no peer outlives the test run. Only
 * synchronous work is possible in an 'exit' handler, so this cannot wait for them.
 */
const running = new Set<{ child: ChildProcess; signal: NodeJS.Signals }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const { child, signal } of running) child.kill(signal);
  });
}

export interface ManagedProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with every chunk of stdout+stderr text (for waiting on log lines). */
  onOutput?: (text: string) => void;
  /**
   * Signal sent if the test process exits while this child still runs (default SIGKILL).
   * kamailio wants SIGTERM: its main process then stops its worker processes.
   */
  signalOnTestExit?: NodeJS.Signals;
}

export class ManagedProcess {
  readonly name: string;
  private child: ChildProcess | null = null;
  private output = '';
  private exited: Promise<void> = Promise.resolve();
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private listeners = new Set<(text: string) => void>();

  constructor(
    name: string,
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly options: ManagedProcessOptions = {},
  ) {
    this.name = name;
    if (options.onOutput) this.listeners.add(options.onOutput);
  }

  start(): void {
    if (this.child) throw new Error(`${this.name} already started`);
    const child = spawn(this.command, [...this.args], {
      cwd: this.options.cwd,
      env: this.options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const entry = { child, signal: this.options.signalOnTestExit ?? 'SIGKILL' };
    running.add(entry);
    installExitHook();
    const onData = (chunk: Buffer) => this.append(chunk.toString('utf8'));
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => {
      child.once('error', (err) => {
        this.append(`\n[${this.name}: spawn error: ${err.message}]\n`);
        this.exitInfo ??= { code: null, signal: null };
        running.delete(entry);
        resolve();
      });
      child.once('close', (code, signal) => {
        this.exitInfo = { code, signal };
        running.delete(entry);
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Null while running; a description once it has exited (or failed to start). */
  exitDescription(): string | null {
    if (!this.exitInfo) return null;
    const { code, signal } = this.exitInfo;
    return `${this.name} exited (code ${code}, signal ${signal})`;
  }

  /** Everything the process printed so far (both streams interleaved, truncated at the front). */
  log(): string {
    return this.output;
  }

  /** Subscribe to output chunks; returns the unsubscribe function. */
  onOutput(listener: (text: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves with the first match of `pattern` in the output printed after `fromIndex`
   * (default: from the start). Rejects on timeout or if the process exits first.
   */
  waitForOutput(pattern: RegExp, timeoutMs: number, fromIndex = 0): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const m = this.output.slice(fromIndex).match(pattern);
        if (m) {
          cleanup();
          resolve(m);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name}: no ${pattern} in output after ${timeoutMs} ms\n${this.tail()}`));
      }, timeoutMs);
      const unsubscribe = this.onOutput(() => void check());
      const onExit = () => {
        if (check()) return;
        cleanup();
        reject(new Error(`${this.exitDescription() ?? this.name + ' exited'} before printing ${pattern}\n${this.tail()}`));
      };
      void this.exited.then(onExit);
      function cleanup() {
        clearTimeout(timer);
        unsubscribe();
      }
      check();
    });
  }

  /** The last lines of output, for error messages. */
  tail(chars = 4000): string {
    return this.output.length > chars ? '…' + this.output.slice(-chars) : this.output;
  }

  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. Safe to call twice. */
  async stop(graceMs = 3000): Promise<void> {
    const child = this.child;
    if (!child || this.exitInfo) {
      await this.exited;
      return;
    }
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!this.exitInfo) child.kill('SIGKILL');
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private append(text: string): void {
    this.output += text;
    if (this.output.length > MAX_LOG_CHARS) this.output = this.output.slice(-MAX_LOG_CHARS / 2);
    for (const listener of this.listeners) listener(text);
  }
}
