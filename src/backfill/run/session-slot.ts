/**
 * A lane's database session, reopened after a connection loss. Every session that works a run
 * holds the run lock (run-lock.ts): the single runner's one session exclusively, each
 * session of a --workers run shared. A session that reconnects must take it again before it
 * writes anything: if another backfill took the run meanwhile, this one stops.
 */
import { AlreadyRunningError } from '../../errors.js';
import { tryAdvisoryLock, type LockMode } from '../../db/advisory-lock.js';
import type { Connector, Session } from '../../db/port.js';

export class SessionSlot {
  private session: Session | null = null;

  constructor(
    private readonly connect: Connector,
    private readonly lockName: string,
    private readonly mode: LockMode,
  ) {}

  get current(): Session | null {
    return this.session;
  }

  /** Adopts a session that already holds the run lock (the coordinator's first session). */
  adopt(session: Session): void {
    this.session = session;
  }

  /** Connects and takes the run lock; throws AlreadyRunningError when another backfill has it. */
  async open(): Promise<Session> {
    const session = await this.connect();
    try {
      if (!(await tryAdvisoryLock(session, this.lockName, this.mode))) {
        throw new AlreadyRunningError('after reconnecting, another backfill had taken the run; this one stops', {
          hint: 'Let it finish: it continues the same run from its checkpoints.',
        });
      }
    } catch (error) {
      await session.end().catch(() => {});
      throw error;
    }
    this.session = session;
    return session;
  }

  /** Ends the session, and with it every session-level lock it held. */
  async close(): Promise<void> {
    const session = this.session;
    this.session = null;
    if (session) await session.end().catch(() => {});
  }
}
