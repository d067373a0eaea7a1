import { createHash } from 'node:crypto';
import type { WardWeek } from './repository.js';
import type { UnitStatus, UnitView } from './unit-view.js';

/** Server-rendered, self-contained: no scripts, no external fonts or styles. */

export function escapeHtml(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

const STYLE = `body{font:15px/1.4 system-ui,sans-serif;margin:1.5rem;color:#111}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ccc;vertical-align:top}
th{background:#eee}.online{color:#0a6b22;font-weight:600}.offline,.problem{color:#a30000;font-weight:600}
.revoked{color:#555;text-decoration:line-through}.muted{color:#555}.summary span{margin-right:1.5rem}
code{font-size:.9em}`;

/** For the Content-Security-Policy: only this exact inline style is allowed. */
export const FLEET_PAGE_STYLE_HASH = `sha256-${createHash('sha256').update(STYLE).digest('base64')}`;
export const FLEET_PAGE_CSP = `default-src 'none'; style-src '${FLEET_PAGE_STYLE_HASH}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;

const STATUS_TEXT: Record<UnitStatus, string> = {
  online: 'online', offline: 'offline', 'never-seen': 'enrolled, no heartbeat yet', 'not-enrolled': 'waiting to enroll', revoked: 'revoked',
};

function age(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}

const td = (s: string, cls?: string): string => `<td${cls ? ` class="${cls}"` : ''}>${s}</td>`;

function unitRow(u: UnitView): string {
  const where = [u.site, u.ward, `room ${u.room}`, u.bed ? `bed ${u.bed}` : ''].filter(Boolean).map(escapeHtml).join(' / ');
  const bundle = u.appliedBundleVersion === null ? `— / ${u.serverBundleVersion}` : `${u.appliedBundleVersion} / ${u.serverBundleVersion}`;
  const behind = u.appliedBundleVersion !== null && u.appliedBundleVersion < u.serverBundleVersion;
  return `<tr>${td(`<strong>${escapeHtml(u.serial)}</strong><br>${escapeHtml(u.name)}`)}${td(where)}`
    + td(STATUS_TEXT[u.status], u.status === 'online' || u.status === 'offline' || u.status === 'revoked' ? u.status : 'muted')
    + td(age(u.heartbeatAgeSeconds))
    + td(escapeHtml(u.softwareVersion ?? '—'))
    + td(bundle, behind ? 'problem' : undefined)
    + td(escapeHtml(u.callState ?? '—'))
    + td(u.problems.length === 0 ? (u.lastSeenAt ? 'none' : '—') : u.problems.map((p) => `<code>${escapeHtml(p)}</code>`).join('<br>'), u.problems.length > 0 ? 'problem' : undefined)
    + '</tr>';
}

export interface FleetPageInput {
  units: readonly UnitView[];
  meetings: readonly WardWeek[];
  now: Date;
  offlineAfterSeconds: number;
}

/** Weeks of meetings shown on the page; the CSV export has them all. */
export const PAGE_WEEKS = 8;

const UNIT_TABLE_HEAD = '<thead><tr><th scope="col">Unit</th><th scope="col">Where</th><th scope="col">Status</th><th scope="col">Last heartbeat</th><th scope="col">Software</th><th scope="col">Bundle</th><th scope="col">Call</th><th scope="col">Problems</th></tr></thead>';

export function renderFleetPage(p: FleetPageInput): string {
  const attention = p.units.filter((u) => u.status === 'offline' || (u.status !== 'revoked' && u.problems.length > 0));
  const weeks = [...new Set(p.meetings.map((m) => m.week))].sort().reverse().slice(0, PAGE_WEEKS);
  const shownMeetings = p.meetings.filter((m) => weeks.includes(m.week));
  const count = (s: UnitStatus): number => p.units.filter((u) => u.status === s).length;
  const faulty = p.units.filter((u) => u.status !== 'revoked' && u.problems.length > 0).length;
  const versions = new Map<string, number>();
  for (const u of p.units) if (u.softwareVersion) versions.set(u.softwareVersion, (versions.get(u.softwareVersion) ?? 0) + 1);
  const meetingRows = shownMeetings.map((m) => `<tr>${td(escapeHtml(m.site))}${td(escapeHtml(m.ward))}${td(escapeHtml(m.week))}${td(String(m.meetings))}${td(String(Math.round(m.totalSeconds / 60)))}</tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="30"><title>Bedside units — fleet</title><style>${STYLE}</style></head>
<body><main>
<h1>Bedside units</h1>
<p class="summary"><span>${p.units.length} units</span><span class="online">${count('online')} online</span><span class="offline">${count('offline')} offline</span><span>${count('never-seen')} never seen</span><span>${count('not-enrolled')} waiting to enroll</span><span>${count('revoked')} revoked</span><span class="${faulty ? 'problem' : ''}">${faulty} with problems</span></p>
<p class="muted">Offline: no heartbeat for more than ${p.offlineAfterSeconds} s. As of ${escapeHtml(p.now.toISOString())}. Software versions: ${[...versions].map(([v, n]) => `${escapeHtml(v)} (${n})`).join(', ') || '—'}.</p>
<h2>Needs attention</h2>
${attention.length === 0 ? '<p>No unit is offline or reports a problem.</p>' : `<table>${UNIT_TABLE_HEAD}
<tbody>
${attention.map(unitRow).join('\n')}
</tbody></table>`}
<h2>All units</h2>
<table><caption class="muted">Bundle: applied on the unit / held by the server.</caption>
${UNIT_TABLE_HEAD}
<tbody>
${p.units.map(unitRow).join('\n')}
</tbody></table>
<h2>Meetings per ward per week</h2>
<p class="muted">The last ${PAGE_WEEKS} weeks with meetings; the CSV has every week.</p>
<table><thead><tr><th scope="col">Site</th><th scope="col">Ward</th><th scope="col">Week</th><th scope="col">Meetings</th><th scope="col">Minutes</th></tr></thead>
<tbody>
${meetingRows || '<tr><td colspan="5" class="muted">No meetings reported yet.</td></tr>'}
</tbody></table>
<p><a href="/api/meetings.csv">Meetings (CSV)</a> · <a href="/api/units.csv">Units (CSV)</a></p>
</main></body></html>
`;
}

export function renderLoginPage(failed: boolean): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fleet — sign in</title><style>${STYLE}</style></head>
<body><main><h1>Bedside units — sign in</h1>
${failed ? '<p class="problem" role="alert">That token is not right.</p>' : ''}
<form method="post" action="/login"><label for="token">IT token</label><br>
<input id="token" name="token" type="password" autocomplete="current-password" size="50" required>
<button type="submit">Sign in</button></form></main></body></html>
`;
}
