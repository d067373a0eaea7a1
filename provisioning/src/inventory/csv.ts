/**
 * RFC 4180 CSV with positions: quoted fields with embedded commas, doubled quotes and
 * line breaks; CRLF, LF or a lone CR end a record; a leading UTF-8 BOM is ignored.
 * Malformed input is reported, never thrown, and parsing carries on so that every
 * problem in the file is found in one pass.
 */

export interface CsvField {
  /** Unquoted, with doubled quotes undone; line breaks inside quotes kept as written. */
  value: string;
  /** Where the field starts (its opening quote when quoted), 1-based. */
  line: number;
  col: number;
  quoted: boolean;
}

export interface CsvRecord {
  line: number;
  fields: CsvField[];
}

export interface CsvSyntaxError {
  line: number;
  col: number;
  message: string;
}

export interface CsvResult {
  records: CsvRecord[];
  errors: CsvSyntaxError[];
}

/** A record that is one empty unquoted field is a blank line: not a record. */
function isBlank(r: CsvRecord): boolean {
  return r.fields.length === 1 && r.fields[0]!.value === '' && !r.fields[0]!.quoted;
}

export function parseCsv(input: string): CsvResult {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  const errors: CsvSyntaxError[] = [];
  let i = 0;
  let line = 1;
  let col = 1;

  /** Consumes a line break at i if there is one (CRLF counts once). */
  const atLineBreak = (): boolean => text[i] === '\n' || text[i] === '\r';
  const consumeLineBreak = (): void => {
    if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
    else i += 1;
    line += 1;
    col = 1;
  };

  while (i < text.length) {
    const record: CsvRecord = { line, fields: [] };
    for (;;) {
      const field: CsvField = { value: '', line, col, quoted: false };
      if (text[i] === '"') {
        field.quoted = true;
        i += 1;
        col += 1;
        let closed = false;
        while (i < text.length) {
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field.value += '"';
              i += 2;
              col += 2;
              continue;
            }
            i += 1;
            col += 1;
            closed = true;
            break;
          }
          if (c === '\r' || c === '\n') {
            const start = i;
            consumeLineBreak();
            field.value += text.slice(start, i);
            continue;
          }
          field.value += c;
          i += 1;
          col += 1;
        }
        if (!closed) {
          errors.push({ line: field.line, col: field.col, message: 'quoted field is never closed (missing ")' });
        }
        // Anything between the closing quote and the next separator is malformed.
        if (closed && i < text.length && text[i] !== ',' && !atLineBreak()) {
          errors.push({ line, col, message: 'unexpected text after a closing quote (a quote inside a quoted field must be doubled: "")' });
          while (i < text.length && text[i] !== ',' && !atLineBreak()) {
            field.value += text[i];
            i += 1;
            col += 1;
          }
        }
      } else {
        let reportedQuote = false;
        while (i < text.length && text[i] !== ',' && !atLineBreak()) {
          if (text[i] === '"' && !reportedQuote) {
            errors.push({ line, col, message: 'a quote inside an unquoted field (quote the whole field and double the quote)' });
            reportedQuote = true;
          }
          field.value += text[i];
          i += 1;
          col += 1;
        }
      }
      record.fields.push(field);
      if (text[i] === ',') {
        i += 1;
        col += 1;
        continue;
      }
      if (i < text.length) consumeLineBreak();
      break;
    }
    if (!isBlank(record)) records.push(record);
  }
  return { records, errors };
}
