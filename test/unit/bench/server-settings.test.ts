import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../../bench/options.js';
import { parseServerSettings } from '../../../bench/server-settings.js';

describe('parseServerSettings', () => {
  it.each([
    [[], {}],
    [['io_method=sync'], { io_method: 'sync' }],
    [['io_method=worker', 'io_workers=6'], { io_method: 'worker', io_workers: '6' }],
    [[' IO_Method = sync '], { io_method: 'sync' }],
    [['auto_explain.log_min_duration=0'], { 'auto_explain.log_min_duration': '0' }],
    [['search_path=a,b'], { search_path: 'a,b' }],
    [['application_name=x=y'], { application_name: 'x=y' }],
  ])('%j → %j', (raw, settings) => {
    expect(parseServerSettings(raw)).toEqual({ settings, problems: [] });
  });

  it.each([
    ['io_method', /must be name=value, e\.g\. io_method=sync, got "io_method"/],
    ['io_method=', /must be name=value/],
    ['=sync', /must be name=value/],
    ['io method=sync', /must be name=value/],
    ['shared_buffers=2GB', /shared_buffers: use --shared-buffers instead/],
  ])('rejects %s', (item, message) => {
    const { problems } = parseServerSettings([item]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('rejects a setting given twice, naming both values', () => {
    expect(parseServerSettings(['io_method=sync', 'io_method=worker']).problems).toEqual([
      '--server-setting io_method is given twice ("sync" and "worker")',
    ]);
  });
});

describe('npm run bench -- --server-setting', () => {
  it('is repeatable and reaches the options', () => {
    const parsed = parseBenchArgs(['--major', '18', '--server-setting', 'io_method=sync', '--server-setting', 'io_workers=1']);
    expect(parsed.status === 'ok' && parsed.options.serverSettings).toEqual({ io_method: 'sync', io_workers: '1' });
  });

  it('defaults to none', () => {
    const parsed = parseBenchArgs([]);
    expect(parsed.status === 'ok' && parsed.options.serverSettings).toEqual({});
  });

  it('is refused with --server-url (it could not be applied) and with a malformed value, together', () => {
    const parsed = parseBenchArgs(['--server-url', 'postgres://x/y', '--server-setting', 'io_method']);
    expect(parsed.status === 'invalid' && parsed.problems).toEqual([
      '--server-setting must be name=value, e.g. io_method=sync, got "io_method"',
      '--server-setting applies to the embedded server; with --server-url, set it on that server',
    ]);
  });
});
