import { describe, expect, it } from 'vitest';
import { loadAdversarialCorpus } from '../../fixtures/adversarial.js';
import { ANOMALY_CLASSES, ruleKeys } from '../../src/rule/definition.js';
import { anomalyLabels, evaluateMetadataText } from '../../src/rule/evaluate.js';

const corpus = loadAdversarialCorpus();

describe('adversarial corpus, evaluated in TypeScript', () => {
  it.each(corpus.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = evaluateMetadataText(c.metadata);
    expect({
      cacheRead: result.cacheRead.toString(),
      cacheWrite: result.cacheWrite.toString(),
      anomalies: anomalyLabels(result.anomalies),
    }).toEqual(c.expected);
  });
});

describe('adversarial corpus coverage', () => {
  const labels = new Set(corpus.flatMap((c) => c.expected.anomalies));

  it('has every anomaly class on every key', () => {
    const missing = ANOMALY_CLASSES.filter((a) => a !== 'not_an_object').flatMap((a) =>
      ruleKeys()
        .map((key) => `${a}:${key}`)
        .filter((label) => !labels.has(label)),
    );
    expect(missing).toEqual([]);
    expect(labels.has('not_an_object:$')).toBe(true);
  });

  it('has NULL metadata, valid values on every key, and documents where upstream aborts and where it diverges', () => {
    expect(corpus.some((c) => c.metadata === null)).toBe(true);
    for (const key of ruleKeys()) {
      expect(
        corpus.some(
          (c) =>
            c.expected.anomalies.length === 0 && c.metadata?.includes(`"${key}"`) && c.expected.cacheRead + c.expected.cacheWrite !== '00',
        ),
      ).toBe(true);
    }
    expect(corpus.filter((c) => c.upstream?.status === 'error').length).toBeGreaterThan(20);
    expect(corpus.some((c) => c.upstream?.status === 'ok' && c.upstream.cacheWrite.startsWith('-'))).toBe(true);
    expect(corpus.filter((c) => c.upstream === undefined).length).toBeGreaterThanOrEqual(4);
  });

  it('has documents beyond a megabyte and nested thousands of levels deep', () => {
    expect(corpus.some((c) => (c.metadata?.length ?? 0) > 1_000_000)).toBe(true);
    expect(corpus.some((c) => c.metadata?.includes('['.repeat(5000)))).toBe(true);
  });
});
