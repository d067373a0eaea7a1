/**
 * The inventory's columns: names, whether they are required, and how a cell's text
 * becomes a typed value. Both the CSV and the YAML inventory go through these, so a
 * value means the same thing in either format. Formats the appliance schema already
 * checks (SIP URIs, lengths) are left to it, so there is one rule per field.
 */

export const COLUMNS = [
  'site', 'ward', 'room', 'bed', 'unit_serial', 'unit_name', 'room_uri',
  'sip_account_ref', 'support_uri', 'speaker_volume', 'loop_enabled', 'loop_gain_db',
] as const;

export type ColumnName = (typeof COLUMNS)[number];

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

interface ColumnSpec<T> {
  required: boolean;
  /** `text` is trimmed and non-empty; empty cells get `empty` instead. */
  parse(text: string): Parsed<T>;
  empty: T;
}

const text = (maxLength: number): ColumnSpec<string> & { required: false } => ({
  required: false,
  empty: '',
  parse: (t) => (t.length <= maxLength ? { ok: true, value: t } : { ok: false, message: `is longer than ${maxLength} characters` }),
});
const requiredText = (maxLength: number): ColumnSpec<string> => ({ ...text(maxLength), required: true });

function integerIn(min: number, max: number, fallback: number): ColumnSpec<number> {
  return {
    required: false,
    empty: fallback,
    parse: (t) => {
      if (!/^[+-]?\d+$/.test(t)) return { ok: false, message: `"${t}" is not a whole number (${min}..${max})` };
      const n = Number(t);
      return n >= min && n <= max ? { ok: true, value: n } : { ok: false, message: `${n} is outside ${min}..${max}` };
    },
  };
}

function decimalIn(min: number, max: number, fallback: number): ColumnSpec<number> {
  return {
    required: false,
    empty: fallback,
    parse: (t) => {
      if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(t)) return { ok: false, message: `"${t}" is not a number (${min}..${max})` };
      const n = Number(t);
      return n >= min && n <= max ? { ok: true, value: n } : { ok: false, message: `${n} is outside ${min}..${max}` };
    },
  };
}

const TRUE = new Set(['true', 'yes', 'y', 'on', '1']);
const FALSE = new Set(['false', 'no', 'n', 'off', '0']);
const yesNo = (fallback: boolean): ColumnSpec<boolean> => ({
  required: false,
  empty: fallback,
  parse: (t) => {
    const v = t.toLowerCase();
    if (TRUE.has(v)) return { ok: true, value: true };
    if (FALSE.has(v)) return { ok: true, value: false };
    return { ok: false, message: `"${t}" is not yes/no (true, false, yes, no, 1, 0)` };
  },
});

const serial: ColumnSpec<string> = {
  required: true,
  empty: '',
  parse: (t) => (/^[A-Za-z0-9._-]{1,64}$/.test(t)
    ? { ok: true, value: t }
    : { ok: false, message: `"${t}" is not a unit serial (1-64 of A-Z a-z 0-9 . _ -)` }),
};

const accountRef: ColumnSpec<string> = {
  required: false,
  empty: '',
  parse: (t) => (/^[A-Za-z0-9._+-]{1,64}$/.test(t)
    ? { ok: true, value: t }
    : { ok: false, message: `"${t}" is not a SIP account reference (1-64 of A-Z a-z 0-9 . _ + -)` }),
};

export const COLUMN_SPECS = {
  site: requiredText(80),
  ward: requiredText(80),
  room: requiredText(40),
  bed: text(40),
  unit_serial: serial,
  unit_name: requiredText(80),
  room_uri: requiredText(256),
  sip_account_ref: accountRef,
  support_uri: text(256),
  /** Percent of the speaker's range. */
  speaker_volume: integerIn(0, 100, 70),
  loop_enabled: yesNo(false),
  /** Induction-loop gain relative to the installer's calibrated level. */
  loop_gain_db: decimalIn(-20, 20, 0),
} satisfies { [K in ColumnName]: ColumnSpec<unknown> };

export type ColumnValues = { [K in ColumnName]: (typeof COLUMN_SPECS)[K]['empty'] };

export function columnByHeader(header: string): ColumnName | undefined {
  const name = header.trim().toLowerCase();
  return (COLUMNS as readonly string[]).includes(name) ? (name as ColumnName) : undefined;
}
