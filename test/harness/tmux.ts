/**
 * A command run on a real terminal: a tmux session on its own socket (a pseudo-terminal of a
 * given width), its screen sampled every 100 ms until the command prints `EXIT=<code>`. For
 * the tests of live progress lines, which only a terminal shows as they are.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ROOT } from './cli-process.js';

export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

export const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Screens {
  /** The screen as sampled every 100 ms while the command ran; `sinceAction`: ms after `during` ran. */
  samples: { rows: string[]; sinceAction: number | null }[];
  final: string[];
}

export class Terminal {
  private readonly socket = `aibm-${randomBytes(4).toString('hex')}`;

  tmux(...args: string[]): string {
    const run = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${run.stderr}`);
    return run.stdout;
  }

  /** The CLI from source, as a shell command line: `env …` then node with tsx and `preload`s. */
  cliCommand(env: Record<string, string>, args: string, preload: string[] = []): string {
    return [
      'env -u CI -u NO_COLOR -u FORCE_COLOR',
      ...Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`),
      shellQuote(process.execPath),
      '--import',
      shellQuote(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')),
      ...preload.flatMap((p) => ['--import', shellQuote(p)]),
      shellQuote(path.join(ROOT, 'src/cli/main.ts')),
      `${args}; echo EXIT=$?; sleep 600`,
    ].join(' ');
  }

  /**
   * Runs `command` in a fresh window `columns` wide and samples its screen; `during` runs once
   * `ready` holds for a screen.
   */
  async run(
    command: string,
    columns: number,
    options: { ready?: (rows: string[]) => boolean; during?: () => void } = {},
  ): Promise<Screens> {
    this.tmux('new-session', '-d', '-x', String(columns), '-y', '40', '-s', 'run', command);
    try {
      const screen = () => this.tmux('capture-pane', '-p', '-t', 'run').split('\n');
      const deadline = Date.now() + 90_000;
      const samples: Screens['samples'] = [];
      let actedAt: number | null = null;
      for (;;) {
        const rows = screen();
        if (rows.some((r) => r.startsWith('EXIT='))) return { samples, final: rows };
        samples.push({ rows, sinceAction: actedAt === null ? null : Date.now() - actedAt });
        if (actedAt === null && options.during && options.ready?.(rows)) {
          actedAt = Date.now();
          options.during();
        }
        if (Date.now() > deadline) throw new Error(`the command did not finish:\n${rows.join('\n')}`);
        await sleep(100);
      }
    } finally {
      this.tmux('kill-session', '-t', 'run');
    }
  }

  close(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }
}
