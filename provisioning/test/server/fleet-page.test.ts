import { describe, expect, it } from 'vitest';
import { PAGE_WEEKS, escapeHtml, renderFleetPage } from '../../src/server/fleet-page.js';
import { csvField, meetingsCsv } from '../../src/server/csv-export.js';

describe('fleet page rendering', () => {
  it('shows the most recent weeks of meetings only', () => {
    const meetings = Array.from({ length: 10 }, (_, i) => ({ site: 'S', ward: 'W', week: `2025-W${String(i + 1).padStart(2, '0')}`, meetings: i + 1, totalSeconds: 600 }));
    const html = renderFleetPage({ units: [], meetings, now: new Date('2025-03-10T00:00:00Z'), offlineAfterSeconds: 90 });
    expect(PAGE_WEEKS).toBe(8);
    expect(html).toContain('2025-W10');
    expect(html).toContain('2025-W03');
    expect(html).not.toContain('2025-W02');
    expect(html).toContain('No unit is offline or reports a problem.');
  });

  it('escapes everything that came from the inventory', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('CSV export', () => {
  it('quotes per RFC 4180 and defuses spreadsheet formulas', () => {
    expect(csvField('Ward 7, Geriatrics')).toBe('"Ward 7, Geriatrics"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField(-3)).toBe('-3');
    expect(csvField(null)).toBe('');
    expect(meetingsCsv([{ site: 'S', ward: '+W', week: '2025-W01', meetings: 2, totalSeconds: 3000 }]))
      .toBe("site,ward,week,meetings,total_minutes\r\nS,'+W,2025-W01,2,50\r\n");
  });
});
