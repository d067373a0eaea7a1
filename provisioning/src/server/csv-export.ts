import type { WardWeek } from './repository.js';
import type { UnitView } from './unit-view.js';

/**
 * RFC 4180 field: quoted when needed. A leading = + - @ (or tab/CR) is prefixed with an
 * apostrophe so a spreadsheet never runs a ward or unit name as a formula.
 */
export function csvField(value: string | number | null): string {
  let s = value === null ? '' : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const line = (fields: Array<string | number | null>): string => `${fields.map(csvField).join(',')}\r\n`;

export function meetingsCsv(rows: readonly WardWeek[]): string {
  return line(['site', 'ward', 'week', 'meetings', 'total_minutes'])
    + rows.map((r) => line([r.site, r.ward, r.week, r.meetings, Math.round(r.totalSeconds / 60)])).join('');
}

export function unitsCsv(units: readonly UnitView[]): string {
  return line(['site', 'ward', 'room', 'bed', 'unit_serial', 'unit_name', 'status', 'last_seen', 'software_version',
    'applied_bundle_version', 'server_bundle_version', 'registration', 'problems'])
    + units.map((u) => line([u.site, u.ward, u.room, u.bed, u.serial, u.name, u.status, u.lastSeenAt, u.softwareVersion,
      u.appliedBundleVersion, u.serverBundleVersion, u.registration, u.problems.join('; ')])).join('');
}
