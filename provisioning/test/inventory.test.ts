import { describe, expect, it } from 'vitest';
import { parseInventory } from '../src/inventory/inventory.js';
import { HEADER, where } from './helpers.js';

describe('CSV inventory', () => {
  it('types a clean row and fills defaults for empty optional cells', () => {
    const inv = parseInventory(`${HEADER}\r\nSt Mary,Ward 4,12,,BVU-1,Bed 1,sips:a@x.org,,,,,\r\n`, 'inv.csv');
    expect(inv.problems).toEqual([]);
    expect(inv.rows[0]!.values).toEqual({
      site: 'St Mary', ward: 'Ward 4', room: '12', bed: '', unit_serial: 'BVU-1', unit_name: 'Bed 1', room_uri: 'sips:a@x.org',
      sip_account_ref: '', support_uri: '', speaker_volume: 70, loop_enabled: false, loop_gain_db: 0,
    });
  });

  it('reads a spreadsheet export with a BOM and CRLF, multi-line quoted cells counting their lines', () => {
    const inv = parseInventory(`\uFEFF${HEADER}\r\nA,"Ward\r\n4",1,,S1,N,sip:a@b,,,,,\r\nA,W,2,,S2,N,sip:b@b,,,x,,\r\n`, 'inv.csv');
    expect(inv.rows[0]!.values.ward).toBe('Ward\r\n4');
    expect(where(inv.problems)).toEqual(['4:23 E_INVENTORY_FIELD']);
  });

  it('accepts header names in any case and any column order', () => {
    const inv = parseInventory('UNIT_SERIAL, Unit_Name ,Room_URI,Site,Ward,Room,Loop_Enabled\nS1,N,sip:a@b,A,W,R,Yes\n', 'inv.csv');
    expect(inv.problems).toEqual([]);
    expect(inv.rows[0]!.values.loop_enabled).toBe(true);
    expect(inv.rows[0]!.cells.room_uri).toEqual({ line: 2, col: 6 });
  });

  it('reports every bad cell, duplicate and syntax error with its own line and column', () => {
    const csv = [
      HEADER,
      'St Mary,Ward 4,12,1,BVU-1,Bed 1,sips:a@x.org,acct1,,70,yes,0',
      'St Mary,Ward 4,12,2,bvu-1,Bed 2,sips:b@x.org,acct2,,101,maybe,0',
      ',Ward 4,12,3,BVU 3,Bed 3,sips:c@x.org,ACCT1,,70,no,30',
      'St Mary,Ward 4,12,1,BVU-4,"Bed ""4""",sips:d@x.org,acct4,,7.5,no,-1.5',
      'St Mary,Ward 4,12,5,BVU-5,Bed 5,sips:e@x.org,acct5,,70,no,0,extra',
      'St Mary,Ward 4,12,6,BVU-6,"Bed"6,sips:f@x.org,acct6,,70,no,0',
    ].join('\n');
    const inv = parseInventory(csv, 'inv.csv');
    expect(where(inv.problems).sort()).toEqual([
      '3:21 E_INVENTORY_DUPLICATE', // bvu-1: serials compare case-insensitively
      '3:53 E_INVENTORY_FIELD', // speaker_volume 101
      '3:57 E_INVENTORY_FIELD', // loop_enabled maybe
      '4:1 E_INVENTORY_FIELD', // site empty
      '4:14 E_INVENTORY_FIELD', // serial with a space
      '4:39 E_INVENTORY_DUPLICATE', // ACCT1 again
      '4:52 E_INVENTORY_FIELD', // loop gain 30
      '5:19 E_INVENTORY_DUPLICATE', // same site/ward/room/bed as line 2
      '5:59 E_INVENTORY_FIELD', // volume 7.5
      '6:61 E_INVENTORY_SYNTAX', // a 13th field
      '7:32 E_INVENTORY_SYNTAX', // "Bed"6
    ].sort());
    const byLine = (l: number) => inv.problems.filter((p) => p.line === l).map((p) => p.message).join(' | ');
    expect(byLine(3)).toMatch(/unit_serial already used on line 2/);
    expect(byLine(3)).toMatch(/101 is outside 0..100/);
    expect(byLine(4)).toMatch(/site is required/);
    // Rows with a bad cell are left out (their problems are kept).
    expect(inv.rows.map((r) => r.values.unit_serial)).toEqual(['BVU-1', 'BVU-5', 'BVU-6']);
  });

  it('reports unknown, duplicate and missing required columns once, on the header', () => {
    const inv = parseInventory('site,Ward,colour,ward,unit_serial,unit_name\nA,B,red,C,S1,N\n', 'inv.csv');
    expect(where(inv.problems)).toEqual([
      '1:11 E_INVENTORY_HEADER', '1:18 E_INVENTORY_HEADER', '1:1 E_INVENTORY_HEADER', '1:1 E_INVENTORY_HEADER',
    ]);
    expect(inv.problems.map((p) => p.message).join('\n')).toMatch(/unknown column "colour"[\s\S]*"ward" appears twice[\s\S]*"room" is missing[\s\S]*"room_uri" is missing/);
  });

  it('calls an inventory with only a header empty', () => {
    expect(where(parseInventory(`${HEADER}\n`, 'inv.csv').problems)).toEqual(['1:1 E_INVENTORY_EMPTY']);
  });
});

