import { describe, expect, it } from 'vitest';
import {
  claimAt,
  failedCondition,
  globMatches,
  pinsAWorkload,
} from '../../src/federation/conditions.js';

/** A Kubernetes service-account token's claims, as a cluster's API server writes them. */
const K8S = {
  sub: 'system:serviceaccount:payments:deployer',
  'kubernetes.io': {
    namespace: 'payments',
    serviceaccount: { name: 'deployer', uid: '5a1f' },
    pod: { name: 'deploy-7d9', uid: '9c2e' },
  },
};

describe('trust-policy conditions', () => {
  it('reads a claim by its exact name, or by a path through names that hold dots', () => {
    expect(claimAt(K8S, 'kubernetes.io.namespace')).toBe('payments');
    expect(claimAt(K8S, 'kubernetes.io.pod.name')).toBe('deploy-7d9');
    expect(claimAt(K8S, 'kubernetes.io.serviceaccount.name')).toBe('deployer');
    expect(claimAt({ 'a.b': 1, a: { b: 2 } }, 'a.b')).toBe(1);
    expect(claimAt(K8S, 'kubernetes.io.nothing')).toBeUndefined();
    expect(claimAt(K8S, 'kubernetes')).toBeUndefined();
  });

  it('matches exact values and globs, * across / and :, ? one character', () => {
    expect(globMatches('repo:acme/app:*', 'repo:acme/app:ref:refs/heads/main')).toBe(true);
    expect(globMatches('repo:acme/app:*', 'repo:acme/application:ref:x')).toBe(false);
    expect(globMatches('v?', 'v1')).toBe(true);
    expect(globMatches('v?', 'v10')).toBe(false);
    expect(globMatches('a.b', 'aXb')).toBe(false);
  });

  it('names the first condition the claims fail; alternatives need one to match', () => {
    expect(
      failedCondition({ 'kubernetes.io.namespace': ['payments', 'billing'] }, K8S),
    ).toBeUndefined();
    expect(failedCondition({ 'kubernetes.io.pod.name': 'web-*' }, K8S)).toBe(
      'kubernetes.io.pod.name',
    );
    expect(failedCondition({ 'kubernetes.io': 'payments' }, K8S)).toBe('kubernetes.io');
    expect(failedCondition({ run_number: '4' }, { run_number: 4 })).toBeUndefined();
  });

  it('wants one condition that pins a workload', () => {
    expect(pinsAWorkload({ sub: 'repo:acme/app:*' })).toBe(true);
    expect(pinsAWorkload({ sub: 'repo:*' })).toBe(false);
    expect(pinsAWorkload({ sub: ['repo:acme/app:*', '*'] })).toBe(false);
    expect(pinsAWorkload({ repository: 'acme/app', ref: '*' })).toBe(true);
    expect(pinsAWorkload({ ref: 'refs/heads/main' })).toBe(false);
    expect(pinsAWorkload({ sub: 'system:serviceaccount:*' })).toBe(false);
  });
});
