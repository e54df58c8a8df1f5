import type { SigningAlgorithm } from '@patina/contract';
import { onTestFinished } from 'vitest';
import { type KeyPairSource, newKeyPair } from '../src/tokens/signing-keys.js';

type KeyPair = ReturnType<KeyPairSource>;

/** Pairs this test process has made, by algorithm, in the order tests asked for them. */
const made = new Map<SigningAlgorithm, KeyPair[]>();
/** How many of each the running test has had. */
let handedOut: Map<SigningAlgorithm, number> | undefined;

/**
 * Signing key pairs for test apps. A 2048-bit RSA pair takes ~100 ms to make and every app makes
 * two (access tokens and Shared Signals), so pairs are made once per test process and handed out
 * again. Within one test every pair is new to that test, for every app it starts: two apps of one
 * test never share a key, and a rotation always gets a key the test has not seen.
 */
export const reusedKeyPairs: KeyPairSource = (alg) => {
  if (!handedOut) {
    const counts = new Map<SigningAlgorithm, number>();
    handedOut = counts;
    onTestFinished(() => {
      if (handedOut === counts) handedOut = undefined;
    });
  }
  const index = handedOut.get(alg) ?? 0;
  handedOut.set(alg, index + 1);
  const pairs = made.get(alg) ?? [];
  made.set(alg, pairs);
  return (pairs[index] ??= newKeyPair(alg));
};
