import { describe, expect, it } from 'vitest';
import { parseCsv } from '../src/inventory/csv.js';

const values = (text: string): string[][] => parseCsv(text).records.map((r) => r.fields.map((f) => f.value));

describe('parseCsv', () => {
  it('splits plain records on LF and CRLF alike', () => {
    expect(values('a,b\nc,d\n')).toEqual([['a', 'b'], ['c', 'd']]);
    expect(values('a,b\r\nc,d\r\n')).toEqual([['a', 'b'], ['c', 'd']]);
    expect(values('a,b\rc,d')).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('keeps commas, doubled quotes and line breaks inside quoted fields', () => {
    const r = parseCsv('x,"a, b","say ""hi""","two\r\nlines"\nnext,1,2,3\n');
    expect(r.errors).toEqual([]);
    expect(r.records.map((x) => x.fields.map((f) => f.value))).toEqual([
      ['x', 'a, b', 'say "hi"', 'two\r\nlines'],
      ['next', '1', '2', '3'],
    ]);
    // The record after a quoted line break starts on line 3.
    expect(r.records[1]!.line).toBe(3);
  });

  it('tracks the line and column where each field starts', () => {
    const r = parseCsv('ab,"c\nd",e\nf,,g');
    const pos = r.records.map((x) => x.fields.map((f) => [f.line, f.col]));
    expect(pos).toEqual([[[1, 1], [1, 4], [2, 4]], [[3, 1], [3, 3], [3, 4]]]);
  });

  it('ignores a leading BOM without shifting columns', () => {
    const r = parseCsv('\uFEFFsite,ward\nA,B');
    expect(r.records[0]!.fields.map((f) => f.value)).toEqual(['site', 'ward']);
    expect(r.records[0]!.fields[1]!.col).toBe(6);
  });

  it('keeps empty fields, including a trailing one, and skips blank lines', () => {
    expect(values('a,,\n\n\nb,"",c\n\n')).toEqual([['a', '', ''], ['b', '', 'c']]);
    expect(parseCsv('').records).toEqual([]);
  });

  it('reports an unclosed quote, text after a closing quote and a stray quote, and carries on', () => {
    const r = parseCsv('a,"b"x,c\nd,e"f,g\nh,"never closed\ni');
    expect(r.errors.map((e) => [e.line, e.col])).toEqual([[1, 6], [2, 4], [3, 3]]);
    expect(r.errors[0]!.message).toMatch(/after a closing quote/);
    expect(r.errors[1]!.message).toMatch(/unquoted field/);
    expect(r.errors[2]!.message).toMatch(/never closed/);
    // Recovery keeps the text so later checks still see the row.
    expect(values('a,"b"x,c')).toEqual([['a', 'bx', 'c']]);
  });
});
