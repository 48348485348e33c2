/** @module db/sqlite/timestamps — Unix ms <-> the `YYYY-MM-DD HH:MM:SS.ffffff+00:00` text the Python library stores. */

import { ValidationError } from "../../errors.js";

const MS_PER_DAY = 86_400_000;
/** Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar (civil-date arithmetic). */
const EPOCH_SHIFT_DAYS = 719_468;
const DAYS_PER_ERA = 146_097;
/** Year 0000-01-01 and 9999-12-31T23:59:59.999 as Unix ms: the range four-digit years can show. */
const MIN_MS = -62_167_219_200_000;
const MAX_MS = 253_402_300_799_999;

function padTwo(value: number): string {
  return value < 10 ? `0${value}` : `${value}`;
}

function padThree(value: number): string {
  if (value < 10) return `00${value}`;
  return value < 100 ? `0${value}` : `${value}`;
}

function padFour(value: number): string {
  if (value < 10) return `000${value}`;
  if (value < 100) return `00${value}`;
  return value < 1000 ? `0${value}` : `${value}`;
}

/**
 * Formats Unix ms as UTC text with microseconds (`2026-11-28 15:30:00.123000+00:00`), the form the
 * Python library writes, so both read each other's rows and text order equals time order.
 * Fractions of a millisecond are dropped.
 */
export function formatTimestamp(ms: number): string {
  if (!Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) {
    throw new ValidationError(
      `Cannot store the timestamp ${ms}: it is not a Unix millisecond time between the years 0 and 9999. Pass Date.now()-based values.`,
    );
  }
  const whole = Math.floor(ms);
  const days = Math.floor(whole / MS_PER_DAY);
  let msOfDay = whole - days * MS_PER_DAY;
  // Civil date from a day count: shift to eras of 400 years starting on March 1st.
  const shifted = days + EPOCH_SHIFT_DAYS;
  const era = Math.floor(shifted / DAYS_PER_ERA);
  const dayOfEra = shifted - era * DAYS_PER_ERA;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(msOfDay / 3_600_000);
  msOfDay -= hours * 3_600_000;
  const minutes = Math.floor(msOfDay / 60_000);
  msOfDay -= minutes * 60_000;
  const seconds = Math.floor(msOfDay / 1000);
  const millis = msOfDay - seconds * 1000;
  return `${padFour(year)}-${padTwo(month)}-${padTwo(day)} ${padTwo(hours)}:${padTwo(minutes)}:${padTwo(seconds)}.${padThree(millis)}000+00:00`;
}

/** Days since 1970-01-01 of a civil date (inverse of the arithmetic in `formatTimestamp`). */
function countDaysSinceEpoch(year: number, month: number, day: number): number {
  const marchYear = month <= 2 ? year - 1 : year;
  const era = Math.floor(marchYear / 400);
  const yearOfEra = marchYear - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * DAYS_PER_ERA + dayOfEra - EPOCH_SHIFT_DAYS;
}

/** The two-digit number at `index`, or -1 when those characters are not digits. */
function readTwoDigits(text: string, index: number): number {
  const tens = text.charCodeAt(index) - 48;
  const ones = text.charCodeAt(index + 1) - 48;
  // Written negated so NaN (reading past the end) also fails.
  if (!(tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9)) return -1;
  return tens * 10 + ones;
}

/**
 * Parses stored timestamp text to Unix ms, reading fixed positions (no `Date.parse`, which is
 * slow and lenient in surprising ways). Accepts the canonical form and what other writers
 * produce: `T` or space separator, no fraction or 1–9 fraction digits, `Z`, `±HH:MM`, `±HHMM`
 * or no offset (taken as UTC), a bare date. Fractions below a millisecond are dropped.
 * @returns Unix ms, or `NaN` when the text is not a timestamp.
 */
