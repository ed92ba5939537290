/**
 * The batch-size controller (controller.ts) as the chunk sizer of a whole-table read
 * (src/scan/plan.ts): a chunk is one statement, aimed at a duration like a batch, sized from
 * the rows and times of the chunks before it. Reads touch no row lock, so the first chunk
 * starts larger than a first batch and there is no fixed size.
 */
import type { ChunkSizer } from '../../scan/plan.js';
import { initialController, observeBatch, type ControllerSettings } from './controller.js';

/** Rows of the first chunk, before any chunk has shown what a row costs. */
export const FIRST_CHUNK_ROWS = 5_000;

export function chunkSizer(targetMs: number): ChunkSizer {
  const settings: ControllerSettings = { targetMs, min: 100, max: 2_000_000, initial: FIRST_CHUNK_ROWS };
  let state = initialController(settings);
  return {
    get size() {
      return state.size;
    },
    observe(sample) {
      state = observeBatch(state, settings, sample);
    },
  };
}