describe('YAML inventory', () => {
  it('reads a units: list, keeping serials and numbers as written', () => {
    const inv = parseInventory([
      'units:',
      '  - site: A',
      '    ward: W',
      '    room: 12',
      '    unit_serial: 00123',
      '    unit_name: Bed 1',
      '    room_uri: sip:a@b',
      '    speaker_volume: 80',
      '    loop_enabled: true',
      '    loop_gain_db: -2.5',
    ].join('\n'), 'inv.yaml');
    expect(inv.problems).toEqual([]);
    expect(inv.rows[0]!.values).toMatchObject({ room: '12', unit_serial: '00123', speaker_volume: 80, loop_enabled: true, loop_gain_db: -2.5 });
    expect(inv.rows[0]!.cells.unit_serial).toEqual({ line: 5, col: 18 });
  });

  it('reports every problem with the line and column of the key or value', () => {
    const yaml = [
      '- site: A', //                      1
      '  ward: W',
      '  room: "1"',
      '  unit_serial: S1',
      '  unit_name: Bed 1', //             5
      '  room_uri: sip:a@b',
      '  speaker_volume: loud',
      '- site: A', //                      8
      '  ward: W',
      '  room: "1"', //                    10
      '  unit_serial: s1',
      '  Colour: red',
      '  loop_enabled: [yes]',
      '  room_uri: sip:b@b',
      '- just text', //                    15
    ].join('\n');
    const inv = parseInventory(yaml, 'inv.yaml');
    expect(where(inv.problems).sort()).toEqual([
      '7:19 E_INVENTORY_FIELD', // speaker_volume loud
      '8:3 E_INVENTORY_FIELD', // unit_name missing in the second unit
      '11:16 E_INVENTORY_DUPLICATE', // s1 ~ S1
      '12:3 E_INVENTORY_HEADER', // unknown key
      '13:17 E_INVENTORY_FIELD', // a list where a value belongs
      '15:3 E_INVENTORY_SYNTAX', // not a mapping
    ].sort());
  });

  it('reports YAML syntax errors with their position', () => {
    const inv = parseInventory('units:\n  - site: A\n    ward: [W\n', 'inv.yaml');
    expect(inv.problems.length).toBeGreaterThan(0);
    expect(inv.problems.every((p) => p.code === 'E_INVENTORY_SYNTAX' && p.line >= 3)).toBe(true);
  });

  it('reports a duplicate key as a syntax error', () => {
    const inv = parseInventory('- site: A\n  site: B\n', 'inv.yaml');
    expect(where(inv.problems)).toEqual(['2:3 E_INVENTORY_SYNTAX']);
  });
});
