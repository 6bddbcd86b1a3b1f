/** Status objects as apimachinery builds them: messages, details, key order. */
import { describe, expect, it } from 'vitest';
import { badRequest, conflict, invalid, notFound } from './errors.js';

describe('metav1.Status builders', () => {
  it('joins several field errors as an aggregate, as utilerrors does', () => {
    const s = invalid('authentication.k8s.io', 'TokenRequest', 'app', [
      { field: 'metadata.name', value: 'a', detail: 'x' },
      { field: 'spec.expirationSeconds', value: 1, detail: 'y' },
    ]);
    expect(s.message).toBe(
      'TokenRequest.authentication.k8s.io "app" is invalid: [metadata.name: Invalid value: "a": x, spec.expirationSeconds: Invalid value: 1: y]',
    );
    expect(s.details?.causes).toHaveLength(2);
  });

  it.each([
    [badRequest('m'), ['kind', 'apiVersion', 'metadata', 'status', 'message', 'reason', 'code']],
    [
      notFound('', 'pods', 'p'),
      ['kind', 'apiVersion', 'metadata', 'status', 'message', 'reason', 'details', 'code'],
    ],
  ])('writes the keys in kube-apiserver order', (s, keys) => {
    expect(Object.keys(s)).toEqual(keys);
  });

  it('qualifies a grouped resource', () => {
    expect(notFound('apps', 'deployments', 'd').message).toBe('deployments.apps "d" not found');
    expect(conflict('apps', 'Deployment', 'd', 'e').message).toBe(
      'Operation cannot be fulfilled on Deployment.apps "d": e',
    );
  });
});