export function parseTimestamp(text: string): number {
  const length = text.length;
  if (length < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return Number.NaN;
  const century = readTwoDigits(text, 0);
  const yearInCentury = readTwoDigits(text, 2);
  const month = readTwoDigits(text, 5);
  const day = readTwoDigits(text, 8);
  if (century < 0 || yearInCentury < 0 || month < 1 || month > 12 || day < 1 || day > 31) {
    return Number.NaN;
  }
  let ms = countDaysSinceEpoch(century * 100 + yearInCentury, month, day) * MS_PER_DAY;
  if (length === 10) return ms;
  const separator = text.charCodeAt(10);
  // 32 space, 84 'T', 116 't'
  if ((separator !== 32 && separator !== 84 && separator !== 116) || length < 16) {
    return Number.NaN;
  }
  const hours = readTwoDigits(text, 11);
  const minutes = readTwoDigits(text, 14);
  if (hours < 0 || hours > 23 || text.charCodeAt(13) !== 58 || minutes < 0 || minutes > 59) {
    return Number.NaN;
  }
  ms += hours * 3_600_000 + minutes * 60_000;
  let index = 16;
  if (index < length && text.charCodeAt(index) === 58) {
    const seconds = readTwoDigits(text, 17);
    // 60 allows a leap second; it simply rolls into the next minute.
    if (seconds < 0 || seconds > 60) return Number.NaN;
    ms += seconds * 1000;
    index = 19;
    const mark = text.charCodeAt(index);
    if (mark === 46 || mark === 44) {
      // '.' or ',' then 1..9 digits; only the first three count (milliseconds).
      index += 1;
      const start = index;
      let millis = 0;
      while (index < length) {
        const digit = text.charCodeAt(index) - 48;
        if (digit < 0 || digit > 9) break;
        if (index - start < 3) millis = millis * 10 + digit;
        index += 1;
      }
      const digits = index - start;
      if (digits === 0 || digits > 9) return Number.NaN;
      if (digits === 1) millis *= 100;
      else if (digits === 2) millis *= 10;
      ms += millis;
    }
  }
  if (index === length) return ms;
  const sign = text.charCodeAt(index);
  if ((sign === 90 || sign === 122) && index + 1 === length) return ms; // 'Z' or 'z'
  if (sign !== 43 && sign !== 45) return Number.NaN; // '+' or '-'
  const offsetHours = readTwoDigits(text, index + 1);
  if (offsetHours < 0 || offsetHours > 23) return Number.NaN;
  let offsetMinutes = 0;
  const rest = length - index - 3;
  if (rest === 3 && text.charCodeAt(index + 3) === 58) {
    offsetMinutes = readTwoDigits(text, index + 4);
  } else if (rest === 2) {
    offsetMinutes = readTwoDigits(text, index + 3);
  } else if (rest !== 0) {
    return Number.NaN;
  }
  if (offsetMinutes < 0 || offsetMinutes > 59) return Number.NaN;
  const offsetMs = (offsetHours * 60 + offsetMinutes) * 60_000;
  // Local time minus a positive offset is UTC.
  return sign === 43 ? ms - offsetMs : ms + offsetMs;
}

/**
 * A stored timestamp value as Unix ms. SQLite may hand back numbers for rows other writers
 * stored as epoch values: below 1e11 they are read as seconds, otherwise as milliseconds.
 * @returns Unix ms, or `NaN` when the value is not a timestamp.
 */
export function readStoredTimestamp(value: unknown): number {
  if (typeof value === "string") return parseTimestamp(value);
  if (typeof value === "number") return value < 1e11 && value > -1e11 ? value * 1000 : value;
  if (typeof value === "bigint") return Number(value);
  return Number.NaN;
}

/** Largest distance from 1970 (ms) a JavaScript Date can hold: about 275,000 years. */
const MAX_DATE_MS = 8.64e15;

/**
 * ISO 8601 (`2026-11-28T15:30:00.123Z`) for a stored timestamp, or `undefined` when the value is
 * not one or lies outside what a Date can hold. Never throws: one damaged row must not stop a
 * listing of the others.
 */
export function toIsoTimestamp(value: unknown): string | undefined {
  const ms = readStoredTimestamp(value);
  if (!(ms >= -MAX_DATE_MS && ms <= MAX_DATE_MS)) return undefined;
  return new Date(ms).toISOString();
}

/** How a stored value is quoted in messages: text in quotes, numbers as they are, NULL as NULL. */
export function describeStoredValue(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "string") {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  }
  if (value instanceof Uint8Array) return `${value.byteLength} bytes of binary data`;
  return String(value);
}
