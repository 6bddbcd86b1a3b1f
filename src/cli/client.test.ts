import { describe, expect, it } from 'vitest';
import { statusMessage } from './client.js';

describe('statusMessage (kubectl checkErr)', () => {
  it('prints most reasons after kubectl’s `Error from server (Reason):`', () => {
    expect(statusMessage({ reason: 'NotFound', message: 'pods "x" not found' })).toBe(
      'Error from server (NotFound): pods "x" not found',
    );
  });

  it('prints Invalid from its details, without that prefix: one cause inline', () => {
    expect(
      statusMessage({
        reason: 'Invalid',
        message:
          'The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
        details: {
          kind: 'Deployment',
          name: 'web',
          causes: [
            {
              reason: 'FieldValueInvalid',
              field: 'spec.replicas',
              message: 'Invalid value: -1: must be greater than or equal to 0',
            },
          ],
        },
      }),
    ).toBe(
      'The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    );
  });

  it('prints several causes one `* ` line each under the header', () => {
    expect(
      statusMessage({
        reason: 'Invalid',
        message: 'The Pod "Bad_Pod" is invalid: [a, b]',
        details: {
          kind: 'Pod',
          name: 'Bad_Pod',
          causes: [
            {
              reason: 'FieldValueInvalid',
              field: 'metadata.name',
              message: 'Invalid value: "Bad_Pod": x',
            },
            { reason: 'FieldValueRequired', field: 'spec.containers', message: 'Required value' },
            { reason: 'FieldValueRequired', field: 'spec.containers', message: 'Required value' },
          ],
        },
      }),
    ).toBe(
      'The Pod "Bad_Pod" is invalid: \n* metadata.name: Invalid value: "Bad_Pod": x\n* spec.containers: Required value',
    );
  });

  it('takes apart an Invalid message that came without details, one object a line', () => {
    expect(
      statusMessage({
        reason: 'Invalid',
        message: [
          'The Pod "Bad_Pod" is invalid: [metadata.name: Invalid value: "Bad_Pod": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character, spec.containers: Required value]',
          'The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
        ].join('\n'),
      }),
    ).toBe(
      [
        'The Pod "Bad_Pod" is invalid: ',
        "* metadata.name: Invalid value: \"Bad_Pod\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        '* spec.containers: Required value',
        'The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      ].join('\n'),
    );
  });
});
