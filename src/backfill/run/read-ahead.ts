/**
 * The page walk's read-ahead: while the lane's session writes a window's rounds, a second
 * session judges the next window, one judge at a time, so that the server reads the next
 * window on one core while it writes this one on another. A single lane is otherwise serial:
 * the server waits for Node between steps, and a window's judges and its rounds never overlap.
 *
 * The second session only reads. Its judgements are recorded — counts and position, into the
 * ledger — by the lane's own session, in a judge step of their own, in the order the lane
 * would have read them itself: so the ledger is written by the one session that holds the
 * run lock, a crash before that step loses nothing (the pages are judged again, and counted
 * then), and a judgement never counts twice. Reading earlier changes nothing a round relies
 * on: a round writes a row only while it is the very version its judge read (forward.ts), and
 * a row a round moves into a window judged ahead is in that judge's snapshot together with its
 * moved-row record or not at all (page-walk.ts, countedSql).
 *
 * What it must not do is keep a round from pruning. A round finds room for its row's new
 * version by pruning what the previous round left dead, and PostgreSQL prunes a version only
 * once no snapshot can see it: a judge statement that began before the previous round committed
 * still can, and the update then goes to another page with an entry in every index
 * (docs/benchmarks.md, "Read-ahead", has what that cost before this rule). So a judge begins
 * only between rounds, a round does not begin while a judge that began before the last commit is
 * still reading (`beforeRound`), and a judge reads about as many pages as a round takes time for.
 *
 * A read-ahead that fails (a connection refused, a statement timeout) turns itself off for
 * the rest of the walker's life: the lane judges on its own session as it would without it.
 */
import type { PageSpan } from '../../db/page-span.js';
import type { Connector, Queryable, Session } from '../../db/port.js';
import { withTransaction } from '../../db/transaction.js';
import type { Clock } from '../../runtime.js';
import type { Judgement } from '../sql/page-walk.js';
import type { WindowPlan } from '../policy/rounds.js';

/** A span judged ahead: what the judge saw, and how long its read-only transaction took. */
export interface AheadJudgement {
  span: PageSpan;
  judgement: Judgement;
  ms: number;
  /** The span was as long as the judge size asked for (not cut short by the window's end). */
  full: boolean;
}

/** How the read-ahead reads a span: the walker's judge statement, run in `tx`. */
export type JudgeRead = (tx: Queryable, span: PageSpan) => Promise<Judgement>;

export class ReadAhead {
  private session: Session | null = null;
  /** The next window, as planned when its first judge started. */
  private window: WindowPlan | null = null;
  /** Pages of `window` before this have been judged, or are being judged. */
  private judgedTo = 0;
  private ready: AheadJudgement[] = [];
  private reading: Promise<void> | null = null;
  /** Rounds committed so far, and how many had when the judge under way began. */
  private rounds = 0;
  private readingSince = 0;
  /** What the last judge read ahead took per page (clock ms). */
  private lastMsPerPage: number | null = null;
  private off = false;

  constructor(
    private readonly connect: Connector,
    private readonly clock: Clock,
    private readonly local: Record<string, string>,
  ) {}

  /** What the last judge read ahead took per page, null before the first. */
  get msPerPage(): number | null {
    return this.lastMsPerPage;
  }

  /** Waits for a judge that began before the last round committed: its snapshot would keep the next round from pruning. */
  async beforeRound(): Promise<void> {
    if (this.reading !== null && this.readingSince < this.rounds) await this.reading;
  }

  /** A round has committed. */
  roundCommitted(): void {
    this.rounds += 1;
  }

  /** The window planned to start at page `from`, if one was: the walk's next window takes its bounds. */
  planned(from: number): WindowPlan | null {
    return this.window !== null && this.window.from === from ? this.window : null;
  }

  /**
   * Starts judging the next `pages` pages of `next` on the second session, unless a judge is
   * under way or the window is judged to its end. Never waits, never throws.
   */
  start(next: WindowPlan, pages: number, read: JudgeRead): void {
    if (this.off || this.reading !== null) return;
    if (this.window === null || this.window.from !== next.from || this.window.to !== next.to) {
      this.forget();
      this.window = next;
      this.judgedTo = next.from;
    }
    if (this.judgedTo >= next.to) return;
    const to = Math.min(next.to, this.judgedTo + pages);
    const span = { from: this.judgedTo, to };
    this.judgedTo = to;
    this.readingSince = this.rounds;
    this.reading = this.judge(span, to === span.from + pages, read).finally(() => {
      this.reading = null;
    });
  }

  /**
   * The judgement of the span that starts at page `from` and ends by `limit`, once read (a
   * judge under way is waited for). Null when there is none: whatever else was read ahead is
   * dropped, since the walk has gone another way.
   */
  async take(from: number, limit: number): Promise<AheadJudgement | null> {
    if (this.reading !== null) await this.reading;
    const first = this.ready[0];
    if (first && first.span.from === from && first.span.to <= limit) return this.ready.shift()!;
    this.forget();
    return null;
  }

  /** Drops what was read ahead (a new range, or a walk that went another way). */
  forget(): void {
    this.window = null;
    this.ready = [];
    this.judgedTo = 0;
  }

  /** Waits for a judge under way and ends the second session. */
  async close(): Promise<void> {
    if (this.reading !== null) await this.reading;
    this.forget();
    await this.endSession();
  }

  private async endSession(): Promise<void> {
    const session = this.session;
    this.session = null;
    if (session) await session.end().catch(() => {});
  }

  private async judge(span: PageSpan, full: boolean, read: JudgeRead): Promise<void> {
    const window = this.window;
    try {
      this.session ??= await this.connect();
      const started = this.clock.now();
      const judgement = await withTransaction(this.session, (tx) => read(tx, span), { mode: 'read-only', local: this.local });
      const ms = this.clock.now() - started;
      this.lastMsPerPage = ms / Math.max(1, span.to - span.from);
      // Dropped meanwhile (forget): the walk no longer wants it.
      if (this.window === window) this.ready.push({ span, judgement, ms, full });
    } catch {
      this.off = true;
      this.forget();
      await this.endSession();
    }
  }
}
