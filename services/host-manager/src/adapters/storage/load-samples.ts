// How a host's load history is stored: in its own hosts row, as one BLOB of fixed-size
// samples, newest first, at most LOAD_HISTORY_LENGTH of them. A report with load figures
// prepends its sample and cuts the oldest in the same UPDATE that records the report, so
// it changes one row on one page. As rows of a table of their own (an insert, an index
// entry and a pruning delete a report, on three or four pages), reports with figures cost
// the store about four times as much as reports without; now about 1.4 times
// (bench/load-history.ts).
// A sample is five little-endian float64s: the time it was taken (ms) and the four
// LOAD_FIELDS, NaN for a figure the host did not send (JSON cannot carry NaN, so it
// never stands for a figure).
import { LOAD_FIELDS } from "../../domain/host";
import { LOAD_HISTORY_LENGTH, type LoadSample } from "../../domain/load";

/** The hosts column the history is in: not a HostRecord field, read only by LoadHistory. */
export const LOAD_HISTORY_COLUMN = "load_history";

const VALUES_PER_SAMPLE = 1 + LOAD_FIELDS.length;
export const SAMPLE_BYTES = VALUES_PER_SAMPLE * 8;
/** The bytes of the newest LOAD_HISTORY_LENGTH - 1 samples: what a new one is put before. */
const KEPT_BEFORE_NEW = (LOAD_HISTORY_LENGTH - 1) * SAMPLE_BYTES;

/**
 * The SQL value of the history once the sample bound to its one parameter is prepended
 * (a NULL sample leaves it as it is). SQLite's || makes text of the two BLOBs' bytes and
 * substr counts a BLOB's bytes (and is NULL for none); the CAST gives back the bytes.
 */
export const PREPENDED_HISTORY_SQL = `coalesce(
  CAST(? || coalesce(substr(${LOAD_HISTORY_COLUMN}, 1, ${KEPT_BEFORE_NEW}), x'') AS BLOB),
  ${LOAD_HISTORY_COLUMN})`;

type LoadFigureValues = { readonly [F in (typeof LOAD_FIELDS)[number]]?: number | null };

function writeSample(target: Buffer, offset: number, figures: LoadFigureValues, at: number) {
  target.writeDoubleLE(at, offset);
  for (let i = 0; i < LOAD_FIELDS.length; i++) {
    target.writeDoubleLE(figures[LOAD_FIELDS[i]] ?? Number.NaN, offset + (i + 1) * 8);
  }
}

/** The report's load figures as a sample taken at `at`; null if it carries none. */
export function encodeSample(report: LoadFigureValues, at: number): Buffer | null {
  if (!LOAD_FIELDS.some((field) => report[field] !== undefined && report[field] !== null)) {
    return null;
  }
  const sample = Buffer.allocUnsafe(SAMPLE_BYTES);
  writeSample(sample, 0, report, at);
  return sample;
}

/** `samples`, newest first, as the history stores them (the migration from rows). */
export function encodeHistory(samples: readonly LoadSample[]): Buffer {
  const kept = samples.slice(0, LOAD_HISTORY_LENGTH);
  const history = Buffer.allocUnsafe(kept.length * SAMPLE_BYTES);
  kept.forEach((sample, i) => writeSample(history, i * SAMPLE_BYTES, sample, sample.at));
  return history;
}

/** The samples stored in `history`; at most `limit` of them, newest first. */
export function decodeSamples(history: Uint8Array | null, limit: number): LoadSample[] {
  if (history === null) return [];
  const view = new DataView(history.buffer, history.byteOffset, history.byteLength);
  const count = Math.min(limit, Math.floor(history.byteLength / SAMPLE_BYTES));
  const samples = new Array<LoadSample>(count);
  for (let i = 0; i < count; i++) {
    const start = i * SAMPLE_BYTES;
    const sample = { at: view.getFloat64(start, true) } as LoadSample;
    for (let f = 0; f < LOAD_FIELDS.length; f++) {
      const value = view.getFloat64(start + (f + 1) * 8, true);
      sample[LOAD_FIELDS[f]] = Number.isNaN(value) ? null : value;
    }
    samples[i] = sample;
  }
  return samples;
}

/** How many samples `history` holds. */
export function sampleCount(history: Uint8Array | null): number {
  return history === null ? 0 : Math.floor(history.byteLength / SAMPLE_BYTES);
}
