// Numeric flag parsing shared by the commands: commander hands over strings; these turn them into numbers or
// throw a one-line ConfigError naming the flag, what was expected and what was given. Not commander options.
import { ConfigError } from "../util/errors.js";

/** `value` as a number that passes `check`; else "--flag: expected <expected>, got '<value>'". */
export function numberFlag(
  flag: string,
  value: string,
  check: (v: number) => boolean,
  expected: string,
): number {
  const v = Number(value);
  if (value.trim() === "" || !Number.isFinite(v) || !check(v))
    throw new ConfigError(`--${flag}: expected ${expected}, got '${value}'`);
  return v;
}

/** `value` as an integer >= `min`. */
export function intFlag(flag: string, value: string, min: number): number {
  return numberFlag(flag, value, (v) => Number.isInteger(v) && v >= min, `an integer >= ${min}`);
}
