/**
 * Reading an operation's input (the JSON protocol's object; the query protocol's form is
 * turned into the same shape first). A member of the wrong type is the caller's mistake and
 * gets SQS's `InvalidParameterValue` [inferred], never a 500.
 */
import { put } from '../../common/own.js';
import { invalidParameter, missingParameter } from './errors.js';

export type Input = Readonly<Record<string, unknown>>;

/** A string member; `required` throws MissingParameter when it is absent. */
export function str(input: Input, name: string, required: true): string;
export function str(input: Input, name: string, required?: false): string | undefined;
export function str(input: Input, name: string, required = false): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) {
    if (required) throw missingParameter(name);
    return undefined;
  }
  if (typeof v !== 'string')
    throw invalidParameter(`Value ${JSON.stringify(v)} for parameter ${name} is invalid.`);
  return v;
}

/** An integer member (a JSON number or the query protocol's numeric string). */
export function int(input: Input, name: string): number | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n))
    throw invalidParameter(`Value ${JSON.stringify(v)} for parameter ${name} is invalid.`);
  return n;
}

/** A list of strings. */
export function strings(input: Input, name: string): string[] | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw invalidParameter(`Value for parameter ${name} is invalid.`);
  return v as string[];
}

/**
 * A map of strings to strings (Attributes, tags). A value that is not a string (`{"a": 5}`) is
 * refused as `str` refuses a scalar of the wrong type, never stored as its text: the model
 * types the values as strings, and the query protocol could not have sent anything else.
 */
export function stringMap(input: Input, name: string): Record<string, string> | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v))
    throw invalidParameter(`Value for parameter ${name} is invalid.`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x !== 'string') throw invalidParameter(`Value for parameter ${name} is invalid.`);
    put(out, k, x);
  }
  return out;
}

/** A list of objects (batch entries). */
export function objects(input: Input, name: string): Input[] | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'object' || x === null || Array.isArray(x)))
    throw invalidParameter(`Value for parameter ${name} is invalid.`);
  return v as Input[];
}
