/**
 * A udev rules syntax check (udevadm verify arrives only with systemd 254; Debian 12 has 252):
 * every rule is comma-separated KEY[{attr}] OP "value" pairs, match keys take == or !=,
 * assignment keys take = += -= :=, and unknown keys are errors.
 */
const MATCH_ONLY = new Set(['ACTION', 'DEVPATH', 'KERNEL', 'KERNELS', 'SUBSYSTEM', 'SUBSYSTEMS', 'DRIVER', 'DRIVERS', 'ATTRS', 'TAGS', 'TEST', 'PROGRAM', 'RESULT', 'CONST']);
const ASSIGN_ONLY = new Set(['SYMLINK', 'OWNER', 'GROUP', 'MODE', 'RUN', 'LABEL', 'GOTO', 'IMPORT', 'OPTIONS', 'NAME', 'SECLABEL', 'SYSCTL']);
const EITHER = new Set(['ATTR', 'ENV', 'TAG']);
const TAKES_ATTR = new Set(['ATTR', 'ATTRS', 'ENV', 'TEST', 'IMPORT', 'RUN', 'SECLABEL', 'SYSCTL', 'CONST']);
const PAIR = /\s*([A-Z_]+)(\{[^}]*\})?\s*(==|!=|\+=|-=|:=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;

export function udevRuleProblems(text: string): string[] {
  const problems: string[] = [];
  text.replace(/\\\n/g, ' ').split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    PAIR.lastIndex = 0;
    let pos = 0;
    let pairs = 0;
    let hasAssign = false;
    while (pos < line.length) {
      PAIR.lastIndex = pos;
      const m = PAIR.exec(line);
      if (!m || m.index !== pos) { problems.push(`line ${i + 1}: cannot parse at column ${pos + 1}`); return; }
      const [, key = '', attr, op = ''] = m;
      const isMatch = op === '==' || op === '!=';
      if (!MATCH_ONLY.has(key) && !ASSIGN_ONLY.has(key) && !EITHER.has(key)) problems.push(`line ${i + 1}: unknown key ${key}`);
      else if (MATCH_ONLY.has(key) && !isMatch) problems.push(`line ${i + 1}: ${key} is a match key, "${op}" assigns`);
      else if (ASSIGN_ONLY.has(key) && isMatch) problems.push(`line ${i + 1}: ${key} is an assignment key, "${op}" compares`);
      if (attr && !TAKES_ATTR.has(key)) problems.push(`line ${i + 1}: ${key} takes no {attribute}`);
      if (!isMatch) hasAssign = true;
      pairs++;
      pos = PAIR.lastIndex;
      if (m[5] === '' && pos < line.length) { problems.push(`line ${i + 1}: missing comma at column ${pos + 1}`); return; }
    }
    if (pairs > 0 && !hasAssign) problems.push(`line ${i + 1}: rule matches but assigns nothing`);
  });
  return problems;
}
