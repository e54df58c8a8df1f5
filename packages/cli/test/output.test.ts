import { describe, expect, it } from 'vitest';
import { futureInstant, pastInstant, relativeTime } from '../src/durations.js';
import { colours, json, table, visible } from '../src/output.js';

const NOW = Date.parse('2026-01-15T10:00:00.000Z');

describe('table', () => {
  const rows = [
    [
      'CI pipeline',
      'sp:my-personal-access-tokens:read sp:my-personal-access-tokens:manage',
      'in 5 days',
    ],
    ['bot', 'sp:scopes:all', 'never'],
  ];

  it('pads columns to the widest cell, two spaces apart', () => {
    expect(table(['NAME', 'SCOPES', 'EXPIRES'], rows)).toBe(
      [
        'NAME         SCOPES                                                                 EXPIRES',
        'CI pipeline  sp:my-personal-access-tokens:read sp:my-personal-access-tokens:manage  in 5 days',
        'bot          sp:scopes:all                                                          never',
        '',
      ].join('\n'),
    );
  });

  it('cuts the shrinkable columns, with an ellipsis, to fit the terminal', () => {
    const text = table(['NAME', 'SCOPES', 'EXPIRES'], rows, { maxWidth: 50, shrinkable: [1] });
    expect(text).toBe(
      [
        'NAME         SCOPES                      EXPIRES',
        'CI pipeline  sp:my-personal-access-tok…  in 5 days',
        'bot          sp:scopes:all               never',
        '',
      ].join('\n'),
    );
    expect(Math.max(...text.split('\n').map((l) => l.length))).toBe(50);
  });

  it('measures cells by what shows, not by colour escapes', () => {
    const paint = colours({ isTTY: true }, {});
    const text = table(
      ['A', 'B'],
      [
        [paint.red('red'), 'x'],
        ['plain', 'y'],
      ],
    );
    expect(text).toBe(`A      B\n\u001b[31mred\u001b[39m    x\nplain  y\n`);
  });
});

describe('visible', () => {
  it('escapes control and invisible characters in every string, however deep', () => {
    const pat = {
      id: '86f1dc6fe8f54414950454cbb11278fa',
      name: 'ci\u001b[2J\u001b]52;c;aGk=\u0007\r\n',
      scope: ['a\u202Eb'],
      owner: { name: 'Zoë 👩🏽‍💻\u200B' },
      expirationDate: null,
      managed: false,
    };
    expect(visible(pat)).toEqual({
      id: '86f1dc6fe8f54414950454cbb11278fa',
      name: 'ci\\x1b[2J\\x1b]52;c;aGk=\\x07\\x0d\\x0a',
      scope: ['a\\u202eb'],
      owner: { name: 'Zoë 👩🏽‍💻\\u200b' },
      expirationDate: null,
      managed: false,
    });
    expect(visible('plain')).toBe('plain');
  });
});

describe('json', () => {
  it('escapes what a terminal acts on, and reads back as the same text', () => {
    const value = { name: 'a\u001b[2J\u009b\u007f\u202E\u2028\u{E0067}' };
    const text = json(value);
    expect(text).toBe('{\n  "name": "a\\u001b[2J\\u009b\\u007f\\u202e\\u2028\\udb40\\udc67"\n}\n');
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('colours', () => {
  it('only on a terminal, never with NO_COLOR or TERM=dumb, always with FORCE_COLOR', () => {
    const red = (tty: boolean, env: Record<string, string>) =>
      colours({ isTTY: tty }, env).red('x');
    expect(red(true, {})).toBe('\u001b[31mx\u001b[39m');
    expect(red(false, {})).toBe('x');
    expect(red(true, { NO_COLOR: '' })).toBe('x');
    expect(red(true, { TERM: 'dumb' })).toBe('x');
    expect(red(false, { FORCE_COLOR: '1' })).toBe('\u001b[31mx\u001b[39m');
  });
});

describe('times', () => {
  it('spans and dates for --expires and --since', () => {
    expect(futureInstant('30d', '--expires', NOW)).toBe('2026-02-14T10:00:00.000Z');
    expect(futureInstant('12h', '--expires', NOW)).toBe('2026-01-15T22:00:00.000Z');
    expect(futureInstant('2027-01-31', '--expires', NOW)).toBe('2027-01-31T00:00:00.000Z');
    expect(futureInstant('2027-01-31T12:30:00Z', '--expires', NOW)).toBe(
      '2027-01-31T12:30:00.000Z',
    );
    expect(pastInstant('7d', '--since', NOW)).toBe('2026-01-08T10:00:00.000Z');
    expect(() => futureInstant('soon', '--expires', NOW)).toThrow(
      '--expires must be a span like 30d or 12h, a date like 2027-01-31, or never',
    );
    expect(() => pastInstant('31/01/2026', '--since', NOW)).toThrow('--since must be');
  });

  it('relative times for people', () => {
    expect(relativeTime('2026-01-15T09:59:30.000Z', NOW)).toBe('just now');
    expect(relativeTime('2026-01-15T09:55:00.000Z', NOW)).toBe('5 minutes ago');
    expect(relativeTime('2026-01-15T11:00:00.000Z', NOW)).toBe('in 1 hour');
    expect(relativeTime('2026-01-20T10:00:00.000Z', NOW)).toBe('in 5 days');
    expect(relativeTime('2026-07-15T10:00:00.000Z', NOW)).toBe('in 6 months');
    expect(relativeTime('2024-01-15T10:00:00.000Z', NOW)).toBe('2 years ago');
  });
});
