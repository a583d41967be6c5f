import { SlackApiError } from './slack-api-error.js';

/**
 * A method's arguments with Slack's coercions: form values are strings, JSON values keep
 * their type; booleans accept `true`/`1`. Missing required arguments raise Slack's error.
 */
export class Args {
  constructor(readonly values: Record<string, unknown>) {}

  has(name: string): boolean {
    const value = this.values[name];
    return value !== undefined && value !== null && value !== '';
  }

  raw(name: string): unknown {
    return this.values[name];
  }

  string(name: string): string | undefined {
    const value = this.values[name];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw SlackApiError.invalidArguments(`must be a string [json-pointer:/${name}]`);
  }

  /** A required string, or `error` (default: invalid_arguments) when absent. */
  required(name: string, error?: string): string {
    const value = this.string(name);
    if (value === undefined) {
      throw error
        ? new SlackApiError(error)
        : SlackApiError.invalidArguments(`missing required field: ${name}`);
    }
    return value;
  }

  boolean(name: string, fallback = false): boolean {
    const value = this.values[name];
    if (value === true || value === 'true' || value === '1' || value === 1) return true;
    if (value === false || value === 'false' || value === '0' || value === 0) return false;
    return fallback;
  }

  integer(name: string): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n))
      throw SlackApiError.invalidArguments(`must be an integer [json-pointer:/${name}]`);
    return n;
  }

  /** A JSON argument (a JSON string in form bodies, a value in JSON bodies). */
  json(name: string, error: string): unknown {
    const value = this.values[name];
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value);
    } catch {
      throw new SlackApiError(error);
    }
  }
}
