import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../bench/lib/args.js';

describe('npm run bench -- --log-level', () => {
  it('runs the server at warn unless told otherwise', () => {
    expect(parseArgs([]).logLevel).toBe('warn');
  });

  it('takes a pino level, as its own argument or after an equals sign', () => {
    expect(parseArgs(['--log-level', 'info']).logLevel).toBe('info');
    expect(parseArgs(['--log-level=debug', '--rounds', '2'])).toMatchObject({ logLevel: 'debug', rounds: 2 });
  });

  it('refuses a level pino does not have, naming the ones it has', () => {
    expect(() => parseArgs(['--log-level', 'loud'])).toThrow('--log-level must be one of fatal, error, warn, info, debug, trace, silent, got "loud"');
    expect(() => parseArgs(['--log-level'])).toThrow('got ""');
  });
});
