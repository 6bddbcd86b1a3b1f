/**
 * The kubectl-shaped pieces of the cluster commands, checked against kubectl's own rules:
 * AGE (apimachinery's HumanDuration), `-o yaml`, and `delete`'s arguments.
 */
import { describe, expect, it } from 'vitest';
import { CliError } from '../io.js';
import { age, deleteTargets, kubectlYaml } from './cluster.js';

describe('age (kubectl AGE, duration.HumanDuration)', () => {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const at = (seconds: number) => age('2026-01-01T00:00:00Z', t0 + seconds * 1000);
  const m = 60;
  const h = 3600;
  const d = 86400;
  it('follows each band of the table', () => {
    expect(at(0)).toBe('0s');
    expect(at(95)).toBe('95s');
    expect(at(119)).toBe('119s');
    expect(at(120)).toBe('2m');
    expect(at(3 * m + 5)).toBe('3m5s');
    expect(at(9 * m + 59)).toBe('9m59s');
    expect(at(10 * m + 30)).toBe('10m');
    expect(at(150 * m)).toBe('150m');
    expect(at(3 * h)).toBe('3h');
    expect(at(5 * h + 3 * m)).toBe('5h3m');
    expect(at(8 * h + 59 * m)).toBe('8h');
    expect(at(47 * h)).toBe('47h');
    expect(at(2 * d)).toBe('2d');
    expect(at(3 * d + 5 * h)).toBe('3d5h');
    expect(at(8 * d)).toBe('8d');
    expect(at(300 * d)).toBe('300d');
    expect(at(729 * d)).toBe('729d');
    expect(at(730 * d)).toBe('2y');
    expect(at(760 * d)).toBe('2y30d');
    expect(at(8 * 365 * d + 40 * d)).toBe('8y');
  });
  it('tolerates a second of clock skew; more is <invalid>', () => {
    expect(at(-1)).toBe('0s');
    expect(at(-1.5)).toBe('0s');
    expect(at(-2)).toBe('<invalid>');
    expect(age(undefined)).toBe('<unknown>');
  });
});

describe('kubectlYaml (-o yaml)', () => {
  it('quotes timestamps and YAML 1.1 booleans, sorts keys, does not indent lists', () => {
    expect(
      kubectlYaml({
        metadata: { name: 'on', creationTimestamp: '2026-12-07T10:23:57Z' },
        apiVersion: 'v1',
        spec: { containers: [{ name: 'app', image: 'x' }] },
      }),
    ).toBe(
      [
        'apiVersion: v1',
        'metadata:',
        '  creationTimestamp: "2026-12-07T10:23:57Z"',
        '  name: "on"',
        'spec:',
        '  containers:',
        '  - image: x',
        '    name: app',
      ].join('\n'),
    );
  });
});

describe('deleteTargets (kubectl delete arguments)', () => {
  it('takes TYPE NAME…, or TYPE/NAME…', () => {
    expect(deleteTargets('pod', ['a', 'b'])).toEqual([
      { kind: 'pods', name: 'a' },
      { kind: 'pods', name: 'b' },
    ]);
    expect(deleteTargets('pod/a', ['deploy/b'])).toEqual([
      { kind: 'pods', name: 'a' },
      { kind: 'deployments', name: 'b' },
    ]);
  });
  it('refuses what kubectl refuses', () => {
    expect(() => deleteTargets('pod', [])).toThrow(
      'resource(s) were provided, but no name was specified',
    );
    expect(() => deleteTargets('pod/a', ['b'])).toThrow(
      'arguments in resource/name form must have a single resource and name',
    );
    expect(() => deleteTargets('pod', ['pod/a'])).toThrow(/no need to specify a resource type/);
    expect(() => deleteTargets('configmap', ['a'])).toThrow(CliError);
  });
});
