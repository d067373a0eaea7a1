import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { ApplianceError } from '../core/errors.js';
import { validateConfig } from './validate.js';
import type { AppConfig } from './schema.js';

/** Reads a JSON or YAML config file, validates it and returns it frozen. */
export async function loadConfigFile(path: string): Promise<AppConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ApplianceError('E_CONFIG_UNREADABLE', `Cannot read config file ${path}: ${(e as Error).message}`, { path });
  }
  return validateConfig(parseConfigText(text, path));
}

export function parseConfigText(text: string, path: string): unknown {
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (e) {
    throw new ApplianceError('E_CONFIG_INVALID', `Config file ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`, { path, field: '(file)' });
  }
}
