import { describe, expect, it } from 'vitest';
import { loadAdversarialCorpus } from '../../../fixtures/adversarial.js';
import { anomalyLabels, evaluateMetadata, evaluateMetadataText } from '../../../src/rule/evaluate.js';

function labels(text: string | null) {
  const result = evaluateMetadataText(text);
  return { read: result.cacheRead, write: result.cacheWrite, anomalies: anomalyLabels(result.anomalies) };
}

describe('evaluateMetadataText', () => {
  it.each<[string, string | null, bigint, bigint, string[]]>([
    ['NULL metadata gives (0, 0)', null, 0n, 0n, []],
    ['the empty object gives (0, 0)', '{}', 0n, 0n, []],
    ['reads take the largest of the three keys', '{"cache_read_input": 5, "input_cached": 700, "prompt_cached": 30}', 700n, 0n, []],
    [
      'writes come from cache_creation_input alone',
      '{"cache_creation_input": 1000, "cache_ephemeral_5m_input": 700, "cache_ephemeral_1h_input": 300}',
      0n,
      1000n,
      [],
    ],
    ['a breakdown without cache_creation_input writes nothing', '{"cache_ephemeral_5m_input": 700}', 0n, 0n, []],
    ['cache_creation_input is not a read key', '{"cache_creation_input": 9}', 0n, 9n, []],
    ['no read key is a write key', '{"cache_read_input": 1, "input_cached": 2, "prompt_cached": 3}', 3n, 0n, []],
    ['JSON null under a key is absent, not an anomaly', '{"cache_read_input": null, "cache_creation_input": null}', 0n, 0n, []],
    [
      'an anomalous value counts as absent',
      '{"cache_read_input": 9223372036854775808, "prompt_cached": 4}',
      4n,
      0n,
      ['out_of_range:cache_read_input'],
    ],
    [
      'anomalies follow rule order, whatever the document order',
      '{"cache_creation_input": true, "prompt_cached": -1, "cache_read_input": "x"}',
      0n,
      0n,
      ['not_a_number:cache_read_input', 'negative:prompt_cached', 'not_a_number:cache_creation_input'],
    ],
    ['an array document is one anomaly and (0, 0)', '[{"cache_read_input": 5}]', 0n, 0n, ['not_an_object:$']],
    ['a string document is one anomaly', '"cache_read_input"', 0n, 0n, ['not_an_object:$']],
    ['a number document is one anomaly', '42', 0n, 0n, ['not_an_object:$']],
    ['a JSON null document is one anomaly (it is not SQL NULL)', 'null', 0n, 0n, ['not_an_object:$']],
    ['2^63-1 is exact', '{"cache_read_input": 9223372036854775807}', 9223372036854775807n, 0n, []],
    ['2^53+1 is exact', '{"cache_creation_input": 9007199254740993}', 0n, 9007199254740993n, []],
  ])('%s', (_name, text, read, write, anomalies) => {
    expect(labels(text)).toEqual({ read, write, anomalies });
  });

  it('gives the same answer for jsonb-normalised text as for the text a client sent', () => {
    // jsonb prints 1e3 as 1000, -0 as 0, 1E+21 in full, and drops all but the last duplicate key.
    const pairs: [string, string][] = [
      ['{"cache_read_input": 1e3}', '{"cache_read_input": 1000}'],
      ['{"cache_read_input": -0}', '{"cache_read_input": 0}'],
      ['{"input_cached": 1E+21}', '{"input_cached": 1000000000000000000000}'],
      ['{"prompt_cached": 1.5e1}', '{"prompt_cached": 15}'],
      ['{"cache_read_input": "x", "cache_read_input": 5}', '{"cache_read_input": 5}'],
    ];
    for (const [sent, stored] of pairs) expect(labels(sent)).toEqual(labels(stored));
  });
});

describe('evaluateMetadata (already-parsed values)', () => {
  it('takes bigint values exactly', () => {
    const result = evaluateMetadata({ cache_read_input: 9223372036854775807n, cache_creation_input: 2n ** 63n });
    expect(result.cacheRead).toBe(9223372036854775807n);
    expect(result.cacheWrite).toBe(0n);
    expect(anomalyLabels(result.anomalies)).toEqual(['out_of_range:cache_creation_input']);
  });

  it('judges JavaScript numbers by how they print', () => {
    const result = evaluateMetadata({ cache_read_input: 1e21, input_cached: 12.5, prompt_cached: -0, cache_creation_input: 5376 });
    expect(result.cacheRead).toBe(0n);
    expect(result.cacheWrite).toBe(5376n);
    expect(anomalyLabels(result.anomalies)).toEqual(['out_of_range:cache_read_input', 'fractional:input_cached']);
  });

  it('treats null and undefined metadata as NULL, and a string as a non-object document', () => {
    expect(evaluateMetadata(null)).toEqual({ cacheRead: 0n, cacheWrite: 0n, anomalies: [] });
    expect(evaluateMetadata(undefined)).toEqual({ cacheRead: 0n, cacheWrite: 0n, anomalies: [] });
    expect(anomalyLabels(evaluateMetadata('{"cache_read_input": 5}').anomalies)).toEqual(['not_an_object:$']);
  });

  it('agrees with evaluateMetadataText wherever JSON.parse is exact', () => {
    const text = '{"cache_read_input": 51234, "input_cached": "77", "prompt_cached": true, "cache_creation_input": -3}';
    expect(evaluateMetadata(JSON.parse(text))).toEqual(evaluateMetadataText(text));
  });
});

describe('adversarial corpus, evaluated in TypeScript', () => {
  it.each(loadAdversarialCorpus().map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = evaluateMetadataText(c.metadata);
    expect({
      cacheRead: result.cacheRead.toString(),
      cacheWrite: result.cacheWrite.toString(),
      anomalies: anomalyLabels(result.anomalies),
    }).toEqual(c.expected);
  });
});
