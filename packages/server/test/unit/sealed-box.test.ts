import { describe, expect, it } from 'vitest';
import { SealedBox } from '../../src/core/sealed-box.js';
import { consoleSealer } from '../../src/console/seal.js';
import { webhookSecretBox } from '../../src/notifications/signer.js';

const MASTER = Buffer.alloc(32, 7);

describe('a sealed box', () => {
  it('opens what it sealed for the same context, and nothing else', () => {
    const box = new SealedBox(MASTER, 'patina/test/v1');
    const sealed = box.seal('the plaintext', 'row-1');
    expect(sealed).not.toContain('plaintext');
    expect(box.open(sealed, 'row-1')).toBe('the plaintext');
    expect(() => box.open(sealed, 'row-2')).toThrow();
    expect(box.tryOpen(sealed, 'row-2')).toBeUndefined();
    // Altered, truncated or not sealed at all.
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[bytes.length - 1]! ^= 1;
    expect(box.tryOpen(bytes.toString('base64url'), 'row-1')).toBeUndefined();
    expect(box.tryOpen(sealed.slice(0, 20), 'row-1')).toBeUndefined();
    expect(box.tryOpen('', 'row-1')).toBeUndefined();
  });

  it('seals each time with a new nonce', () => {
    const box = new SealedBox(MASTER, 'patina/test/v1');
    expect(box.seal('same', 'row-1')).not.toBe(box.seal('same', 'row-1'));
  });

  it('has a key of its own per label and per master key', () => {
    const sealed = consoleSealer(MASTER).seal('value', 'purpose');
    expect(webhookSecretBox(MASTER).tryOpen(sealed, 'purpose')).toBeUndefined();
    expect(consoleSealer(Buffer.alloc(32, 8)).tryOpen(sealed, 'purpose')).toBeUndefined();
    expect(consoleSealer(MASTER).tryOpen(sealed, 'purpose')).toBe('value');
  });
});
