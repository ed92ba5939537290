/** A benchmark measurement with every field filled, for the bench report's unit tests. */
import type { Measurement } from '../../bench/measure.js';

export function measurement(id: Measurement['id'], fields: Partial<Measurement>): Measurement {
  return {
    id,
    label: id,
    round: 1,
    status: 'ok',
    error: null,
    steps: [],
    wallMs: 1000,
    rowsPerSecond: 0,
    walBytes: 1000,
    heapBytesAfter: 1000,
    indexBytesAfter: 0,
    rowsUpdated: 0,
    hotUpdated: 0,
    hotShare: null,
    fullPageImages: null,
    checkpoints: null,
    blocks: { heapRead: 0, heapHit: 0, indexRead: 0, indexHit: 0 },
    longestTransaction: {
      longestMs: 0,
      longestApplication: null,
      longestQuery: null,
      transactionsSeen: 0,
      longestWritingMs: 0,
      longestWritingQuery: null,
      samples: 0,
      intervalMs: 20,
      backendCpuMs: null,
    },
    batches: 0,
    longestBatchMs: null,
    peakRssBytes: null,
    rssMethod: null,
    columnSums: null,
    loadAverage: [0, 0],
    ...fields,
  };
}
