/**
 * The batch-size controller: a pure function of recent batch timings. It aims each batch at
 * the target duration, so batches stay short (row locks held briefly, replicas keep up) while
 * the per-batch overhead stays small, and it adapts from the first batch on.
 */
export interface ControllerSettings {
  targetMs: number;
  min: number;
  max: number;
  /** Rows of the first batch, before any batch has shown what a row costs. */
  initial: number;
  /** --batch-size, under its own name: every batch this size, no adaptation at all. */
  batchSize?: number | undefined;
}

/** The backfill's settings the controller follows (its BackfillConfig, under the same names). */
export interface BatchSizeOptions {
  targetBatchMs: number;
  batchSizeMin: number;
  batchSizeMax: number;
  batchSize?: number | undefined;
}

export function controllerSettings(config: BatchSizeOptions): ControllerSettings {
  return {
    targetMs: config.targetBatchMs,
    min: config.batchSizeMin,
    max: config.batchSizeMax,
    initial: INITIAL_SIZE,
    batchSize: config.batchSize,
  };
}

export interface BatchSample {
  rows: number;
  ms: number;
}

export interface ControllerState {
  /** Rows the next batch should cover. */
  size: number;
  /** Most recent first; at most WINDOW entries. */
  samples: readonly BatchSample[];
}

/** Samples the rate is taken from: few enough to follow a change, so one slow batch weighs for three. */
export const WINDOW = 3;
/** The size at most doubles per batch: the first batches run on a cold cache and are noisy. */
export const MAX_GROWTH = 2;
/**
 * Once a batch takes over half the target, the size grows by at most a quarter per batch: a
 * batch's time is not proportional to its rows, and the batch after a jump in size is the
 * one that overshot the target (docs/benchmarks.md).
 */
export const NEAR_TARGET_GROWTH = 1.25;
/**
 * The first batch is the dearest per row, most likely because in key order a uuid key's rows
 * lie on about as many heap pages as there are rows, none read yet, and each page's first change
 * after a checkpoint writes the whole page to WAL, which the COMMIT then waits to flush. A large
 * first batch was the longest of its run in the benchmark (docs/benchmarks.md), so it starts
 * small and doubles.
 */
export const INITIAL_SIZE = 200;

function clamp(value: number, settings: ControllerSettings): number {
  return Math.max(settings.min, Math.min(settings.max, Math.max(1, Math.floor(value))));
}

/** Rows of the first batch. */
export function initialSize(settings: ControllerSettings): number {
  return settings.batchSize ?? clamp(settings.initial, settings);
}

export function initialController(settings: ControllerSettings): ControllerState {
  return { size: initialSize(settings), samples: [] };
}

/** The state after a batch that scanned `sample.rows` rows in `sample.ms` milliseconds. */
export function observeBatch(state: ControllerState, settings: ControllerSettings, sample: BatchSample): ControllerState {
  if (settings.batchSize !== undefined) return { size: settings.batchSize, samples: [] };
  // An empty batch (the end of a range) says nothing about the cost per row.
  if (sample.rows <= 0) return state;
  const samples = [{ rows: sample.rows, ms: Math.max(sample.ms, 1) }, ...state.samples].slice(0, WINDOW);
  // Sized for the slowest rate in the window, not the mean: batch times scatter around the
  // mean, so a mean-sized batch overshoots the target half the time; the target is meant as a
  // ceiling on how long a batch holds its row locks.
  const slowestMsPerRow = Math.max(...samples.map((s) => s.ms / s.rows));
  const ideal = settings.targetMs / slowestMsPerRow;
  // Growth is limited, shrinking is not: a batch far over target is what hurts a live table.
  const growth = sample.ms <= settings.targetMs / 2 ? MAX_GROWTH : NEAR_TARGET_GROWTH;
  const size = clamp(Math.min(ideal, state.size * growth), settings);
  return { size, samples };
}

/**
 * After a batch hit statement_timeout or lock_timeout: split it. The retry covers half the
 * rows, down to a single row (below --batch-size-min: isolating one locked row is the point),
 * and the samples are dropped since they promised a speed the table no longer gives.
 */
export function splitAfterTimeout(state: ControllerState): ControllerState {
  return { size: Math.max(1, Math.floor(state.size / 2)), samples: [] };
}

/**
 * One controller's state, fed by the steps it sizes. `settings` is read at every step: `throttle
 * --target-batch-ms` moves the aim of a running lane. Built only by a lane (laneWalker in
 * src/backfill/run/lane.ts).
 */
export class BatchSizer {
  private state: ControllerState;

  constructor(private readonly settings: () => ControllerSettings) {
    this.state = initialController(settings());
  }

  /** Rows the next step should cover. */
  get size(): number {
    return this.state.size;
  }

  observe(sample: BatchSample): void {
    this.state = observeBatch(this.state, this.settings(), sample);
  }

  /** After a timeout: the next step covers half of what the failed one tried (`tried` rows, at most the size). Returns the new size. */
  split(tried: number = this.state.size): number {
    this.state = splitAfterTimeout({ ...this.state, size: Math.min(this.state.size, Math.max(1, tried)) });
    return this.state.size;
  }
}
